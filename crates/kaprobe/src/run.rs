//! The ping-style schedule: probes every interval up to a count, each bounded by its
//! timeout, the whole run by a deadline, many targets at once, each on its own
//! schedule. Events stream out as they happen; statistics come back at the end.

use std::net::SocketAddr;
use std::time::{Duration, SystemTime};

use futures_util::future::join_all;
use tokio::sync::mpsc::UnboundedSender;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::cause::Cause;
use crate::proto::http::{HttpReply, KeepAlive};
use crate::proto::{Connected, Mode, Passive, Phases, PingKind, Prober};
use crate::stats::ProbeStats;
use crate::target::Target;

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

/// Something that happened during a run, for the caller to render or record.
#[derive(Clone, Debug)]
pub enum Event {
    /// A connection was (re-)established for target `target`, at `at`.
    Connected {
        target: usize,
        info: Connected,
        at: SystemTime,
    },
    /// Probe `seq` of target `target` finished; `at` is when it was sent.
    Probe {
        target: usize,
        seq: u64,
        at: SystemTime,
        /// Phase times of a probe on a fresh connection.
        phases: Option<Phases>,
        /// HTTP: the response's status, first-byte time and reuse.
        http: Option<HttpReply>,
        result: Result<Duration, Cause>,
    },
    /// The peer ended the connection.
    Disconnected {
        target: usize,
        cause: Cause,
        at: SystemTime,
    },
    /// The server sent a ping; `interval` since its previous one of that kind.
    ServerPing {
        target: usize,
        interval: Option<Duration>,
        kind: PingKind,
        data: Option<[u8; 8]>,
        at: SystemTime,
    },
    /// An HTTP/1.1 server announced its keep-alive policy.
    KeepAlive {
        target: usize,
        keep_alive: KeepAlive,
        at: SystemTime,
    },
}

/// The outcome of a run for one target.
#[derive(Clone, Debug)]
pub struct TargetResult {
    pub target: Target,
    pub mode: Mode,
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
    events: UnboundedSender<Event>,
    cancel: CancellationToken,
) -> Vec<TargetResult> {
    let started = Instant::now();
    let deadline = cfg.deadline.map(|d| started + d);
    let runs = probers
        .into_iter()
        .enumerate()
        .map(|(idx, prober)| run_one(idx, prober, cfg, deadline, &events, &cancel));
    join_all(runs).await
}

fn passive_event(idx: usize, passive: Passive, stats: &mut ProbeStats, emit: &impl Fn(Event)) {
    match passive {
        Passive::Lost(cause) => {
            stats.record_disconnect(cause.kind);
            emit(Event::Disconnected {
                target: idx,
                cause,
                at: SystemTime::now(),
            });
        }
        Passive::ServerPing {
            interval,
            kind,
            data,
        } => emit(Event::ServerPing {
            target: idx,
            interval,
            kind,
            data,
            at: SystemTime::now(),
        }),
        Passive::KeepAlive(keep_alive) => emit(Event::KeepAlive {
            target: idx,
            keep_alive,
            at: SystemTime::now(),
        }),
    }
}

async fn run_one(
    idx: usize,
    mut prober: Prober,
    cfg: &RunConfig,
    deadline: Option<Instant>,
    events: &UnboundedSender<Event>,
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
    let emit = |ev: Event| {
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
                passive = prober.passive() => passive_event(idx, passive, &mut stats, &emit),
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
                emit(Event::Probe { target: idx, seq, at, phases: None, http: None, result: Err(cause) });
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
            passive_event(idx, passive, &mut stats, &emit);
        }
        for info in outcome.connected {
            emit(Event::Connected {
                target: idx,
                info,
                at: SystemTime::now(),
            });
        }
        for passive in seen {
            passive_event(idx, passive, &mut stats, &emit);
        }
        match &outcome.result {
            Ok(rtt) => stats.record_reply(*rtt),
            Err(cause) => stats.record_failure(cause),
        }
        emit(Event::Probe {
            target: idx,
            seq,
            at,
            phases: outcome.phases,
            http: outcome.http,
            result: outcome.result,
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
        target: prober.target().clone(),
        mode: prober.config().mode,
        addr: prober.addr(),
        stats,
        elapsed: started.elapsed(),
    }
}
