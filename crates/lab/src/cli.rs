//! The command line, as clap derive structs, and the checks that turn bad
//! input into one-line errors (exit code 2).

use clap::{Args, Parser, Subcommand};
use std::fmt;
use tester::oracle::OracleSet;
use tester::registry::{self, TestDef};
use tester::seeds::parse_seed;
use tester::{Budget, Edition};

/// Run, sweep and replay the MIT 6.5840 Raft tests (3A-3D) in virtual time.
#[derive(Debug, Parser)]
#[command(name = "lab", version)]
pub struct Cli {
    /// A built-in planted Raft instead of the real one (for testing `lab`).
    #[arg(long, global = true, hide = true, value_name = "NAME")]
    pub raft: Option<String>,
    /// Strict oracles: check Raft's safety properties after every input
    /// (one leader per term, log matching, applied entries stored on a
    /// majority, applied values agree, applied index never goes back, durable
    /// state equal to a restart's).
    #[arg(long, global = true)]
    pub strict: bool,
    /// Only these strict oracles, comma-separated: election-safety,
    /// log-matching, stored-on-majority, applied-agree, apply-monotonic,
    /// durability.
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
            Command::List { .. } => return,
            Command::Run(a) => &mut a.common,
            Command::Sweep(a) => &mut a.common,
            Command::Replay(a) => &mut a.common,
            Command::Bench(a) => &mut a.common,
            Command::Worker(a) => &mut a.common,
            Command::Mutants(a) => &mut a.common,
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
    Replay(ReplayArgs),
    /// Measure the simulator's throughput over the suite, by part.
    Bench(BenchArgs),
    /// Run the whole suite against each of labraft's injectable bugs and
    /// print which tests catch which bug (exit 0 once every run has a result;
    /// --max-events is capped at 5 000 000, as buggy Rafts may livelock).
    Mutants(MutantsArgs),
    /// Internal: run jobs read from stdin, one JSON result line each.
    #[command(hide = true)]
    Worker(WorkerArgs),
}

/// Options shared by every command that runs tests.
#[derive(Debug, Args, Clone, Copy)]
pub struct Common {
    /// The tester edition: 2024 or 2025.
    #[arg(long, default_value = "2025", value_parser = parse_edition)]
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
    /// Wall-clock limit per run, in ms; a run over it ends `lab run` as a hang.
    #[arg(long, default_value_t = 10_000, value_parser = parse_count)]
    pub timeout_ms: u64,
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
    /// Worker processes (default: one per core).
    #[arg(long, value_parser = parse_count)]
    pub jobs: Option<u64>,
    /// K/N: run only the K-th (1-based) of N equal slices of the seed range.
    #[arg(long, value_parser = parse_shard)]
    pub shard: Option<Shard>,
    /// Write every result as JSON to FILE.
    #[arg(long, value_name = "FILE")]
    pub json: Option<std::path::PathBuf>,
    /// Stop handing out runs after the first failure.
    #[arg(long)]
    pub fail_fast: bool,
    /// Wall-clock limit per run, in ms; a run over it is a hang.
    #[arg(long, default_value_t = 10_000, value_parser = parse_count)]
    pub timeout_ms: u64,
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
    /// Only these topics (comma-separated: vote,append,commit,...).
    #[arg(long, value_delimiter = ',')]
    pub only: Vec<String>,
    /// Only this server's events (and the tester's).
    #[arg(long)]
    pub server: Option<usize>,
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
    /// Wall-clock limit per run, in ms; a run over it is a hang.
    #[arg(long, default_value_t = 10_000, value_parser = parse_count)]
    pub timeout_ms: u64,
    /// Shared options.
    #[command(flatten)]
    pub common: Common,
}

/// `lab worker` (internal).
#[derive(Debug, Args)]
pub struct WorkerArgs {
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
    /// The seeds of this slice of `from .. from + seeds`: contiguous, sizes
    /// differing by at most one, every seed in exactly one slice.
    pub fn seeds(self, from: u64, seeds: u64) -> std::ops::Range<u64> {
        let k = u128::from(self.index - 1);
        let (n, total) = (u128::from(self.count), u128::from(seeds));
        let lo = (total * k / n) as u64;
        let hi = (total * (k + 1) / n) as u64;
        from.wrapping_add(lo)..from.wrapping_add(hi)
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

fn parse_bug(s: &str) -> Result<labraft::Bug, String> {
    s.parse::<labraft::Bug>().map_err(|e| e.to_string())
}

fn parse_count(s: &str) -> Result<u64, String> {
    match s.trim().parse::<u64>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!("'{s}' is not a positive number")),
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

/// The tests a filter selects, or an error if none.
pub fn select(filter: &str) -> Result<Vec<&'static TestDef>, Usage> {
    let tests = registry::select(filter);
    if tests.is_empty() {
        return Err(Usage(format!(
            "no test matches '{filter}': try a part (3A..3D, 2A..2D) or part of a name; see `lab list`"
        )));
    }
    Ok(tests)
}

/// The test with exactly this name, or an error.
pub fn find(name: &str) -> Result<&'static TestDef, Usage> {
    registry::find(name).ok_or_else(|| {
        Usage(format!(
            "unknown test '{name}': expected a full name such as TestInitialElection3A; see `lab list`"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_cover_the_range_once() {
        let mut seen = Vec::new();
        for index in 1..=3 {
            seen.extend(Shard { index, count: 3 }.seeds(10, 10));
        }
        assert_eq!(seen, (10..20).collect::<Vec<_>>());
        assert!(Shard { index: 2, count: 4 }.seeds(0, 1).is_empty());
    }

    #[test]
    fn bad_shards_are_rejected() {
        assert!(parse_shard("3/2").is_err());
        assert!(parse_shard("0/2").is_err());
        assert!(parse_shard("1").is_err());
        assert_eq!(parse_shard("2/2"), Ok(Shard { index: 2, count: 2 }));
    }
}
