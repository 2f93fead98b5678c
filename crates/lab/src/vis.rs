//! Pictures of runs from the command line (issue #11): `lab replay
//! --html FILE --perfetto FILE`, and the automatic timelines of `lab run`
//! (one per failing run) and `lab sweep` (one per failure signature, of its
//! fastest-failing seed, made by a `lab replay --html` child). `LAB_VIS`
//! and `LAB_VIS_DIR` decide when and where, as for `cargo test`; the
//! timelines themselves are [`tester::vis`] and [`labvis`].

use crate::cli::{Common, ReplayArgs, Usage};
use crate::record::{FailKind, RunRecord};
use crate::summary::Summary;
use labvis::Timeline;
use labvis::config::{self, BadOutput, RunName, VisConfig};
use raftapi::Raft;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant as WallClock};
use tester::vis::{About, written_line};
use tester::{Factory, Outcome, RunSpec};

/// `LAB_VIS` and `LAB_VIS_DIR`, or a usage error (exit 2, before any run).
pub fn settings() -> Result<VisConfig, Usage> {
    VisConfig::from_env().map_err(usage)
}

fn usage(e: BadOutput) -> Usage {
    Usage(e.0)
}

/// What `lab replay` was asked to write.
#[derive(Clone, Debug, Default)]
pub struct ReplayPictures {
    html: Option<PathBuf>,
    perfetto: Option<PathBuf>,
}

impl ReplayPictures {
    /// Checks `--html` and `--perfetto` before the run: a directory or a
    /// path that cannot be written is a usage error.
    pub fn new(args: &ReplayArgs) -> Result<ReplayPictures, Usage> {
        if let Some(p) = &args.html {
            config::check_output("--html", p).map_err(usage)?;
        }
        if let Some(p) = &args.perfetto {
            config::check_output("--perfetto", p).map_err(usage)?;
        }
        Ok(ReplayPictures {
            html: args.html.clone(),
            perfetto: args.perfetto.clone(),
        })
    }

    /// Writes the files from the replay's events; the lines to print under
    /// the replay line.
    pub fn write(
        &self,
        spec: &RunSpec,
        outcome: &Outcome,
        events: &[labtrace::Event],
        raft: Option<&str>,
    ) -> Result<String, Usage> {
        if self.html.is_none() && self.perfetto.is_none() {
            return Ok(String::new());
        }
        let events = tester::vis::events_of(events);
        let timeline = tester::vis::timeline(spec, outcome, &events, about(outcome, raft));
        self.write_timeline(&timeline)
    }

    /// Writes `timeline` to the files asked for; the lines to print.
    pub(crate) fn write_timeline(&self, timeline: &Timeline) -> Result<String, Usage> {
        let mut out = String::new();
        if let Some(p) = &self.html {
            config::write(p, &labvis::html::render(timeline)).map_err(usage)?;
            out.push_str(&format!("  timeline: {}\n", p.display()));
        }
        if let Some(p) = &self.perfetto {
            config::write(p, &labvis::perfetto::render(timeline)).map_err(usage)?;
            out.push_str(&format!(
                "  perfetto: {} (open in ui.perfetto.dev or chrome://tracing)\n",
                p.display()
            ));
        }
        Ok(out)
    }
}

/// The page's replay lines for a run of `lab`: this tool's, then cargo's.
pub(crate) fn about(outcome: &Outcome, raft: Option<&str>) -> About {
    let lab = crate::record::replay_command(
        outcome.test,
        outcome.seed,
        outcome.edition,
        raft,
        outcome.strict,
    );
    let mut replay = vec![lab];
    if raft.is_none() {
        replay.push(tester::seeds::replay_command(
            outcome.test,
            outcome.seed,
            outcome.edition,
            outcome.strict,
        ));
    }
    About {
        raft: raft.map(str::to_string),
        replay,
        notes: Vec::new(),
    }
}

/// For `lab run`: the timeline of a run if `vis` wants one; the line to
/// print under its replay line, or `""`.
pub fn after_run<R: Raft>(
    vis: &VisConfig,
    spec: RunSpec,
    outcome: &Outcome,
    make: fn() -> Factory<R>,
    raft: Option<&str>,
) -> String {
    if !vis.wants(outcome.passed()) {
        return String::new();
    }
    if let Some(why) = tester::vis::not_pictured(outcome) {
        return format!("  timeline not written: {why}\n");
    }
    let (_, timeline) = tester::vis::picture(spec, make(), Some(outcome), about(outcome, raft));
    let path = vis.path_for(&name_of(&timeline, raft), "html");
    let line = written_line(
        &path,
        config::write(&path, &labvis::html::render(&timeline)),
    );
    format!("{}\n", line.trim_start_matches('\n'))
}

fn name_of<'a>(t: &'a Timeline, raft: Option<&'a str>) -> RunName<'a> {
    RunName {
        test: &t.header.test,
        seed: &t.header.seed,
        edition: &t.header.edition,
        raft,
        strict: t.header.strict,
    }
}

/// Kinds of failure a replay can picture: a hang or a lost worker would
/// hang or die again.
fn picturable(kind: FailKind) -> bool {
    matches!(kind, FailKind::Check | FailKind::Oracle | FailKind::Panic)
}

/// For `lab sweep`: one timeline per failure signature (test and check),
/// of its fastest-failing seed, each made by a `lab replay --html` child of
/// this binary; returns `groups` (the failure groups' text) with each
/// timeline's path under its group's `fastest replay` line.
pub fn after_sweep(
    vis: &VisConfig,
    common: &Common,
    raft: Option<&str>,
    summary: &Summary,
    groups: &str,
    timeout: Duration,
) -> String {
    if vis.mode == config::Mode::Never {
        return groups.to_string();
    }
    let mut lines: BTreeMap<&str, String> = BTreeMap::new();
    for r in fastest_per_signature(summary) {
        let seed = tester::seeds::show_seed(r.seed);
        let edition = r.edition.to_string();
        let name = RunName {
            test: &r.test,
            seed: &seed,
            edition: &edition,
            raft,
            strict: !common.strict.is_empty(),
        };
        let path = vis.path_for(&name, "html");
        let result = replay_child(common, raft, r, &path, timeout);
        lines.insert(&r.replay, written_line(&path, result));
    }
    let mut out = String::new();
    for line in groups.lines() {
        out.push_str(line);
        out.push('\n');
        let replay = line.trim_start().strip_prefix("fastest replay: ");
        if let Some(picture) = replay.and_then(|r| lines.get(r)) {
            out.push_str(picture.trim_start_matches('\n'));
            out.push('\n');
        }
    }
    out
}

/// The fastest-failing run of each (test, check) signature that can be
/// drawn, as the failure groups order them.
fn fastest_per_signature(summary: &Summary) -> Vec<&RunRecord> {
    summary
        .signatures()
        .filter_map(|group| group.fastest.first())
        .filter(|r| r.failure.as_ref().is_some_and(|f| picturable(f.kind)))
        .collect()
}

/// Runs `lab replay TEST --seed S --html PATH` (with this sweep's Raft,
/// scenarios, edition, budget and strictness) as a child, under the
/// sweep's wall-clock limit.
fn replay_child(
    common: &Common,
    raft: Option<&str>,
    r: &RunRecord,
    path: &Path,
    timeout: Duration,
) -> Result<(), BadOutput> {
    let exe = std::env::current_exe().map_err(|e| BadOutput(format!("cannot find myself: {e}")))?;
    let mut cmd = Command::new(exe);
    if let Some(name) = raft {
        cmd.args(["--raft", name]);
    }
    if let Some(dir) = tester::scenario::loaded_dir() {
        cmd.arg("--scenarios").arg(dir);
    }
    cmd.args(common.strict.flag_arg().split_whitespace());
    cmd.args([
        "replay",
        &r.test,
        "--seed",
        &r.seed.to_string(),
        "--edition",
        &r.edition.to_string(),
    ]);
    cmd.args([
        "--max-events",
        &common.max_events.to_string(),
        "--max-virtual-ms",
        &common.max_virtual_ms.to_string(),
    ]);
    cmd.arg("--html").arg(path);
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .map_err(|e| BadOutput(format!("cannot create {}: {e}", parent.display())))?;
    }
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| BadOutput(format!("cannot start a replay: {e}")))?;
    let started = WallClock::now();
    loop {
        if let Some(status) = child.try_wait().map_err(|e| BadOutput(e.to_string()))? {
            // A replay of a failing run exits 1 or 3; 2 means it could not write.
            return match status.code() {
                Some(0 | 1 | 3) => Ok(()),
                _ => Err(BadOutput(format!(
                    "the replay that draws it exited with {status}"
                ))),
            };
        }
        if started.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            return Err(BadOutput(format!(
                "its replay took over {} ms",
                timeout.as_millis()
            )));
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}
