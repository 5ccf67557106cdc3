//! `kafind --demo`: starts kaserve responders inside this process that misbehave on
//! purpose (an idle close on TCP, a silent NAT-like drop on WebSocket, an idle
//! GOAWAY on gRPC) and discovers each, all at once, with no outside server; the
//! blocks come in the order the intro names the responders, then the answers.

use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use kaprobe::discover::Plan;
use kaprobe::discover::idle::IdleConfig;
use kaprobe::proto::{Mode, ProbeConfig};
use kaserve::serve::fault::Fault;
use kaserve::serve::grpc::GrpcPolicy;
use kaserve::serve::{Background, Protocol, ServeOptions};

use super::config::{Config, Output};
use crate::common;

pub fn run() -> anyhow::Result<ExitCode> {
    let loopback = SocketAddr::from(([127, 0, 0, 1], 0));
    let faulty = |fault: Fault| ServeOptions {
        faults: vec![(None, fault)],
        ..ServeOptions::default()
    };
    let tcp = Background::start(
        Protocol::Tcp,
        loopback,
        faulty(Fault::CloseIdle(Duration::from_secs(3))),
    )
    .context("cannot start the demo's TCP responder")?;
    let ws = Background::start(
        Protocol::Ws,
        loopback,
        faulty(Fault::DropIdle(Duration::from_secs(2))),
    )
    .context("cannot start the demo's WebSocket responder")?;
    let idle_goaway = ServeOptions {
        grpc: GrpcPolicy {
            max_idle: Some(Duration::from_millis(2500)),
            ..GrpcPolicy::default()
        },
        ..ServeOptions::default()
    };
    let grpc = Background::start(Protocol::Grpc, loopback, idle_goaway)
        .context("cannot start the demo's gRPC responder")?;
    let targets = [
        (
            format!("tcp://{}", tcp.addr),
            Mode::Echo,
            "closes idle connections after 3 s",
        ),
        (
            format!("ws://{}/", ws.addr),
            Mode::Ping,
            "drops idle connections silently after 2 s, as a NAT does",
        ),
        (
            format!("grpc://{}", grpc.addr),
            Mode::Health,
            "sends GOAWAY to connections idle for 2.5 s",
        ),
    ];
    println!(
        "KAFIND demo: three responders on loopback that misbehave on purpose; discovering each at once"
    );
    let configs = targets
        .iter()
        .map(|(url, mode, what)| {
            println!("  {url}: {what}");
            let mut probe = ProbeConfig::new(*mode);
            probe.timeout = Duration::from_millis(500);
            probe.tcp.user_timeout = Some(probe.timeout);
            let plan = Plan {
                min: Duration::from_secs(1),
                max: Duration::from_secs(10),
                precision: 0.03,
                max_connections: 32,
            };
            Ok(Config {
                target: url.parse()?,
                mode: *mode,
                probe,
                idle: IdleConfig::new(plan),
                require: None,
                lb_idle: None,
                via_proxy: None,
                output: Output::Human,
                progress: false,
            })
        })
        .collect::<anyhow::Result<Vec<Config>>>()?;
    println!();
    let status = common::block_on(|cancel| async move {
        let cancel = &cancel;
        let runs = configs.iter().map(|config| async move {
            // Each discovery's words are kept, to be printed whole in order.
            let mut words = Vec::new();
            let healthy = {
                let out: Box<dyn Write + '_> = Box::new(kacli::term::Escaped::new(&mut words));
                super::discovery::one(config, out, cancel).await?.0
            };
            anyhow::Ok((healthy, words))
        });
        let all = futures_util::future::join_all(runs).await;
        let mut stdout = std::io::stdout().lock();
        let mut healthy = true;
        let mut answers = Vec::new();
        for (done, (url, ..)) in all.into_iter().zip(&targets) {
            let (ok, words) = done?;
            healthy &= ok;
            stdout.write_all(&words)?;
            writeln!(stdout)?;
            // A block ends with its verdict sentence.
            let text = String::from_utf8_lossy(&words);
            let verdict = text.lines().rfind(|l| !l.is_empty()).unwrap_or("-");
            answers.push(format!("  {url}: {verdict}"));
        }
        writeln!(stdout, "--- the answers ---\n{}", answers.join("\n"))?;
        writeln!(stdout, "{NEXT}")?;
        stdout.flush()?;
        anyhow::Ok(healthy)
    })?;
    drop((tcp, ws, grpc));
    Ok(status)
}

/// What to do after the demo: the five tools, and where the README goes on.
const NEXT: &str = "
Next: put the five tools on your PATH (~/.cargo/bin) with
  for tool in kaping kawatch kareport kaserve kafind; do cargo install --locked --path crates/$tool; done
then follow the README's Quickstart: kaserve in one terminal, kaping, kawatch,
kareport and kafind in another.";
