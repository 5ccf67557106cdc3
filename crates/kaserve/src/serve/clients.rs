//! The server's liveness table of connected clients ([`ClientTable`]), the policy
//! it keeps ([`ClientPolicy`]), and a connection's handle on its own entry
//! ([`Keeper`]).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::time::Instant;

use super::options::ServeOptions;
use crate::liveness::{Due, Liveness};

/// How long a client may stay silent before it is pinged, and then closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientPolicy {
    /// Silence past this closes the connection (counted from the last activity).
    pub timeout: Duration,
    /// Silence past this gets the client pinged in its protocol's way.
    pub ping_interval: Duration,
}

/// The server's liveness table: every connected client under a number.
#[derive(Debug)]
pub struct ClientTable {
    epoch: Instant,
    next_id: AtomicU64,
    table: std::sync::Mutex<Liveness<u64>>,
}

impl Default for ClientTable {
    fn default() -> Self {
        ClientTable {
            epoch: Instant::now(),
            next_id: AtomicU64::new(1),
            table: std::sync::Mutex::new(Liveness::default()),
        }
    }
}

impl ClientTable {
    fn now_ms(&self) -> u64 {
        self.epoch.elapsed().as_millis() as u64
    }

    /// Clients in the table now.
    pub fn len(&self) -> usize {
        self.table.lock().expect("liveness lock").len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A connection's handle on its liveness entry; cheap to clone into callbacks.
#[derive(Clone, Debug)]
pub struct Keeper {
    id: u64,
    opts: Arc<ServeOptions>,
}

impl Keeper {
    pub(super) fn register(opts: &Arc<ServeOptions>, policy: ClientPolicy) -> Self {
        let clients = &opts.clients;
        let id = clients.next_id.fetch_add(1, Ordering::Relaxed);
        clients.table.lock().expect("liveness lock").register(
            id,
            policy.timeout.as_millis() as u64,
            policy.ping_interval.as_millis() as u64,
            clients.now_ms(),
        );
        Keeper {
            id,
            opts: opts.clone(),
        }
    }

    /// The client was heard from.
    pub fn seen(&self) {
        let clients = &self.opts.clients;
        let now = clients.now_ms();
        let _ = clients
            .table
            .lock()
            .expect("liveness lock")
            .seen(&self.id, now);
    }

    pub(super) fn due(&self) -> Option<(Due, u64)> {
        let clients = &self.opts.clients;
        let now = clients.now_ms();
        let table = clients.table.lock().expect("liveness lock");
        let due = table.due(&self.id, now)?;
        let silent = table.get(&self.id).map_or(0, |c| c.silent_ms(now));
        Some((due, silent))
    }

    /// When the client expires if it stays silent from now on, with its silence
    /// then.
    pub(super) fn expires_at(&self) -> Option<(Instant, Duration)> {
        let clients = &self.opts.clients;
        let table = clients.table.lock().expect("liveness lock");
        let client = table.get(&self.id)?;
        // Strictly past the timeout, as [`Client::status`] counts.
        let at = client.last_seen_ms + client.timeout_ms + 1;
        Some((self.at(at), Duration::from_millis(at - client.last_seen_ms)))
    }

    pub(super) fn at(&self, ms: u64) -> Instant {
        self.opts.clients.epoch + Duration::from_millis(ms)
    }

    pub(super) fn pinged(&self) {
        let clients = &self.opts.clients;
        let now = clients.now_ms();
        clients
            .table
            .lock()
            .expect("liveness lock")
            .pinged(&self.id, now);
    }

    pub(super) fn forget(&self) {
        self.opts
            .clients
            .table
            .lock()
            .expect("liveness lock")
            .remove(&self.id);
    }
}
