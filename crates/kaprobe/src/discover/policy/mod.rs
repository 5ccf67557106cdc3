//! `ping-policy`: what HTTP/2 PING rate a server allows. Tests of one interval
//! each, on dedicated connections, in parallel ([`conn`]); which intervals and
//! how many pings ([`plan`]); the answer ([`verdict`]).

mod conn;
pub mod plan;
pub mod verdict;

pub use verdict::{
    Condition, Evidence, PolicyKind, PolicyVerdict, Recommended, TestOutcome, TestResult,
};

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};
use tokio_util::sync::CancellationToken;

use crate::proto::{Mode, Prober};
use crate::protocol::Protocol;
use plan::Needed;

/// What a run tests.
#[derive(Clone, Debug)]
pub struct PolicyConfig {
    pub min: Duration,
    pub max: Duration,
    /// Time between opening two connections: never a burst.
    pub stagger: Duration,
}

/// What the run reports as it goes.
#[derive(Clone, Debug)]
pub enum PolicyEvent {
    /// The ordinary calls' round trip and headers, before the tests start.
    Evidence(Evidence),
    /// The tests about to run.
    Planned {
        tests: usize,
        bound: Duration,
    },
    Test(TestResult),
}

/// The end of a run.
#[derive(Clone, Debug)]
pub struct PolicyReport {
    pub verdict: PolicyVerdict,
    /// Every test, shortest interval first, without a stream first.
    pub tests: Vec<TestResult>,
    pub evidence: Evidence,
    /// Connections opened, the evidence one included.
    pub connections: usize,
    pub elapsed: Duration,
    pub interrupted: bool,
}

/// The conditions a target's protocol can test: a Watch stream needs gRPC.
pub fn conditions(protocol: Protocol) -> &'static [Condition] {
    match protocol {
        Protocol::Grpc => &[Condition::WithoutStream, Condition::WithStream],
        _ => &[Condition::WithoutStream],
    }
}

/// Runs the tests with connections like `template`'s until every one has its
/// answer or `cancel` fires.
pub async fn run(
    template: &Prober,
    cfg: &PolicyConfig,
    events: UnboundedSender<PolicyEvent>,
    cancel: CancellationToken,
) -> PolicyReport {
    let started = Instant::now();
    let evidence = evidence(template.sibling()).await;
    let _ = events.send(PolicyEvent::Evidence(evidence.0.clone()));
    let mut tests = Vec::new();
    let mut connections = 1;
    if let Err(cause) = &evidence.1 {
        // Nothing answers: no test could say more.
        let failed = TestResult {
            interval: cfg.min,
            condition: Condition::WithoutStream,
            pings: 0,
            late: 0,
            outcome: TestOutcome::Failed(cause.clone()),
            ping_rtt: None,
            ping_from: Vec::new(),
            unnamed_bdp: false,
        };
        tests.push(failed);
    } else {
        connections += run_tests(template, cfg, &events, &cancel, &mut tests).await;
    }
    tests.sort_by_key(|t| (t.interval, t.condition));
    let evidence = evidence.0;
    PolicyReport {
        verdict: verdict::verdict(&tests, &evidence),
        tests,
        evidence,
        connections,
        elapsed: started.elapsed(),
        interrupted: cancel.is_cancelled(),
    }
}

/// Every interval under every condition at once, each on its own connection;
/// the number of connections opened.
async fn run_tests(
    template: &Prober,
    cfg: &PolicyConfig,
    events: &UnboundedSender<PolicyEvent>,
    cancel: &CancellationToken,
    tests: &mut Vec<TestResult>,
) -> usize {
    // Until the shortest interval's tests show the strike count, every test
    // may need up to the most pings.
    let shared = conn::Shared {
        needed: Arc::new(AtomicU32::new(plan::MAX_PINGS)),
    };
    let intervals = plan::intervals(cfg.min, cfg.max);
    let conds = conditions(template.target().protocol());
    let total = intervals.len() * conds.len();
    let _ = events.send(PolicyEvent::Planned {
        tests: total,
        bound: plan::bound(cfg.max, Needed::default().get(), template.config().timeout).max(
            plan::bound(cfg.min, plan::MAX_PINGS, template.config().timeout),
        ),
    });
    let (tx, mut rx) = unbounded_channel();
    for &interval in &intervals {
        for &condition in conds {
            let mut prober = template.sibling();
            prober.set_mode(Mode::H2Ping);
            let (shared, tx, stop) = (shared.clone(), tx.clone(), cancel.clone());
            tokio::spawn(async move {
                let _ = tx.send(conn::test(prober, interval, condition, shared, stop).await);
            });
            tokio::time::sleep(cfg.stagger).await;
        }
    }
    drop(tx);
    let mut probes_left = conds.len();
    let mut needed = Needed::default();
    while let Some(result) = rx.recv().await {
        if matches!(result.outcome, TestOutcome::Punished { .. }) {
            needed.punished_at(result.pings);
        }
        if result.interval == cfg.min {
            probes_left -= 1;
        }
        if probes_left == 0 {
            shared.needed.store(needed.get(), Ordering::Relaxed);
        }
        let _ = events.send(PolicyEvent::Test(result.clone()));
        tests.push(result);
    }
    total
}

/// A connection that makes ordinary calls (three health Checks, or requests):
/// their fastest round trip and the headers that name what answered; `Err` when
/// it cannot even connect.
async fn evidence(mut prober: Prober) -> (Evidence, Result<(), crate::cause::Cause>) {
    let (mode, call) = match prober.target().protocol() {
        Protocol::Grpc => (Mode::Health, "Check"),
        _ => (Mode::Request, "request"),
    };
    prober.set_mode(mode);
    prober.set_auto_reconnect(false);
    let mut e = Evidence {
        call,
        ..Evidence::default()
    };
    if let Err(cause) = prober.connect().await {
        return (e, Err(cause));
    }
    for seq in 1..=3 {
        let outcome = prober.probe(seq).await;
        if let Ok(rtt) = outcome.result {
            e.call_rtt = Some(e.call_rtt.map_or(rtt, |r: Duration| r.min(rtt)));
        }
        if let Some(h) = prober.take_headers() {
            (e.server, e.via) = (h.server, h.via);
        }
        if !prober.is_connected() {
            break;
        }
    }
    prober.disconnect();
    (e, Ok(()))
}
