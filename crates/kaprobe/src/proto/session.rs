//! The one interface every protocol's live connection implements, and what a
//! protocol hands the prober: its modes, its ALPN offer and how it opens a session
//! on a connected stream. The prober drives sessions through these alone.

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use tokio::net::TcpStream;

use super::config::{Passive, ProbeConfig};
use super::grpc::config::ServerHeaders;
use super::http::config::HttpReply;
use super::mode::Mode;
use crate::cause::{Cause, CauseKind};
use crate::deadline::ProbeTimer;
use crate::target::Target;
use crate::tls::Io;

/// A boxed, sendable future: sessions are driven through trait objects.
pub type BoxFut<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A session as `Any`, for a protocol's own operations on it; every session has
/// it without writing it.
pub trait AsAny {
    fn as_any_mut(&mut self) -> &mut dyn Any;
}

impl<T: Any> AsAny for T {
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

/// One live connection of one protocol. (A protocol's own operations on it, a
/// gRPC Watch or a WebSocket Pong, reach it through [`AsAny`] and
/// [`super::Prober::with_session`].)
pub trait Session: AsAny + Send + fmt::Debug + 'static {
    /// One keepalive round trip in the configured mode, bounded by its timer.
    fn round_trip<'a>(&'a mut self, probe: Probe<'a>) -> BoxFut<'a, Result<Duration, Cause>>;

    /// Waits for the peer to do something on its own between round trips. After
    /// [`Passive::Lost`] the session is over.
    fn passive(&mut self) -> BoxFut<'_, Passive>;

    /// Whether the connection can carry the next probe after a failed one: a
    /// timeout leaves it usable (late replies are skipped) unless the protocol
    /// says more.
    fn usable_after(&self, cause: &Cause) -> bool {
        cause.kind == CauseKind::Timeout
    }

    /// Whether opening it was a handshake of its own with the server, timed as a
    /// phase: TCP echo and HTTP/1.1 send nothing before their first probe.
    fn handshaken(&self) -> bool {
        true
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

    /// With `trace` on: the lines of the handshake or the last exchange, taken.
    fn take_trace(&mut self) -> Vec<String> {
        Vec::new()
    }

    /// The text of the last reply (a WebSocket message, a TCP line), for
    /// showing it when the probes are lines a person typed.
    fn take_text(&mut self) -> Option<String> {
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
}

/// A session opened by a protocol's handshake, boxed as the prober holds it.
pub fn boxed<S: Session>(opened: Result<S, Cause>) -> Result<Box<dyn Session>, Cause> {
    opened.map(|session| Box::new(session) as Box<dyn Session>)
}

/// A session's round trip as the trait wants it, boxed, from its own
/// `async fn $exchange(&mut self, probe: Probe<'_>)`.
macro_rules! round_trip_by {
    ($exchange:ident) => {
        fn round_trip<'a>(
            &'a mut self,
            probe: $crate::proto::session::Probe<'a>,
        ) -> $crate::proto::session::BoxFut<'a, Result<std::time::Duration, $crate::cause::Cause>> {
            Box::pin(self.$exchange(probe))
        }
    };
}

/// What a session on an HTTP/2 connection (its `conn`) does alike: `h2ping` as
/// an HTTP/2 PING (any other mode is its own `async fn call(&mut self, probe)`),
/// a failure told as the connection's end when that explains it better, the
/// server's PINGs, GOAWAY and close, and the graceful GOAWAY's retry.
macro_rules! on_h2_conn {
    () => {
        fn round_trip<'a>(
            &'a mut self,
            probe: $crate::proto::session::Probe<'a>,
        ) -> $crate::proto::session::BoxFut<'a, Result<std::time::Duration, $crate::cause::Cause>> {
            Box::pin(async move {
                let result = if probe.cfg.mode == $crate::proto::mode::Mode::H2Ping {
                    self.conn.h2_ping(probe.cfg.timeout, probe.timer).await
                } else {
                    self.call(probe).await
                };
                self.conn.explain(result)
            })
        }

        fn passive(
            &mut self,
        ) -> $crate::proto::session::BoxFut<'_, $crate::proto::config::Passive> {
            Box::pin(self.conn.passive())
        }

        fn take_gone(&mut self) -> Option<$crate::cause::Cause> {
            self.conn.take_gone()
        }

        fn take_events(&mut self) -> Vec<$crate::proto::config::Passive> {
            self.conn.take_events()
        }

        fn retry_on_new_connection(&self, cause: &$crate::cause::Cause) -> bool {
            $crate::proto::h2conn::H2Conn::refused_by_graceful_goaway(cause)
        }
    };
}

pub(crate) use {on_h2_conn, round_trip_by};

/// One probe: its number, the settings, and its deadline.
#[derive(Debug)]
pub struct Probe<'a> {
    pub seq: u64,
    pub cfg: &'a ProbeConfig,
    pub timer: &'a mut ProbeTimer,
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
    /// Where the session folds the server's pings (see [`super::pingfold::PingFold`]).
    pub fold: super::SharedFold,
}

/// How a protocol opens its session: its handshake on a connected stream.
pub type Open = for<'a> fn(Transport, OpenArgs<'a>) -> BoxFut<'a, Result<Box<dyn Session>, Cause>>;

/// A mode's facts and words, on its protocol's `MODES` entry: the tools say a
/// mode only through these.
#[derive(Debug)]
pub struct ModeInfo {
    pub mode: Mode,
    /// What `-m`'s help says of it.
    pub help: &'static str,
    /// kaping's header, after "MODE mode, ": what a probe sends.
    pub describe: fn(&ProbeConfig) -> String,
    /// kaping's line for an answered probe: "pong from".
    pub reply_verb: &'static str,
    /// What its keepalives are called in "missed 1/3 pongs".
    pub keepalive_word: &'static str,
    /// kafind's name for it as a keepalive: "ws ping".
    pub noun: &'static str,
    /// Each probe is a new connection, timed to its opening (tcp connect).
    pub connection_per_probe: bool,
}

/// Everything the prober and the tools know of a protocol.
#[derive(Debug)]
pub struct ProtocolInfo {
    /// Its modes, default first, each with its words.
    pub modes: &'static [ModeInfo],
    /// What a TLS connection offers in ALPN.
    pub alpn: fn(&ProbeConfig) -> &'static [&'static [u8]],
    pub open: Open,
    /// The modes that keep a connection alive as an application would, in the
    /// order kafind layers compares them.
    pub keepalives: &'static [Mode],
}
