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
use crate::proto::{Passive, Prober};
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
}

impl Default for RunConfig {
    fn default() -> Self {
        RunConfig {
            count: None,
            interval: Duration::from_secs(1),
            deadline: None,
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

fn passive_event(
    who: &Arc<TargetId>,
    passive: Passive,
    stats: &mut ProbeStats,
    emit: &impl Fn(TargetEvent),
) {
    if let Passive::Lost(cause) = &passive {
        stats.record_disconnect(cause.kind);
    }
    emit(TargetEvent::now(who, What::from(passive)));
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
    let mut stats = ProbeStats::default();
    let mut next = started;
    let mut seq = 0u64;
    let until_deadline = async {
        match deadline {
            Some(d) => tokio::time::sleep_until(d).await,
            None => std::future::pending().await,
        }
    };
    tokio::pin!(until_deadline);
    // The receiver may be gone (a closed pipe); the run still ends cleanly.
    let emit = |ev: TargetEvent| {
        let _ = events.send(ev);
    };
    'run: while cfg.count.is_none_or(|c| seq < c) {
        // Wait for the next send time, noticing a peer that ends the connection.
        // A probe that is already due goes at once: a timer for "now" would only
        // fire at the runtime's next millisecond tick.
        prober.arm(next);
        if cancel.is_cancelled() {
            break 'run;
        }
        while next > Instant::now() {
            tokio::select! {
                biased;
                () = cancel.cancelled() => break 'run,
                () = &mut until_deadline => break 'run,
                () = tokio::time::sleep_until(next) => break,
                passive = prober.passive() => passive_event(&who, passive, &mut stats, &emit),
            }
        }
        seq += 1;
        let at = SystemTime::now();
        let outcome = tokio::select! {
            biased;
            () = cancel.cancelled() => break 'run,
            () = &mut until_deadline => {
                let cause = Cause::timeout("the run's deadline came before the reply");
                stats.record_failure(&cause);
                let done = ProbeDone { seq, phases: None, http: None, result: Err(cause) };
                emit(TargetEvent { who: who.clone(), at, what: What::Probe(done) });
                break 'run;
            }
            outcome = prober.probe(seq) => outcome,
        };
        // What happened before the probe comes first (a connection found gone),
        // then the connection it opened, then what the peer did meanwhile (server
        // pings while waiting for the reply, a Keep-Alive header).
        let (lost, seen): (Vec<_>, Vec<_>) = prober
            .take_events()
            .into_iter()
            .partition(|p| matches!(p, Passive::Lost(_)));
        for passive in lost {
            passive_event(&who, passive, &mut stats, &emit);
        }
        for info in outcome.connected {
            emit(TargetEvent::now(&who, What::Connected(info)));
        }
        for passive in seen {
            passive_event(&who, passive, &mut stats, &emit);
        }
        match &outcome.result {
            Ok(rtt) => stats.record_reply(*rtt),
            Err(cause) => stats.record_failure(cause),
        }
        let done = ProbeDone {
            seq,
            phases: outcome.phases,
            http: outcome.http,
            result: outcome.result,
        };
        emit(TargetEvent {
            who: who.clone(),
            at,
            what: What::Probe(done),
        });
        // Keep the cadence; a probe that overran its slot starts the next at once.
        next += cfg.interval;
        let now = Instant::now();
        if next < now {
            next = now;
        }
    }
    if !cancel.is_cancelled() {
        prober.close().await;
    }
    TargetResult {
        who,
        addr: prober.addr(),
        stats,
        elapsed: started.elapsed(),
    }
}
