//! The 28 tests: names, parts, labels and set-up, as data. The bodies live
//! in [`crate::suite`]; [`find`] and [`select`] resolve the names users type.

use crate::edition::Edition;
use crate::harness::Setup;
use std::fmt;
use std::sync::RwLock;

/// A part of the lab.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Part {
    /// Leader election.
    A,
    /// Log replication.
    B,
    /// Persistence.
    C,
    /// Log compaction (snapshots).
    D,
    /// A scenario file (not in the course).
    Scenario,
}

impl fmt::Display for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = match self {
            Part::A => 'A',
            Part::B => 'B',
            Part::C => 'C',
            Part::D => 'D',
            Part::Scenario => return f.write_str("scenario"),
        };
        write!(f, "3{c}")
    }
}

/// Whether a test's network starts reliable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Network {
    /// Reliable in every edition.
    Reliable,
    /// Unreliable in every edition.
    Unreliable,
    /// Reliable in 2024, unreliable in 2025 and 2026 (§7.3(1)).
    ReliableIn2024,
}

impl Network {
    /// Whether the network is reliable in `edition`.
    pub fn reliable(self, edition: Edition) -> bool {
        match self {
            Network::Reliable => true,
            Network::Unreliable => false,
            Network::ReliableIn2024 => edition == Edition::Y2024,
        }
    }
}

/// One of the course's tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TestDef {
    /// The Go name, e.g. `TestFigure8Unreliable3C`.
    pub name: &'static str,
    /// The part.
    pub part: Part,
    /// Servers in the cluster.
    pub servers: usize,
    /// Network kind.
    pub network: Network,
    /// Whether the snapshot applier is used.
    pub snapshot: bool,
}

impl TestDef {
    /// The cluster set-up in `edition`.
    pub fn setup(&self, edition: Edition) -> Setup {
        Setup {
            servers: self.servers,
            reliable: self.network.reliable(edition),
            snapshot: self.snapshot,
        }
    }

    /// The position of the test in the suite (Go file order).
    pub fn position(&self) -> usize {
        TESTS
            .iter()
            .chain(extra().iter().copied())
            .position(|t| t.name == self.name)
            .expect("a registered test")
    }
}

const fn def(
    name: &'static str,
    part: Part,
    servers: usize,
    network: Network,
    snapshot: bool,
) -> TestDef {
    TestDef {
        name,
        part,
        servers,
        network,
        snapshot,
    }
}

use Network::{Reliable as R, ReliableIn2024 as R24, Unreliable as U};
use Part::{A, B, C, D};

/// Every test, in the Go file's order.
pub static TESTS: [TestDef; 28] = [
    def("TestInitialElection3A", A, 3, R, false),
    def("TestReElection3A", A, 3, R, false),
    def("TestManyElections3A", A, 7, R, false),
    def("TestBasicAgree3B", B, 3, R, false),
    def("TestRPCBytes3B", B, 3, R, false),
    def("TestFollowerFailure3B", B, 3, R, false),
    def("TestLeaderFailure3B", B, 3, R, false),
    def("TestFailAgree3B", B, 3, R, false),
    def("TestFailNoAgree3B", B, 5, R, false),
    def("TestConcurrentStarts3B", B, 3, R, false),
    def("TestRejoin3B", B, 3, R, false),
    def("TestBackup3B", B, 5, R, false),
    def("TestCount3B", B, 3, R, false),
    def("TestPersist13C", C, 3, R, false),
    def("TestPersist23C", C, 5, R, false),
    def("TestPersist33C", C, 3, R, false),
    def("TestFigure83C", C, 5, R, false),
    def("TestUnreliableAgree3C", C, 5, U, false),
    def("TestFigure8Unreliable3C", C, 5, U, false),
    def("TestReliableChurn3C", C, 5, R, false),
    def("TestUnreliableChurn3C", C, 5, U, false),
    def("TestSnapshotBasic3D", D, 3, R, true),
    def("TestSnapshotInstall3D", D, 3, R, true),
    def("TestSnapshotInstallUnreliable3D", D, 3, U, true),
    def("TestSnapshotInstallCrash3D", D, 3, R, true),
    def("TestSnapshotInstallUnCrash3D", D, 3, U, true),
    def("TestSnapshotAllCrash3D", D, 3, R24, true),
    def("TestSnapshotInit3D", D, 3, R24, true),
];

/// Tests registered at run time (scenario files), after the 28.
static EXTRA: RwLock<Vec<&'static TestDef>> = RwLock::new(Vec::new());

fn extra() -> Vec<&'static TestDef> {
    EXTRA.read().expect("not poisoned").clone()
}

/// Registers a test defined at run time (a scenario file); the definition
/// is leaked, as it lives as long as the process.
pub fn register(def: TestDef) -> &'static TestDef {
    let def: &'static TestDef = Box::leak(Box::new(def));
    EXTRA.write().expect("not poisoned").push(def);
    def
}

/// The test with this name, in any case (2A-2D spellings accepted).
pub fn find(name: &str) -> Option<&'static TestDef> {
    if name.starts_with(crate::scenario::PREFIX) {
        return extra().into_iter().find(|t| t.name == name);
    }
    let name = modern_name(name);
    TESTS
        .iter()
        .find(|t| t.name == name)
        .or_else(|| TESTS.iter().find(|t| t.name.eq_ignore_ascii_case(&name)))
}

/// The tests a filter selects: a part (`3B`, or the pre-2024 `2B`), or a
/// substring of the Go names (or of `scenario/<stem>` for registered
/// scenario files), in any case (`3a`, `backup`). `""` selects all.
pub fn select(filter: &str) -> Vec<&'static TestDef> {
    let filter = modern_name(filter.trim()).to_ascii_lowercase();
    TESTS
        .iter()
        .chain(extra())
        .filter(|t| t.name.to_ascii_lowercase().contains(filter.as_str()))
        .collect()
}

/// Inputs longer than this get no suggestions (edit distance is quadratic).
const SUGGEST_MAX_LEN: usize = 100;

/// The registered names closest to a filter or name that matched nothing
/// (a typo: `Bakup`, `TestInitalElection`), closest first, at most 3: the
/// fewest edits that make the input a part of the name.
pub fn suggest(input: &str) -> Vec<&'static str> {
    let input = modern_name(input.trim()).to_ascii_lowercase();
    if input.len() > SUGGEST_MAX_LEN {
        return Vec::new();
    }
    let most = input.len() / 3;
    let mut near: Vec<(usize, usize, &'static str)> = TESTS
        .iter()
        .chain(extra())
        .enumerate()
        .filter_map(|(position, t)| {
            let distance = edits_to_part_of(&input, &t.name.to_ascii_lowercase());
            (distance <= most).then_some((distance, position, t.name))
        })
        .collect();
    near.sort();
    let best = near.first().map_or(0, |n| n.0);
    near.into_iter()
        .take_while(|n| n.0 <= best + 1)
        .take(3)
        .map(|(_, _, name)| name)
        .collect()
}

/// User input cut for an error message: the first `max_chars` characters,
/// then how long it was, so a 100 KB filter is not echoed back whole.
pub fn clip(input: &str, max_chars: usize) -> String {
    match input.char_indices().nth(max_chars) {
        None => input.to_string(),
        Some((end, _)) => format!("{}... ({} bytes)", &input[..end], input.len()),
    }
}

/// The fewest single-byte edits (insert, delete, replace) that turn `part`
/// into a substring of `name` (Levenshtein, free to start and end anywhere
/// in `name`).
fn edits_to_part_of(part: &str, name: &str) -> usize {
    let name = name.as_bytes();
    let mut row = vec![0; name.len() + 1];
    for (i, &x) in part.as_bytes().iter().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &y) in name.iter().enumerate() {
            let replaced = diagonal + usize::from(x != y);
            diagonal = row[j + 1];
            row[j + 1] = replaced.min(row[j] + 1).min(diagonal + 1);
        }
    }
    row.into_iter().min().unwrap_or(0)
}

/// Rewrites the 2023 part names (2A-2D, any case) to 3A-3D: many write-ups
/// use them.
fn modern_name(s: &str) -> String {
    let b = s.as_bytes();
    let n = b.len();
    if n >= 2 && b[n - 2] == b'2' && matches!(b[n - 1].to_ascii_uppercase(), b'A'..=b'D') {
        format!("{}3{}", &s[..n - 2], b[n - 1] as char)
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(filter: &str) -> Vec<&'static str> {
        select(filter).iter().map(|t| t.name).collect()
    }

    #[test]
    fn filters_match_in_any_case_and_old_part_names() {
        assert_eq!(names("3a"), names("3A"));
        assert_eq!(names("2a"), names("3A"));
        assert_eq!(names("3A").len(), 3);
        assert_eq!(names("backup"), ["TestBackup3B"]);
        assert_eq!(find("testbackup3b").map(|t| t.name), Some("TestBackup3B"));
        assert_eq!(find("TestBackup2B").map(|t| t.name), Some("TestBackup3B"));
        assert!(find("TestBackup").is_none());
    }

    #[test]
    fn typos_get_the_closest_names() {
        assert_eq!(suggest("TestBakup3B"), ["TestBackup3B"]);
        assert_eq!(suggest("InitalElection3A"), ["TestInitialElection3A"]);
        assert_eq!(
            suggest("TestFigure8Unreliable3D")[0],
            "TestFigure8Unreliable3C"
        );
        assert_eq!(suggest("Bakup"), ["TestBackup3B"]);
        assert!(suggest("zzzzzzzzzz").is_empty());
        assert!(suggest("3E").is_empty(), "too short to guess");
        assert!(suggest(&"x".repeat(100_000)).is_empty());
        assert_eq!(edits_to_part_of("sitting", "kitten"), 3);
        assert_eq!(edits_to_part_of("ten", "kitten"), 0);
        assert_eq!(edits_to_part_of("abc", ""), 3);
        assert_eq!(clip("short", 10), "short");
        assert_eq!(clip(&"y".repeat(100_000), 3), "yyy... (100000 bytes)");
    }
}
