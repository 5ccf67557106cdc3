//! Protocol sessions behind one interface ([`Session`]): resolve a target, connect
//! (TCP, TLS, the protocol's handshake, each timed), do one keepalive round trip, and
//! report what the peer does on its own between probes. Each protocol lives in its
//! own module (`tcp/`, `ws`, `grpc/`, `http/`) that owns its modes and their words,
//! its settings, its session, its passive events and the words of its causes; this
//! module only names them.

mod config;
pub mod grpc;
mod h2conn;
pub mod http;
mod mode;
mod prober;
mod session;
pub mod tcp;
pub mod ws;

pub use config::{Connected, Passive, Phases, PingKind, ProbeConfig, ProbeOutcome, RequestHeader};
pub use h2conn::h2_words;
pub use mode::{Mode, ModeInfo, modes, modes_help};
pub use prober::{Prober, resolve};
pub use session::{BoxFut, OpenArgs, Probe, ProtocolInfo, Session, Transport};

use crate::protocol::Protocol;

/// A protocol's modes, ALPN offer and opening: the one place a protocol is named.
pub fn protocol_info(protocol: Protocol) -> &'static ProtocolInfo {
    match protocol {
        Protocol::Tcp => &tcp::PROTOCOL,
        Protocol::Ws => &ws::PROTOCOL,
        Protocol::Grpc => &grpc::PROTOCOL,
        Protocol::Http => &http::PROTOCOL,
    }
}
