//! What responders report instead of logging: a [`ServeEvent`] for each thing that
//! happens to a client, stamped with the wall clock when it happened.

use std::net::SocketAddr;
use std::time::{Duration, SystemTime};

use kaprobe::Protocol;
use kaprobe::cause::Cause;
use tokio::sync::mpsc::UnboundedSender;

/// Something that happened to a client of a responder, and when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServeEvent {
    /// When it happened (not when it was logged).
    pub at: SystemTime,
    pub proto: Protocol,
    pub peer: SocketAddr,
    pub what: Happened,
}

/// What happened to the client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Happened {
    Connected,
    /// Something happened to a client on the way: `idle`, `pinged`, `expired`,
    /// `fault`.
    Note {
        event: &'static str,
        detail: String,
    },
    /// The connection ended; `cause` is `None` when the server closed it on shutdown.
    Closed {
        cause: Option<Cause>,
        lifetime: Duration,
    },
}

/// Where responders send their events; `None` discards them.
pub type EventSink = Option<UnboundedSender<ServeEvent>>;

/// Reports `what` happening to `peer` now.
pub(crate) fn emit(sink: &EventSink, proto: Protocol, peer: SocketAddr, what: Happened) {
    if let Some(tx) = sink {
        let _ = tx.send(ServeEvent {
            at: SystemTime::now(),
            proto,
            peer,
            what,
        });
    }
}
