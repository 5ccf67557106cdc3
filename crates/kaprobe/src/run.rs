//! The ping-style schedule: probes every interval up to a count, each bounded by its
//! timeout, the whole run by a deadline, many targets at once, each on its own
//! schedule. Events stream out as they happen; statistics come back at the end.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use futures_util::future::join_all;
use tokio::sync::mpsc::UnboundedSender;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::cause::Cause;
use crate::event::{ProbeDone, TargetEvent, TargetId, What};
use crate::proto::{Passive, ProbeOutcome, Prober};
use crate::stats::ProbeStats;

/// How many probes, how often, for how long.
#[derive(Clone, Debug)]
pub struct RunConfig {
    /// Stop after this many probes per target; `None` runs until cancelled.
    pub count: Option<u64>,
    /// Time between the starts of consecutive probes.
    pub interval: Duration,
    /// End the whole run this long after it started.
    pub deadline: Option<Duration>,
    /// Say when the next probe comes due while one still waits (ping's -O).
    pub report_outstanding: bool,
    /// Lines to send, a probe each, as they come (kaping --send -): they pace
    /// the probes instead of the interval, their replies' text is kept, and the
    /// run ends when they do.
    pub feed: Option<Feed>,
}

/// Where lines to send come from: one target reads them.
pub type Feed = Arc<tokio::sync::Mutex<tokio::sync::mpsc::Receiver<String>>>;

impl Default for RunConfig {
    fn default() -> Self {
        RunConfig {
            count: None,
            interval: Duration::from_secs(1),
            deadline: None,
            report_outstanding: false,
            feed: None,
        }
    }
}

/// The outcome of a run for one target.
#[derive(Clone, Debug)]
pub struct TargetResult {
    pub who: Arc<TargetId>,
    pub addr: SocketAddr,
    pub stats: ProbeStats,
    pub elapsed: Duration,
}

/// Runs every prober on its own schedule until each is done, the deadline passes or
/// `cancel` fires. Probes interrupted by cancellation are not counted; probes cut
/// by the deadline count as lost.
pub async fn run(
    probers: Vec<Prober>,
    cfg: &RunConfig,
    events: UnboundedSender<TargetEvent>,
    cancel: CancellationToken,
) -> Vec<TargetResult> {
    let started = Instant::now();
    let deadline = cfg.deadline.map(|d| started + d);
    let ids = TargetId::of(&probers);
    let runs = ids
        .into_iter()
        .zip(probers)
        .map(|(who, prober)| run_one(who, prober, cfg, deadline, &events, &cancel));
    join_all(runs).await
}

/// One target's statistics, and its events on their way out.
struct Tally<'a> {
    who: Arc<TargetId>,
    stats: ProbeStats,
    /// The receiver may be gone (a closed pipe); the run still ends cleanly.
    events: &'a UnboundedSender<TargetEvent>,
}

impl Tally<'_> {
    fn emit(&self, at: SystemTime, what: What) {
        let _ = self.events.send(TargetEvent {
            who: self.who.clone(),
            at,
            what,
        });
    }

    fn passive(&mut self, passive: Passive) {
        if let Passive::Lost(cause) = &passive {
            self.stats.record_disconnect(cause.kind);
        }
        self.emit(SystemTime::now(), What::from(passive));
    }

    /// A probe sent at `at` finished, with what the prober saw meanwhile: what
    /// happened before the probe comes first (a connection found gone), then the
    /// connection it opened, then what the peer did meanwhile (server pings while
    /// waiting for the reply, a Keep-Alive header).
    fn probe(
        &mut self,
        at: SystemTime,
        seq: u64,
        outcome: ProbeOutcome,
        (reply, trace): (Option<String>, Vec<String>),
        seen: Vec<Passive>,
    ) {
        let (lost, seen): (Vec<_>, Vec<_>) = seen
            .into_iter()
            .partition(|p| matches!(p, Passive::Lost(_)));
        for passive in lost {
            self.passive(passive);
        }
        for info in outcome.connected {
            self.emit(SystemTime::now(), What::Connected(info));
        }
        for passive in seen {
            self.passive(passive);
        }
        match &outcome.result {
            Ok(rtt) => self.stats.record_reply(*rtt),
            Err(cause) => self.stats.record_failure(cause),
        }
        let done = ProbeDone {
            seq,
            phases: outcome.phases,
            http: outcome.http,
            reply,
            trace,
            result: outcome.result,
        };
        self.emit(at, What::Probe(done));
    }
}

/// Sleeps until `at`, or forever without one.
async fn sleep_until_some(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

async fn run_one(
    who: Arc<TargetId>,
    mut prober: Prober,
    cfg: &RunConfig,
    deadline: Option<Instant>,
    events: &UnboundedSender<TargetEvent>,
    cancel: &CancellationToken,
) -> TargetResult {
    let started = Instant::now();
    let mut tally = Tally {
        who,
        stats: ProbeStats::default(),
        events,
    };
    let mut next = started;
    let mut seq = 0u64;
    let until_deadline = async {
        match deadline {
            Some(d) => tokio::time::sleep_until(d).await,
            None => std::future::pending().await,
        }
    };
    tokio::pin!(until_deadline);
    'run: while cfg.count.is_none_or(|c| seq < c) {
        // Wait for the next send time, noticing a peer that ends the connection.
        // A probe that is already due goes at once: a timer for "now" would only
        // fire at the runtime's next millisecond tick.
        prober.arm(next);
        if cancel.is_cancelled() {
            break 'run;
        }
        if let Some(feed) = &cfg.feed {
            let mut lines = feed.lock().await;
            let line = loop {
                tokio::select! {
                    biased;
                    () = cancel.cancelled() => break 'run,
                    () = &mut until_deadline => break 'run,
                    line = lines.recv() => break line,
                    passive = prober.passive() => tally.passive(passive),
                }
            };
            match line {
                Some(line) => prober.set_send(&line),
                None => break 'run,
            }
        }
        while cfg.feed.is_none() && next > Instant::now() {
            tokio::select! {
                biased;
                () = cancel.cancelled() => break 'run,
                () = &mut until_deadline => break 'run,
                () = tokio::time::sleep_until(next) => break,
                passive = prober.passive() => tally.passive(passive),
            }
        }
        seq += 1;
        let at = SystemTime::now();
        // When the next probe would be due; said once if this one still waits.
        let mut due = cfg
            .report_outstanding
            .then(|| next.max(Instant::now()) + cfg.interval);
        let outcome = {
            let probe = prober.probe(seq);
            tokio::pin!(probe);
            loop {
                tokio::select! {
                    biased;
                    () = cancel.cancelled() => break 'run,
                    () = &mut until_deadline => {
                        let cause = Cause::timeout("the run's deadline came before the reply");
                        tally.stats.record_failure(&cause);
                        let done = ProbeDone { seq, phases: None, http: None, reply: None, trace: Vec::new(), result: Err(cause) };
                        tally.emit(at, What::Probe(done));
                        break 'run;
                    }
                    outcome = &mut probe => break outcome,
                    () = sleep_until_some(due) => {
                        due = None;
                        tally.emit(SystemTime::now(), What::Outstanding { seq });
                    }
                }
            }
        };
        let reply = cfg.feed.as_ref().and_then(|_| prober.take_text());
        let trace = prober.take_trace();
        tally.probe(at, seq, outcome, (reply, trace), prober.take_events());
        // Keep the cadence; a probe that overran its slot starts the next at once.
        next += cfg.interval;
        let now = Instant::now();
        if next < now {
            next = now;
        }
    }
    for folded in prober.take_folded() {
        tally.passive(folded);
    }
    if !cancel.is_cancelled() {
        prober.close().await;
    }
    TargetResult {
        who: tally.who,
        addr: prober.addr(),
        stats: tally.stats,
        elapsed: started.elapsed(),
    }
}
