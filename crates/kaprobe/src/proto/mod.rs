//! Protocol sessions behind one interface: resolve a target, connect (TCP, TLS, the
//! protocol's handshake, each timed), do one keepalive round trip, and report what
//! the peer does on its own between probes. Each protocol lives in its own module
//! (`tcp`, `ws`, `grpc/`, `http/`) that owns its modes, its settings, its passive events and
//! the words of its causes; this module only dispatches to them.

mod config;
pub mod grpc;
mod h2conn;
pub mod http;
mod mode;
mod prober;
pub mod tcp;
pub mod timer;
pub mod ws;

pub use config::{Connected, Header, Passive, Phases, PingKind, ProbeConfig, ProbeOutcome};
pub use h2conn::h2_words;
pub use mode::{Mode, modes};
pub use prober::{Prober, resolve};

use std::time::Duration;

use crate::cause::Cause;
use crate::protocol::Protocol;
use crate::target::Target;
use crate::tls::Io;
use timer::ProbeTimer;

/// The ALPN protocols a TLS connection of this protocol offers.
pub fn alpn(protocol: Protocol, cfg: &ProbeConfig) -> &'static [&'static [u8]] {
    match protocol {
        Protocol::Tcp | Protocol::Ws => ws::ALPN,
        Protocol::Grpc => grpc::ALPN,
        Protocol::Http => http::alpn(cfg),
    }
}

/// One live connection of one protocol.
#[derive(Debug)]
enum Session {
    TcpEcho(tcp::EchoSession),
    Ws(Box<ws::WsSession>),
    Grpc(Box<grpc::GrpcSession>),
    Http(Box<http::HttpSession>),
}

impl Session {
    /// A TCP echo session on a connected stream (TCP has no handshake of its own).
    fn tcp(stream: tokio::net::TcpStream) -> Self {
        Session::TcpEcho(tcp::EchoSession::new(stream))
    }

    /// The protocol's handshake on an open (TCP or TLS) stream; `negotiated` is
    /// what TLS's ALPN chose.
    async fn handshake(
        io: Box<dyn Io>,
        negotiated: Option<&[u8]>,
        target: &Target,
        cfg: &ProbeConfig,
        timer: &mut ProbeTimer,
    ) -> Result<Self, Cause> {
        // Each handshake is boxed: a large future that only its protocol should
        // carry, and only while it runs.
        Ok(match target.protocol() {
            Protocol::Ws => Session::Ws(Box::new(
                Box::pin(ws::handshake(io, target, cfg, timer)).await?,
            )),
            Protocol::Grpc => Session::Grpc(Box::new(
                Box::pin(grpc::handshake(io, target, cfg, timer)).await?,
            )),
            Protocol::Http => Session::Http(Box::new(
                Box::pin(http::handshake(io, negotiated, target, cfg, timer)).await?,
            )),
            Protocol::Tcp => unreachable!("TCP sessions open without a handshake"),
        })
    }

    async fn round_trip(
        &mut self,
        seq: u64,
        cfg: &ProbeConfig,
        timer: &mut ProbeTimer,
    ) -> Result<Duration, Cause> {
        match self {
            Session::TcpEcho(s) => s.round_trip(seq, cfg, timer).await,
            Session::Ws(s) => s.round_trip(seq, cfg, timer).await,
            // Boxed: a tonic call is a large future, and only gRPC should carry it.
            Session::Grpc(s) => Box::pin(s.round_trip(seq, cfg, timer)).await,
            Session::Http(s) => Box::pin(s.round_trip(cfg, timer)).await,
        }
    }

    /// Whether the connection can carry the next probe after a failed one.
    fn usable_after(&self, cause: &Cause) -> bool {
        match self {
            Session::TcpEcho(_) | Session::Ws(_) => cause.kind == crate::cause::CauseKind::Timeout,
            Session::Grpc(s) => s.usable_after(cause),
            Session::Http(s) => s.usable_after(cause),
        }
    }

    async fn passive(&mut self) -> Passive {
        match self {
            Session::TcpEcho(s) => s.passive().await,
            Session::Ws(s) => s.passive().await,
            Session::Grpc(s) => s.passive().await,
            Session::Http(s) => s.passive().await,
        }
    }

    /// Why the connection is already over, when the session can tell without
    /// reading from it.
    fn take_gone(&mut self) -> Option<Cause> {
        match self {
            Session::TcpEcho(_) | Session::Ws(_) => None,
            Session::Grpc(s) => s.take_gone(),
            Session::Http(s) => s.take_gone(),
        }
    }

    fn take_events(&mut self) -> Vec<Passive> {
        match self {
            Session::TcpEcho(_) => Vec::new(),
            Session::Ws(s) => s.take_events(),
            Session::Grpc(s) => s.take_events(),
            Session::Http(s) => s.take_events(),
        }
    }

    /// What the last HTTP response was (status, first byte, reuse).
    fn take_reply(&mut self) -> Option<http::HttpReply> {
        match self {
            Session::Http(s) => s.take_reply(),
            _ => None,
        }
    }

    /// The last call's `server` and `via` headers (gRPC).
    fn take_headers(&mut self) -> Option<grpc::ServerHeaders> {
        match self {
            Session::Grpc(s) => s.take_headers(),
            _ => None,
        }
    }

    async fn close(self, timer: &mut ProbeTimer) {
        match self {
            Session::TcpEcho(_) | Session::Grpc(_) | Session::Http(_) => {}
            Session::Ws(s) => (*s).close(timer).await,
        }
    }
}
