//! One test: a dedicated connection that pings at one interval, with or without
//! a Watch stream open, until the server sends it away or it has sent the pings
//! that show the interval is allowed. Nothing else goes on the connection: a
//! response would forgive the strikes.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

use super::plan::spacing;
use super::verdict::{Condition, TestOutcome, TestResult};
use crate::cause::{Cause, CauseKind};
use crate::proto::grpc::watch::{self, WatchStream, next_status};
use crate::proto::{Passive, PingKind, Prober};
use kawire::h2::ping::classify;

/// After the last needed PING's answer, a GOAWAY still on its way gets this long.
const GRACE: Duration = Duration::from_millis(250);

/// How a test goes, shared with the run: the pings each test needs, raised as
/// servers show more strikes.
#[derive(Clone, Debug)]
pub struct Shared {
    pub needed: Arc<AtomicU32>,
}

/// Runs one test on `prober`'s own connection (mode h2ping, no reconnection).
pub async fn test(
    mut prober: Prober,
    interval: Duration,
    condition: Condition,
    shared: Shared,
    stop: CancellationToken,
) -> TestResult {
    let mut t = TestResult {
        interval,
        condition,
        pings: 0,
        late: 0,
        outcome: TestOutcome::Allowed,
        ping_rtt: None,
        ping_from: Vec::new(),
        unnamed_bdp: false,
    };
    prober.set_auto_reconnect(false);
    let mut watch = None;
    let opened = match condition {
        Condition::WithoutStream => prober.connect().await.map(|_| ()),
        Condition::WithStream => {
            (prober.with_session(true, watch::open).await).map(|(w, _)| watch = Some(w))
        }
    };
    if let Err(cause) = opened {
        t.outcome = TestOutcome::Failed(cause);
        return t;
    }
    note_pings(&mut t, prober.take_events());
    // Whether the wait before this ping overran its spacing (the timer woke late).
    let mut overran = false;
    loop {
        t.pings += 1;
        if overran {
            t.late += 1;
        }
        let outcome = tokio::select! {
            () = stop.cancelled() => return failed(t, Cause::new(CauseKind::Io, "interrupted")),
            outcome = prober.probe(u64::from(t.pings)) => outcome,
        };
        let lost = note_pings(&mut t, prober.take_events());
        if let Some(cause) = lost {
            return ended(t, cause);
        }
        match outcome.result {
            Ok(rtt) => t.ping_rtt = Some(t.ping_rtt.map_or(rtt, |r| r.min(rtt))),
            Err(cause) => return ended(t, cause),
        }
        let done = t.on_time() >= shared.needed.load(Ordering::Relaxed);
        let wait = if done { GRACE } else { spacing(interval) };
        let waited = Instant::now();
        if let Some(cause) = wait_out(&mut prober, &mut watch, &mut t, wait, &stop).await {
            return ended(t, cause);
        }
        overran = waited.elapsed() > wait + wait / 10 + Duration::from_millis(5);
        // The needed count may have grown while this one waited.
        if t.on_time() >= shared.needed.load(Ordering::Relaxed) {
            prober.disconnect();
            return t;
        }
        if done {
            let rest = spacing(interval).saturating_sub(GRACE);
            let waited = Instant::now();
            if let Some(cause) = wait_out(&mut prober, &mut watch, &mut t, rest, &stop).await {
                return ended(t, cause);
            }
            overran |= waited.elapsed() > rest + rest / 10 + Duration::from_millis(5);
        }
    }
}

/// Waits `wait` on the connection: the server's PINGs are noted, its GOAWAY, its
/// closing, the Watch stream's end or the user's interrupt end the test.
async fn wait_out(
    prober: &mut Prober,
    watch: &mut Option<WatchStream>,
    t: &mut TestResult,
    wait: Duration,
    stop: &CancellationToken,
) -> Option<Cause> {
    let sleep = tokio::time::sleep(wait);
    tokio::pin!(sleep);
    loop {
        tokio::select! {
            () = &mut sleep => return None,
            () = stop.cancelled() => return Some(Cause::new(CauseKind::Io, "interrupted")),
            passive = prober.passive() => {
                if let Some(cause) = note_pings(t, vec![passive]) {
                    return Some(cause);
                }
            }
            status = next_status(watch) => match status {
                // A status change is data from the server: it forgives the
                // strikes, and the test can no longer say.
                Ok(_) => return Some(Cause::new(CauseKind::Protocol, "the Watch status changed during the test")),
                Err(cause) => return Some(gone_or(prober, t, cause).await),
            },
        }
    }
}

/// The Watch stream's end and the connection's GOAWAY race: the stream can fail
/// ("broken pipe") a moment before the frame tap reports the GOAWAY that caused
/// it. The connection's own ending, if it comes within 200 ms, is the cause.
async fn gone_or(prober: &mut Prober, t: &mut TestResult, cause: Cause) -> Cause {
    let wait = async {
        loop {
            let passive = prober.passive().await;
            if let Some(gone) = note_pings(t, vec![passive]) {
                return gone;
            }
        }
    };
    tokio::time::timeout(Duration::from_millis(200), wait)
        .await
        .unwrap_or(cause)
}

/// Notes the server's PINGs among `events`; the cause if the connection ended.
fn note_pings(t: &mut TestResult, events: Vec<Passive>) -> Option<Cause> {
    let mut lost = None;
    for event in events {
        match event {
            Passive::ServerPing {
                kind,
                data: Some(data),
                ..
            } => {
                let class = classify(&data, None);
                if let Some(from) = class.from {
                    if !t.ping_from.contains(&from) {
                        t.ping_from.push(from);
                    }
                } else if kind == PingKind::Bdp {
                    t.unnamed_bdp = true;
                }
            }
            Passive::Lost(cause) => lost = lost.or(Some(cause)),
            _ => {}
        }
    }
    lost
}

/// The test ended on `cause`: a GOAWAY with an error code is the server's
/// verdict on the interval; anything else leaves it unknown.
fn ended(mut t: TestResult, cause: Cause) -> TestResult {
    t.outcome = match cause.kind {
        CauseKind::Goaway(code) if code != 0 => TestOutcome::Punished {
            code,
            debug: cause.peer_text.clone().unwrap_or_default(),
        },
        _ => TestOutcome::Failed(cause),
    };
    t
}

fn failed(mut t: TestResult, cause: Cause) -> TestResult {
    t.outcome = TestOutcome::Failed(cause);
    t
}
