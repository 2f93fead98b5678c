//! The command line, as clap derive structs, and the checks that turn bad
//! input into one-line errors (exit code 2).

use crate::jobs::SeedRange;
use clap::{Args, Parser, Subcommand};
use std::fmt;
use tester::oracle::OracleSet;
use tester::registry::{self, TestDef, clip};
use tester::seeds::parse_seed;
use tester::{Budget, Edition};

/// Run, sweep and replay the MIT 6.5840 Raft tests (3A-3D) in virtual time.
#[derive(Debug, Parser)]
#[command(name = "lab", version)]
pub struct Cli {
    /// Which of this binary's Rafts to run (its registered variants; the
    /// first by default). Replay lines name it.
    #[arg(long, global = true, value_name = "NAME")]
    pub raft: Option<String>,
    /// Strict oracles: check Raft's safety properties after every input
    /// (one leader per term, log matching, applied entries stored on a
    /// majority, applied values agree, applied index never goes back, durable
    /// state equal to a restart's, a new leader holds every committed entry,
    /// a leader only appends, votes go to up-to-date logs only).
    #[arg(long, global = true)]
    pub strict: bool,
    /// Only these strict oracles, comma-separated: election-safety,
    /// log-matching, stored-on-majority, applied-agree, apply-monotonic,
    /// durability, leader-completeness, leader-append-only,
    /// election-restriction.
    #[arg(long, global = true, value_name = "LIST", value_parser = parse_oracles, conflicts_with = "strict")]
    pub oracles: Option<OracleSet>,
    /// Load scenario files (`*.toml`) from DIR as tests `scenario/<stem>`
    /// [default: scenarios/, if present].
    #[arg(long, global = true, value_name = "DIR")]
    pub scenarios: Option<std::path::PathBuf>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// Copies the global flags into the subcommand's [`Common`] options.
    pub fn spread_globals(&mut self) {
        let common = match &mut self.command {
            Command::List { .. } | Command::New(_) => return,
            Command::Run(a) => &mut a.common,
            Command::Sweep(a) => &mut a.common,
            Command::Replay(a) => &mut a.common,
            Command::Bench(a) => &mut a.common,
            Command::Worker(a) => &mut a.common,
            #[cfg(feature = "reference")]
            Command::Mutants(a) => &mut a.common,
            Command::Merge(_) => return,
        };
        common.strict = self.oracles.unwrap_or(OracleSet::all_if(self.strict));
    }
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the tests: part, servers, network and snapshot mode.
    List {
        /// A part (3A, or 2A-2D) or a substring of the test names.
        filter: Option<String>,
    },
    /// Run the matching tests in this process, printing the course's lines.
    Run(RunArgs),
    /// Run many seeds of the matching tests in parallel, isolated in workers.
    Sweep(SweepArgs),
    /// Re-run one seed with tracing on and print what happened.
    #[command(after_help = labtrace::vocab::topics_help())]
    Replay(ReplayArgs),
    /// Measure the simulator's throughput over the suite, by part.
    Bench(BenchArgs),
    /// Run the whole suite against each of labraft's injectable bugs and
    /// print which tests catch which bug (exit 0 once every run has a result;
    /// --max-events is capped at 5 000 000, as buggy Rafts may livelock).
    #[cfg(feature = "reference")]
    Mutants(MutantsArgs),
    /// Make a student crate: a skeleton Raft, the tests, this command line.
    New(crate::new::NewArgs),
    /// Combine the `--json` files of a sweep's shards (or of several
    /// sweeps) into one table, failure groups and exit code.
    Merge(MergeArgs),
    /// Internal: run jobs read from stdin, one JSON result line each.
    #[command(hide = true)]
    Worker(WorkerArgs),
}

impl Command {
    /// Whether this is `lab mutants` (which exists with the `reference`
    /// feature only).
    pub fn is_mutants(&self) -> bool {
        #[cfg(feature = "reference")]
        return matches!(self, Command::Mutants(_));
        #[cfg(not(feature = "reference"))]
        false
    }
}

/// Options shared by every command that runs tests.
#[derive(Debug, Args, Clone, Copy)]
pub struct Common {
    /// The tester edition: 2024, 2025 or 2026.
    #[arg(long, default_value = "2026", value_parser = parse_edition)]
    pub edition: Edition,
    /// Most simulator events one run may process.
    #[arg(long, default_value_t = Budget::default().max_events)]
    pub max_events: u64,
    /// Most virtual milliseconds one run may take.
    #[arg(long, default_value_t = Budget::default().max_virtual_ms)]
    pub max_virtual_ms: u64,
    /// Strict oracles (set from the global `--strict` or `--oracles`).
    #[arg(skip)]
    pub strict: OracleSet,
    /// Do not re-run a failed run with every strict oracle observing to
    /// find its first broken invariant (faster when many runs fail).
    #[arg(long)]
    pub no_root_cause: bool,
}

impl Common {
    /// The runaway budget.
    pub fn budget(&self) -> Budget {
        Budget {
            max_events: self.max_events,
            max_virtual_ms: self.max_virtual_ms,
        }
    }
    /// `test` on `seed` with these options (edition, budget, strictness).
    pub fn spec(&self, test: &'static tester::TestDef, seed: u64) -> tester::RunSpec {
        tester::RunSpec::new(test, seed, self.edition)
            .with_budget(self.budget())
            .oracles(self.strict)
            .root_cause(!self.no_root_cause)
    }
}

/// `lab run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// A part (3A, or 2A-2D) or a substring of the test names.
    pub filter: String,
    /// The first seed (decimal or 0x-hex); fresh when not given.
    #[arg(long, value_parser = parse_seed_arg)]
    pub seed: Option<u64>,
    /// Seeds per test: S, S+1, ...
    #[arg(long, default_value_t = 1, value_parser = parse_count)]
    pub seeds: u64,
    /// CPU time limit per run, in ms (also: as long without using any CPU);
    /// a run over it ends `lab run` as a hang.
    #[arg(long, default_value_t = 10_000, value_parser = parse_count)]
    pub timeout_ms: u64,
    /// Run every run twice, the second time in another process with
    /// another history, and compare them: a run whose two executions
    /// differ is reported as nondeterministic, with the first event where
    /// they parted (exit code 5).
    #[arg(long)]
    pub check_determinism: bool,
    /// Shared options.
    #[command(flatten)]
    pub common: Common,
}

/// `lab sweep`.
#[derive(Debug, Args)]
pub struct SweepArgs {
    /// A part (3A, or 2A-2D) or a substring of the test names.
    pub filter: String,
    /// Seeds per test.
    #[arg(long, value_parser = parse_count)]
    pub seeds: u64,
    /// The first seed.
    #[arg(long, default_value = "1", value_parser = parse_seed_arg)]
    pub from: u64,
    /// Worker processes (default: one per core). With
    /// `--check-determinism`, half of them are checkers (two at the least).
    #[arg(long, value_parser = parse_count)]
    pub jobs: Option<u64>,
    /// K/N: run only the K-th (1-based) of N equal slices of the seed range.
    #[arg(long, value_parser = parse_shard)]
    pub shard: Option<Shard>,
    /// Write every result as JSON to FILE, each as it finishes (created
    /// before the first run; valid after an interrupt).
    #[arg(long, value_name = "FILE")]
    pub json: Option<std::path::PathBuf>,
    /// Stop handing out runs after the first failure (the rest are counted
    /// and listed as skipped).
    #[arg(long)]
    pub fail_fast: bool,
    /// CPU time limit per run, in ms (also: as long without using any CPU);
    /// a run over it is a hang and its worker is replaced.
    #[arg(long, default_value_t = 10_000, value_parser = parse_count)]
    pub timeout_ms: u64,
    /// Run every run twice, the second time in another process with
    /// another history, and compare them: a run whose two executions
    /// differ is reported as nondeterministic, with the first event where
    /// they parted (exit code 5).
    #[arg(long)]
    pub check_determinism: bool,
    /// Shared options.
    #[command(flatten)]
    pub common: Common,
}

/// `lab replay`.
#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// The test's name (2A-2D spellings accepted).
    pub test: String,
    /// The seed to replay.
    #[arg(long, value_parser = parse_seed_arg)]
    pub seed: u64,
    /// One column per server.
    #[arg(long)]
    pub columns: bool,
    /// Width of the column layout [default: the terminal's, else 150].
    #[arg(long, value_name = "N", value_parser = parse_width)]
    pub width: Option<usize>,
    /// Only these topics (comma-separated, listed below); the tester's
    /// markers are shown whatever this says.
    #[arg(long, value_delimiter = ',', value_name = "TOPICS")]
    pub only: Vec<String>,
    /// Never these topics, the tester's markers included.
    #[arg(long, value_delimiter = ',', value_name = "TOPICS")]
    pub hide: Vec<String>,
    /// Only this server's events (and the tester's markers); with
    /// --columns, only its column.
    #[arg(long)]
    pub server: Option<usize>,
    /// Write the run's timeline to FILE: one self-contained HTML page.
    #[arg(long, value_name = "FILE")]
    pub html: Option<std::path::PathBuf>,
    /// Write the run as Chrome Trace Event JSON to FILE (for Perfetto).
    #[arg(long, value_name = "FILE")]
    pub perfetto: Option<std::path::PathBuf>,
    /// Which of the Raft's own events to collect, RUST_LOG-style:
    /// `debug`, `my_raft=trace,my_raft::net=off` [default: $LAB_LOG, else
    /// debug]. The lab's own events (`lab::*`) are kept unless named.
    #[arg(long, value_name = "FILTER")]
    pub log: Option<String>,
    /// The trace hash the replayed run had (replay lines carry it): a run
    /// with another hash did not reproduce, and says so.
    #[arg(long, value_name = "HASH", value_parser = parse_hash)]
    pub expect_hash: Option<u64>,
    /// CPU time limit of the run, in ms (also: as long without using any
    /// CPU); a run over it prints its events up to then and ends as a hang.
    /// 0: no limit (under a debugger, stopped at a breakpoint). The default
    /// is `cargo test`'s limit (`lab run`'s is shorter: a replay also
    /// collects every event).
    #[arg(long, default_value_t = tester::cargo::DEFAULT_TIMEOUT_S * 1000, value_parser = parse_limit_ms)]
    pub timeout_ms: u64,
    /// Run every run twice, the second time in another process with
    /// another history, and compare them: a run whose two executions
    /// differ is reported as nondeterministic, with the first event where
    /// they parted (exit code 5).
    #[arg(long)]
    pub check_determinism: bool,
    /// Shared options.
    #[command(flatten)]
    pub common: Common,
}

/// `lab bench`.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Which tests (default: all).
    #[arg(default_value = "")]
    pub filter: String,
    /// Seeds per test.
    #[arg(long, default_value_t = 3, value_parser = parse_count)]
    pub seeds: u64,
    /// The first seed.
    #[arg(long, default_value = "1", value_parser = parse_seed_arg)]
    pub from: u64,
    /// Shared options.
    #[command(flatten)]
    pub common: Common,
}

/// `lab mutants`.
#[cfg(feature = "reference")]
#[derive(Debug, Args)]
pub struct MutantsArgs {
    /// Seeds per test, for each bug.
    #[arg(long, default_value_t = 100, value_parser = parse_count)]
    pub seeds: u64,
    /// The first seed.
    #[arg(long, default_value = "1", value_parser = parse_seed_arg)]
    pub from: u64,
    /// Only this bug (a name of labraft's catalogue, fixtures included).
    #[arg(long, value_name = "BUG", value_parser = parse_bug)]
    pub only: Option<labraft::Bug>,
    /// Worker processes (default: one per core).
    #[arg(long, value_parser = parse_count)]
    pub jobs: Option<u64>,
    /// Stop a bug's runs at the first seed by which it has failed this many
    /// runs (0: never stop early). The cut is made at a seed boundary, so the
    /// table does not depend on --jobs.
    #[arg(long, default_value_t = 0)]
    pub stop_after: u64,
    /// CPU time limit per run, in ms; a run over it is a hang.
    #[arg(long, default_value_t = 10_000, value_parser = parse_count)]
    pub timeout_ms: u64,
    /// Shared options.
    #[command(flatten)]
    pub common: Common,
}

/// `lab merge`.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The `--json` files of `lab sweep` (e.g. one per shard).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<std::path::PathBuf>,
}

/// `lab worker` (internal).
#[derive(Debug, Args)]
pub struct WorkerArgs {
    /// CPU time limit per run, in ms.
    #[arg(long, default_value_t = 10_000, value_parser = parse_count)]
    pub timeout_ms: u64,
    /// Shared options.
    #[command(flatten)]
    pub common: Common,
}

/// A slice of the seed range: the K-th (1-based) of N.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// Which slice, 1-based.
    pub index: u64,
    /// How many slices.
    pub count: u64,
}

impl Shard {
    /// The seeds of this slice of `whole`: contiguous, sizes differing by
    /// at most one, every seed in exactly one slice.
    pub fn seeds(self, whole: SeedRange) -> SeedRange {
        let k = u128::from(self.index - 1);
        let (n, total) = (u128::from(self.count), u128::from(whole.count));
        let lo = (total * k / n) as u64;
        let hi = (total * (k + 1) / n) as u64;
        SeedRange {
            first: whole.first + lo,
            count: hi - lo,
        }
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

fn parse_seed_arg(s: &str) -> Result<u64, String> {
    parse_seed(s).map_err(|e| e.to_string())
}

fn parse_limit_ms(s: &str) -> Result<u64, String> {
    s.trim()
        .parse::<u64>()
        .map_err(|_| format!("'{s}' is not a number of ms (0: no limit)"))
}

fn parse_hash(s: &str) -> Result<u64, String> {
    parse_seed(s).map_err(|_| format!("bad hash '{s}': expected 0x-hex, e.g. 0x1f2e3d4c5b6a7988"))
}

fn parse_edition(s: &str) -> Result<Edition, String> {
    s.parse::<Edition>().map_err(|e| e.to_string())
}

fn parse_oracles(s: &str) -> Result<OracleSet, String> {
    match s.parse::<OracleSet>() {
        Ok(set) if !set.is_empty() => Ok(set),
        Ok(_) => Err("name at least one oracle".to_string()),
        Err(e) => Err(e.to_string()),
    }
}

#[cfg(feature = "reference")]
fn parse_bug(s: &str) -> Result<labraft::Bug, String> {
    s.parse::<labraft::Bug>().map_err(|e| e.to_string())
}

fn parse_count(s: &str) -> Result<u64, String> {
    match s.trim().parse::<u64>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!("'{s}' is not a positive number")),
    }
}

fn parse_width(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(n) if n >= 40 => Ok(n),
        _ => Err(format!("'{s}' is not a width of at least 40 columns")),
    }
}

fn parse_shard(s: &str) -> Result<Shard, String> {
    let bad = || format!("bad shard '{s}': expected K/N with 1 <= K <= N, e.g. 1/4");
    let (k, n) = s.split_once('/').ok_or_else(bad)?;
    let index = k.trim().parse::<u64>().map_err(|_| bad())?;
    let count = n.trim().parse::<u64>().map_err(|_| bad())?;
    if index == 0 || count == 0 || index > count {
        return Err(bad());
    }
    Ok(Shard { index, count })
}

/// Registers the scenario files of `dir` (default `scenarios/`, skipped
/// when absent); a bad file is a usage error naming file, line and field.
pub fn load_scenarios(dir: Option<&std::path::Path>) -> Result<(), Usage> {
    let default = std::path::Path::new("scenarios");
    let dir = match dir {
        Some(d) => d,
        None if default.is_dir() => default,
        None => return Ok(()),
    };
    tester::scenario::load_dir(dir)
        .map(|_| ())
        .map_err(|e| Usage(e.to_string()))
}

/// A usage error found after parsing (exit code 2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Usage(pub String);

impl fmt::Display for Usage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// How much of a user's input an error message repeats.
const ECHO_CHARS: usize = 60;

/// The tests a filter selects (in any case), or an error with the closest
/// names if none.
pub fn select(filter: &str) -> Result<Vec<&'static TestDef>, Usage> {
    let tests = registry::select(filter);
    if tests.is_empty() {
        return Err(Usage(format!(
            "no test matches '{}': {}",
            clip(filter, ECHO_CHARS),
            did_you_mean(filter).unwrap_or_else(|| {
                "try a part (3A..3D, 2A..2D) or part of a name; see `lab list`".into()
            })
        )));
    }
    Ok(tests)
}

/// The test with this name (in any case), or an error with the closest
/// names.
pub fn find(name: &str) -> Result<&'static TestDef, Usage> {
    registry::find(name).ok_or_else(|| {
        Usage(format!(
            "unknown test '{}': {}",
            clip(name, ECHO_CHARS),
            did_you_mean(name).unwrap_or_else(|| {
                "expected a full name such as TestInitialElection3A; see `lab list`".into()
            })
        ))
    })
}

/// `did you mean TestBackup3B?`, if a name is close.
fn did_you_mean(input: &str) -> Option<String> {
    let near = registry::suggest(input);
    (!near.is_empty()).then(|| format!("did you mean {}?", near.join(" or ")))
}

/// The seeds of `lab run`: `--seed S --seeds N` (a fresh first seed leaves
/// room for N seeds).
pub fn run_seeds(seed: Option<u64>, seeds: u64) -> Result<SeedRange, Usage> {
    let first = seed.unwrap_or_else(|| {
        let room = u64::MAX - (seeds - 1);
        tester::seeds::fresh_seed() % room.saturating_add(1)
    });
    SeedRange::new(first, seeds, ("--seed", "--seeds"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_cover_the_range_once() {
        let whole = |first, count| SeedRange { first, count };
        let mut seen = Vec::new();
        for index in 1..=3 {
            let s = Shard { index, count: 3 }.seeds(whole(10, 10));
            seen.extend((0..s.count).map(|k| s.seed(k)));
        }
        assert_eq!(seen, (10..20).collect::<Vec<_>>());
        assert!(Shard { index: 2, count: 4 }.seeds(whole(0, 1)).is_empty());
        let top = Shard { index: 2, count: 2 }.seeds(whole(u64::MAX - 3, 4));
        assert_eq!((top.first, top.count), (u64::MAX - 1, 2));
    }

    #[test]
    fn typos_are_answered_with_the_closest_names_and_long_inputs_cut() {
        let e = select("TestBakup3B").unwrap_err();
        assert_eq!(
            e.0,
            "no test matches 'TestBakup3B': did you mean TestBackup3B?"
        );
        let e = find("TestInitalElection3A").unwrap_err();
        assert!(e.0.ends_with("did you mean TestInitialElection3A?"), "{e}");
        let e = select(&"q".repeat(100_000)).unwrap_err();
        assert!(e.0.len() < 200, "{}", e.0.len());
        assert!(e.0.contains("(100000 bytes)"));
        assert_eq!(select("backup").unwrap().len(), 1);
    }

    #[test]
    fn bad_shards_are_rejected() {
        assert!(parse_shard("3/2").is_err());
        assert!(parse_shard("0/2").is_err());
        assert!(parse_shard("1").is_err());
        assert_eq!(parse_shard("2/2"), Ok(Shard { index: 2, count: 2 }));
    }
}
