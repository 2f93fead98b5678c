//! `LAB_CHECK_DETERMINISM=1 cargo test` and `LAB_EXPECT_HASH` on Rafts
//! written outside labraft: the nondeterministic ones of [`flawed`] and the
//! deterministic student's. The fixtures are ignored tests of this binary,
//! defined as `tester::raft_tests!` defines its tests; the tests below run
//! each in a process of its own, as `cargo test` would, and read what it
//! printed.

#[allow(dead_code)]
#[path = "outside/student.rs"]
mod student;

#[allow(dead_code)]
#[path = "nondeterministic/flawed.rs"]
mod flawed;
#[path = "nondeterministic/kill.rs"]
mod kill;

use flawed::{Flaw, Flawed};
use std::process::{Command, Output};
use student::{Opts, Student};
use tester::Factory;

fn flawed(flaw: Flaw) -> Factory<Flawed> {
    Box::new(move |c, p, o| Flawed::make_with(flaw, c, p, o))
}

fn student() -> Factory<Student> {
    Box::new(|c, p, o| Student::make_with(Opts::default(), c, p, o))
}

/// A fixture: `TestInitialElection3A` of a Raft, in a module of its own.
macro_rules! fixture {
    ($module:ident, $make:expr) => {
        mod $module {
            #[test]
            #[ignore = "a fixture, run by the tests of this file in a process of its own"]
            #[allow(non_snake_case)]
            fn TestInitialElection3A() {
                tester::cargo::cargo_test_in(module_path!(), "TestInitialElection3A", $make);
            }
        }
    };
}

fixture!(hash_set, || super::flawed(super::Flaw::HashSetOrder));
fixture!(os_random, || super::flawed(super::Flaw::OsRandom));
fixture!(wall_clock, || super::flawed(super::Flaw::WallClock));
fixture!(static_counter, || super::flawed(super::Flaw::StaticCounter));
fixture!(deterministic, super::student);
fixture!(killed_in_child, super::killed_in_child);

/// How `killed_in_child` is killed: `always`, or a path, removed by the one
/// child that is killed (a kill from outside, once).
const KILL: &str = "LAB_KILL_CHILD";

/// The student's Raft, its process SIGKILLed as a check's child process
/// starts its first run, as `KILL` says.
fn killed_in_child() -> Factory<Student> {
    Box::new(|c, p, o| {
        let child = std::env::var_os(tester::determinism::child::CHILD_VAR).is_some();
        if child && c.me.0 == 0 && c.now.0 == 0 {
            kill::sigkill_as(KILL);
        }
        Student::make_with(Opts::default(), c, p, o)
    })
}

/// Runs fixture `module` in a process of its own, with `vars` set.
fn fixture(module: &str, vars: &[(&str, &str)]) -> Output {
    let name = format!("{module}::TestInitialElection3A");
    let mut command = Command::new(std::env::current_exe().expect("myself"));
    command.args([
        name.as_str(),
        "--exact",
        "--include-ignored",
        "--test-threads",
        "1",
    ]);
    for var in [
        "LAB_SEED",
        "LAB_SEEDS",
        "LAB_CHECK_DETERMINISM",
        "LAB_EXPECT_HASH",
        "LAB_CHECK_CHILD",
        "LAB_LOG",
        "LAB_VERBOSE",
    ] {
        command.env_remove(var);
    }
    command.envs(vars.iter().copied()).output().expect("runs")
}

fn text(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
}

#[test]
fn every_flaw_fails_the_test_as_nondeterministic_with_its_first_divergent_event() {
    for module in ["hash_set", "os_random", "wall_clock", "static_counter"] {
        let vars = [
            ("LAB_CHECK_DETERMINISM", "1"),
            ("LAB_SEED", "1"),
            ("LAB_SEEDS", "2"),
        ];
        let out = fixture(module, &vars);
        let text = text(&out);
        assert!(!out.status.success(), "{module}: {text}");
        let report = &text[text
            .find(
                "NONDETERMINISTIC hash_set::"
                    .replace("hash_set", module)
                    .as_str(),
            )
            .unwrap_or_else(|| panic!("{module}: {text}"))..];
        let line = |prefix: &str| {
            report
                .lines()
                .find_map(|l| l.strip_prefix(prefix))
                .unwrap_or_else(|| panic!("{module}: {prefix}: {report}"))
                .to_string()
        };
        let (a, b) = (line("    run A: event "), line("    run B: event "));
        assert_ne!(a, b, "{module}: the two descriptions differ");
        assert!(
            report.contains("  the last events both runs agree on:\n"),
            "{report}"
        );
        assert!(
            !text.contains("FAIL TestInitialElection3A"),
            "not a check failure: {text}"
        );
        assert!(
            report.contains("replay: LAB_CHECK_DETERMINISM=1 LAB_SEED=0x1 "),
            "the replay checks again: {report}"
        );
    }
}

#[test]
fn a_deterministic_raft_passes_the_check() {
    let vars = [
        ("LAB_CHECK_DETERMINISM", "1"),
        ("LAB_SEED", "5"),
        ("LAB_SEEDS", "3"),
    ];
    let out = fixture("deterministic", &vars);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("test deterministic::TestInitialElection3A ... ok"));
}

/// A child killed from outside once is replaced (its seeds run in a fresh
/// one): the deterministic Raft passes. Killed every time, the check
/// fails, saying the re-run did not finish.
#[test]
fn a_check_child_killed_once_is_replaced() {
    let marker = std::env::temp_dir().join(format!("lab-kill-child-{}", std::process::id()));
    let marker_arg = marker.to_str().expect("utf-8").to_string();
    for (how, passes) in [(marker_arg.as_str(), true), ("always", false)] {
        std::fs::write(&marker, b"").expect("marker written");
        let vars = [
            ("LAB_CHECK_DETERMINISM", "1"),
            ("LAB_SEEDS", "3"),
            (KILL, how),
        ];
        let out = fixture("killed_in_child", &vars);
        let text = text(&out);
        assert!(!marker.exists() || how == "always", "killed once: {text}");
        assert_eq!(out.status.success(), passes, "{how}: {text}");
        if !passes {
            assert!(text.contains("did not finish"), "{text}");
            assert!(
                text.contains("SIGKILL") || text.contains("signal: 9"),
                "{text}"
            );
        }
    }
    let _ = std::fs::remove_file(&marker);
}

#[test]
fn lab_expect_hash_warns_when_the_seed_does_not_reproduce() {
    let test = tester::registry::find("TestInitialElection3A").unwrap();
    let spec = tester::RunSpec::new(test, 9, tester::Edition::default());
    let random = tester::run(spec, flawed(Flaw::OsRandom)).trace_hash;
    let steady = tester::run(spec, student()).trace_hash;
    for (module, expected, warns) in [
        ("os_random", random, true),
        ("deterministic", steady, false),
        ("deterministic", random, true),
    ] {
        let hash = format!("{expected:#018x}");
        let out = fixture(module, &[("LAB_SEED", "9"), ("LAB_EXPECT_HASH", &hash)]);
        let text = text(&out);
        assert!(
            out.status.success(),
            "{module}: a warning, not a failure: {text}"
        );
        assert_eq!(
            text.contains("DID NOT REPRODUCE"),
            warns,
            "{module}: {text}"
        );
        if warns {
            assert!(
                text.contains(&format!("the line expected {hash}")),
                "{text}"
            );
            assert!(text.contains("LAB_CHECK_DETERMINISM=1"), "{text}");
        }
    }
    let unpinned = fixture("deterministic", &[("LAB_EXPECT_HASH", "0x1")]);
    assert!(!unpinned.status.success());
    assert!(
        text(&unpinned).contains("LAB_EXPECT_HASH needs LAB_SEED"),
        "{}",
        text(&unpinned)
    );
}
