//! The gRPC responder, on h2 directly: `grpc.health.v1.Health/Check` with a status
//! per service name, and the keepalive policy grpc-go and grpc-core servers enforce
//! (tonic does not): a minimum interval between client PINGs, stricter without
//! active streams unless permitted, a strike count, then GOAWAY ENHANCE_YOUR_CALM
//! with debug data `too_many_pings`; and max connection idle and age, each ending
//! in a graceful GOAWAY (`max_idle`, `max_age`) with a grace period. With a client
//! policy it PINGs silent clients and closes those that stay silent; faults drop
//! or delay its PING ACKs, send GOAWAY on a timer, close idle connections, go quiet
//! or reset.

mod ending;
mod health;
pub mod policy;
mod session;
mod strikes;

pub use health::flip;
pub use policy::{GrpcPolicy, HealthTable};
pub use strikes::PingStrikes;

use kaprobe::cause::Cause;
use kaprobe::tls::Io;
use kawire::h2::Tap;
use tokio::net::TcpStream;
use tokio::time::Instant;

use super::conn::Conn;
use super::options::HANDSHAKE_TIMEOUT;
use ending::h2_server_cause;
use session::{Observed, Serving};

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
