//! The format: every field parsed, every error path (file, line, field).

use super::format::*;
use super::parse::{Member, ScenarioError, parse_groups, parse_str};

const FULL: &str = r#"version = 1
name = "full"
description = "every field"
servers = 5
snapshot = true
duration_ms = 9000
liveness_ms = 7000

[network]
profile = "custom"
long_reordering = true
request_drop_per_mille = 10
reply_drop_per_mille = 20
max_delay_ms = 30
reorder_per_900 = 40
reorder_base_ms = 50
reorder_spread_ms = 60

[workload]
clients = 3
commands_per_second = 7

[[event]]
at_ms = 100
action = "partition"
groups = "leader+1 | rest"
every_ms = 1000
until_ms = 5000

[[event]]
at_ms = 200
action = "clog"
groups = "0,1 | 2"
delay_ms = 300
for_ms = 400

[[event]]
at_ms = 300
action = "crash"
who = "leader"

[[generator]]
min_gap_ms = 10
max_gap_ms = 20
from_ms = 30
until_ms = 8000
max_crashed = 2
clog_max_delay_ms = 40
clog_max_for_ms = 50
[generator.weights]
partition = 1
leader_plus_one = 2
isolate_leader = 3
one_way = 4
crash = 5
restart = 6
crash_leader = 7
clog = 8
heal = 9
"#;

fn parse(text: &str) -> Result<Scenario, ScenarioError> {
    parse_str("t.toml", text, None)
}

#[test]
fn every_field_is_parsed() {
    let s = parse(FULL).unwrap();
    assert_eq!(s.version, 1);
    assert_eq!(s.name, "full");
    assert_eq!(s.description.as_deref(), Some("every field"));
    assert_eq!((s.servers, s.snapshot), (Some(5), true));
    assert_eq!((s.duration_ms, s.liveness_ms), (9000, 7000));
    assert_eq!(
        s.network,
        NetworkSpec {
            profile: Profile::Custom,
            long_reordering: true,
            request_drop_per_mille: Some(10),
            reply_drop_per_mille: Some(20),
            max_delay_ms: Some(30),
            reorder_per_900: Some(40),
            reorder_base_ms: Some(50),
            reorder_spread_ms: Some(60),
        }
    );
    assert_eq!(
        s.workload,
        Workload {
            clients: 3,
            commands_per_second: 7
        }
    );
    let e: Vec<&Event> = s.events.iter().map(|e| e.get_ref()).collect();
    assert_eq!(e.len(), 3);
    assert_eq!((e[0].at_ms, e[0].action), (100, Action::Partition));
    assert_eq!(e[0].groups.as_deref(), Some("leader+1 | rest"));
    assert_eq!((e[0].every_ms, e[0].until_ms), (Some(1000), Some(5000)));
    assert_eq!(
        (e[1].action, e[1].delay_ms, e[1].for_ms),
        (Action::Clog, Some(300), Some(400))
    );
    assert_eq!(
        (e[2].action, e[2].who.as_deref()),
        (Action::Crash, Some("leader"))
    );
    let g = s.generators[0].get_ref();
    assert_eq!((g.min_gap_ms, g.max_gap_ms, g.from_ms), (10, 20, 30));
    assert_eq!((g.until_ms, g.max_crashed), (Some(8000), Some(2)));
    assert_eq!((g.clog_max_delay_ms, g.clog_max_for_ms), (40, 50));
    let weights: Vec<u32> = g.weights.named().iter().map(|(_, w)| *w).collect();
    assert_eq!(weights, vec![1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // Defaults.
    let s = parse("version = 1\nname = \"d\"\nservers = 3\nduration_ms = 1\n").unwrap();
    assert_eq!((s.liveness_ms, s.snapshot), (10_000, false));
    assert_eq!(s.network, NetworkSpec::default());
    assert_eq!(s.workload, Workload::default());
    // And it writes out and reads back the same.
    let full = parse(FULL).unwrap();
    assert_eq!(parse(&super::to_toml(&full)).unwrap(), full);
}

/// `FULL` with `from` replaced by `to`: the error's (line, field, message).
fn error(from: &str, to: &str) -> (usize, String, String) {
    assert!(FULL.contains(from), "{from}");
    let e = parse(&FULL.replacen(from, to, 1)).unwrap_err();
    assert_eq!(e.file, "t.toml");
    assert!(
        e.to_string()
            .starts_with(&format!("t.toml:{}: field `{}`: ", e.line, e.field))
    );
    (e.line, e.field, e.message)
}

#[test]
fn serde_errors_name_line_and_field() {
    let (line, field, m) = error("clients = 3", "clientz = 3");
    assert_eq!((line, field.as_str()), (20, "workload.clientz"), "{m}");
    assert!(m.contains("unknown field"), "{m}");
    let (line, field, m) = error("who = \"leader\"", "who = \"leader\"\nwhen = 3");
    assert_eq!((line, field.as_str()), (41, "event[2].when"), "{m}");
    let (line, field, m) = error("servers = 5", "servers = \"five\"");
    assert_eq!((line, field.as_str()), (4, "servers"), "{m}");
    assert!(m.contains("invalid type"), "{m}");
    let (line, field, m) = error("max_delay_ms = 30", "max_delay_ms = -30");
    assert_eq!((line, field.as_str()), (14, "network.max_delay_ms"), "{m}");
    let (_, field, m) = error("duration_ms = 9000\n", "");
    assert_eq!(field, "duration_ms", "{m}");
    assert!(m.contains("missing field"), "{m}");
    let (line, field, m) = error("action = \"crash\"", "action = \"explode\"");
    assert_eq!((line, field.as_str()), (39, "event[2].action"), "{m}");
    let (line, field, _) = error("profile = \"custom\"", "profile = \"lossy\"");
    assert_eq!((line, field.as_str()), (10, "network.profile"));
}

#[test]
fn semantic_errors_name_line_and_field() {
    let cases: &[(&str, &str, usize, &str, &str)] = &[
        ("version = 1", "version = 2", 1, "version", "not supported"),
        (
            "duration_ms = 9000",
            "duration_ms = 0",
            6,
            "duration_ms",
            "positive",
        ),
        (
            "liveness_ms = 7000",
            "liveness_ms = 0",
            7,
            "liveness_ms",
            "positive",
        ),
        ("servers = 5", "servers = 0", 4, "servers", "1..=15"),
        (
            "commands_per_second = 7",
            "commands_per_second = 0",
            21,
            "workload.commands_per_second",
            "1..=1000",
        ),
        (
            "request_drop_per_mille = 10",
            "request_drop_per_mille = 1001",
            12,
            "network.request_drop_per_mille",
            "over 1000",
        ),
        (
            "reorder_spread_ms = 60",
            "reorder_spread_ms = 0",
            17,
            "network.reorder_spread_ms",
            "positive",
        ),
        (
            "groups = \"leader+1 | rest\"",
            "groups = \"leader+1 | 7\"",
            26,
            "event[0].groups",
            "server 7 out of range",
        ),
        (
            "groups = \"0,1 | 2\"",
            "groups = \"0,1 | 1\"",
            33,
            "event[1].groups",
            "in two groups",
        ),
        (
            "groups = \"0,1 | 2\"",
            "groups = \"0,1 | 2 | 3\"",
            33,
            "event[1].groups",
            "exactly two groups",
        ),
        (
            "groups = \"leader+1 | rest\"",
            "groups = \"leader | 2\"",
            26,
            "event[0].groups",
            "may overlap",
        ),
        (
            "groups = \"leader+1 | rest\"",
            "groups = \"rest\"",
            26,
            "event[0].groups",
            "at least two groups",
        ),
        (
            "groups = \"leader+1 | rest\"",
            "groups = \"leader+9 | rest\"",
            26,
            "event[0].groups",
            "name 10 servers",
        ),
        (
            "groups = \"leader+1 | rest\"",
            "groups = \"rest | | 1\"",
            26,
            "event[0].groups",
            "empty group",
        ),
        (
            "groups = \"leader+1 | rest\"",
            "groups = \"boss | rest\"",
            26,
            "event[0].groups",
            "expected a server index",
        ),
        (
            "every_ms = 1000",
            "every_ms = 0",
            27,
            "event[0].every_ms",
            "positive",
        ),
        (
            "at_ms = 300",
            "at_ms = 9000",
            38,
            "event[2].at_ms",
            "not before duration_ms",
        ),
        (
            "delay_ms = 300\n",
            "",
            30,
            "event[1].delay_ms",
            "missing for clog",
        ),
        (
            "for_ms = 400",
            "for_ms = 0",
            35,
            "event[1].for_ms",
            "positive",
        ),
        (
            "who = \"leader\"",
            "who = \"9\"",
            40,
            "event[2].who",
            "out of range",
        ),
        (
            "who = \"leader\"",
            "who = \"all\"",
            40,
            "event[2].who",
            "expected leader, follower, random",
        ),
        (
            "action = \"crash\"",
            "action = \"heal\"",
            40,
            "event[2].who",
            "not used",
        ),
        (
            "min_gap_ms = 10",
            "min_gap_ms = 0",
            43,
            "generator[0].min_gap_ms",
            "positive",
        ),
        (
            "max_gap_ms = 20",
            "max_gap_ms = 5",
            44,
            "generator[0].max_gap_ms",
            "below min_gap_ms",
        ),
        (
            "max_crashed = 2",
            "max_crashed = 5",
            47,
            "generator[0].max_crashed",
            "below servers",
        ),
    ];
    for &(from, to, line, field, message) in cases {
        let (l, f, m) = error(from, to);
        assert_eq!((l, f.as_str()), (line, field), "{from} -> {to}: {m}");
        assert!(m.contains(message), "{from} -> {to}: {m}");
    }
    let e = parse(&FULL.replace("profile = \"custom\"", "profile = \"reliable\"")).unwrap_err();
    assert_eq!(
        (e.line, e.field.as_str()),
        (12, "network.request_drop_per_mille")
    );
    assert!(e.message.contains("custom"));
    let e = parse_str("t.toml", FULL, Some("other")).unwrap_err();
    assert_eq!((e.line, e.field.as_str()), (2, "name"));
    let weights = FULL
        .split("[generator.weights]")
        .next()
        .unwrap()
        .to_string()
        + "[generator.weights]\npartition = 0\n";
    let e = parse(&weights).unwrap_err();
    assert_eq!(e.field, "generator[0].weights", "{e}");
}

#[test]
fn swarm_errors_name_the_swarm_field() {
    let swarm = "version = 1\nname = \"s\"\nduration_ms = 100\n\n[swarm]\nservers = [3, 5]\ndrop_per_mille = [0, 10]\nmax_delay_ms = [0, 5]\npartition_kinds = [\"partition\"]\ncrash_weight = [0, 1]\ngap_ms = [10, 20]\n";
    assert!(parse(swarm).is_ok());
    let e = parse(&swarm.replace("[\"partition\"]", "[\"earthquake\"]")).unwrap_err();
    assert_eq!(
        (e.line, e.field.as_str()),
        (9, "swarm.partition_kinds"),
        "{e}"
    );
    let e = parse(&swarm.replace("gap_ms = [10, 20]", "gap_ms = [30, 20]")).unwrap_err();
    assert_eq!((e.line, e.field.as_str()), (11, "swarm.gap_ms"), "{e}");
    let e =
        parse(&swarm.replace("duration_ms = 100", "duration_ms = 100\nservers = 3")).unwrap_err();
    assert_eq!(e.field, "servers", "{e}");
    let e = parse(
        &swarm
            .replace("[swarm]\n", "")
            .replace("servers = [3, 5]\n", ""),
    )
    .unwrap_err();
    assert!(
        e.message.contains("unknown field") || e.field == "servers",
        "{e}"
    );
}

/// The hostile inputs of issue 16: each refused at load with the file, the
/// line and the field at fault.
#[test]
fn limits_are_enforced_at_load_with_file_line_and_field() {
    use super::limits::*;
    let base = "version = 1\nname = \"h\"\nservers = 3\nduration_ms = 1000\n";
    let cases: Vec<(String, usize, &str, &str)> = vec![
        (
            base.replace("1000", "18446744073709551615"),
            4,
            "duration_ms",
            "over the limit of 600000",
        ),
        (
            format!("{base}liveness_ms = 600001\n"),
            5,
            "liveness_ms",
            "over the limit",
        ),
        (
            format!("{base}[workload]\nclients = 100000\n"),
            6,
            "workload.clients",
            "over the limit of 16",
        ),
        (
            format!("{base}[workload]\nclients = 10\ncommands_per_second = 500\n"),
            7,
            "workload.commands_per_second",
            "10 clients x 500",
        ),
        (
            format!("{base}{}", "[[event]]\nat_ms = 1\naction = \"heal\"\n".repeat(1001)),
            5 + 3 * 1000,
            "event",
            "1001 tables: at most 1000",
        ),
        (
            format!(
                "{base}[[event]]\nat_ms = 0\naction = \"heal\"\nevery_ms = 1\n[[generator]]\nmin_gap_ms = 1\nmax_gap_ms = 1\n[generator.weights]\nheal = 1\n"
            )
            .replace("1000\n", "600000\n"),
            5,
            "event",
            "can fire 1200002 faults",
        ),
        (
            format!("{base}{} = 1\n", vec!["a"; 50_000].join(".")),
            5,
            "a.a.a",
            "nested",
        ),
        (
            "version = 1\nname = \"h\"\nduration_ms = 1000\n[swarm]\n".to_string(),
            4,
            "swarm.servers",
            "missing field `servers`",
        ),
        (
            format!("{base}[[event]]\nat_ms = 1\naction = \"crash\"\nwho = 99\n"),
            8,
            "event[0].who",
            "server 99 out of range",
        ),
        (
            format!("{base}[[event]]\nat_ms = 1\naction = \"crash\"\nwho = -1\n"),
            8,
            "event[0].who",
            "negative",
        ),
    ];
    for (text, line, field, message) in &cases {
        let e = parse(text).unwrap_err();
        let shown = e.to_string();
        assert_eq!(e.line, *line, "{shown}");
        assert!(e.field.starts_with(field), "{field}: {shown}");
        assert!(e.message.contains(message), "{message}: {shown}");
        assert!(shown.len() < 300, "a short message: {shown}");
    }
    // An index as a number is what the README allows.
    let who = format!("{base}[[event]]\nat_ms = 1\naction = \"crash\"\nwho = 2\n");
    assert_eq!(
        parse(&who).unwrap().events[0].get_ref().who.as_deref(),
        Some("2")
    );
    // A file over the size limit is refused before it is parsed.
    let big = format!(
        "{base}description = \"{}\"\n",
        "x".repeat(MAX_FILE_BYTES as usize)
    );
    let e = parse(&big).unwrap_err();
    assert!(e.message.contains("at most 262144"), "{e}");
    let dir = std::env::temp_dir().join(format!("scenario-limits-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("h.toml");
    std::fs::write(&path, &big).unwrap();
    let e = super::parse::load(&path).unwrap_err();
    assert!(
        e.to_string()
            .ends_with("bytes: a scenario file holds at most 262144"),
        "{e}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn groups_parse() {
    assert_eq!(
        parse_groups("leader+1 | rest", 5).unwrap(),
        vec![vec![Member::Leader(1)], vec![Member::Rest]]
    );
    assert_eq!(
        parse_groups("0, 1 | 2 3 | any1", 5).unwrap(),
        vec![
            vec![Member::Server(0), Member::Server(1)],
            vec![Member::Server(2), Member::Server(3)],
            vec![Member::Any(1)]
        ]
    );
    assert!(parse_groups("rest | rest", 5).is_err());
    assert!(parse_groups("leader | leader", 5).is_err());
    assert!(parse_groups("any0 | rest", 5).is_err());
}
