//! When and where pictures are written: `LAB_VIS=failure|always|never`
//! (default `failure`) and `LAB_VIS_DIR` (default `target/lab-vis/`), like
//! the course's `VIS_ENABLE` and `VIS_FILE`; file names; and the checks that
//! turn an unusable output path into a one-line error before a run starts.

use std::fmt;
use std::fs::OpenOptions;
use std::path::{Path, PathBuf};

/// When to write a timeline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Mode {
    /// For every failing run (the default).
    #[default]
    Failure,
    /// For every run.
    Always,
    /// Never.
    Never,
}

/// `LAB_VIS` and `LAB_VIS_DIR`, read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VisConfig {
    /// When.
    pub mode: Mode,
    /// Where.
    pub dir: PathBuf,
}

/// A setting or a path we cannot use, in one line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadOutput(pub String);

impl fmt::Display for BadOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BadOutput {}

impl VisConfig {
    /// Reads the settings from `var` (normally `std::env::var`).
    pub fn read(var: impl Fn(&str) -> Option<String>) -> Result<VisConfig, BadOutput> {
        let mode = match var("LAB_VIS").as_deref().map(str::trim) {
            None | Some("" | "failure") => Mode::Failure,
            Some("always") => Mode::Always,
            Some("never") => Mode::Never,
            Some(other) => {
                return Err(BadOutput(format!(
                    "LAB_VIS: '{other}' is not one of failure, always, never"
                )));
            }
        };
        let dir = match var("LAB_VIS_DIR") {
            Some(d) if !d.trim().is_empty() => PathBuf::from(d),
            _ => default_dir(),
        };
        let config = VisConfig { mode, dir };
        if config.mode != Mode::Never && config.dir.exists() && !config.dir.is_dir() {
            return Err(BadOutput(format!(
                "LAB_VIS_DIR: {} is not a directory",
                config.dir.display()
            )));
        }
        Ok(config)
    }

    /// Reads the process environment.
    pub fn from_env() -> Result<VisConfig, BadOutput> {
        VisConfig::read(|k| std::env::var(k).ok())
    }

    /// Whether a run that passed (or not) gets a timeline.
    pub fn wants(&self, passed: bool) -> bool {
        match self.mode {
            Mode::Always => true,
            Mode::Failure => !passed,
            Mode::Never => false,
        }
    }

    /// The path of a run's timeline in [`VisConfig::dir`].
    pub fn path_for(&self, run: &RunName<'_>, extension: &str) -> PathBuf {
        self.dir.join(run.file_name(extension))
    }
}

/// `target/lab-vis` of the cargo target directory the running binary was
/// built in (`CARGO_TARGET_DIR`, else the `target` folder above the
/// executable: a test binary runs with its package as the working
/// directory, not the workspace), else `target/lab-vis` here.
pub fn default_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(dir).join("lab-vis");
    }
    let exe = std::env::current_exe().ok();
    let target = exe.as_deref().and_then(|e| {
        e.ancestors()
            .find(|a| a.file_name().is_some_and(|n| n == "target"))
    });
    match target {
        Some(t) => t.join("lab-vis"),
        None => PathBuf::from("target").join("lab-vis"),
    }
}

/// What names a run's files.
#[derive(Clone, Copy, Debug)]
pub struct RunName<'a> {
    /// The test (`TestFigure83C`, `scenario/swarm`).
    pub test: &'a str,
    /// The seed as shown (`0x32`).
    pub seed: &'a str,
    /// The edition (`2025`).
    pub edition: &'a str,
    /// The Raft's name, if not the default.
    pub raft: Option<&'a str>,
    /// Strict oracles on.
    pub strict: bool,
}

impl RunName<'_> {
    /// `TestFigure83C-0x32-2025[-strict][-bug_commit-old-term].html`: only
    /// letters, digits, `-`, `_` and `.`.
    pub fn file_name(&self, extension: &str) -> String {
        let mut name = format!("{}-{}-{}", self.test, self.seed, self.edition);
        if self.strict {
            name.push_str("-strict");
        }
        if let Some(raft) = self.raft {
            name.push('-');
            name.push_str(raft);
        }
        let clean: String = name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        format!("{clean}.{extension}")
    }
}

/// Checks, before a run, that `path` (`what` names the flag) can be written:
/// not `-`, not a directory, its folder exists, the file can be opened for
/// writing.
/// An existing file is left as it is; a new one is created empty.
pub fn check_output(what: &str, path: &Path) -> Result<(), BadOutput> {
    let bad = |why: String| BadOutput(format!("{what} {}: {why}", path.display()));
    if path.as_os_str().is_empty() {
        return Err(BadOutput(format!("{what}: an empty path")));
    }
    // Not a file named `-`: stdout is the replay's own listing.
    if path == Path::new("-") {
        return Err(BadOutput(format!(
            "{what} -: stdout is the replay's listing; give a file path"
        )));
    }
    if path.is_dir() {
        return Err(bad("is a directory".into()));
    }
    OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map(|_| ())
        .map_err(|e| bad(format!("cannot write: {e}")))
}

/// Writes `contents` to `path`, creating its folder.
pub fn write(path: &Path, contents: &str) -> Result<(), BadOutput> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .map_err(|e| BadOutput(format!("cannot create {}: {e}", parent.display())))?;
    }
    std::fs::write(path, contents)
        .map_err(|e| BadOutput(format!("cannot write {}: {e}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn read(vars: &[(&str, &str)]) -> Result<VisConfig, BadOutput> {
        let map: BTreeMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        VisConfig::read(|k| map.get(k).cloned())
    }

    #[test]
    fn modes_default_to_failure_and_garbage_is_refused() {
        let c = read(&[]).unwrap();
        assert_eq!(c.mode, Mode::Failure);
        assert!(c.wants(false) && !c.wants(true));
        assert!(read(&[("LAB_VIS", "always")]).unwrap().wants(true));
        assert!(!read(&[("LAB_VIS", "never")]).unwrap().wants(false));
        assert_eq!(
            read(&[("LAB_VIS", "yes")]).unwrap_err().0,
            "LAB_VIS: 'yes' is not one of failure, always, never"
        );
        let dir = read(&[("LAB_VIS_DIR", "some/where")]).unwrap().dir;
        assert_eq!(dir, PathBuf::from("some/where"));
    }

    #[test]
    fn a_file_as_the_folder_is_refused() {
        let file = std::env::temp_dir().join(format!("labvis-notadir-{}", std::process::id()));
        std::fs::write(&file, "x").unwrap();
        let e = read(&[("LAB_VIS_DIR", file.to_str().unwrap())]).unwrap_err();
        assert!(e.0.ends_with("is not a directory"), "{e}");
        std::fs::remove_file(&file).unwrap();
    }

    #[test]
    fn file_names_are_plain() {
        let run = RunName {
            test: "scenario/swarm",
            seed: "0x2a",
            edition: "2025",
            raft: Some("bug:commit-old-term"),
            strict: true,
        };
        assert_eq!(
            run.file_name("html"),
            "scenario_swarm-0x2a-2025-strict-bug_commit-old-term.html"
        );
    }

    #[test]
    fn directories_and_missing_folders_are_refused_before_a_run() {
        let tmp = std::env::temp_dir();
        let e = check_output("--html", &tmp).unwrap_err();
        assert!(e.0.ends_with("is a directory"), "{e}");
        let missing = tmp.join("labvis-no-such-dir").join("x.html");
        let e = check_output("--perfetto", &missing).unwrap_err();
        assert!(
            e.0.starts_with("--perfetto ") && e.0.contains("cannot write"),
            "{e}"
        );
        let e = check_output("--html", Path::new("-")).unwrap_err();
        assert!(e.0.starts_with("--html -: "), "{e}");
    }
}
