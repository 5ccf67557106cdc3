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
mod pingfold;
mod prober;
mod registry;
mod session;
pub mod tcp;
pub mod ws;

pub use config::{
    Connected, Folded, Passive, Phases, PingKind, ProbeConfig, ProbeOutcome, RequestHeader,
};
pub use h2conn::h2_words;
pub use mode::Mode;
pub(crate) use pingfold::{SharedFold, fold_ping};
pub use prober::{Prober, resolve};
pub use registry::{holding_modes_help, modes, modes_help, protocol_info};
pub use session::{BoxFut, ModeInfo, OpenArgs, Probe, ProtocolInfo, Session, Transport};
