//! The reference [`labraft::Raft`] with one of labraft's injectable bugs
//! ([`labraft::Bug::ALL`]) turned on: `lab --raft bug:NAME ...`, the Rafts
//! `lab mutants` measures the tester against. Each bug is deterministic in
//! the run's seed, so every failure replays with the same `--raft bug:NAME`.

use labraft::{Bug, Bugs, Tuning, UnknownBug};
use tester::Factory;

/// How `--raft` names an injected bug: `bug:` and the bug's kebab-case name.
pub const PREFIX: &str = "bug:";

/// Makes the factory of the reference Raft with one injected bug.
pub type MakeBugged = fn() -> Factory<labraft::Raft>;

/// One factory per bug, indexed like [`Bug::ALL`] (a `fn` pointer cannot
/// capture the bug, so each one is a monomorphised copy).
const BUGGED: [MakeBugged; Bug::ALL.len()] = [
    bugged::<0>,
    bugged::<1>,
    bugged::<2>,
    bugged::<3>,
    bugged::<4>,
    bugged::<5>,
    bugged::<6>,
    bugged::<7>,
    bugged::<8>,
    bugged::<9>,
    bugged::<10>,
    bugged::<11>,
    bugged::<12>,
    bugged::<13>,
    bugged::<14>,
    bugged::<15>,
    bugged::<16>,
    bugged::<17>,
    bugged::<18>,
    bugged::<19>,
    bugged::<20>,
    bugged::<21>,
    bugged::<22>,
    bugged::<23>,
    bugged::<24>,
    bugged::<25>,
    bugged::<26>,
    bugged::<27>,
    bugged::<28>,
];

fn bugged<const K: usize>() -> Factory<labraft::Raft> {
    let bugs = Bugs::from(Bug::ALL[K]);
    Box::new(move |config, persisted, out| {
        labraft::Raft::make_with_bugs(config, persisted, Tuning::default(), bugs, out)
    })
}

/// The `--raft` spelling of `bug`: `bug:NAME`.
pub fn raft_name(bug: Bug) -> String {
    format!("{PREFIX}{}", bug.name())
}

/// The factory for `bug:NAME`; `Err` names the known bugs.
pub fn find(raft: &str) -> Result<MakeBugged, UnknownBug> {
    let name = raft.strip_prefix(PREFIX).unwrap_or(raft);
    let bug: Bug = name.parse()?;
    Ok(BUGGED[bug as usize])
}

/// The two bugs of the catalogue that exist only as gross fixtures for
/// negative tests, not as models of a student's mistake.
pub fn is_fixture(bug: Bug) -> bool {
    matches!(bug, Bug::GrantEveryVote | Bug::ApplyOutOfOrder)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bug_has_its_own_factory() {
        for bug in Bug::ALL {
            let make = find(&raft_name(bug)).expect("a known bug");
            assert!(std::ptr::fn_addr_eq(make, BUGGED[bug as usize]));
        }
        assert!(find("bug:no-such-bug").is_err());
    }
}
