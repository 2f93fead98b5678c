//! The built-in `lab` binary's Rafts, registered as ordinary variants: the
//! reference Raft (the default, `--raft reference`), the planted Rafts that
//! test the tool itself ([`crate::planted`]), and the reference Raft with
//! each of labraft's injected bugs (`--raft bug:NAME`,
//! [`crate::injected`]); and `lab mutants`, which runs those. Everything
//! here needs labraft; a binary for another Raft never uses it.

use crate::variants::Lab;
use crate::{injected, planted};
use labraft::Bug;

/// The `lab` binary's command line.
pub fn lab() -> Lab {
    let mut lab = Lab::new()
        .variant(
            "reference",
            "the reference Raft (labraft)",
            crate::reference,
        )
        .with_mutants();
    for (name, make) in planted::PLANTED {
        lab = lab.variant(name, "a planted Raft, for testing lab itself", make);
    }
    for bug in Bug::ALL {
        let make = injected::find(&injected::raft_name(bug)).expect("a catalogued bug");
        let about = bug.description().split(". ").next().unwrap_or_default();
        lab = lab.variant(&injected::raft_name(bug), about, make);
    }
    lab
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_raft_is_a_variant_the_reference_first() {
        let names = lab().names();
        assert_eq!(names[0], "reference");
        assert!(names.contains(&"flaky") && names.contains(&"bug:double-vote"));
        assert_eq!(names.len(), 1 + planted::PLANTED.len() + Bug::ALL.len());
    }
}
