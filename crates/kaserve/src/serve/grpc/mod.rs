//! The gRPC responder, on h2 directly: `grpc.health.v1.Health/Check` with a status
//! per service name, and the keepalive policy grpc-go and grpc-core servers enforce
//! (tonic does not): a minimum interval between client PINGs, stricter without
//! active streams unless permitted, a strike count, then GOAWAY ENHANCE_YOUR_CALM
//! with debug data `too_many_pings`; and max connection idle and age, each ending
//! in a graceful GOAWAY (`max_idle`, `max_age`) with a grace period. With a client
//! policy it PINGs silent clients and closes those that stay silent; faults drop
//! or delay its PING ACKs, send GOAWAY on a timer, close idle connections, go quiet
//! or reset.

mod health;
pub use health::flip;
mod session;
mod strikes;

pub use strikes::PingStrikes;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use kaprobe::cause::{Cause, CauseKind};
use kaprobe::tls::Io;
use kawire::h2::{Injector, Tap, goaway_frame};
use tokio::net::TcpStream;
use tokio::time::Instant;
use tonic_health::pb::health_check_response::ServingStatus;

use super::ServeOptions;
use super::conn::Conn;
use session::{Observed, Serving};

const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// The keepalive policy a server enforces on its clients.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GrpcPolicy {
    /// Client PINGs closer together than this earn a strike (grpc-go `MinTime`).
    pub min_ping_interval: Duration,
    /// Whether PINGs without active streams are held to `min_ping_interval` rather
    /// than to two hours (grpc-go `PermitWithoutStream`).
    pub permit_without_stream: bool,
    /// Strikes allowed; one more ends the connection (grpc-go and grpc-core: 2).
    pub max_ping_strikes: u32,
    /// GOAWAY after this long without active streams.
    pub max_idle: Option<Duration>,
    /// GOAWAY after this long, whatever is happening.
    pub max_age: Option<Duration>,
    /// After the age GOAWAY, how long streams may finish before the connection closes.
    pub age_grace: Option<Duration>,
}

impl Default for GrpcPolicy {
    fn default() -> Self {
        GrpcPolicy {
            min_ping_interval: Duration::from_secs(5 * 60),
            permit_without_stream: false,
            max_ping_strikes: 2,
            max_idle: None,
            max_age: None,
            age_grace: None,
        }
    }
}

/// Health status per service name; `""` is the server as a whole.
#[derive(Clone, Debug)]
pub struct HealthTable(BTreeMap<String, ServingStatus>);

impl Default for HealthTable {
    fn default() -> Self {
        HealthTable(BTreeMap::from([(String::new(), ServingStatus::Serving)]))
    }
}

impl HealthTable {
    pub fn set(&mut self, service: &str, status: ServingStatus) {
        self.0.insert(service.to_string(), status);
    }

    pub fn get(&self, service: &str) -> Option<ServingStatus> {
        self.0.get(service).copied()
    }
}

/// Serves one client connection until it ends (why) or shutdown (`None`).
pub async fn handle(stream: TcpStream, client: Conn) -> Option<Cause> {
    let opts = client.opts.clone();
    let io: Box<dyn Io> = match &opts.tls {
        None => Box::new(stream),
        Some(config) => {
            let accept = tokio_rustls::TlsAcceptor::from(config.clone()).accept(stream);
            match tokio::time::timeout(HANDSHAKE_TIMEOUT, accept).await {
                Ok(Ok(tls)) => Box::new(tls),
                Ok(Err(e)) => return Some(kaprobe::tls::server_handshake_cause(&e)),
                Err(_) => return Some(Cause::timeout("TLS handshake not finished in time")),
            }
        }
    };
    let seen = Observed::new(opts.grpc.clone());
    let tap = Tap::new(io, true, seen.on_rx(&client), seen.on_tx(&client));
    let tap = if client.faults.holds_pongs() {
        tap.dropping_ping_acks()
    } else {
        tap
    };
    let injector = tap.injector();
    let opened = Instant::now();
    let conn = tokio::select! {
        () = client.shutdown.cancelled() => return None,
        done = tokio::time::timeout(HANDSHAKE_TIMEOUT, h2::server::handshake(tap)) => match done {
            Ok(Ok(conn)) => conn,
            Ok(Err(e)) => return Some(h2_server_cause(&e)),
            Err(_) => return Some(Cause::timeout("HTTP/2 handshake not finished in time")),
        },
    };
    let serving = Serving {
        conn,
        client,
        seen: seen.clone(),
        injector,
        opts,
        opened,
    };
    let ending = serving.run().await?;
    Some(seen.name_client_goaway(ending))
}

/// A graceful GOAWAY carrying `why`, then serves the calls still allowed (those
/// in flight, and any the client started before it saw the GOAWAY) until the
/// connection closes, or `grace` (if given) runs out.
async fn goodbye(
    conn: &mut h2::server::Connection<Tap<Box<dyn Io>>, Bytes>,
    injector: &Injector,
    opts: &Arc<ServeOptions>,
    why: &str,
    grace: Option<Duration>,
) -> Cause {
    injector.inject(goaway_frame(0x7fff_ffff, 0, why.as_bytes()), false);
    conn.graceful_shutdown();
    let serving = async {
        while let Some(Ok((request, respond))) = conn.accept().await {
            let opts = opts.clone();
            tokio::spawn(async move { health::unary(request, respond, &opts).await });
        }
    };
    match grace {
        Some(grace) => {
            let _ = tokio::time::timeout(grace, serving).await;
        }
        None => serving.await,
    }
    Cause::new(CauseKind::Goaway(0), format!("graceful close: {why}"))
}

fn h2_server_cause(err: &h2::Error) -> Cause {
    match err.get_io() {
        Some(io) => kaprobe::tls::io_cause(io, kaprobe::tls::Side::Server)
            .unwrap_or_else(|| Cause::from_io(io)),
        None if err.is_library() && err.reason() == Some(h2::Reason::PROTOCOL_ERROR) => Cause::new(
            CauseKind::Protocol,
            "the client did not open with the HTTP/2 preface (an HTTP/1.1 or TLS client \
                 on a plaintext gRPC port? serve with --tls for grpcs://)",
        ),
        None => Cause::new(
            CauseKind::Protocol,
            kaprobe::proto::h2_words(err, kaprobe::tls::Side::Server),
        ),
    }
}
