//! The network's wiring: ends, which server name each is connected to, which
//! server object is registered under each name, and the fault flags.

use crate::faults::Loss;
use crate::ids::{EndId, ServerId, ServerName};

#[derive(Clone, Copy, Debug, Default)]
struct End {
    enabled: bool,
    server: Option<ServerName>,
    /// Extra dispatch delay in ms (a clogged link).
    extra_delay_ms: u64,
}

/// The course's `Network` state, without its goroutines.
#[derive(Debug)]
pub(crate) struct Wiring {
    ends: Vec<End>,
    /// The live server object per name (`None` after `DeleteServer`).
    servers: Vec<Option<ServerId>>,
    /// Incoming calls per server object (the course's `GetCount`).
    incoming: Vec<u64>,
    pub(crate) reliable: bool,
    pub(crate) long_delays: bool,
    pub(crate) long_reordering: bool,
}

impl Default for Wiring {
    fn default() -> Self {
        // As in Go: a new network is reliable, without long delays or reordering.
        Wiring {
            ends: Vec::new(),
            servers: Vec::new(),
            incoming: Vec::new(),
            reliable: true,
            long_delays: false,
            long_reordering: false,
        }
    }
}

/// The target of a call, read once when the call is made (the Go code's
/// snapshot under the network lock).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Target {
    pub(crate) name: ServerName,
    pub(crate) server: ServerId,
}

impl Wiring {
    pub(crate) fn make_end(&mut self) -> EndId {
        let id = EndId(u32::try_from(self.ends.len()).expect("more than 2^32 ends"));
        self.ends.push(End::default());
        id
    }

    pub(crate) fn connect(&mut self, end: EndId, name: ServerName) {
        self.end_mut(end).server = Some(name);
    }

    pub(crate) fn enable(&mut self, end: EndId, enabled: bool) {
        self.end_mut(end).enabled = enabled;
    }

    pub(crate) fn set_extra_delay(&mut self, end: EndId, ms: u64) {
        self.end_mut(end).extra_delay_ms = ms;
    }

    pub(crate) fn extra_delay(&self, end: EndId) -> u64 {
        self.end(end).extra_delay_ms
    }

    pub(crate) fn is_enabled(&self, end: EndId) -> bool {
        self.end(end).enabled
    }

    pub(crate) fn end_server(&self, end: EndId) -> Option<ServerName> {
        self.end(end).server
    }

    /// Registers a new server object under `name`, replacing any older one.
    pub(crate) fn add_server(&mut self, name: ServerName) -> ServerId {
        let id = ServerId(self.incoming.len() as u64);
        self.incoming.push(0);
        if self.servers.len() <= name.0 {
            self.servers.resize(name.0 + 1, None);
        }
        self.servers[name.0] = Some(id);
        id
    }

    pub(crate) fn delete_server(&mut self, name: ServerName) {
        if let Some(slot) = self.servers.get_mut(name.0) {
            *slot = None;
        }
    }

    pub(crate) fn server(&self, name: ServerName) -> Option<ServerId> {
        self.servers.get(name.0).copied().flatten()
    }

    /// Where a call on `end` would go now: `Some` exactly in the Go code's
    /// case A (enabled, connected, server present).
    pub(crate) fn target(&self, end: EndId) -> Option<Target> {
        let e = self.end(end);
        if !e.enabled {
            return None;
        }
        let name = e.server?;
        let server = self.server(name)?;
        Some(Target { name, server })
    }

    /// The Go code's `isServerDead`: the end was disabled, or the server
    /// object the call was addressed to is no longer the one registered.
    pub(crate) fn is_dead(&self, end: EndId, target: Target) -> bool {
        !self.end(end).enabled || self.server(target.name) != Some(target.server)
    }

    /// Why a call on `end` cannot complete: a disabled (or unconnected)
    /// end, else a server object that is gone.
    pub(crate) fn loss(&self, end: EndId) -> Loss {
        let e = self.end(end);
        if !e.enabled || e.server.is_none() {
            Loss::Disconnected
        } else {
            Loss::Dead
        }
    }

    pub(crate) fn count_incoming(&mut self, server: ServerId) {
        self.incoming[server.0 as usize] += 1;
    }

    pub(crate) fn incoming(&self, server: ServerId) -> u64 {
        self.incoming[server.0 as usize]
    }

    fn end(&self, end: EndId) -> &End {
        self.ends
            .get(end.0 as usize)
            .expect("an EndId this network never made")
    }

    fn end_mut(&mut self, end: EndId) -> &mut End {
        self.ends
            .get_mut(end.0 as usize)
            .expect("an EndId this network never made")
    }
}
