//! RPC arrows: a call from its send to its arrival, and back to its reply
//! or failure. Calls are matched by their number.

use crate::model::{Rpc, RpcEnd};
use std::collections::BTreeMap;

/// The RPCs seen so far.
#[derive(Default)]
pub(super) struct Rpcs {
    pub(super) list: Vec<Rpc>,
    by_call: BTreeMap<u64, usize>,
    kinds: Vec<String>,
    kind_ids: BTreeMap<String, usize>,
}

/// What an ended call was, for the election's votes.
pub(super) struct Ended<'a> {
    pub(super) from: usize,
    pub(super) to: usize,
    pub(super) kind: &'a str,
    pub(super) request: &'a str,
    pub(super) arrived_ms: Option<u64>,
}

impl Rpcs {
    pub(super) fn sent(
        &mut self,
        t: u64,
        call: u64,
        from: usize,
        to: usize,
        kind: &str,
        request: &str,
    ) {
        let kind = match self.kind_ids.get(kind) {
            Some(&k) => k,
            None => {
                self.kinds.push(kind.to_string());
                self.kind_ids.insert(kind.to_string(), self.kinds.len() - 1);
                self.kinds.len() - 1
            }
        };
        self.by_call.insert(call, self.list.len());
        self.list.push(Rpc {
            call,
            from,
            to,
            kind,
            sent_ms: t,
            arrived_ms: None,
            ended_ms: None,
            end: RpcEnd::Pending,
            reason: String::new(),
            request: request.to_string(),
            reply: String::new(),
        });
    }

    /// The call reached its callee; returns it.
    pub(super) fn arrived(&mut self, t: u64, call: u64) -> Option<&Rpc> {
        let rpc = &mut self.list[*self.by_call.get(&call)?];
        rpc.arrived_ms = Some(t);
        Some(rpc)
    }

    /// The call ended (a reply, or a failure with its reason).
    pub(super) fn ended(
        &mut self,
        t: u64,
        call: u64,
        reply: Result<&str, &str>,
    ) -> Option<Ended<'_>> {
        let at = *self.by_call.get(&call)?;
        let rpc = &mut self.list[at];
        rpc.ended_ms = Some(t);
        match reply {
            Ok(text) => {
                rpc.end = RpcEnd::Replied;
                rpc.reply = text.to_string();
            }
            Err(reason) => {
                rpc.end = RpcEnd::Failed;
                rpc.reason = reason.to_string();
            }
        }
        Some(Ended {
            from: rpc.from,
            to: rpc.to,
            kind: &self.kinds[rpc.kind],
            request: &rpc.request,
            arrived_ms: rpc.arrived_ms,
        })
    }

    /// The kind names, indexed by [`Rpc::kind`].
    pub(super) fn finish(self) -> (Vec<String>, Vec<Rpc>) {
        (self.kinds, self.list)
    }
}

/// Whether an RPC kind asks for votes (`RequestVote`, `Vote`, ...).
pub(super) fn is_vote_kind(kind: &str) -> bool {
    kind.to_ascii_lowercase().contains("vote")
}
