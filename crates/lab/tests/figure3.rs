//! Figure 3's properties as strict oracles, on a student's Raft written
//! outside labraft ([`student`]) with one planted bug per rule: each is
//! caught by its own oracle within 10 seeds, with a message naming the
//! servers, the term and the index. And the root cause of a failed run: a
//! default-mode failure reports the first broken invariant of its re-run.

#[path = "outside/student.rs"]
mod student;

use student::{Opts, Student};
use tester::failure::Kind;
use tester::oracle::{Oracle, OracleSet};
use tester::{Edition, Factory, Outcome, RunSpec, registry, run};

fn factory(opts: Opts) -> Factory<Student> {
    Box::new(move |c, p, o| Student::make_with(opts, c, p, o))
}

fn inspected() -> Opts {
    Opts {
        inspect: true,
        ..Opts::default()
    }
}

/// `test` on `seed` (2026) with only `oracles`.
fn run_with(test: &str, seed: u64, opts: Opts, oracles: OracleSet) -> Outcome {
    let test = registry::find(test).expect("a registered test");
    run(
        RunSpec::new(test, seed, Edition::Y2026).oracles(oracles),
        factory(opts),
    )
}

/// The first of seeds 1..=10 of `test` that `oracle` alone fails.
fn caught(test: &str, opts: Opts, oracle: Oracle) -> Outcome {
    for seed in 1..=10 {
        let outcome = run_with(test, seed, opts, oracle.into());
        if let Err(f) = &outcome.result {
            if f.kind == Kind::Oracle && f.check == oracle.check() {
                println!("{}", outcome.report().unwrap_or_default());
                return outcome;
            }
        }
    }
    panic!(
        "{} did not catch the planted bug in {test} within 10 seeds",
        oracle.name()
    );
}

fn planted(bug: fn(&mut Opts)) -> Opts {
    let mut opts = inspected();
    bug(&mut opts);
    opts
}

/// Whether `text` has `S<digit>` at least twice and says `term` and `index`.
fn names_servers_term_and_index(text: &str) -> bool {
    let servers = text
        .match_indices('S')
        .filter(|(k, _)| text[k + 1..].starts_with(|c: char| c.is_ascii_digit()))
        .count();
    servers >= 1 && text.contains("term ") && text.contains("index ")
}

#[test]
fn a_vote_without_the_up_to_date_check_breaks_the_election_restriction() {
    let opts = planted(|o| o.vote_ignores_log = true);
    let outcome = caught("TestBackup3B", opts, Oracle::ElectionRestriction);
    let f = outcome.result.as_ref().unwrap_err();
    // "S1 voted for S0 in term 5, but S0's log (last index 1, term 1) is
    // behind S1's (last index 5, term 1)"
    let (voter, rest) = f.message.split_once(" voted for ").expect(&f.message);
    let (candidate, rest) = rest.split_once(" in term ").expect(&f.message);
    assert!(
        voter.starts_with('S') && candidate.starts_with('S'),
        "{}",
        f.message
    );
    assert!(
        rest.contains(&format!(", but {candidate}'s log (last index "))
            && rest.contains(&format!(") is behind {voter}'s (last index ")),
        "{}",
        f.message
    );
    assert!(
        outcome
            .report()
            .unwrap()
            .contains("oracle:election-restriction")
    );
}

#[test]
fn a_leader_that_truncates_its_own_log_breaks_append_only() {
    let opts = planted(|o| o.leader_truncates = true);
    let outcome = caught("TestFailAgree3B", opts, Oracle::LeaderAppendOnly);
    let f = outcome.result.as_ref().unwrap_err();
    assert!(
        f.message.contains(", leader in term ")
            && f.message
                .contains("deleted entries of its own log from index "),
        "{}",
        f.message
    );
    assert!(names_servers_term_and_index(&f.message), "{}", f.message);
}

#[test]
fn a_vote_by_log_length_elects_a_leader_missing_a_committed_entry() {
    let opts = planted(|o| o.vote_by_length = true);
    let outcome = caught("TestFigure8Unreliable3C", opts, Oracle::LeaderCompleteness);
    let f = outcome.result.as_ref().unwrap_err();
    // "S2 became leader in term 4 with index 3 of term 1, but S0 committed
    // index 3 at term 2" (or "... without index 3 (term 2, committed by S0)")
    assert!(
        f.message.contains(" became leader in term "),
        "{}",
        f.message
    );
    assert!(f.message.contains("committed"), "{}", f.message);
    assert!(names_servers_term_and_index(&f.message), "{}", f.message);
}

#[test]
fn the_student_raft_breaks_no_new_oracle() {
    let every = [
        Oracle::LeaderCompleteness,
        Oracle::LeaderAppendOnly,
        Oracle::ElectionRestriction,
    ]
    .into_iter()
    .fold(OracleSet::NONE, OracleSet::with);
    for test in ["TestBackup3B", "TestFigure83C", "TestFigure8Unreliable3C"] {
        for seed in 1..=3 {
            // Slow without fast backup (a course check may give up), but
            // safe: never an oracle's failure.
            let outcome = run_with(test, seed, inspected(), every);
            let oracle = outcome
                .result
                .as_ref()
                .err()
                .filter(|f| f.kind == Kind::Oracle);
            assert!(oracle.is_none(), "{}", outcome.report().unwrap());
        }
    }
}

#[test]
fn a_default_mode_failure_shows_its_first_broken_invariant() {
    let opts = planted(|o| o.vote_by_length = true);
    let test = registry::find("TestBackup3B").unwrap();
    let spec = RunSpec::new(test, 1, Edition::Y2026);
    let outcome = run(spec, factory(opts));
    let f = outcome.result.as_ref().unwrap_err();
    assert_eq!(f.kind, Kind::Check, "a course check fails: {f}");
    let first = outcome
        .first_broken
        .as_ref()
        .expect("an oracle fired first");
    assert!(first.at < f.at, "{} is not before {}", first.at, f.at);
    assert_eq!(first.check, "oracle:election-restriction");
    let report = outcome.report().unwrap();
    println!("{report}");
    let line = format!(
        "\n  first broken invariant: {}, oracle:election-restriction: ",
        first.at
    );
    assert!(report.contains(&line), "{report}");
    assert!(
        report.contains(
            "    replay: LAB_SEED=0x1 LAB_EDITION=2026 LAB_STRICT=1 cargo test -- TestBackup3B"
        ),
        "{report}"
    );
    // The re-run changed nothing of the run itself.
    let plain = run(spec.root_cause(false), factory(opts));
    assert!(plain.first_broken.is_none());
    assert_eq!(
        (plain.trace_hash, plain.events, &plain.result),
        (outcome.trace_hash, outcome.events, &outcome.result)
    );
    // And with the oracles on, the run fails where the re-run saw it.
    let strict = run(spec.oracles(OracleSet::ALL), factory(opts));
    let s = strict.result.as_ref().unwrap_err();
    assert_eq!((s.check, s.at), (first.check, first.at));
}

#[test]
fn a_failure_no_oracle_explains_earlier_prints_nothing_more() {
    // A leader that never backs up next_index: no safety property breaks,
    // the course's one() gives up.
    let opts = planted(|o| o.never_backs_up = true);
    let outcome = run_with("TestBackup3B", 1, opts, OracleSet::NONE);
    let f = outcome.result.as_ref().unwrap_err();
    assert_eq!(f.kind, Kind::Check, "{f}");
    assert!(outcome.first_broken.is_none());
    let report = outcome.report().unwrap();
    assert!(!report.contains("first broken invariant"), "{report}");
    assert_eq!(report.matches("replay:").count(), 1, "{report}");
}

#[test]
fn a_liveness_failure_names_the_lagging_server_and_the_leader_sends() {
    // A leader that never backs up next_index: a follower that missed
    // entries refuses every AppendEntries, and its log never grows.
    let opts = planted(|o| o.never_backs_up = true);
    let outcome = run_with("TestBackup3B", 1, opts, OracleSet::NONE);
    let f = outcome.result.as_ref().unwrap_err();
    assert_eq!(f.check, "one", "{f}");
    let text = outcome.liveness.as_deref().expect("a liveness explanation");
    println!("{}", outcome.report().unwrap());
    // "S0's log has not grown for 10.000s; leader S2 sent it 97
    // AppendEntries, 0 succeeded, 61 refused, 36 lost, 0 unanswered"
    let headline = text.lines().next().unwrap();
    let (lagging, rest) = headline
        .split_once("'s log has not grown for ")
        .expect(text);
    assert!(lagging.starts_with('S'), "{text}");
    let (_, sends) = rest.split_once("; leader S").expect(text);
    let count = |what: &str| -> u64 {
        let end = sends
            .find(what)
            .unwrap_or_else(|| panic!("no '{what}' in {headline}"));
        let start = sends[..end].trim_end().rfind(' ').map_or(0, |k| k + 1);
        sends[start..end].trim().parse().unwrap()
    };
    let sent = count(" AppendEntries");
    let (ok, refused, lost) = (count(" succeeded"), count(" refused"), count(" lost"));
    assert!(sent > 0 && refused > 0, "{headline}");
    assert_eq!(ok, 0, "the lagging server accepted none: {headline}");
    assert!(refused + lost <= sent, "{headline}");
    assert!(text.contains(&format!("\n  {lagging}: log ")), "{text}");
    assert!(outcome.report().unwrap().contains(headline));
}
