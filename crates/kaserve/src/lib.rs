//! kaserve: the server side of the suite. As a library, the responders for every
//! protocol with their keepalive policy, client liveness and fault modes
//! ([`serve`], [`liveness`]) and the keepalive registry protocol ([`registry`]),
//! used by kaping's demo, the benchmarks and the tests; as a binary, flags become a
//! [`config::Config`], the responders run until a shutdown signal, a log speaks.

pub mod cli;
pub mod config;
pub mod liveness;
mod log;
pub mod registry;
pub mod serve;
mod stdio;
pub mod tls;

use std::process::ExitCode;
use std::sync::Arc;
use std::time::SystemTime;

use anyhow::Context;
use tokio_util::sync::CancellationToken;

use crate::config::{Config, ServeConfig};
use crate::serve::Protocol;

/// Runs kaserve until a shutdown signal; `Err` is a usage or setup error (exit 2).
pub fn run(cli: cli::Cli) -> anyhow::Result<ExitCode> {
    match Config::from_cli(&cli)? {
        Config::Stdio => stdio::run(),
        Config::Serve(config) => serve_until_stopped(*config),
    }
}

fn serve_until_stopped(config: ServeConfig) -> anyhow::Result<ExitCode> {
    let ServeConfig {
        listeners,
        options,
        generated_cert,
        ndjson,
    } = config;
    if options.tls.is_some() {
        kacli::tls::keylog_note("kaserve");
    }
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
            let listener = serve::bind(addr).await?;
            let local = listener.local_addr()?;
            bound.push((SystemTime::now(), proto, local, listener));
        }
        let mut servers = tokio::task::JoinSet::new();
        let opts = Arc::new(options);
        for (at, proto, local, listener) in bound {
            let tls = opts.tls.is_some() && proto != Protocol::Tcp;
            log::log(
                ndjson,
                &log::listening(
                    at,
                    proto,
                    local,
                    tls,
                    generated_cert.as_ref().map(|p| p.display().to_string()),
                ),
            );
            servers.spawn(serve::serve(
                proto,
                listener,
                opts.clone(),
                shutdown.clone(),
                Some(tx.clone()),
            ));
        }
        drop(tx);
        tokio::spawn(kacli::stop_on_signals(shutdown.clone()));
        let printer = tokio::spawn(async move {
            while let Some(event) = rx.recv().await {
                log::log(ndjson, &log::from_event(&event));
            }
        });
        while servers.join_next().await.is_some() {}
        let _ = printer.await;
        Ok(ExitCode::SUCCESS)
    })
}
