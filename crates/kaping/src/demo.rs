//! `kaping --demo`: starts kaserve's responders inside this process on loopback and
//! points the run at them, so the tool shows real output with no outside server.

use std::net::SocketAddr;

use anyhow::Context;
use kaprobe::proto::Mode;
use std::time::Duration;

use kaserve::serve::grpc::GrpcPolicy;
use kaserve::serve::{Background, Protocol, ServeOptions};

use crate::config::Config;

/// Probes per target when the demo is run without `-c`.
const DEMO_COUNT: u64 = 5;

/// Starts the responders and points `config` at them. The returned servers must
/// live as long as the run.
pub fn start(config: &mut Config) -> anyhow::Result<Vec<Background>> {
    let loopback = SocketAddr::from(([127, 0, 0, 1], 0));
    let tcp = Background::start(Protocol::Tcp, loopback, ServeOptions::default())
        .context("cannot start the demo's TCP responder")?;
    let ws = Background::start(Protocol::Ws, loopback, ServeOptions::default())
        .context("cannot start the demo's WebSocket responder")?;
    // PINGs as often as the demo sends them are within this responder's policy
    // (kaserve grpc's default, like grpc-go's, would answer too_many_pings).
    let permissive = ServeOptions {
        grpc: GrpcPolicy {
            min_ping_interval: Duration::from_millis(1),
            permit_without_stream: true,
            ..GrpcPolicy::default()
        },
        ..ServeOptions::default()
    };
    let grpc = Background::start(Protocol::Grpc, loopback, permissive)
        .context("cannot start the demo's gRPC responder")?;
    let http = Background::start(Protocol::Http, loopback, ServeOptions::default())
        .context("cannot start the demo's HTTP responder")?;
    let tcp_target: kaprobe::Target = format!("tcp://{}", tcp.addr).parse()?;
    let grpc_target: kaprobe::Target = format!("grpc://{}", grpc.addr).parse()?;
    let ws_target: kaprobe::Target = format!("ws://{}/", ws.addr).parse()?;
    let http_target: kaprobe::Target = format!("http://{}/health", http.addr).parse()?;
    // A persistent line echo, a fresh TCP connection per probe timing the
    // handshake, WebSocket Ping/Pong, a gRPC health check, HTTP/2 PINGs and
    // HTTP requests on a kept-alive connection.
    config.targets = vec![
        (tcp_target.clone(), Mode::Echo),
        (tcp_target, Mode::Connect),
        (ws_target, Mode::Ping),
        (grpc_target.clone(), Mode::Health),
        (grpc_target, Mode::H2Ping),
        (http_target, Mode::Request),
    ];
    config.run.count.get_or_insert(DEMO_COUNT);
    Ok(vec![tcp, ws, grpc, http])
}
