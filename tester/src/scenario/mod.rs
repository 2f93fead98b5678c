//! Scenario files (`scenarios/*.toml`): declarative, seeded, replayable
//! tests beyond the course's per-server disconnects (a leader cut off with
//! one follower, one-way cuts, clogged links, swarms of random faults).
//!
//! ```text
//!  file.toml ──parse──> Scenario ──register──> TestDef "scenario/<stem>"
//!  run(seed): swarm? draw a concrete Scenario from the seed
//!             Tester::new(setup) ─> run::execute: fault phase, liveness phase
//! ```
//!
//! - [`format`](mod@format): the serde types; [`parse`]: loading with file:line errors;
//!   [`limits`]: the bounds on size, nesting, durations and counts;
//!   [`crash_point`]: `[[crash_point]]`, crashes right after a kind of output;
//! - [`run`]: the executor; [`swarm`]: drawing a concrete scenario.

pub mod crash_point;
pub mod format;
pub mod limits;
pub mod parse;
pub mod run;
pub mod swarm;

use crate::registry::{self, Network, Part, TestDef};
use format::{Profile, Scenario};
use parse::ScenarioError;
use std::path::{Path, PathBuf};
use std::sync::RwLock;

/// Scenario tests are named `scenario/<file stem>`.
pub const PREFIX: &str = "scenario/";

static FILES: RwLock<Vec<(&'static str, Scenario)>> = RwLock::new(Vec::new());
static DIR: RwLock<Option<PathBuf>> = RwLock::new(None);

/// Registers a checked scenario as test `scenario/<name>` (again: replaces
/// the scenario, keeps the test).
pub fn register(s: Scenario) -> &'static TestDef {
    let name = format!("{PREFIX}{}", s.name);
    let mut files = FILES.write().expect("not poisoned");
    if let Some(slot) = files.iter_mut().find(|(n, _)| *n == name) {
        slot.1 = s;
        return registry::find(&name).expect("registered with its file");
    }
    let servers = match &s.swarm {
        Some(swarm) => swarm.servers.iter().copied().max().unwrap_or(0),
        None => s.servers.unwrap_or(0),
    };
    let def = TestDef {
        name: Box::leak(name.into_boxed_str()),
        part: Part::Scenario,
        servers,
        network: if s.network.profile == Profile::Reliable && s.swarm.is_none() {
            Network::Reliable
        } else {
            Network::Unreliable
        },
        snapshot: s.snapshot,
    };
    let def = registry::register(def);
    files.push((def.name, s));
    def
}

/// Loads and registers every `*.toml` of `dir`, in file-name order.
pub fn load_dir(dir: &Path) -> Result<Vec<&'static TestDef>, ScenarioError> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| ScenarioError {
            file: dir.display().to_string(),
            line: 0,
            field: "-".into(),
            message: format!("cannot read the directory: {e}"),
        })?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    let scenarios = paths
        .iter()
        .map(|p| parse::load(p))
        .collect::<Result<Vec<_>, _>>()?;
    *DIR.write().expect("not poisoned") = Some(dir.canonicalize().unwrap_or(dir.into()));
    Ok(scenarios.into_iter().map(register).collect())
}

/// The directory [`load_dir`] last loaded (workers load the same).
pub fn loaded_dir() -> Option<PathBuf> {
    DIR.read().expect("not poisoned").clone()
}

/// The registered scenario of test `name`, as written.
pub fn lookup(name: &str) -> Option<Scenario> {
    let files = FILES.read().expect("not poisoned");
    files
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, s)| s.clone())
}

/// The concrete scenario test `name` runs on simulator seed `seed` (a swarm
/// draws it), and the swarm's line saying what it drew.
pub fn plan(name: &str, seed: u64) -> Option<(Scenario, Option<String>)> {
    let s = lookup(name)?;
    Some(match s.swarm {
        Some(_) => {
            let (concrete, line) = swarm::draw(&s, seed);
            (concrete, Some(line))
        }
        None => (s, None),
    })
}

/// A scenario as TOML (a swarm's draw, to be saved and replayed).
pub fn to_toml(s: &Scenario) -> String {
    toml::to_string_pretty(s).expect("a scenario serialises")
}

#[cfg(test)]
mod tests;
