//! `lab new`, run as a user runs it: the files it makes and where their
//! dependencies point, and every refusal (a non-empty directory, a file, a
//! bad name, `--rev` without `--git`) exiting 2 with one line and changing
//! nothing. Building the crate it makes is `.ci/student` (a cargo build
//! inside a test would fight the outer one for the machine).

use std::fs;
use std::path::{Path, PathBuf};

mod common;
use common::{lab, stderr, stdout};

/// A fresh temporary directory for one test.
fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lab-new-{}-{name}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

/// Every file under `dir`, with its contents, sorted.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                found.push((path.clone(), Vec::new()));
                stack.push(path);
            } else {
                let bytes = fs::read(&path).unwrap();
                found.push((path, bytes));
            }
        }
    }
    found.sort();
    found
}

fn new(args: &[&str]) -> std::process::Output {
    let mut all = vec!["new"];
    all.extend_from_slice(args);
    lab(&all)
}

fn refused(out: &std::process::Output, says: &str) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.lines().count(), 1, "not one line: {err}");
    assert!(
        err.starts_with("error: ") || err.starts_with("error:"),
        "{err}"
    );
    assert!(err.contains(says), "expected '{says}' in: {err}");
    assert!(stdout(out).is_empty());
}

#[test]
fn a_non_empty_directory_is_refused_and_left_alone() {
    let dir = temp("nonempty");
    fs::write(dir.join("notes.txt"), "mine").unwrap();
    fs::create_dir(dir.join("src")).unwrap();
    fs::write(dir.join("src/lib.rs"), "// my own Raft").unwrap();
    let before = snapshot(&dir);
    refused(&new(&[dir.to_str().unwrap()]), "is not empty");
    refused(
        &new(&[dir.to_str().unwrap(), "--name", "x", "--git", "u"]),
        "is not empty",
    );
    assert_eq!(snapshot(&dir), before, "nothing written or removed");
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_input_is_refused_before_anything_is_written() {
    let dir = temp("bad");
    let file = dir.join("a-file");
    fs::write(&file, "x").unwrap();
    refused(&new(&[file.to_str().unwrap()]), "is not a directory");
    let fresh = dir.join("fresh");
    let fresh = fresh.to_str().unwrap();
    refused(&new(&[fresh, "--name", "2raft"]), "is not a package name");
    refused(&new(&[fresh, "--name", "tester"]), "is taken");
    refused(&new(&[&dir.join("lab").to_string_lossy()]), "is taken");
    refused(&new(&[fresh, "--rev", "abc"]), "--git");
    refused(&new(&[fresh, "--git", " "]), "--git needs a repository URL");
    assert_eq!(
        snapshot(&dir),
        vec![(file, b"x".to_vec())],
        "only the file is there"
    );
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_crate_with_path_dependencies_on_this_checkout() {
    let dir = temp("path");
    let target = dir.join("deep/my-raft");
    let out = new(&[target.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let said = stdout(&out);
    assert!(said.contains(&format!("cd {}", target.display())), "{said}");
    assert!(said.contains("cargo test -- 3A"), "{said}");

    let made: Vec<String> = snapshot(&target)
        .iter()
        .filter(|(_, bytes)| !bytes.is_empty())
        .map(|(p, _)| {
            p.strip_prefix(&target)
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    let want = [
        ".gitignore",
        "Cargo.lock",
        "Cargo.toml",
        "README.md",
        "cli/Cargo.toml",
        "src/bin/lab.rs",
        "src/lib.rs",
        "tests/raft.rs",
    ];
    assert_eq!(made, want);

    let checkout = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap();
    let read = |p: &str| fs::read_to_string(target.join(p)).unwrap();
    let tester = format!("tester = {{ path = \"{}/tester\" }}", checkout.display());
    assert!(
        read("Cargo.toml").contains(&tester),
        "{}",
        read("Cargo.toml")
    );
    assert!(read("Cargo.toml").contains("name = \"my-raft\""));
    let lab_dep = format!(
        "lab = {{ path = \"{}/crates/lab\", default-features = false }}",
        checkout.display()
    );
    assert!(read("cli/Cargo.toml").contains(&lab_dep));
    assert!(read("tests/raft.rs").contains("tester::raft_tests!(my_raft::Raft);"));
    assert_eq!(read("src/lib.rs"), include_str!("../templates/src/lib.rs"));
    assert_eq!(
        read("Cargo.lock"),
        fs::read_to_string(checkout.join("Cargo.lock")).unwrap()
    );
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_empty_directory_takes_a_name_and_git_dependencies() {
    let dir = temp("git");
    let out = new(&[
        dir.to_str().unwrap(),
        "--name",
        "raft_2",
        "--git",
        "https://example.org/raftlab.git",
        "--rev",
        "v1",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let manifest = fs::read_to_string(dir.join("Cargo.toml")).unwrap();
    assert!(manifest.contains("name = \"raft_2\""));
    assert!(
        manifest.contains("raftapi = { git = \"https://example.org/raftlab.git\", rev = \"v1\" }")
    );
    assert!(
        !manifest.contains("path = \"/"),
        "no path dependency: {manifest}"
    );
    assert!(
        !dir.join("Cargo.lock").exists(),
        "the lock of another revision would mislead"
    );
    fs::remove_dir_all(&dir).unwrap();
}

/// Without the `reference` feature (the handout) the `lab` binary has no
/// Raft: it lists and makes crates, and the commands that run tests point
/// at a crate's own `lab`.
#[cfg(not(feature = "reference"))]
#[test]
fn without_the_reference_raft_lab_lists_and_makes_crates_only() {
    let out = lab(&["list", "3A"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out).matches("Test").count(), 3);
    for args in [
        &["run", "3A"][..],
        &["replay", "TestBackup3B", "--seed", "1"],
    ] {
        refused(&lab(args), "has no Raft of its own");
    }
    let out = lab(&["mutants"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}
