//! The one interface every protocol's live connection implements, and what a
//! protocol hands the prober: its modes, its ALPN offer and how it opens a session
//! on a connected stream. The prober drives sessions through these alone.

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use tokio::net::TcpStream;

use super::grpc::ServerHeaders;
use super::http::HttpReply;
use super::mode::ModeInfo;
use super::{Passive, ProbeConfig};
use crate::cause::{Cause, CauseKind};
use crate::deadline::ProbeTimer;
use crate::target::Target;
use crate::tls::Io;

/// A boxed, sendable future: sessions are driven through trait objects.
pub type BoxFut<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// One live connection of one protocol.
pub trait Session: Send + fmt::Debug + 'static {
    /// One keepalive round trip in the configured mode, bounded by `timer`.
    fn round_trip<'a>(
        &'a mut self,
        seq: u64,
        cfg: &'a ProbeConfig,
        timer: &'a mut ProbeTimer,
    ) -> BoxFut<'a, Result<Duration, Cause>>;

    /// Waits for the peer to do something on its own between round trips. After
    /// [`Passive::Lost`] the session is over.
    fn passive(&mut self) -> BoxFut<'_, Passive>;

    /// Whether the connection can carry the next probe after a failed one: a
    /// timeout leaves it usable (late replies are skipped) unless the protocol
    /// says more.
    fn usable_after(&self, cause: &Cause) -> bool {
        cause.kind == CauseKind::Timeout
    }

    /// Whether a failed probe never reached the server and may go once more on a
    /// new connection (HTTP/2's graceful GOAWAY, as a gRPC client's transparent
    /// retry).
    fn retry_on_new_connection(&self, _cause: &Cause) -> bool {
        false
    }

    /// Why the connection is already over, when the session can tell without
    /// reading from it.
    fn take_gone(&mut self) -> Option<Cause> {
        None
    }

    /// Passive events seen during the last round trip, oldest first.
    fn take_events(&mut self) -> Vec<Passive> {
        Vec::new()
    }

    /// HTTP: the last response's status, first byte and reuse.
    fn take_reply(&mut self) -> Option<HttpReply> {
        None
    }

    /// The last answer's `server` and `via` headers: what answered says itself.
    fn take_headers(&mut self) -> Option<ServerHeaders> {
        None
    }

    /// Says goodbye politely (a WebSocket close frame), bounded by `timer`.
    fn close(self: Box<Self>, _timer: &mut ProbeTimer) -> BoxFut<'_, ()> {
        Box::pin(async {})
    }

    /// For a protocol's own operations on its session (a gRPC Watch, a WebSocket
    /// Pong), reached through [`super::Prober::with_session`].
    fn as_any_mut(&mut self) -> &mut dyn Any;
}

/// A connected stream, handed to a protocol to open its session on.
#[derive(Debug)]
pub enum Transport {
    /// Plain TCP (or a proxy's tunnel).
    Tcp(TcpStream),
    /// TLS over it, with what ALPN chose.
    Tls {
        io: Box<dyn Io>,
        negotiated: Option<Vec<u8>>,
    },
}

impl Transport {
    /// The stream as the protocols that read through a boxed stream take it.
    pub fn into_io(self) -> Box<dyn Io> {
        match self {
            Transport::Tcp(stream) => Box::new(stream),
            Transport::Tls { io, .. } => io,
        }
    }

    /// What TLS's ALPN chose; `None` on plain TCP.
    pub fn negotiated(&self) -> Option<&[u8]> {
        match self {
            Transport::Tcp(_) => None,
            Transport::Tls { negotiated, .. } => negotiated.as_deref(),
        }
    }
}

/// What opening a session needs besides the stream.
#[derive(Debug)]
pub struct OpenArgs<'a> {
    pub target: &'a Target,
    pub cfg: &'a ProbeConfig,
    pub timer: &'a mut ProbeTimer,
}

/// How a protocol opens its session: its handshake on a connected stream.
pub type Open = for<'a> fn(Transport, OpenArgs<'a>) -> BoxFut<'a, Result<Box<dyn Session>, Cause>>;

/// Everything the prober and the tools know of a protocol.
#[derive(Debug)]
pub struct ProtocolInfo {
    /// Its modes, default first, each with its words.
    pub modes: &'static [ModeInfo],
    /// What a TLS connection offers in ALPN.
    pub alpn: fn(&ProbeConfig) -> &'static [&'static [u8]],
    pub open: Open,
    /// Whether opening is a handshake of its own, timed as a phase (TCP has none).
    pub handshake: bool,
}
