//! The wire events (target `lab::rpc`): a call sent, handed to its callee,
//! answered or failed, each naming both servers, the call's number in the
//! run and the RPC's kind. See [`labtrace::vocab::topic`] for the fields.

use super::may_listen;
use crate::harness::{EndOwner, Tester};
use labrpc::{CallId, Loss, Time};
use labtrace::summary::{Kind, Summary};
use labtrace::vocab::{self, topic};
use raftapi::Raft;
use tracing::Level;

impl<R: Raft> Tester<R> {
    /// Server i just called `to` (the call is in the simulator): `send`.
    #[inline]
    pub(crate) fn observe_send(&mut self, i: usize, to: usize, call: CallId) {
        if self.observer.progress.is_some() {
            self.progress_sent(i, to, call);
        }
        if !may_listen(Level::DEBUG) || !tracing::enabled!(target: vocab::RPC, Level::DEBUG) {
            return;
        }
        self.observer.numbered += 1;
        let number = self.observer.numbered;
        self.observer.calls.insert(call, number);
        let request = self.sim.request(call);
        tracing::debug!(
            target: vocab::RPC,
            topic = topic::SEND,
            server = i as u64,
            peer = to as u64,
            call = number,
            kind = %Kind(request),
            request = %Summary(request),
        );
    }

    /// Server i is about to handle `call` from `from`: `recv`.
    #[inline]
    pub(crate) fn observe_recv(&self, i: usize, from: usize, call: CallId) {
        if !may_listen(Level::DEBUG) {
            return;
        }
        let request = self.sim.request(call);
        tracing::debug!(
            target: vocab::RPC,
            topic = topic::RECV,
            server = i as u64,
            peer = from as u64,
            call = self.observer.calls.get(&call).copied(),
            kind = %Kind(request),
            request = %Summary(request),
        );
    }

    /// `call` resolved for its caller: `reply` or `fail` (even when the
    /// caller has crashed since and gets no input).
    #[inline]
    pub(crate) fn observe_resolved(
        &mut self,
        owner: EndOwner,
        call: CallId,
        request: &R::Request,
        reply: &Result<R::Reply, Loss>,
        sent_at: Time,
    ) {
        if self.observer.progress.is_some() {
            self.progress_resolved(owner, request, reply, sent_at);
        }
        if self.observer.calls.is_empty() {
            return; // nothing numbered: RPC events are not wanted
        }
        let Some(number) = self.observer.calls.remove(&call) else {
            return; // numbered only while RPC events are wanted
        };
        let now = self.sim.now();
        let waited_ms = now.ms_since(sent_at);
        match reply {
            Ok(reply) => tracing::debug!(
                target: vocab::RPC,
                topic = topic::REPLY,
                t = now.0,
                server = owner.from as u64,
                peer = owner.to as u64,
                call = number,
                kind = %Kind(request),
                reply = %Summary(reply),
                waited_ms,
            ),
            Err(loss) => tracing::debug!(
                target: vocab::RPC,
                topic = topic::FAIL,
                t = now.0,
                server = owner.from as u64,
                peer = owner.to as u64,
                call = number,
                kind = %Kind(request),
                reason = loss.name(),
                waited_ms,
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use labrpc::Loss;
    use labtrace::vocab::reason;

    #[test]
    fn loss_names_are_the_vocabulary_reasons() {
        let names = [
            Loss::RequestDropped,
            Loss::ReplyDropped,
            Loss::Disconnected,
            Loss::Dead,
            Loss::Cleanup,
        ]
        .map(Loss::name);
        assert_eq!(names, reason::ALL);
    }
}
