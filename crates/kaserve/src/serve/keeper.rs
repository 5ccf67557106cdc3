//! A connection's handle on its own entry in the server's liveness table: it
//! registers, says when the client was heard from or pinged, when it is due a
//! ping or expires, and leaves.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::time::Instant;

use super::clients::ClientPolicy;
use super::options::ServeOptions;
use crate::liveness::Due;

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
