//! The student crate as data: which files, with what contents, for a package
//! name and a way of depending on raftlab. Pure functions: nothing here
//! touches the file system.
//!
//! The templates live in `crates/lab/templates/` and are compiled into the
//! binary. `src/lib.rs` there is also compiled and run by this crate's tests
//! (`tests/starter.rs`), so the skeleton cannot rot unnoticed.

use std::path::{Path, PathBuf};

/// Where the new crate's raftlab dependencies come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// Path dependencies on a raftlab checkout (its root directory).
    Checkout(PathBuf),
    /// Git dependencies on raftlab at `url`, pinned to `rev` if given.
    Git {
        /// The repository.
        url: String,
        /// A commit, tag or branch to pin (cargo's `rev`).
        rev: Option<String>,
    },
}

/// The raftlab packages a student crate depends on, and where each lives in
/// a checkout.
const PACKAGES: [(&str, &str); 3] = [
    ("raftapi", "crates/raftapi"),
    ("tester", "tester"),
    ("lab", "crates/lab"),
];

/// One file of the crate: its path relative to the crate's root, and its
/// contents.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct File {
    /// Relative path, with `/` separators.
    pub path: &'static str,
    /// The contents.
    pub contents: String,
}

/// Files whose text names the package or its dependencies.
const TEMPLATED: [(&str, &str); 6] = [
    // Manifests are kept as `.tmpl`: cargo reads every `Cargo.toml` of a
    // git repository it depends on, and these are not valid until filled.
    (
        "Cargo.toml",
        include_str!("../../templates/Cargo.toml.tmpl"),
    ),
    (
        "cli/Cargo.toml",
        include_str!("../../templates/cli/Cargo.toml.tmpl"),
    ),
    (
        "tests/raft.rs",
        include_str!("../../templates/tests/raft.rs"),
    ),
    (
        "src/bin/lab.rs",
        include_str!("../../templates/src/bin/lab.rs"),
    ),
    ("README.md", include_str!("../../templates/README.md")),
    // Named without its dot in the templates, so that it does not apply to
    // the templates themselves.
    (".gitignore", include_str!("../../templates/gitignore")),
];

/// The skeleton, copied as is.
const SKELETON: (&str, &str) = ("src/lib.rs", include_str!("../../templates/src/lib.rs"));

/// Every file of a new crate named `name` (a name [`check_name`] accepted),
/// depending on raftlab through `source`. `lockfile` (the checkout's
/// `Cargo.lock`) pins the versions the lab was tested with.
pub fn files(name: &str, source: &Source, lockfile: Option<&str>) -> Vec<File> {
    let crate_name = name.replace('-', "_");
    let mut files: Vec<File> = TEMPLATED
        .iter()
        .map(|(path, text)| File {
            path,
            contents: render(text, name, &crate_name, source),
        })
        .collect();
    files.push(File {
        path: SKELETON.0,
        contents: SKELETON.1.to_string(),
    });
    if let Some(lock) = lockfile {
        files.push(File {
            path: "Cargo.lock",
            contents: lock.to_string(),
        });
    }
    files
}

/// Fills the placeholders of one template.
fn render(text: &str, name: &str, crate_name: &str, source: &Source) -> String {
    let mut out = text
        .replace("{{name}}", name)
        .replace("{{crate}}", crate_name)
        .replace("{{deps_note}}", &deps_note(source));
    for (package, _) in PACKAGES {
        out = out.replace(&format!("{{{{{package}}}}}"), &dependency(package, source));
    }
    assert!(
        !out.contains("{{"),
        "a template placeholder was left unfilled in:\n{out}"
    );
    out
}

/// The manifest line for one raftlab package. `lab` comes without its
/// default `reference` feature: a student's command line runs the student's
/// Raft, and never compiles the reference one.
fn dependency(package: &str, source: &Source) -> String {
    let features = if package == "lab" {
        ", default-features = false"
    } else {
        ""
    };
    let place = match source {
        Source::Checkout(root) => {
            let dir = PACKAGES
                .iter()
                .find(|(p, _)| *p == package)
                .map(|(_, dir)| root.join(dir))
                .expect("a raftlab package of PACKAGES");
            format!("path = {}", toml_string(&path_text(&dir)))
        }
        Source::Git { url, rev } => {
            let rev = rev
                .as_deref()
                .map(|r| format!(", rev = {}", toml_string(r)))
                .unwrap_or_default();
            format!("git = {}{rev}", toml_string(url))
        }
    };
    format!("{package} = {{ {place}{features} }}")
}

/// The README's paragraph on where the lab comes from.
fn deps_note(source: &Source) -> String {
    match source {
        Source::Checkout(root) => format!(
            "Path dependencies on the raftlab checkout at `{}` (made by \
             `lab new PATH`). Nothing is downloaded but the crates.io crates \
             raftlab itself uses. If that checkout moves, edit the `path = ...` \
             lines of `Cargo.toml` and `cli/Cargo.toml`; to follow a published \
             raftlab instead, replace them with `git = \"URL\", rev = \"REV\"` \
             (or make a fresh crate with `lab new PATH --git URL --rev REV`).",
            path_text(root)
        ),
        Source::Git { url, rev } => format!(
            "Git dependencies on raftlab at `{url}`{} (made by `lab new PATH \
             --git URL`). Cargo fetches that repository the first time you \
             build, so the first build needs the network. To work on a local \
             checkout instead, replace the `git = ...` parts with `path = \
             \"CHECKOUT/crates/raftapi\"`, `\"CHECKOUT/tester\"` and \
             `\"CHECKOUT/crates/lab\"`.",
            rev.as_deref()
                .map(|r| format!(", revision `{r}`"))
                .unwrap_or_else(|| ", its default branch (pin one with `rev = \"...\"`)".into())
        ),
    }
}

/// A path as the manifest should show it (forward slashes work on every
/// platform cargo runs on).
fn path_text(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

/// A TOML basic string: quoted, with `\` and `"` and control characters
/// escaped.
pub fn toml_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Names a student package may not take: raftlab's own packages (the crate
/// depends on them), the crates Rust provides, and Rust's keywords (the
/// package's crate name appears in code as `name::Raft`).
const RESERVED: &[&str] = &[
    "raftapi",
    "tester",
    "lab",
    "labrpc",
    "labcodec",
    "labraft",
    "serde",
    "std",
    "core",
    "alloc",
    "proc_macro",
    "test",
    "as",
    "async",
    "await",
    "break",
    "const",
    "continue",
    "crate",
    "dyn",
    "else",
    "enum",
    "extern",
    "false",
    "fn",
    "for",
    "gen",
    "if",
    "impl",
    "in",
    "let",
    "loop",
    "match",
    "mod",
    "move",
    "mut",
    "pub",
    "ref",
    "return",
    "self",
    "static",
    "struct",
    "super",
    "trait",
    "true",
    "type",
    "unsafe",
    "use",
    "where",
    "while",
];

/// Why `name` cannot name a student package, if it cannot.
pub fn check_name(name: &str) -> Result<(), String> {
    let starts_with_letter = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic());
    let plain = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !starts_with_letter || !plain || name.len() > 64 {
        return Err(format!(
            "'{}' is not a package name: use a letter, then letters, digits, '-' or '_' (at most 64)",
            cut(name)
        ));
    }
    let crate_name = name.replace('-', "_");
    if RESERVED.contains(&crate_name.as_str()) {
        return Err(format!(
            "'{name}' is taken (by raftlab, Rust or a keyword): choose another with --name"
        ));
    }
    Ok(())
}

/// The first 40 characters of a long input, for an error message.
fn cut(text: &str) -> String {
    match text.char_indices().nth(40) {
        Some((at, _)) => format!("{}...", &text[..at]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file<'a>(files: &'a [File], path: &str) -> &'a str {
        &files.iter().find(|f| f.path == path).expect(path).contents
    }

    #[test]
    fn path_dependencies_point_into_the_checkout() {
        let files = files("my-raft", &Source::Checkout("/src/raftlab".into()), None);
        let manifest = file(&files, "Cargo.toml");
        assert!(manifest.contains("name = \"my-raft\""));
        assert!(manifest.contains("raftapi = { path = \"/src/raftlab/crates/raftapi\" }"));
        assert!(manifest.contains("tester = { path = \"/src/raftlab/tester\" }"));
        assert!(!manifest.contains("lab = {"), "the tests never build lab");
        let cli = file(&files, "cli/Cargo.toml");
        assert!(cli.contains("name = \"my-raft-cli\""));
        assert!(cli.contains("my-raft = { path = \"..\" }"));
        assert!(
            cli.contains("lab = { path = \"/src/raftlab/crates/lab\", default-features = false }")
        );
        assert!(file(&files, "tests/raft.rs").contains("tester::raft_tests!(my_raft::Raft);"));
        assert!(file(&files, "src/bin/lab.rs").contains("<my_raft::Raft as raftapi::Raft>"));
        assert!(file(&files, "README.md").contains("checkout at `/src/raftlab`"));
        assert_eq!(file(&files, ".gitignore"), "/target\n");
        assert!(files.iter().all(|f| f.path != "Cargo.lock"));
    }

    #[test]
    fn git_dependencies_carry_the_url_and_rev() {
        let source = Source::Git {
            url: "https://example.org/raftlab.git".into(),
            rev: Some("abc123".into()),
        };
        let files = files("r", &source, Some("# lock\n"));
        let want = "tester = { git = \"https://example.org/raftlab.git\", rev = \"abc123\" }";
        assert!(file(&files, "Cargo.toml").contains(want));
        assert!(
            file(&files, "cli/Cargo.toml")
                .contains("lab = { git = \"https://example.org/raftlab.git\", rev = \"abc123\", default-features = false }")
        );
        assert!(file(&files, "README.md").contains("revision `abc123`"));
        assert_eq!(file(&files, "Cargo.lock"), "# lock\n");
        let unpinned = Source::Git {
            url: "u".into(),
            rev: None,
        };
        assert!(
            file(&super::files("r", &unpinned, None), "Cargo.toml")
                .contains("raftapi = { git = \"u\" }")
        );
    }

    #[test]
    fn odd_paths_are_escaped_in_toml() {
        assert_eq!(toml_string(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(toml_string("x\ny"), r#""x\u000Ay""#);
        let parsed: toml::Value =
            toml::from_str(&format!("p = {}", toml_string("C:\\a \"b\"\t"))).unwrap();
        assert_eq!(parsed["p"].as_str(), Some("C:\\a \"b\"\t"));
    }

    #[test]
    fn names_are_checked() {
        assert!(check_name("my-raft").is_ok());
        assert!(check_name("Raft_2").is_ok());
        for bad in ["", "2raft", "-x", "my raft", "a/b", "é", &"x".repeat(65)] {
            assert!(
                check_name(bad)
                    .unwrap_err()
                    .contains("is not a package name"),
                "{bad}"
            );
        }
        for taken in [
            "tester",
            "lab",
            "labraft",
            "fn",
            "std",
            "proc-macro",
            "while",
        ] {
            assert!(
                check_name(taken).unwrap_err().contains("is taken"),
                "{taken}"
            );
        }
        assert!(check_name(&"y".repeat(100)).unwrap_err().contains("yyy..."));
    }
}
