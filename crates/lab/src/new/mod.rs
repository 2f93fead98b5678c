//! `lab new PATH [--name NAME] [--git URL [--rev R]]`: a standalone student
//! crate, outside any workspace, that builds against raftlab: a skeleton Raft
//! mirroring the course's `raft.go` (`src/lib.rs`), the 28 tests
//! (`tests/raft.rs`), the `lab` command line on it (`src/bin/lab.rs`, built
//! by a small `cli/` package so that `cargo test` does not compile it), a
//! `.gitignore` and a README. [`template`] says what the files are; this
//! module checks the input and writes them.
//!
//! By default the crate has path dependencies on the checkout this `lab` was
//! built from, and a copy of its `Cargo.lock` (the versions the lab was
//! tested with, and offline builds once cargo's cache holds them); `--git`
//! writes git dependencies instead. A target that exists and is not an
//! empty directory is refused before anything is written.

pub mod template;

use crate::cli::Usage;
use crate::report::Exit;
use clap::Args;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use template::{File, Source};

/// `lab new`.
#[derive(Debug, Args)]
pub struct NewArgs {
    /// Where to make the crate: a new or empty directory.
    pub path: PathBuf,
    /// The package name [default: the directory's name].
    #[arg(long)]
    pub name: Option<String>,
    /// Depend on raftlab's git repository at URL instead of on this checkout.
    #[arg(long, value_name = "URL")]
    pub git: Option<String>,
    /// With --git: the commit, tag or branch to pin.
    #[arg(long, value_name = "REV", requires = "git")]
    pub rev: Option<String>,
}

/// Runs `lab new`.
pub fn main(args: &NewArgs) -> Result<Exit, Usage> {
    let target = std::path::absolute(&args.path)
        .map_err(|e| Usage(format!("bad path '{}': {e}", args.path.display())))?;
    let name = match &args.name {
        Some(name) => name.clone(),
        None => default_name(&target)?,
    };
    template::check_name(&name).map_err(Usage)?;
    let (source, lockfile) = source(args)?;
    check_target(&target)?;
    let files = template::files(&name, &source, lockfile.as_deref());
    write(&target, &files).map_err(|e| Usage(format!("cannot write {}: {e}", target.display())))?;
    crate::out::line(format_args!("{}", next_steps(&name, &target, &source)));
    Ok(Exit::Passed)
}

/// The package name a directory suggests.
fn default_name(target: &Path) -> Result<String, Usage> {
    target
        .file_name()
        .and_then(|n| n.to_str())
        .map(str::to_string)
        .ok_or_else(|| {
            Usage(format!(
                "{} has no name to use: pass --name NAME",
                target.display()
            ))
        })
}

/// Where the dependencies come from; for a checkout, also its lockfile.
fn source(args: &NewArgs) -> Result<(Source, Option<String>), Usage> {
    if let Some(url) = &args.git {
        if url.trim().is_empty() {
            return Err(Usage("--git needs a repository URL".into()));
        }
        let source = Source::Git {
            url: url.clone(),
            rev: args.rev.clone(),
        };
        return Ok((source, None));
    }
    let root = checkout()?;
    let lockfile = fs::read_to_string(root.join("Cargo.lock")).ok();
    Ok((Source::Checkout(root), lockfile))
}

/// The raftlab checkout this binary was built from, if it is still there.
fn checkout() -> Result<PathBuf, Usage> {
    let built_from = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let gone = || {
        Usage(format!(
            "the raftlab checkout this lab was built from ({}) is gone: run lab new from a checkout, or pass --git URL",
            built_from.display()
        ))
    };
    let root = built_from.canonicalize().map_err(|_| gone())?;
    let complete = ["crates/raftapi", "tester", "crates/lab"]
        .iter()
        .all(|dir| root.join(dir).join("Cargo.toml").is_file());
    if complete { Ok(root) } else { Err(gone()) }
}

/// Refuses a target that is a file or a non-empty directory.
fn check_target(target: &Path) -> Result<(), Usage> {
    match fs::metadata(target) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Usage(format!("cannot use {}: {e}", target.display()))),
        Ok(meta) if !meta.is_dir() => Err(Usage(format!(
            "{} exists and is not a directory: lab new writes only into a new or empty directory",
            target.display()
        ))),
        Ok(_) => {
            let mut entries = fs::read_dir(target)
                .map_err(|e| Usage(format!("cannot read {}: {e}", target.display())))?;
            if entries.next().is_some() {
                Err(Usage(format!(
                    "{} is not empty: lab new writes only into a new or empty directory",
                    target.display()
                )))
            } else {
                Ok(())
            }
        }
    }
}

/// Writes `files` under `target`; on an error, removes what it made, so a
/// failed `lab new` leaves the target as it found it.
fn write(target: &Path, files: &[File]) -> io::Result<()> {
    let mut made: Vec<PathBuf> = Vec::new();
    let result = write_all(target, files, &mut made);
    if result.is_err() {
        for path in made.iter().rev() {
            // Best effort: the error being reported is the first one.
            let _ = if path.is_dir() {
                fs::remove_dir(path)
            } else {
                fs::remove_file(path)
            };
        }
    }
    result
}

fn write_all(target: &Path, files: &[File], made: &mut Vec<PathBuf>) -> io::Result<()> {
    make_dirs(target, made)?;
    for file in files {
        let path = target.join(file.path);
        if let Some(parent) = path.parent() {
            make_dirs(parent, made)?;
        }
        fs::write(&path, &file.contents)?;
        made.push(path);
    }
    Ok(())
}

/// `create_dir_all`, remembering each directory it created.
fn make_dirs(dir: &Path, made: &mut Vec<PathBuf>) -> io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    if let Some(parent) = dir.parent() {
        make_dirs(parent, made)?;
    }
    fs::create_dir(dir)?;
    made.push(dir.to_path_buf());
    Ok(())
}

/// What `lab new` prints: what it made, and the first three commands.
fn next_steps(name: &str, target: &Path, source: &Source) -> String {
    let from = match source {
        Source::Checkout(root) => format!("path dependencies on {}", root.display()),
        Source::Git {
            url,
            rev: Some(rev),
        } => format!("git dependencies on {url} at {rev}"),
        Source::Git { url, rev: None } => format!("git dependencies on {url}"),
    };
    let dir = target.display();
    [
        format!("made {name} in {dir} ({from})"),
        String::new(),
        "next:".into(),
        format!("  cd {dir}"),
        "  cargo test -- 3A    # fails: \"expected one leader, got none\" (no election yet)".into(),
        "  cargo run --release --bin lab -- list".into(),
        String::new(),
        "then see README.md there".into(),
    ]
    .join("\n")
}
