//! What the lab may know of a Raft's messages, to explain a liveness
//! failure ("leader S2 sent S0 97 AppendEntries, 0 succeeded, 61 refused,
//! 36 lost"): the kind of a request and whether a reply reports success.
//!
//! The harness cannot know either for any Raft, so [`crate::Raft`] has two
//! defaulted methods, `rpc_kind` and `rpc_success`. Their defaults read the
//! `Debug` output: a request's leading name (`AppendEntries(..)`,
//! `AppendEntriesArgs { .. }`) names its kind when it contains `Append`,
//! `Vote` or `Snapshot`; a reply reports success when its `Debug` output
//! has a `success: true` or `success: false` field. That covers the usual
//! Figure 2 names (the `lab new` starter's, the reference Raft's); a Raft
//! named otherwise overrides the two methods.

use std::fmt::{self, Debug, Write as _};

/// An RPC's kind, as far as the lab's explanations care.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RpcKind {
    /// RequestVote.
    RequestVote,
    /// AppendEntries (heartbeats included).
    AppendEntries,
    /// InstallSnapshot.
    InstallSnapshot,
    /// Anything else, or a name the default does not recognise.
    Other,
}

impl RpcKind {
    /// The kind from `request`'s leading `Debug` name.
    pub fn from_debug(request: &impl Debug) -> RpcKind {
        let mut name = LeadingName::default();
        // Stops the formatting at the first character after the name.
        let _ = write!(name, "{request:?}");
        let name = name.0;
        if name.contains("Append") {
            RpcKind::AppendEntries
        } else if name.contains("Vote") {
            RpcKind::RequestVote
        } else if name.contains("Snapshot") {
            RpcKind::InstallSnapshot
        } else {
            RpcKind::Other
        }
    }
}

/// Whether `reply`'s `Debug` output has `success: true` or `success: false`.
pub fn success_from_debug(reply: &impl Debug) -> Option<bool> {
    let text = format!("{reply:?}");
    if text.contains("success: true") {
        Some(true)
    } else if text.contains("success: false") {
        Some(false)
    } else {
        None
    }
}

/// Identifier characters until the first other one; then refuses more.
#[derive(Default)]
struct LeadingName(String);

impl fmt::Write for LeadingName {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for c in s.chars() {
            if !(c.is_alphanumeric() || c == '_') {
                return Err(fmt::Error);
            }
            self.0.push(c);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct AppendEntriesArgs {
        #[allow(dead_code)]
        term: u64,
    }
    #[derive(Debug)]
    enum Request {
        AppendEntries(#[allow(dead_code)] AppendEntriesArgs),
        RequestVote,
    }
    #[derive(Debug)]
    struct Reply {
        #[allow(dead_code)]
        term: u64,
        #[allow(dead_code)]
        success: bool,
    }

    #[test]
    fn kinds_and_success_come_from_debug_names() {
        let append = Request::AppendEntries(AppendEntriesArgs { term: 1 });
        assert_eq!(RpcKind::from_debug(&append), RpcKind::AppendEntries);
        assert_eq!(
            RpcKind::from_debug(&AppendEntriesArgs { term: 1 }),
            RpcKind::AppendEntries
        );
        assert_eq!(
            RpcKind::from_debug(&Request::RequestVote),
            RpcKind::RequestVote
        );
        assert_eq!(RpcKind::from_debug(&7u64), RpcKind::Other);
        let refused = Reply {
            term: 2,
            success: false,
        };
        assert_eq!(success_from_debug(&refused), Some(false));
        assert_eq!(
            success_from_debug(&Reply {
                term: 2,
                success: true
            }),
            Some(true)
        );
        assert_eq!(success_from_debug(&"granted"), None);
    }
}
