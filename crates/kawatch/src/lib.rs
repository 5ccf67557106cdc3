//! kawatch: hold long-lived connections, send keepalives, report every state
//! transition and its cause. Flags become a [`config::Config`], kaprobe's watch
//! driver runs each target, a renderer speaks.

pub mod cli;
mod config;
mod exporter;
mod expose;
mod metrics;
mod render;
mod serve;

use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use kaprobe::event::{TargetEvent, TargetId, What};
use kaprobe::watch::State;
use kaprobe::watch::driver::{WatchResult, watch};
use tokio_util::sync::CancellationToken;

use crate::cli::Until;
use crate::config::Config;

/// Runs kawatch; `Err` is a usage or setup error (exit status 2).
pub fn run(cli: cli::Cli) -> anyhow::Result<ExitCode> {
    if let Some(listen) = cli.exporter {
        let settings = exporter::Settings {
            listen,
            allow: cli.allow_targets.clone().unwrap_or_default(),
            max_probes: cli.max_probes as usize,
            base: cli.probe.probe_config(cli.timeout)?,
            watch: config::watch_config(&cli),
            max_watchers: cli.max_watchers as usize,
            config: cli.config.clone(),
            stop: CancellationToken::new(),
        };
        return kacli::block_on(run_exporter(settings));
    }
    let probe_args = cli.probe.clone();
    let config = Config::from_cli(cli)?;
    probe_args.tls_notes("kawatch", &config.targets);
    kacli::block_on(run_async(config))
}

/// The exporter, until SIGTERM or Ctrl-C.
async fn run_exporter(settings: exporter::Settings) -> anyhow::Result<ExitCode> {
    let cancel = kacli::cancel_on_signals();
    let stop = settings.stop.clone();
    let bound = exporter::start(settings).await?;
    eprintln!("kawatch: exporter on http://{bound}/probe?target=...&module=...");
    cancel.cancelled().await;
    // Every watcher closes its connection (a WebSocket close, a GOAWAY, a FIN).
    stop.cancel();
    tokio::time::sleep(Duration::from_millis(300)).await;
    Ok(ExitCode::SUCCESS)
}

async fn run_async(mut config: Config) -> anyhow::Result<ExitCode> {
    let cancel = kacli::cancel_on_signals();
    let gave_up = end_timers(&config, &cancel);
    // `--duration` and `--deadline` count from the start, resolving included.
    let within = match (config.duration, config.deadline) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    config.targets = kacli::each_address(config.targets, &config.probe, within).await?;
    let probers = kacli::probers(&config.targets, &config.probe, within).await?;
    for p in probers.iter().filter(|p| p.proxy().is_some()) {
        eprintln!("kawatch: {}: {}", p.target(), p.route());
    }
    let metrics = start_metrics(&config, &cancel).await?;
    let mut renderer = render::new(&config, Instant::now());
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let watch_config = Arc::new(config.watch.clone());
    let ids = TargetId::of(&probers);
    let tasks: Vec<_> = ids
        .iter()
        .zip(probers)
        .map(|(who, prober)| {
            tokio::spawn(watch(
                who.clone(),
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
            // A watch task ends only by returning; a panic in one is a bug.
            results.push(
                task.await
                    .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic())),
            );
        }
        results
    };
    let mut observed = Observed {
        until: UntilTracker::new(&config, ids),
        metrics: metrics.as_deref(),
        metrics_file: config.metrics_file.as_deref(),
        renderer: renderer.as_mut(),
        cancel: &cancel,
    };
    // A closed pipe ends the watch, not its verdict.
    let results = kacli::drive(watching, rx, &mut observed, &cancel).await?;
    let reached = observed.until.reached;
    Ok(verdict(&config, &results, reached, gave_up.is_cancelled()))
}

/// Ends the watch after `--duration`; gives up `--until` at its deadline (the
/// returned token says so once it has).
fn end_timers(config: &Config, cancel: &CancellationToken) -> CancellationToken {
    if let Some(duration) = config.duration {
        let cancel = cancel.clone();
        tokio::spawn(async move {
            tokio::time::sleep(duration).await;
            cancel.cancel();
        });
    }
    let gave_up = CancellationToken::new();
    if let Some(deadline) = config.deadline {
        let (cancel, gave_up) = (cancel.clone(), gave_up.clone());
        tokio::spawn(async move {
            tokio::time::sleep(deadline).await;
            gave_up.cancel();
            cancel.cancel();
        });
    }
    gave_up
}

/// The metrics of `--metrics` and `--metrics-file`, served and written.
async fn start_metrics(
    config: &Config,
    cancel: &CancellationToken,
) -> anyhow::Result<Option<Arc<metrics::Metrics>>> {
    if config.metrics.is_none() && config.metrics_file.is_none() {
        return Ok(None);
    }
    let m = Arc::new(metrics::Metrics::new(&config.targets));
    if let Some(addr) = config.metrics {
        let bound = metrics::serve(addr, m.clone()).await?;
        eprintln!("kawatch: metrics on http://{bound}/metrics");
    }
    if let Some(path) = &config.metrics_file {
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
    Ok(Some(m))
}

/// The renderer, with what reads the events beside it: `--until` and the metrics.
struct Observed<'a> {
    until: UntilTracker,
    metrics: Option<&'a metrics::Metrics>,
    /// `--metrics-file`, written once more at the end.
    metrics_file: Option<&'a std::path::Path>,
    renderer: &'a mut render::Renderer,
    cancel: &'a CancellationToken,
}

impl kacli::Render<TargetEvent, Vec<WatchResult>> for Observed<'_> {
    fn start(&mut self) -> std::io::Result<()> {
        self.renderer.start()
    }

    fn event(&mut self, event: &TargetEvent) -> std::io::Result<()> {
        if self.until.observe(event) {
            self.cancel.cancel();
        }
        if let Some(m) = self.metrics {
            m.observe(event);
        }
        self.renderer.event(event)
    }

    fn finish(&mut self, results: &Vec<WatchResult>) -> std::io::Result<()> {
        if let (Some(path), Some(m)) = (self.metrics_file, self.metrics) {
            m.write_file(path)
                .map_err(|e| std::io::Error::other(format!("{e:#}")))?;
        }
        self.renderer.finish(results)
    }
}

/// Tells when `--until` is reached, from the states the targets' identities hold.
struct UntilTracker {
    want: Option<State>,
    ids: Vec<Arc<TargetId>>,
    reached: bool,
}

impl UntilTracker {
    fn new(config: &Config, ids: Vec<Arc<TargetId>>) -> Self {
        UntilTracker {
            want: config.until.map(|until| match until {
                Until::Up => State::Up,
                Until::Down => State::Down,
            }),
            ids,
            reached: false,
        }
    }

    /// Whether this event is the one that reaches `--until`: its target has
    /// arrived, and every other one is there now.
    fn observe(&mut self, event: &TargetEvent) -> bool {
        let (What::Transition(t), Some(want)) = (&event.what, self.want) else {
            return false;
        };
        let there = |id: &Arc<TargetId>| {
            if id.index == event.who.index {
                t.to == want
            } else {
                id.state() == want
            }
        };
        if !self.reached && self.ids.iter().all(there) {
            self.reached = true;
            return true;
        }
        false
    }
}

/// The exit status, with the reason for a 1 on stderr.
fn verdict(config: &Config, results: &[WatchResult], reached: bool, gave_up: bool) -> ExitCode {
    let missed_until = config.until.is_some() && !reached;
    if missed_until {
        let why = if gave_up {
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
                r.who,
                kacli::term::shown(r.summary.last_cause.as_deref().unwrap_or("no cause"))
            );
        }
    }
    if missed_until || went_down {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
