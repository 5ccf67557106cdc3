//! The server's liveness table of connected clients ([`ClientTable`]) and the
//! policy it keeps ([`ClientPolicy`]); a connection's handle on its own entry is
//! in `keeper.rs`.

use std::sync::atomic::AtomicU64;
use std::time::Duration;

use tokio::time::Instant;

use crate::liveness::Liveness;

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
    pub(super) epoch: Instant,
    pub(super) next_id: AtomicU64,
    pub(super) table: std::sync::Mutex<Liveness<u64>>,
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
    pub(super) fn now_ms(&self) -> u64 {
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
