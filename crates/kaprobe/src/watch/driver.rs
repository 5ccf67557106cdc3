//! Drives one watched target: holds its connection through a [`Prober`], sends a
//! keepalive every interval (or none, to see how long an idle connection lives),
//! feeds the machine what happens, and reconnects after the backoff it says.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio::sync::mpsc::UnboundedSender;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::ledger::{Ledger, WatchSummary};
use super::{Machine, Policy, State, Transition};
use crate::cause::{Cause, CauseKind};
use crate::event::{ProbeDone, TargetEvent, TargetId, What};
use crate::proto::grpc::watch::{self, WatchStream, next_status};
use crate::proto::{Mode, Passive, Prober};
use crate::stats::ProbeStats;

/// How to watch.
#[derive(Clone, Debug, Default)]
pub struct WatchConfig {
    /// Time between keepalives; `None` sends none and only listens.
    pub interval: Option<Duration>,
    /// Watch mode: time between HTTP/2 PINGs beside the stream; `None` (the
    /// default) sends none, since servers punish PINGs more often than 5 minutes.
    pub watch_interval: Option<Duration>,
    /// Watch mode: the health statuses that take a target down (others than
    /// SERVING make it degraded).
    pub down_on: Vec<i32>,
    pub policy: Policy,
}

/// The outcome of watching one target.
#[derive(Clone, Debug)]
pub struct WatchResult {
    pub who: Arc<TargetId>,
    pub summary: WatchSummary,
    pub stats: ProbeStats,
}

/// Watches until `cancel` fires. Owns what it needs, so each target can be a task
/// of its own: with thousands of targets, waking one does not poll a shared future.
pub async fn watch(
    who: Arc<TargetId>,
    mut prober: Prober,
    cfg: Arc<WatchConfig>,
    events: UnboundedSender<TargetEvent>,
    cancel: CancellationToken,
) -> WatchResult {
    prober.set_auto_reconnect(false);
    let mode = prober.config().mode;
    if mode == Mode::Watch {
        // The stream carries the statuses; keepalives beside it are PINGs.
        prober.set_mode(Mode::H2Ping);
    }
    let mut w = Watcher {
        who,
        mode,
        stream: None,
        prober,
        machine: Machine::new(cfg.policy.clone()),
        cfg,
        events,
        ledger: Ledger::new(Instant::now()),
        stats: ProbeStats::default(),
        retry_in: None,
        next_keepalive: Instant::now(),
        seq: 0,
    };
    loop {
        let step = match w.machine.state() {
            State::Connecting => w.connect(&cancel).await,
            State::Reconnecting => w.reconnect(&cancel).await,
            // Down by a status the Watch pushed: the stream is open and says
            // when the target is back.
            State::Down if w.stream.is_some() => w.hold(&cancel).await,
            // The attempts are spent: down it stays.
            State::Down => {
                cancel.cancelled().await;
                Stop::Cancelled
            }
            State::Up | State::Degraded => w.hold(&cancel).await,
        };
        if let Stop::Cancelled = step {
            break;
        }
    }
    for folded in w.prober.take_folded() {
        w.passive(folded);
    }
    w.prober.close().await;
    WatchResult {
        who: w.who,
        summary: w.ledger.summary(Instant::now()),
        stats: w.stats,
    }
}

/// Whether a step of the watch was cut short by cancellation.
enum Stop {
    Go,
    Cancelled,
}

/// One target's watch: its connection, machine, ledger and schedule.
struct Watcher {
    who: Arc<TargetId>,
    mode: Mode,
    /// Watch mode: the open Health/Watch stream.
    stream: Option<WatchStream>,
    prober: Prober,
    cfg: Arc<WatchConfig>,
    events: UnboundedSender<TargetEvent>,
    machine: Machine,
    ledger: Ledger,
    stats: ProbeStats,
    retry_in: Option<Duration>,
    next_keepalive: Instant,
    seq: u64,
}

impl Watcher {
    fn emit(&self, ev: TargetEvent) {
        let _ = self.events.send(ev);
    }

    /// Something the peer did on its own, told now.
    fn passive(&self, passive: Passive) {
        self.emit(TargetEvent::now(&self.who, What::from(passive)));
    }

    fn record(&mut self, ts: Vec<Transition>) {
        for t in ts {
            self.ledger.record(&t);
            self.who.set_state(t.to);
            // The machine's clock is monotonic; records want the wall clock of
            // the moment itself, not of the moment a line is written.
            let ago = Instant::now().saturating_duration_since(t.at);
            self.emit(TargetEvent {
                who: self.who.clone(),
                at: SystemTime::now() - ago,
                what: What::Transition(t),
            });
        }
    }

    /// The connection is lost or failed: the machine decides, and the backoff.
    fn lost(&mut self, now: Instant, cause: &Cause) {
        self.stream = None;
        let (ts, delay) = self.machine.lost(now, cause, fastrand::f64());
        self.record(ts);
        self.retry_in = delay;
    }

    async fn connect(&mut self, cancel: &CancellationToken) -> Stop {
        // Boxed: opening a connection is the largest step (about 4 KiB of
        // future); inline, every idle watch would carry it, and a watcher
        // of 10,000 connections would pay it 10,000 times.
        let opened = tokio::select! {
            () = cancel.cancelled() => return Stop::Cancelled,
            opened = Box::pin(self.prober.connect()) => opened,
        };
        let now = Instant::now();
        match opened {
            Ok(info) => {
                let ts = self.machine.connected(now, &info.phases);
                self.record(ts);
                if self.mode == Mode::Watch {
                    return self.open_watch(cancel).await;
                }
                match self.cfg.interval {
                    Some(every) => self.next_keepalive = now + every,
                    // An HTTP connection is kept alive only after a response: one
                    // request starts the server's keep-alive timer, then silence.
                    None if self.mode == Mode::Request => return self.send(cancel).await,
                    None => {}
                }
            }
            Err(cause) => self.lost(now, &cause),
        }
        Stop::Go
    }

    /// Opens the Watch stream on the new connection; its first status is the
    /// target's state.
    async fn open_watch(&mut self, cancel: &CancellationToken) -> Stop {
        let opened = tokio::select! {
            () = cancel.cancelled() => return Stop::Cancelled,
            opened = Box::pin(self.prober.with_session(true, watch::open)) => opened,
        };
        let now = Instant::now();
        match opened {
            Ok((stream, opened)) => {
                self.stream = Some(stream);
                if let Some(every) = self.cfg.watch_interval {
                    self.next_keepalive = now + every;
                }
                self.status(now, opened.status);
            }
            Err(cause) => {
                self.prober.disconnect();
                self.lost(now, &cause);
            }
        }
        Stop::Go
    }

    /// A status the Watch pushed.
    fn status(&mut self, now: Instant, status: i32) {
        let down = self.cfg.down_on.contains(&status);
        let ts = self.machine.status(now, status, down);
        self.record(ts);
    }

    /// The keepalive interval for this target's mode.
    fn interval(&self) -> Option<Duration> {
        match self.mode {
            Mode::Watch => self.cfg.watch_interval,
            _ => self.cfg.interval,
        }
    }

    async fn reconnect(&mut self, cancel: &CancellationToken) -> Stop {
        let delay = self.retry_in.take().unwrap_or_default();
        tokio::select! {
            () = cancel.cancelled() => return Stop::Cancelled,
            () = tokio::time::sleep(delay) => {}
        }
        let ts = self.machine.reconnect(Instant::now());
        self.record(ts);
        Stop::Go
    }

    /// Up or degraded: listen to the peer until the next keepalive is due.
    async fn hold(&mut self, cancel: &CancellationToken) -> Stop {
        let keepalive_at = self.interval().map(|_| self.next_keepalive);
        tokio::select! {
            status = next_status(&mut self.stream) => {
                let now = Instant::now();
                match status {
                    Ok(status) => self.status(now, status),
                    Err(cause) => {
                        self.stream = None;
                        self.prober.disconnect();
                        self.lost(now, &cause);
                    }
                }
                Stop::Go
            }
            () = cancel.cancelled() => Stop::Cancelled,
            passive = self.prober.passive() => {
                match passive {
                    Passive::Lost(cause) => {
                        self.stats.record_disconnect(cause.kind);
                        self.lost(Instant::now(), &cause);
                    }
                    other => self.passive(other),
                }
                Stop::Go
            }
            () = sleep_until_opt(keepalive_at) => self.keepalive(cancel).await,
        }
    }

    /// Sends one keepalive and feeds the machine its outcome.
    async fn keepalive(&mut self, cancel: &CancellationToken) -> Stop {
        let every = self
            .interval()
            .expect("a keepalive is due only with an interval");
        self.next_keepalive += every;
        let stop = self.send(cancel).await;
        self.next_keepalive = next_keepalive(self.next_keepalive, every, Instant::now());
        stop
    }

    /// Sends one keepalive now and feeds the machine its outcome.
    async fn send(&mut self, cancel: &CancellationToken) -> Stop {
        self.seq += 1;
        self.prober.arm(Instant::now());
        let at = SystemTime::now();
        let outcome = tokio::select! {
            () = cancel.cancelled() => return Stop::Cancelled,
            outcome = self.prober.probe(self.seq) => outcome,
        };
        // A connection found gone is told by the transition the failure makes.
        for passive in self.prober.take_events() {
            if !matches!(passive, Passive::Lost(_)) {
                self.passive(passive);
            }
        }
        let now = Instant::now();
        match &outcome.result {
            Ok(rtt) => self.stats.record_reply(*rtt),
            Err(cause) => self.stats.record_failure(cause),
        }
        let done = ProbeDone {
            seq: self.seq,
            phases: None,
            http: outcome.http,
            reply: None,
            trace: Vec::new(),
            result: outcome.result.clone(),
        };
        self.emit(TargetEvent {
            who: self.who.clone(),
            at,
            what: What::Probe(done),
        });
        match outcome.result {
            Ok(rtt) => {
                let ts = self.machine.reply(now, rtt);
                self.record(ts);
            }
            Err(cause) if cause.kind == CauseKind::Timeout => {
                let word = self.mode.keepalive_word();
                let (ts, delay) = self.machine.missed(now, word, fastrand::f64());
                self.record(ts);
                if !self.machine.state().available() {
                    self.stream = None;
                    self.prober.disconnect();
                    self.retry_in = delay;
                }
            }
            Err(cause) => {
                self.prober.disconnect();
                self.lost(now, &cause);
            }
        }
        Stop::Go
    }
}

/// Keepalives go at a fixed rate: one that came due while the last was still
/// waiting goes at once (it is not pushed a whole interval later, which would
/// delay noticing a dead peer); more than one missed are skipped, not queued.
fn next_keepalive(due: Instant, every: Duration, now: Instant) -> Instant {
    if due + every <= now { now } else { due }
}

async fn sleep_until_opt(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn keepalives_keep_a_fixed_rate() {
        let t0 = Instant::now();
        let ms = |n: u64| t0 + Duration::from_millis(n);
        let every = Duration::from_millis(200);
        // On time: the next one stays on the grid.
        assert_eq!(next_keepalive(ms(400), every, ms(210)), ms(400));
        // The last one waited past the next one's time: it goes at once.
        assert_eq!(next_keepalive(ms(400), every, ms(450)), ms(400));
        // More than one missed: skipped, the next goes now, not a burst.
        assert_eq!(next_keepalive(ms(400), every, ms(1000)), ms(1000));
    }
}
