//! How to run this binary again, for replay lines: a binary inside a cargo
//! target directory (`target/release/NAME`, `target/debug/NAME`) is run as
//! `cargo run --release --bin NAME --` (or without `--release`); any other
//! by its file name (`argv[0]`'s, as installed on the `PATH`). A replay line
//! is this program, then `--scenarios DIR` for a scenario loaded from a
//! directory other than `scenarios/`, then the subcommand and its flags,
//! then `--raft NAME` for a variant other than the default.

use std::path::Path;
use std::sync::OnceLock;

/// The program part of this process's replay lines.
pub fn program() -> &'static str {
    static PROGRAM: OnceLock<String> = OnceLock::new();
    PROGRAM.get_or_init(|| {
        let exe = std::env::current_exe().ok();
        let argv0 = std::env::args_os().next().map(std::path::PathBuf::from);
        program_of(exe.as_deref().or(argv0.as_deref()))
    })
}

/// The program that runs the executable at `exe` (see the module docs).
pub fn program_of(exe: Option<&Path>) -> String {
    let Some(exe) = exe else {
        return "lab".to_string();
    };
    let name = exe
        .file_stem()
        .map_or_else(|| "lab".to_string(), |n| n.to_string_lossy().into_owned());
    let profile = exe.parent();
    let target = profile.and_then(Path::parent);
    // Cargo marks its target directories with this file.
    let in_target = target.is_some_and(|t| t.join("CACHEDIR.TAG").is_file());
    match profile.and_then(Path::file_name).and_then(|p| p.to_str()) {
        Some("release") if in_target => format!("cargo run --release --bin {name} --"),
        Some("debug") if in_target => format!("cargo run --bin {name} --"),
        _ => name,
    }
}

/// `--scenarios DIR` when `test` is a scenario loaded from another
/// directory than `scenarios/` (with a leading space), else nothing.
pub fn scenarios_flag(test: &str) -> String {
    if !test.starts_with(tester::scenario::PREFIX) {
        return String::new();
    }
    match tester::scenario::loaded_dir() {
        Some(dir) if dir != Path::new("scenarios") => format!(" --scenarios {}", dir.display()),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cargo_builds_are_run_with_cargo_and_others_by_name() {
        let dir = std::env::temp_dir().join(format!("lab-invocation-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("release")).unwrap();
        std::fs::write(
            dir.join("CACHEDIR.TAG"),
            "Signature: 8a477f597d28d172789f06886806bc55",
        )
        .unwrap();
        assert_eq!(
            program_of(Some(&dir.join("release/my-lab"))),
            "cargo run --release --bin my-lab --"
        );
        assert_eq!(
            program_of(Some(&dir.join("debug/my-lab"))),
            "cargo run --bin my-lab --"
        );
        assert_eq!(
            program_of(Some(Path::new("/usr/local/bin/my-lab"))),
            "my-lab"
        );
        assert_eq!(program_of(Some(Path::new("/opt/release/my-lab"))), "my-lab");
        assert_eq!(program_of(None), "lab");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
