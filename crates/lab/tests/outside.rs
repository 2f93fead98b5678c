//! `lab` on a Raft written outside labraft ([`student`]), the way a user's
//! own binary runs it. This test target has no libtest harness: run with
//! `LAB_OUTSIDE_AS_BINARY=1`, this executable *is* a user's lab binary
//! (`lab::Lab` with the student's variants); run by `cargo test`, it runs
//! the checks below, each starting itself as that binary.
//!
//! The replay snapshots under `tests/snapshots/` pin the replay format
//! byte for byte. After a deliberate format change, rewrite them with
//! `LAB_UPDATE_SNAPSHOTS=1 cargo test --release -p lab --test outside` and
//! review the diff.

mod common;
use common::{stderr, stdout};
#[path = "outside/student.rs"]
mod student;

use raftapi::Raft as _;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Command, ExitCode, Output};
use student::{Opts, Student};
use tester::Factory;

/// Set to make this executable the lab binary.
const AS_BINARY: &str = "LAB_OUTSIDE_AS_BINARY";
/// Set to rewrite the snapshots instead of comparing with them.
const UPDATE: &str = "LAB_UPDATE_SNAPSHOTS";

fn factory(opts: Opts) -> Factory<Student> {
    Box::new(move |c, p, o| Student::make_with(opts, c, p, o))
}

/// The user's binary: the student's Raft, and variants of it.
fn binary() -> ExitCode {
    lab::Lab::new()
        .variant("default", "logs and inspect()", || {
            factory(Opts {
                logs: true,
                inspect: true,
                ..Opts::default()
            })
        })
        .variant("silent", "no logging, no inspect()", || {
            factory(Opts::default())
        })
        .variant(
            "no-backup",
            "a leader that never backs up next_index",
            || {
                factory(Opts {
                    never_backs_up: true,
                    ..Opts::default()
                })
            },
        )
        .variant("plain", "Student::make", || Box::new(Student::make))
        .variant("loops", "a leader whose heartbeat never returns", || {
            factory(Opts {
                logs: true,
                heartbeat_loops: true,
                ..Opts::default()
            })
        })
        .variant("loops-logging", "the same, logging every try", || {
            factory(Opts {
                logs: true,
                heartbeat_loops: true,
                loop_logs_every_try: true,
                ..Opts::default()
            })
        })
        .run()
}

/// Runs this executable as the lab binary.
fn me(args: &[&str]) -> Output {
    Command::new(std::env::current_exe().expect("myself"))
        .args(args)
        .env(AS_BINARY, "1")
        .env_remove("LAB_LOG")
        .output()
        .expect("runs")
}

/// A replay line's parts: time (ms), server, label, text.
fn parse_line(line: &str) -> Option<(u64, usize, &str, &str)> {
    let (time, rest) = line.trim_start().split_once("s S")?;
    let (secs, ms) = time.split_once('.')?;
    let t = secs.parse::<u64>().ok()? * 1000 + ms.parse::<u64>().ok()?;
    let (server, rest) = rest.split_once(' ')?;
    let (label, text) = rest.trim_start().split_once(' ')?;
    Some((t, server.parse().ok()?, label, text.trim_start()))
}

/// (a) A plain `tracing::info!` with its own target and fields appears,
/// in its server's line at its virtual time.
fn a_raft_s_own_events_are_attributed_to_server_and_time() {
    let out = me(&["replay", "TestInitialElection3A", "--seed", "1"]);
    let text = stdout(&out);
    let mine: Vec<_> = text
        .lines()
        .filter_map(parse_line)
        .filter(|(_, _, label, _)| *label == "student")
        .collect();
    assert!(mine.len() >= 2, "{text}");
    for (t, server, _, text) in &mine {
        assert!(text.starts_with("election timeout") || text.starts_with("won the election"));
        assert!(text.contains(&format!("me={server} ")), "{server}: {text}");
        assert!(text.contains(&format!("now={t} ")), "{t}: {text}");
    }
    let filtered = stdout(&me(&[
        "replay",
        "TestInitialElection3A",
        "--seed",
        "1",
        "--log",
        "student=off,debug",
    ]));
    assert!(
        !filtered.contains(" student "),
        "--log selects the Raft's own targets"
    );
    assert!(filtered.contains(" send "), "the lab's events stay");
}

/// (b) A Raft that never logs (and has no `inspect()`) still shows its RPCs,
/// each naming both servers and the kind, and why calls failed.
fn b_a_silent_raft_gets_send_deliver_reply_and_fail_lines() {
    let text = stdout(&me(&[
        "--raft",
        "silent",
        "replay",
        "TestReElection3A",
        "--seed",
        "3",
    ]));
    assert!(!text.contains(" student "));
    let has = |label: &str, needle: &str| {
        text.lines()
            .filter_map(parse_line)
            .any(|(_, _, l, t)| l == label && t.contains(needle))
    };
    assert!(has("send", "RequestVote {"), "{text}");
    assert!(has("send", "AppendEntries {"));
    assert!(has("recv", "<- S"));
    assert!(has("reply", "Vote { term"));
    assert!(
        has("fail", "failed: disconnected"),
        "the disconnected leader's calls"
    );
    assert!(has("role", "not-leader -> leader"), "roles from state()");
    let unreliable = stdout(&me(&[
        "--raft",
        "silent",
        "replay",
        "TestUnreliableAgree3C",
        "--seed",
        "1",
        "--only",
        "fail",
    ]));
    for reason in ["request-dropped", "reply-dropped"] {
        assert!(
            unreliable.contains(&format!("failed: {reason}")),
            "{reason}"
        );
    }
    assert!(!unreliable.contains(" send "), "--only fail");
}

/// (c) `--only` never hides the tester's markers; `--hide` does.
fn c_only_keeps_markers_and_hide_hides_them() {
    let args = [
        "--raft",
        "silent",
        "replay",
        "TestPersist13C",
        "--seed",
        "1",
        "--only",
        "vote",
    ];
    let text = stdout(&me(&args));
    for marker in [
        "---- crash: crash S",
        "---- connect: connect S",
        "---- check: ",
        "---- restart: start S",
    ] {
        assert!(text.contains(marker), "{marker}:\n{text}");
    }
    assert!(
        text.contains("Test (3C): basic persistence"),
        "the course's begin line"
    );
    assert!(!text.contains(" send "), "only vote");
    let hidden = stdout(&me(&[&args[..], &["--hide", "crash"]].concat()));
    assert!(!hidden.contains("---- crash:") && hidden.contains("---- connect:"));
}

/// (d) An unknown topic is a one-line usage error listing the topics.
fn d_an_unknown_topic_exits_2_with_the_topic_list() {
    for flag in ["--only", "--hide"] {
        let out = me(&[
            "replay",
            "TestInitialElection3A",
            "--seed",
            "1",
            flag,
            "vote,bogus",
        ]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.contains("unknown topic 'bogus': valid topics are course,"),
            "{err}"
        );
        assert!(stdout(&out).is_empty(), "no work done");
    }
    let help = stdout(&me(&["replay", "--help"]));
    assert!(
        help.contains("tester markers") && help.contains("  fail "),
        "{help}"
    );
}

/// (e) A variant's failure replays as that variant from its printed line,
/// byte for byte; and the example: the leader's repeated sends
/// and the lagging follower's refusals are in the replay.
fn e_a_variant_replays_from_its_printed_line() {
    let json = std::env::temp_dir().join(format!("lab-outside-{}.json", std::process::id()));
    let json_arg = json.to_str().unwrap();
    let out = me(&[
        "--raft",
        "no-backup",
        "sweep",
        "TestBackup3B",
        "--seeds",
        "1",
        "--json",
        json_arg,
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let record: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let _ = std::fs::remove_file(&json);
    let run = &record["results"][0];
    let line = run["replay"].as_str().unwrap();
    let (program, args) = line.split_once(" replay ").expect("a replay line");
    let exe = std::env::current_exe().unwrap();
    assert_eq!(
        program,
        exe.file_stem().unwrap().to_str().unwrap(),
        "names this binary"
    );
    assert!(line.ends_with(" --raft no-backup"), "{line}");
    let args: Vec<&str> = ["replay"].into_iter().chain(args.split(' ')).collect();
    let (a, b) = (me(&args), me(&args));
    assert_eq!(a.status.code(), Some(1));
    assert_eq!(a.stdout, b.stdout, "byte-identical");
    let text = stdout(&a);
    let hash = format!("trace hash {:#018x}", run["trace_hash"].as_u64().unwrap());
    assert!(text.contains(&hash), "the same run as the sweep's");
    assert!(text.contains("failed to reach agreement"));
    assert!(
        text.contains("---- failure: Fatal: one(")
            && text.contains(") failed to reach agreement [one] ----"),
        "the failure among the events, in the course's words"
    );
    let default = stdout(&me(&args[..args.len() - 2]));
    assert!(
        !default.contains(&hash),
        "the default variant is another Raft"
    );
    leader_resends_and_follower_refuses(&text);
}

/// The example, from the replay of the replication bug alone.
fn leader_resends_and_follower_refuses(text: &str) {
    let mut sends: BTreeMap<(usize, String, String), u64> = BTreeMap::new();
    let mut refusals: BTreeMap<(usize, String), u64> = BTreeMap::new();
    for (_, server, label, body) in text.lines().filter_map(parse_line) {
        let peer = body.split_whitespace().nth(1).unwrap_or("").to_string();
        if label == "send" && body.contains("AppendEntries {") {
            let prev = body
                .split("prev_log_index: ")
                .nth(1)
                .and_then(|s| s.split(',').next());
            *sends
                .entry((server, peer, prev.unwrap_or("").to_string()))
                .or_default() += 1;
        } else if label == "reply" && body.contains("success: false") {
            *refusals.entry((server, peer)).or_default() += 1;
        }
    }
    let stuck = sends
        .iter()
        .filter(|((leader, peer, _), count)| {
            **count >= 10
                && refusals
                    .get(&(*leader, peer.clone()))
                    .is_some_and(|r| *r >= 10)
        })
        .count();
    assert!(
        stuck > 0,
        "a leader resending the same prev_log_index to a refusing follower:\n{sends:?}\n{refusals:?}"
    );
    assert!(
        text.contains("; has not applied the command"),
        "the failure's per-server lines"
    );
    assert!(text.contains("\n  S0: "), "one line per server");
}

/// A scenario loaded from another directory replays with `--scenarios`.
fn f_a_scenario_from_elsewhere_replays_with_its_directory() {
    let dir = std::env::temp_dir().join(format!("lab-outside-scenarios-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let repo =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/isolate-leader.toml");
    let text = std::fs::read_to_string(repo).unwrap();
    let renamed = text.replace("name = \"isolate-leader\"", "name = \"cut\"");
    std::fs::write(dir.join("cut.toml"), renamed).unwrap();
    let json = dir.join("out.json");
    let (d, j) = (dir.to_str().unwrap(), json.to_str().unwrap());
    let out = me(&[
        "--scenarios",
        d,
        "--raft",
        "silent",
        "sweep",
        "scenario/cut",
        "--seeds",
        "1",
        "--json",
        j,
    ]);
    let record: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap())
        .unwrap_or_else(|e| panic!("{e}: {}", stdout(&out)));
    let run = &record["results"][0];
    let line = run["replay"].as_str().unwrap();
    let (program, args) = line.split_once(' ').unwrap();
    assert!(program.starts_with("outside-"), "{line}");
    assert!(
        args.starts_with(&format!("--scenarios {d} replay scenario/cut ")),
        "{line}"
    );
    let args: Vec<&str> = args.split(' ').collect();
    let replay = stdout(&me(&args));
    let hash = format!("trace hash {:#018x}", run["trace_hash"].as_u64().unwrap());
    assert!(replay.contains(&hash), "{replay}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `--server N` in columns shows that column only, `--width` sizes it.
fn g_one_server_s_column_at_a_width() {
    let args = [
        "replay",
        "TestReElection3A",
        "--seed",
        "7",
        "--columns",
        "--server",
        "1",
        "--width",
        "60",
    ];
    let text = stdout(&me(&args));
    let mut lines = text
        .lines()
        .skip(1)
        .take_while(|l| !l.starts_with("end at"));
    assert_eq!(lines.next(), Some("     time S1"));
    let column = |l: &&str| !l.contains(" ---- ") && !l.contains("Test (") && !l.contains("Passed");
    for line in lines.filter(column) {
        assert!(line.chars().count() <= 60, "{line}");
    }
    assert!(
        text.contains("s send: -> S"),
        "S1's events, at the first column"
    );
}

/// Replay of a fixed seed, byte for byte against the committed file.
fn snapshot(name: &str, args: &[&str]) {
    let out = me(args);
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(name);
    let text = stdout(&out);
    if std::env::var_os(UPDATE).is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &text).unwrap();
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}; create it with {UPDATE}=1", path.display()));
    if text != expected {
        let first = text.lines().zip(expected.lines()).position(|(a, b)| a != b);
        panic!(
            "{name} differs from {} (first at line {first:?}); if on purpose, rerun with {UPDATE}=1",
            path.display()
        );
    }
}

fn replay_snapshots_pin_the_format() {
    snapshot(
        "replay-lines.txt",
        &["replay", "TestInitialElection3A", "--seed", "7"],
    );
    snapshot(
        "replay-columns.txt",
        &[
            "replay",
            "TestReElection3A",
            "--seed",
            "7",
            "--columns",
            "--width",
            "120",
            "--hide",
            "recv",
        ],
    );
}

/// `LAB_LOG` in `cargo test` prints the lines `lab replay` prints.
fn cargo_test_logging_prints_the_replay_lines() {
    let test = tester::registry::find("TestInitialElection3A").unwrap();
    let spec = tester::RunSpec::new(test, 7, tester::Edition::Y2025);
    let config = tester::observe::logging::LogConfig {
        filter: labtrace::LogFilter::default(),
        all_runs: true,
    };
    let make = || {
        factory(Opts {
            logs: true,
            inspect: true,
            ..Opts::default()
        })
    };
    let (outcome, logged) = tester::observe::logging::run_logged(spec, make(), Some(&config));
    assert!(outcome.passed());
    let logged = logged.expect("all runs are printed");
    let replay = stdout(&me(&["replay", "TestInitialElection3A", "--seed", "7"]));
    let events = logged.split_once('\n').unwrap().1;
    assert!(
        events.len() > 1000 && replay.contains(events),
        "the same lines"
    );
    let failed_only = tester::observe::logging::LogConfig {
        all_runs: false,
        ..config
    };
    assert!(
        tester::observe::logging::run_logged(spec, make(), Some(&failed_only))
            .1
            .is_none()
    );
}

/// (h) A Raft that never returns: `lab run` reports the hang with a
/// replay line, and that line, run, prints the events up to the hang
/// (the stuck input's own cut in the middle), names the input that did
/// not return, and ends as a hang instead of spinning forever.
fn h_a_hanging_run_replays_up_to_the_hang() {
    let run = me(&[
        "--raft",
        "loops",
        "run",
        "TestInitialElection3A",
        "--seed",
        "1",
        "--timeout-ms",
        "300",
    ]);
    assert_eq!(run.status.code(), Some(4), "{}", stdout(&run));
    let text = stdout(&run);
    let line = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("replay: "))
        .expect(&text);
    let (_, args) = line.split_once(" replay ").expect("a replay command");
    let mut args: Vec<&str> = ["replay"].into_iter().chain(args.split(' ')).collect();
    let html = std::env::temp_dir().join(format!("lab-hung-{}.html", std::process::id()));
    args.extend([
        "--timeout-ms",
        "300",
        "--html",
        html.to_str().expect("utf-8"),
    ]);
    let replay = me(&args);
    let text = stdout(&replay);
    assert_eq!(replay.status.code(), Some(4), "{text}");
    assert!(text.starts_with("replay TestInitialElection3A seed=0x1 edition=2026 raft=loops\n"));
    let stuck = text
        .lines()
        .find_map(|l| l.strip_prefix("stopped at "))
        .expect(&text);
    let (when, what) = stuck.split_once(" virtual: ").expect(stuck);
    let leader = text
        .lines()
        .filter_map(parse_line)
        .rfind(|(_, _, _, msg)| msg.contains("won the election"))
        .expect("a leader was elected");
    assert!(
        what.starts_with(&format!("S{}'s ", leader.1)) && what.ends_with(" input has not returned"),
        "{stuck}"
    );
    assert!(when.ends_with('s'), "{when}");
    let tries: Vec<_> = text
        .lines()
        .filter_map(parse_line)
        .filter(|(_, _, _, msg)| msg.contains("retrying"))
        .collect();
    let elided: usize = text
        .lines()
        .find_map(|l| {
            l.strip_prefix("  ... ")?
                .strip_suffix(" more events of this input ...")
        })
        .expect("the stuck input's events are cut")
        .parse()
        .expect("a count");
    assert_eq!(tries.len() + elided, 200, "every try, shown or counted");
    assert!(
        (20..40).contains(&tries.len()),
        "the input's first and last 20 events"
    );
    assert!(tries.iter().all(|(_, s, _, _)| *s == leader.1));
    assert!(text.contains(" hang (watchdog) in cpu-limit: "), "{text}");
    assert!(text.contains("(--timeout-ms 0: no limit"), "{text}");
    assert!(text.contains(&format!("  timeline: {}\n", html.display())));
    let page = std::fs::read_to_string(&html).expect("a picture up to the hang");
    let _ = std::fs::remove_file(&html);
    assert!(
        page.contains("\"verdict\":\"hung\""),
        "the page knows it hung"
    );
    assert!(
        page.contains("input has not returned"),
        "and where it stopped"
    );
}

/// (i) A Raft that logs in a loop that never ends: the replay keeps the
/// first 100,000 events of that input and counts the rest, so memory
/// stays bounded until the watchdog stops it.
fn i_a_logging_loop_is_kept_to_its_first_events() {
    let args = ["--raft", "loops-logging", "replay", "TestInitialElection3A"];
    let out = me(&[&args[..], &["--seed", "1", "--timeout-ms", "2000"]].concat());
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(4), "{text}");
    let cut = text
        .lines()
        .find_map(|l| l.strip_prefix("  ... ")?.strip_suffix(" ..."))
        .expect(&text);
    let (more, why) = cut.split_once(" more events of this input (").expect(cut);
    let (dropped, why) = why.split_once(" not kept: ").expect(cut);
    assert_eq!(why, "past the first 100000 events of one input)");
    let (more, dropped): (u64, u64) = (more.parse().unwrap(), dropped.parse().unwrap());
    assert!(dropped > 0, "the loop outran the cap: {cut}");
    // The input's first and last 20 events are shown, the rest counted.
    assert_eq!(40 + more, 100_000 + dropped, "kept + dropped: {cut}");
    let tail = text.lines().skip_while(|l| !l.starts_with("  ... "));
    let tries = tail.filter(|l| l.contains("retrying")).count();
    assert_eq!(tries, 20, "the last events shown are the loop's");
}

const CHECKS: &[(&str, fn())] = &[
    (
        "a_raft_s_own_events_are_attributed_to_server_and_time",
        a_raft_s_own_events_are_attributed_to_server_and_time,
    ),
    (
        "b_a_silent_raft_gets_send_deliver_reply_and_fail_lines",
        b_a_silent_raft_gets_send_deliver_reply_and_fail_lines,
    ),
    (
        "c_only_keeps_markers_and_hide_hides_them",
        c_only_keeps_markers_and_hide_hides_them,
    ),
    (
        "d_an_unknown_topic_exits_2_with_the_topic_list",
        d_an_unknown_topic_exits_2_with_the_topic_list,
    ),
    (
        "e_a_variant_replays_from_its_printed_line",
        e_a_variant_replays_from_its_printed_line,
    ),
    (
        "f_a_scenario_from_elsewhere_replays_with_its_directory",
        f_a_scenario_from_elsewhere_replays_with_its_directory,
    ),
    (
        "g_one_server_s_column_at_a_width",
        g_one_server_s_column_at_a_width,
    ),
    (
        "h_a_hanging_run_replays_up_to_the_hang",
        h_a_hanging_run_replays_up_to_the_hang,
    ),
    (
        "i_a_logging_loop_is_kept_to_its_first_events",
        i_a_logging_loop_is_kept_to_its_first_events,
    ),
    (
        "replay_snapshots_pin_the_format",
        replay_snapshots_pin_the_format,
    ),
    (
        "cargo_test_logging_prints_the_replay_lines",
        cargo_test_logging_prints_the_replay_lines,
    ),
];

fn main() -> ExitCode {
    if std::env::var_os(AS_BINARY).is_some() {
        return binary();
    }
    common::run_checks("outside", CHECKS)
}
