//! kawatch: hold long-lived connections, send keepalives, report every state
//! transition and its cause. Flags become a [`config::Config`], kaprobe's watch
//! driver runs each target, a renderer speaks.

pub mod cli;
mod config;
mod metrics;
mod render;

use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use kaprobe::watch::State;
use kaprobe::watch::driver::{WatchEvent, watch};
use tokio_util::sync::CancellationToken;

use crate::cli::Until;
use crate::config::Config;

/// Runs kawatch; `Err` is a usage or setup error (exit status 2).
pub fn run(cli: cli::Cli) -> anyhow::Result<ExitCode> {
    let probe_args = cli.probe.clone();
    let config = Config::from_cli(cli)?;
    probe_args.warn_insecure("kawatch", &config.targets);
    kacli::block_on(run_async(config))
}

async fn run_async(config: Config) -> anyhow::Result<ExitCode> {
    let cancel = CancellationToken::new();
    tokio::spawn(kacli::stop_on_signals(cancel.clone()));
    if let Some(duration) = config.duration {
        let cancel = cancel.clone();
        tokio::spawn(async move {
            tokio::time::sleep(duration).await;
            cancel.cancel();
        });
    }
    // --until gives up at its deadline.
    let gave_up = CancellationToken::new();
    if let Some(deadline) = config.deadline {
        let (cancel, gave_up) = (cancel.clone(), gave_up.clone());
        tokio::spawn(async move {
            tokio::time::sleep(deadline).await;
            gave_up.cancel();
            cancel.cancel();
        });
    }

    let probers = kacli::probers(&config.targets, &config.probe).await?;
    let metrics = (config.metrics.is_some() || config.metrics_file.is_some())
        .then(|| Arc::new(metrics::Metrics::new(&config.targets)));
    if let (Some(addr), Some(m)) = (config.metrics, &metrics) {
        let bound = metrics::serve(addr, m.clone()).await?;
        eprintln!("kawatch: metrics on http://{bound}/metrics");
    }
    if let (Some(path), Some(m)) = (&config.metrics_file, &metrics) {
        m.write_file(path)?;
        let (path, m, cancel) = (path.clone(), m.clone(), cancel.clone());
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            while !cancel.is_cancelled() {
                tokio::select! {
                    _ = tick.tick() => {
                        if let Err(e) = m.write_file(&path) {
                            eprintln!("kawatch: {e:#}");
                        }
                    }
                    () = cancel.cancelled() => {}
                }
            }
        });
    }
    let mut renderer = render::new(&config, Instant::now());
    renderer.start(&probers)?;

    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let watch_config = Arc::new(config.watch.clone());
    let tasks: Vec<_> = probers
        .into_iter()
        .enumerate()
        .map(|(idx, prober)| {
            tokio::spawn(watch(
                idx,
                prober,
                watch_config.clone(),
                tx.clone(),
                cancel.clone(),
            ))
        })
        .collect();
    // The receiver sees the end once every watch has dropped its sender.
    drop(tx);
    let watching = async {
        let mut results = Vec::with_capacity(tasks.len());
        for task in tasks {
            results.push(task.await.context("a watch task failed")?);
        }
        anyhow::Ok(results)
    };
    let mut states = vec![State::Connecting; config.targets.len()];
    let mut reached = false;
    let consume = async {
        while let Some(event) = rx.recv().await {
            if let WatchEvent::Transition { target, transition } = &event {
                states[*target] = transition.to;
                if let Some(until) = config.until {
                    let want = match until {
                        Until::Up => State::Up,
                        Until::Down => State::Down,
                    };
                    if !reached && states.iter().all(|s| *s == want) {
                        reached = true;
                        cancel.cancel();
                    }
                }
            }
            if let Some(m) = &metrics {
                m.observe(&event);
            }
            if let Err(err) = renderer.event(&event) {
                cancel.cancel();
                return Err(err);
            }
        }
        Ok(())
    };
    let (results, rendered) = tokio::join!(watching, consume);
    rendered?;
    let results = results?;
    if let (Some(path), Some(m)) = (&config.metrics_file, &metrics) {
        m.write_file(path)?;
    }
    renderer.finish(&results)?;
    let missed_until = config.until.is_some() && !reached;
    if missed_until {
        let why = if gave_up.is_cancelled() {
            "deadline passed"
        } else {
            "watch ended"
        };
        eprintln!("kawatch: --until not reached: {why}");
    }
    let went_down = config.fail_on_down && results.iter().any(|r| r.summary.went_down);
    if went_down {
        for r in results.iter().filter(|r| r.summary.went_down) {
            eprintln!(
                "kawatch: {}: went down ({})",
                r.target,
                r.summary.last_cause.as_deref().unwrap_or("no cause")
            );
        }
    }
    Ok(if missed_until || went_down {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
