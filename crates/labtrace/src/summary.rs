//! Readable one-line summaries of any `Debug` value (an RPC's request or
//! reply, a command), computed lazily: a [`Summary`] is a `Display` wrapper
//! that formats only when a subscriber records the field, so an event that
//! nobody wants costs no formatting and no allocation.
//!
//! A summary is the value's compact `Debug` output with newtype wrappers of
//! numbers dropped (`Term(3)` becomes `3`), an enum variant that wraps a
//! struct named after it shown as that struct (`Vote(VoteArgs { .. })`
//! becomes `Vote { .. }`), cut at [`SUMMARY_CHARS`] characters. An RPC's
//! kind is the leading name of its `Debug` output.
//!
//! ```
//! use labtrace::summary::{Kind, Summary};
//! #[derive(Debug)] struct Term(u64);
//! #[derive(Debug)] struct Args { term: Term, prev: u64 }
//! #[derive(Debug)] enum Request { AppendEntries(Args) }
//! let r = Request::AppendEntries(Args { term: Term(3), prev: 101 });
//! assert_eq!(Summary(&r).to_string(), "AppendEntries(Args { term: 3, prev: 101 })");
//! #[derive(Debug)] enum Reply { Vote(VoteReply) }
//! #[derive(Debug)] struct VoteReply { granted: bool }
//! assert_eq!(Summary(&Reply::Vote(VoteReply { granted: true })).to_string(), "Vote { granted: true }");
//! assert_eq!(Kind(&r).to_string(), "AppendEntries");
//! ```

use std::fmt::{self, Debug, Display, Write as _};

/// Longest summary, in characters; longer ones end in `...`.
pub const SUMMARY_CHARS: usize = 160;

/// A value's summary, formatted only when displayed.
pub struct Summary<'a, T: ?Sized>(pub &'a T);

impl<T: Debug + ?Sized> Display for Summary<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = format!("{:?}", self.0);
        let text = unwrap_numbers(&text);
        f.write_str(&shorten(&unwrap_variant(&text), SUMMARY_CHARS))
    }
}

/// A value's kind (the leading name of its `Debug` output), formatted only
/// when displayed.
pub struct Kind<'a, T: ?Sized>(pub &'a T);

impl<T: Debug + ?Sized> Display for Kind<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut name = LeadingName::default();
        // Stops the value's formatting at the first character after the name.
        let _ = write!(name, "{:?}", self.0);
        f.write_str(if name.0.is_empty() { "?" } else { &name.0 })
    }
}

/// Collects identifier characters until the first other one, then refuses
/// more (ending the `Debug` formatting early).
#[derive(Default)]
struct LeadingName(String);

impl fmt::Write for LeadingName {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for c in s.chars() {
            if c.is_alphanumeric() || c == '_' {
                self.0.push(c);
            } else {
                return Err(fmt::Error);
            }
        }
        Ok(())
    }
}

/// `Name(123)` becomes `123` wherever the parentheses hold just a number
/// (newtypes such as `Term(3)`, `LogIndex(7)`, `NodeId(1)`).
pub fn unwrap_numbers(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('(') {
        let name_start = rest[..open]
            .rfind(|c: char| !(c.is_alphanumeric() || c == '_'))
            .map_or(0, |k| k + 1);
        let inner_end = rest[open + 1..].find(')').map(|k| open + 1 + k);
        let is_number = |s: &str| {
            let digits = s.strip_prefix('-').unwrap_or(s);
            !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit())
        };
        match inner_end {
            Some(close) if name_start < open && is_number(&rest[open + 1..close]) => {
                out.push_str(&rest[..name_start]);
                out.push_str(&rest[open + 1..close]);
                rest = &rest[close + 1..];
            }
            _ => {
                out.push_str(&rest[..=open]);
                rest = &rest[open + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// `Name(NameMore { .. })` becomes `Name { .. }`: a variant wrapping a
/// struct named after it says the name once.
pub fn unwrap_variant(text: &str) -> std::borrow::Cow<'_, str> {
    let Some(open) = text.find('(') else {
        return text.into();
    };
    let (outer, inner) = (&text[..open], &text[open + 1..]);
    let inner_name_end = inner.find([' ', '(', '{']).unwrap_or(inner.len());
    let wraps = !outer.is_empty()
        && inner[..inner_name_end].starts_with(outer)
        && inner[inner_name_end..].starts_with(" {")
        && text.ends_with("})");
    if !wraps {
        return text.into();
    }
    format!("{outer}{}", &inner[inner_name_end..inner.len() - 1]).into()
}

/// `text` cut to at most `max` characters, ending in `...` when cut.
pub fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let kept: String = text.chars().take(max.saturating_sub(3)).collect();
    format!("{kept}...")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_lose_their_newtype_wrappers_only() {
        assert_eq!(
            unwrap_numbers("Vote(Args { t: Term(3), c: NodeId(1) })"),
            "Vote(Args { t: 3, c: 1 })"
        );
        assert_eq!(
            unwrap_numbers("Some(-4) f(x) (5) Foo(5"),
            "-4 f(x) (5) Foo(5"
        );
        assert_eq!(unwrap_numbers("no parens"), "no parens");
    }

    #[test]
    fn variants_wrapping_their_namesake_struct_say_the_name_once() {
        assert_eq!(unwrap_variant("Vote(VoteArgs { t: 1 })"), "Vote { t: 1 }");
        assert_eq!(
            unwrap_variant("Vote(Ballot { t: 1 })"),
            "Vote(Ballot { t: 1 })"
        );
        assert_eq!(
            unwrap_variant("Vote(VoteArgs { t: 1 }) x"),
            "Vote(VoteArgs { t: 1 }) x"
        );
        assert_eq!(unwrap_variant("Plain { a: 1 }"), "Plain { a: 1 }");
    }

    #[test]
    fn long_summaries_are_cut() {
        let long = vec![7u8; 500];
        let s = Summary(&long).to_string();
        assert_eq!(s.chars().count(), SUMMARY_CHARS);
        assert!(s.ends_with("..."));
        assert_eq!(shorten("abc", 3), "abc");
    }

    #[test]
    fn kinds_are_leading_names() {
        #[derive(Debug)]
        struct RequestVoteArgs {
            _term: u64,
        }
        assert_eq!(
            Kind(&RequestVoteArgs { _term: 1 }).to_string(),
            "RequestVoteArgs"
        );
        assert_eq!(Kind(&Some(3)).to_string(), "Some");
        assert_eq!(Kind(&(1, 2)).to_string(), "?");
    }
}
