//! `layers`: which keepalive mechanism survives a path. One connection per
//! mechanism the protocol has, all opened together, each kept alive only by its
//! mechanism for the run, then probed once in the target's mode to tell a live
//! connection from a silently dropped one ([`verdict`] says what it means).

pub mod verdict;

use std::time::{Duration, Instant};

use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};
use tokio_util::sync::CancellationToken;

use crate::cause::{Cause, CauseKind};
use crate::proto::{Passive, Prober, ws};
use crate::protocol::Protocol;
use crate::sockopt::KeepaliveSpec;
pub use verdict::{Detection, Kept, Mechanism, MechanismResult};

/// What a run tests.
#[derive(Clone, Debug)]
pub struct LayersConfig {
    /// Every mechanism's interval (TCP keepalive: its idle time and probe interval).
    pub interval: Duration,
    /// How long each connection is kept by its mechanism alone.
    pub duration: Duration,
    pub detection: Detection,
    /// The recommendation must notice a dead peer this soon.
    pub detect_within: Duration,
    /// `--measure-detection`: the peer goes dead this long after each connection
    /// opens (kaserve `--fault blackhole-after`); each mechanism then runs until it
    /// declares the peer dead, and the time it took is measured.
    pub measure: Option<Duration>,
    pub stagger: Duration,
}

/// The end of a run.
#[derive(Clone, Debug)]
pub struct LayersReport {
    /// In the order of [`mechanisms`].
    pub results: Vec<MechanismResult>,
    pub recommended: Option<Mechanism>,
    pub elapsed: Duration,
    pub interrupted: bool,
}

/// The mechanisms a protocol allows, the control first.
pub fn mechanisms(protocol: Protocol) -> Vec<Mechanism> {
    let mut out = vec![Mechanism::None, Mechanism::TcpKeepalive];
    if protocol == Protocol::Ws {
        out.push(Mechanism::WsPong);
    }
    let apps = crate::proto::protocol_info(protocol).keepalives;
    out.extend(apps.iter().map(|m| Mechanism::App(*m)));
    out
}

/// Runs every mechanism at once with connections like `template`'s (whose mode
/// is the final probe's); each result is sent on `events` as it is known.
pub async fn run(
    template: &Prober,
    cfg: &LayersConfig,
    events: UnboundedSender<MechanismResult>,
    cancel: CancellationToken,
) -> LayersReport {
    let started = Instant::now();
    let list = mechanisms(template.target().protocol());
    let (tx, mut rx) = unbounded_channel();
    for (i, &m) in list.iter().enumerate() {
        let (prober, each, tx, stop) =
            (template.sibling(), cfg.clone(), tx.clone(), cancel.clone());
        tokio::spawn(async move {
            let _ = tx.send((i, one(prober, m, &each, stop).await));
        });
        tokio::time::sleep(cfg.stagger).await;
    }
    drop(tx);
    let mut results: Vec<Option<MechanismResult>> = vec![None; list.len()];
    while let Some((i, r)) = rx.recv().await {
        let _ = events.send(r.clone());
        results[i] = Some(r);
    }
    let results: Vec<MechanismResult> = results.into_iter().flatten().collect();
    LayersReport {
        recommended: verdict::recommend(&results, cfg.detect_within),
        results,
        elapsed: started.elapsed(),
        interrupted: cancel.is_cancelled(),
    }
}

/// The kernel counts TCP keepalive times in whole seconds, from 1.
pub fn tcp_interval(interval: Duration) -> Duration {
    let secs = interval.as_secs() + u64::from(interval.subsec_nanos() > 0);
    Duration::from_secs(secs.max(1))
}

/// One mechanism on its own connection.
async fn one(
    mut prober: Prober,
    m: Mechanism,
    cfg: &LayersConfig,
    stop: CancellationToken,
) -> MechanismResult {
    let target_mode = prober.config().mode;
    let interval = match m {
        Mechanism::TcpKeepalive => tcp_interval(cfg.interval),
        _ => cfg.interval,
    };
    let mut r = MechanismResult {
        mechanism: m,
        interval,
        alive: false,
        cause: None,
        died_after: None,
        detect_within: cfg.detection.within(m, interval),
        failed: false,
        detected_after: None,
    };
    prober.set_auto_reconnect(false);
    if m == Mechanism::TcpKeepalive {
        prober.set_tcp_keepalive(Some(KeepaliveSpec {
            idle: interval,
            interval: Some(interval),
            count: Some(cfg.detection.tcp_count),
        }));
    }
    // One round trip in the target's mode: the connection works, and an HTTP
    // server's keep-alive timer has started.
    let opened = tokio::time::Instant::now();
    let first = match prober.connect().await {
        Ok(_) => prober.probe(0).await.result,
        Err(cause) => Err(cause),
    };
    if let Err(cause) = first {
        r.failed = true;
        r.cause = Some(cause);
        return r;
    }
    if let Mechanism::App(mode) = m {
        prober.set_mode(mode);
    }
    let clock = Clock {
        started: tokio::time::Instant::now(),
        dead_at: cfg.measure.map(|after| opened + after),
    };
    let Some(seq) = keep(&mut prober, m, cfg, &stop, &clock, &mut r).await else {
        return r;
    };
    // The last word, in the target's mode: an answer is a live connection, none a
    // silent drop.
    prober.set_mode(target_mode);
    match prober.probe(seq + 1).await.result {
        Ok(_) => r.alive = true,
        Err(cause) if cause.kind == CauseKind::Timeout => {
            r.cause = Some(Cause::new(
                CauseKind::Timeout,
                format!(
                    "dropped silently: the final probe went unanswered ({})",
                    cause.detail
                ),
            ));
        }
        Err(cause) => clock.died(&mut r, cause),
    }
    prober.disconnect();
    r
}

/// When a mechanism started keeping its connection, and when its peer went dead
/// (`--measure-detection`).
struct Clock {
    started: tokio::time::Instant,
    dead_at: Option<tokio::time::Instant>,
}

impl Clock {
    /// The connection died of `cause` now.
    fn died(&self, r: &mut MechanismResult, cause: Cause) {
        let at = tokio::time::Instant::now();
        r.died_after = Some(at - self.started);
        r.detected_after = self.dead_at.map(|dead| at.saturating_duration_since(dead));
        r.cause = Some(cause);
    }
}

/// Keeps the connection by mechanism `m` alone for the run; the last sequence
/// number sent, or `None` when it died or the run stopped first (said in `r`).
async fn keep(
    prober: &mut Prober,
    m: Mechanism,
    cfg: &LayersConfig,
    stop: &CancellationToken,
    clock: &Clock,
    r: &mut MechanismResult,
) -> Option<u64> {
    let end = clock.started + cfg.duration;
    let mut next = clock.started + cfg.interval;
    let mut seq = 0;
    let mut missed = 0;
    loop {
        let wake = match m {
            Mechanism::App(_) | Mechanism::WsPong => next.min(end),
            _ => end,
        };
        tokio::select! {
            () = stop.cancelled() => {
                r.cause = Some(Cause::new(CauseKind::Io, "interrupted"));
                return None;
            }
            passive = prober.passive() => {
                if let Passive::Lost(cause) = passive {
                    clock.died(r, cause);
                    return None;
                }
                continue;
            }
            () = tokio::time::sleep_until(wake) => {}
        }
        if tokio::time::Instant::now() >= end {
            return Some(seq);
        }
        seq += 1;
        next += cfg.interval;
        let sent = match m {
            Mechanism::WsPong => prober.with_session(false, ws::send_pong).await,
            _ => prober.probe(seq).await.result.map(|_| ()),
        };
        match sent {
            Ok(()) => missed = 0,
            // Measuring: a peer is dead after the misses a watcher would allow.
            Err(cause) if cause.kind == CauseKind::Timeout && cfg.measure.is_some() => {
                missed += 1;
                if missed >= cfg.detection.missed {
                    clock.died(r, cause);
                    return None;
                }
            }
            Err(cause) => {
                clock.died(r, cause);
                return None;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tcp_keepalive_times_are_whole_seconds() {
        let s = Duration::from_secs;
        assert_eq!(tcp_interval(Duration::from_millis(500)), s(1));
        assert_eq!(tcp_interval(Duration::from_millis(1500)), s(2));
        assert_eq!(tcp_interval(s(20)), s(20));
    }
}
