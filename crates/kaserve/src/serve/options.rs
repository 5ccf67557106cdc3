//! What every responder shares: how they behave ([`ServeOptions`]: TLS, keepalive
//! policies, faults, the liveness table), where each listens by default, and the
//! limits and grace periods they all keep.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use kaprobe::Protocol;

use super::clients::{ClientPolicy, ClientTable};
use super::fault::Fault;
use super::grpc::policy::{GrpcPolicy, HealthTable};
use super::http::policy::HttpPolicy;

/// How long a client has for the TLS and protocol handshakes (for HTTP, its
/// first request).
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a connection has to close politely once kaserve is stopping.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

/// The most clients a responder serves at once.
pub const MAX_CLIENTS: usize = 16_384;

/// The loopback address a responder binds when no `--listen` is given.
pub fn default_listen(proto: Protocol) -> SocketAddr {
    let port = match proto {
        Protocol::Tcp => 7070,
        Protocol::Ws => 7071,
        Protocol::Grpc => 7072,
        Protocol::Http => 7073,
    };
    SocketAddr::from(([127, 0, 0, 1], port))
}

/// How responders behave: TLS, the keepalive policy they enforce, the faults they
/// act out.
#[derive(Debug, Default)]
pub struct ServeOptions {
    /// Serve TLS (`wss://`, `grpcs://`, `https://`) with this config.
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// gRPC: the keepalive policy enforced on clients.
    pub grpc: GrpcPolicy,
    /// HTTP: the keep-alive policy and the status of each path.
    pub http: HttpPolicy,
    /// gRPC: the health status of each service.
    pub health: std::sync::RwLock<HealthTable>,
    /// gRPC: woken when a status changes, for the Watch streams.
    pub health_changed: tokio::sync::Notify,
    /// gRPC: services whose status flips between SERVING and NOT_SERVING this often.
    pub flips: Vec<(String, Duration)>,
    /// WebSocket: send a Ping this often.
    pub ping_interval: Option<Duration>,
    /// WebSocket: close with 1011 when a Pong does not come this soon after a Ping.
    pub ping_timeout: Duration,
    /// Every protocol: ping silent clients, close the ones that stay silent.
    pub client_policy: Option<ClientPolicy>,
    /// The liveness table of every connected client (with `client_policy`).
    pub clients: ClientTable,
    /// Faults, each for one protocol or (`None`) for all it applies to.
    pub faults: Vec<(Option<Protocol>, Fault)>,
}
