//! Drives one watched target: holds its connection through a [`Prober`], sends a
//! keepalive every interval (or none, to see how long an idle connection lives),
//! feeds the machine what happens, and reconnects after the backoff it says.

use std::time::{Duration, SystemTime};

use tokio::sync::mpsc::UnboundedSender;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::ledger::{Ledger, WatchSummary};
use super::{Machine, Policy, State, Transition};
use crate::cause::{Cause, CauseKind};
use crate::proto::{Mode, Passive, Prober};
use crate::stats::ProbeStats;
use crate::target::Target;

/// How to watch.
#[derive(Clone, Debug, Default)]
pub struct WatchConfig {
    /// Time between keepalives; `None` sends none and only listens.
    pub interval: Option<Duration>,
    pub policy: Policy,
}

/// What happened, for the caller to render or record.
#[derive(Clone, Debug)]
pub enum WatchEvent {
    Transition {
        target: usize,
        transition: Transition,
    },
    Probe {
        target: usize,
        seq: u64,
        at: SystemTime,
        result: Result<Duration, Cause>,
    },
    ServerPing {
        target: usize,
        interval: Option<Duration>,
    },
}

/// The outcome of watching one target.
#[derive(Clone, Debug)]
pub struct WatchResult {
    pub target: Target,
    pub mode: Mode,
    pub summary: WatchSummary,
    pub stats: ProbeStats,
}

/// Watches until `cancel` fires. Owns what it needs, so each target can be a task
/// of its own: with thousands of targets, waking one does not poll a shared future.
pub async fn watch(
    idx: usize,
    mut prober: Prober,
    cfg: std::sync::Arc<WatchConfig>,
    events: UnboundedSender<WatchEvent>,
    cancel: CancellationToken,
) -> WatchResult {
    prober.set_auto_reconnect(false);
    let mode = prober.config().mode;
    let mut machine = Machine::new(cfg.policy.clone());
    let mut ledger = Ledger::new(Instant::now());
    let mut stats = ProbeStats::default();
    let emit = |ev: WatchEvent| {
        let _ = events.send(ev);
    };
    let record = |ledger: &mut Ledger, ts: Vec<Transition>| {
        for t in ts {
            ledger.record(&t);
            emit(WatchEvent::Transition {
                target: idx,
                transition: t,
            });
        }
    };
    let mut retry_in: Option<Duration> = None;
    let mut next_keepalive = Instant::now();
    let mut seq = 0u64;
    'watch: loop {
        match machine.state() {
            State::Connecting => {
                // Boxed: opening a connection is the largest step (about 4 KiB of
                // future); inline, every idle watch would carry it, and a watcher
                // of 10,000 connections would pay it 10,000 times.
                let opened = tokio::select! {
                    () = cancel.cancelled() => break 'watch,
                    opened = Box::pin(prober.connect()) => opened,
                };
                let now = Instant::now();
                match opened {
                    Ok(info) => {
                        record(&mut ledger, machine.connected(now, &info.phases));
                        if let Some(every) = cfg.interval {
                            next_keepalive = now + every;
                        }
                    }
                    Err(cause) => {
                        let (ts, delay) = machine.lost(now, &cause, fastrand::f64());
                        record(&mut ledger, ts);
                        retry_in = delay;
                    }
                }
            }
            State::Reconnecting => {
                let delay = retry_in.take().unwrap_or_default();
                tokio::select! {
                    () = cancel.cancelled() => break 'watch,
                    () = tokio::time::sleep(delay) => {}
                }
                record(&mut ledger, machine.reconnect(Instant::now()));
            }
            // The attempts are spent: down it stays.
            State::Down => {
                cancel.cancelled().await;
                break 'watch;
            }
            State::Up | State::Degraded => {
                let keepalive_at = cfg.interval.map(|_| next_keepalive);
                tokio::select! {
                    () = cancel.cancelled() => break 'watch,
                    passive = prober.passive() => match passive {
                        Passive::ServerPing { interval } => {
                            emit(WatchEvent::ServerPing { target: idx, interval });
                        }
                        Passive::Lost(cause) => {
                            stats.record_disconnect(cause.kind);
                            let (ts, delay) = machine.lost(Instant::now(), &cause, fastrand::f64());
                            record(&mut ledger, ts);
                            retry_in = delay;
                        }
                    },
                    () = sleep_until_opt(keepalive_at) => {
                        let every = cfg.interval.expect("a keepalive is due only with an interval");
                        next_keepalive += every;
                        seq += 1;
                        prober.arm(Instant::now());
                        let at = SystemTime::now();
                        let report = tokio::select! {
                            () = cancel.cancelled() => break 'watch,
                            report = prober.probe(seq) => report,
                        };
                        for passive in prober.take_events() {
                            if let Passive::ServerPing { interval } = passive {
                                emit(WatchEvent::ServerPing { target: idx, interval });
                            }
                        }
                        let now = Instant::now();
                        if next_keepalive < now {
                            next_keepalive = now + every;
                        }
                        match &report.result {
                            Ok(rtt) => stats.record_reply(*rtt),
                            Err(cause) => stats.record_failure(cause),
                        }
                        emit(WatchEvent::Probe { target: idx, seq, at, result: report.result.clone() });
                        match report.result {
                            Ok(rtt) => record(&mut ledger, machine.reply(now, rtt)),
                            Err(cause) if cause.kind == CauseKind::Timeout => {
                                let (ts, delay) = machine.missed(now, Mode::keepalive_word(mode), fastrand::f64());
                                record(&mut ledger, ts);
                                if !machine.state().available() {
                                    prober.disconnect();
                                    retry_in = delay;
                                }
                            }
                            Err(cause) => {
                                prober.disconnect();
                                let (ts, delay) = machine.lost(now, &cause, fastrand::f64());
                                record(&mut ledger, ts);
                                retry_in = delay;
                            }
                        }
                    }
                }
            }
        }
    }
    prober.close().await;
    WatchResult {
        target: prober.target().clone(),
        mode,
        summary: ledger.summary(Instant::now()),
        stats,
    }
}

async fn sleep_until_opt(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
