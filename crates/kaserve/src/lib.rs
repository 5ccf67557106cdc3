//! kaserve: runs kaprobe's responders on the addresses asked for, logs client events
//! on stdout, and shuts down cleanly on Ctrl-C or SIGTERM.

pub mod cli;

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use std::sync::{Arc, RwLock};

use kaprobe::record::{ServeRecord, write_line};
use kaprobe::serve::conn::ClientPolicy;
use kaprobe::serve::grpc::{GrpcPolicy, HealthTable};
use kaprobe::serve::{ServeOptions, ServeProto};
use kaprobe::tls::ServerTls;
use tokio_util::sync::CancellationToken;

/// Runs kaserve until a shutdown signal; `Err` is a usage or setup error (exit 2).
pub fn run(cli: cli::Cli) -> anyhow::Result<ExitCode> {
    if cli.stdio().map_err(anyhow::Error::msg)? {
        return stdio();
    }
    let listeners = cli.listeners().map_err(anyhow::Error::msg)?;
    let faults = cli.all_faults().map_err(anyhow::Error::msg)?;
    let (mut opts, generated) = options(&cli)?;
    opts.faults = faults;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async move {
        let shutdown = CancellationToken::new();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let mut bound = Vec::new();
        for (proto, addr) in listeners {
            let listener = kaprobe::serve::bind(addr).await?;
            let local = listener.local_addr()?;
            bound.push((proto, local, listener));
        }
        let mut servers = tokio::task::JoinSet::new();
        let opts = Arc::new(opts);
        for (proto, local, listener) in bound {
            let tls = opts.tls.is_some() && proto != ServeProto::Tcp;
            log(
                cli.ndjson,
                &ServeRecord::listening(proto, local, tls, generated.clone()),
            );
            servers.spawn(kaprobe::serve::serve(
                proto,
                listener,
                opts.clone(),
                shutdown.clone(),
                Some(tx.clone()),
            ));
        }
        drop(tx);
        tokio::spawn(kacli::stop_on_signals(shutdown.clone()));
        let ndjson = cli.ndjson;
        let printer = tokio::spawn(async move {
            while let Some(event) = rx.recv().await {
                log(ndjson, &ServeRecord::from_event(&event));
            }
        });
        while servers.join_next().await.is_some() {}
        let _ = printer.await;
        Ok(ExitCode::SUCCESS)
    })
}

/// `kaserve stdio`: the registry protocol until stdin ends. Replies are written
/// and flushed a line at a time; a line that is not a message is named on stderr
/// and skipped; a closed stdout ends the run quietly.
fn stdio() -> anyhow::Result<ExitCode> {
    use kaprobe::registry::{Node, Outcome};
    use std::io::BufRead;
    let mut node = Node::new();
    let mut out = std::io::stdout().lock();
    let mut input = std::io::stdin().lock();
    let mut raw = Vec::new();
    let mut number = 0u64;
    loop {
        raw.clear();
        if input
            .read_until(b'\n', &mut raw)
            .context("cannot read stdin")?
            == 0
        {
            break;
        }
        number += 1;
        let outcome = match std::str::from_utf8(&raw) {
            Ok(line) if line.trim().is_empty() => continue,
            Ok(line) => node.handle(line.trim_end_matches(['\n', '\r'])),
            Err(e) => Outcome::Invalid(format!("not UTF-8: {e}")),
        };
        match outcome {
            Outcome::Reply(reply) => {
                if writeln!(out, "{reply}").and_then(|()| out.flush()).is_err() {
                    return Ok(ExitCode::SUCCESS);
                }
            }
            Outcome::Invalid(why) => eprintln!("kaserve: stdin line {number}: {why}; skipped"),
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Builds the responders' options; with --tls and no files, generates a
/// self-signed pair and writes the certificate where clients can pass it to --ca.
fn options(cli: &cli::Cli) -> anyhow::Result<(ServeOptions, Option<String>)> {
    let mut health = HealthTable::default();
    for (service, status) in &cli.statuses {
        health.set(service, *status);
    }
    let mut opts = ServeOptions {
        tls: None,
        grpc: GrpcPolicy {
            min_ping_interval: cli.ping_min_interval,
            permit_without_stream: cli.permit_without_stream,
            max_ping_strikes: cli.max_ping_strikes,
            max_idle: cli.max_connection_idle,
            max_age: cli.max_connection_age,
            age_grace: cli.max_connection_age_grace,
        },
        health: RwLock::new(health),
        ping_interval: cli.ping_interval,
        ping_timeout: cli.ping_timeout,
        client_policy: cli.client_timeout.map(|timeout| ClientPolicy {
            timeout,
            ping_interval: cli.client_ping_interval.unwrap_or(timeout / 2),
        }),
        clients: Default::default(),
        faults: Vec::new(),
    };
    if !cli.wants_tls() {
        return Ok((opts, None));
    }
    let files = ServerTls {
        cert: cli.tls_cert.clone(),
        key: cli.tls_key.clone(),
        client_ca: cli.tls_client_ca.clone(),
    };
    let mut written = None;
    let generated = if files.cert.is_none() {
        let pair = kaprobe::tls::self_signed()?;
        let path = std::env::temp_dir().join(format!("kaserve-{}-cert.pem", std::process::id()));
        std::fs::write(&path, &pair.cert_pem)
            .with_context(|| format!("cannot write {}", path.display()))?;
        written = Some(path.display().to_string());
        Some(pair)
    } else {
        None
    };
    opts.tls = Some(files.config(generated.as_ref(), &[b"h2", b"http/1.1"])?);
    Ok((opts, written))
}

/// Writes one log line; a closed stdout does not stop the server.
fn log(ndjson: bool, record: &ServeRecord) {
    let mut out = std::io::stdout().lock();
    let _ = if ndjson {
        write_line(&mut out, record)
    } else {
        writeln!(out, "{}", human(record)).and_then(|()| out.flush())
    };
}

fn human(record: &ServeRecord) -> String {
    match record {
        ServeRecord::Listening {
            ts, proto, addr, ..
        } => {
            format!("{ts} {proto} listening on {addr}")
        }
        ServeRecord::Client {
            ts,
            proto,
            peer,
            event,
            cause,
            detail,
            lifetime_ms,
            ..
        } => {
            let mut line = format!("{ts} {proto} {peer} {event}");
            let detail = detail.as_deref().filter(|d| !d.is_empty());
            if let Some(cause) = cause {
                line.push_str(&format!(": {cause}"));
                if let Some(detail) = detail {
                    line.push_str(&format!(" ({detail})"));
                }
            } else if let Some(detail) = detail {
                line.push_str(&format!(": {detail}"));
            }
            if let Some(ms) = lifetime_ms {
                line.push_str(&format!(" after {:.1}s", ms / 1000.0));
            }
            line
        }
    }
}
