//! `kaping --demo`: starts kaprobe's responders inside this process on loopback and
//! points the run at them, so the tool shows real output with no outside server.

use std::net::SocketAddr;

use anyhow::Context;
use kaprobe::proto::Mode;
use kaprobe::serve::{Background, ServeProto};

use crate::config::Config;

/// Probes per target when the demo is run without `-c`.
const DEMO_COUNT: u64 = 5;

/// Starts the responders and points `config` at them. The returned servers must
/// live as long as the run.
pub fn start(config: &mut Config) -> anyhow::Result<Vec<Background>> {
    let loopback = SocketAddr::from(([127, 0, 0, 1], 0));
    let tcp = Background::start(ServeProto::Tcp, loopback)
        .context("cannot start the demo's TCP responder")?;
    let target: kaprobe::Target = format!("tcp://{}", tcp.addr).parse()?;
    // One responder, two views: a persistent line echo, and a fresh connection
    // per probe timing the handshake.
    config.targets = vec![(target.clone(), Mode::Echo), (target, Mode::Connect)];
    config.run.count.get_or_insert(DEMO_COUNT);
    Ok(vec![tcp])
}
