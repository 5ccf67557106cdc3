//! Drives real sessions by the idle-timeout plan: each rung is a connection that
//! makes one round trip, then sits idle with a read pending (so a FIN, reset, close
//! frame or GOAWAY is timed as it arrives) until its probe at its idle age; a
//! control connection keeps talking beside them. Nothing is sent while idle.
//! [`ladder`] spaces the idle ages, [`plan`] decides what to open and close (pure
//! logic, on a clock it is given), [`verdict`] says what the outcomes mean.

pub mod ladder;
pub mod plan;
pub mod verdict;

pub use plan::{Origin, Plan, Planner, Progress};
pub use verdict::{Outcome, Verdict, VerdictKind};

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime};

use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};
use tokio_util::sync::CancellationToken;

use crate::cause::{Cause, CauseKind};
use crate::proto::http::KeepAlive;
use crate::proto::{Passive, PingKind, Prober};

/// How the run goes about it.
#[derive(Clone, Debug)]
pub struct IdleConfig {
    pub plan: Plan,
    /// The control connection's keepalive interval.
    pub control_every: Duration,
    /// Time between opening two connections: never a burst.
    pub stagger: Duration,
}

impl IdleConfig {
    /// The defaults for `plan`: the control talks every `min / 10` (100 ms to
    /// 1 s), busy enough to outlive idle timeouts well below `--min` (at `min /
    /// 2` it died of the 2 s timeout it was compared with); connections open
    /// 10 ms apart.
    pub fn new(plan: Plan) -> Self {
        let control_every =
            (plan.min / 10).clamp(Duration::from_millis(100), Duration::from_secs(1));
        IdleConfig {
            plan,
            control_every,
            stagger: Duration::from_millis(10),
        }
    }
}

/// One rung's result, as it happens.
#[derive(Clone, Debug)]
pub struct RungResult {
    pub idle: Duration,
    pub origin: Origin,
    pub outcome: Outcome,
    /// When it was known.
    pub at: SystemTime,
}

/// What the run reports as it goes.
#[derive(Clone, Debug)]
pub enum IdleEvent {
    Rung(RungResult),
    Progress(Progress),
    /// The server pinged an idle connection; `interval` since its previous ping.
    ServerPing {
        interval: Option<Duration>,
    },
    /// An HTTP/1.1 server announced its keep-alive policy (said once, and again
    /// if it changes).
    KeepAlive(KeepAlive),
}

/// The end of a run.
#[derive(Clone, Debug)]
pub struct IdleReport {
    pub verdict: Verdict,
    /// Every rung that reached an outcome, shortest idle first.
    pub rungs: Vec<RungResult>,
    /// Test connections opened, the control included.
    pub connections: usize,
    pub elapsed: Duration,
    /// Stopped by the user before the answer was known.
    pub interrupted: bool,
    /// What an HTTP/1.1 server's `Keep-Alive` header last claimed.
    pub announced: Option<KeepAlive>,
}

enum Msg {
    Warm(usize),
    Done(usize, Outcome),
    ServerPing(Option<Duration>),
    KeepAlive(KeepAlive),
    ControlUp,
    ControlDied(Duration, Cause),
}

/// A running rung task, counted in `live` until it ends.
struct Open(Arc<AtomicUsize>);

impl Open {
    fn new(live: &Arc<AtomicUsize>) -> Self {
        live.fetch_add(1, Ordering::Relaxed);
        Open(live.clone())
    }
}

impl Drop for Open {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// How often the plan is looked at when nothing happens.
const TICK: Duration = Duration::from_millis(100);

/// Runs the discovery with sessions like `template`'s until the verdict is known
/// or `cancel` fires.
pub async fn run(
    template: &Prober,
    cfg: &IdleConfig,
    events: UnboundedSender<IdleEvent>,
    cancel: CancellationToken,
) -> IdleReport {
    let started = Instant::now();
    let clock = || started.elapsed();
    let mut planner = Planner::new(cfg.plan.clone(), template.config().timeout);
    let mut heard = Heard {
        events: &events,
        announced: None,
        results: Vec::new(),
    };
    let (tx, mut rx) = unbounded_channel();
    let stop = CancellationToken::new();
    let mut control_every = cfg.control_every;
    let mut control_restarts = 0;
    tokio::spawn(control(
        template.sibling(),
        control_every,
        tx.clone(),
        stop.child_token(),
    ));
    // Rungs that told the run how they ended.
    let mut told = std::collections::HashSet::new();
    // Rung tasks running, each holding at most one socket.
    let live = Arc::new(AtomicUsize::new(0));
    let mut tokens: Vec<Option<CancellationToken>> = Vec::new();
    let mut queue: std::collections::VecDeque<usize> = Default::default();
    let mut connections = 1;
    let mut next_open = tokio::time::Instant::now();
    let mut last_progress = None;
    let mut interrupted = false;
    loop {
        queue.extend(planner.to_open());
        let now = clock();
        if planner.done(now) {
            break;
        }
        let wake = if queue.is_empty() {
            tokio::time::Instant::now() + TICK
        } else {
            next_open
        };
        let mut close = Vec::new();
        tokio::select! {
            () = cancel.cancelled() => {
                interrupted = true;
                break;
            }
            msg = rx.recv() => {
                let msg = msg.expect("the run holds a sender");
                match msg {
                    // A control that died before twice its interval was hardly
                    // busier than the rungs: it may have died of the same idle
                    // timeout. A busier one takes its place (at most 3 times).
                    Msg::ControlDied(age, _)
                        if control_every * 2 > age
                            && control_restarts < 3
                            && !age.is_zero() =>
                    {
                        control_restarts += 1;
                        control_every = (age / 4).max(Duration::from_millis(25));
                        tokio::spawn(control(
                            template.sibling(),
                            control_every,
                            tx.clone(),
                            stop.child_token(),
                        ));
                        connections += 1;
                    }
                    msg => {
                        if let Msg::Done(id, _) = &msg {
                            told.insert(*id);
                        }
                        close = heard.take(msg, &mut planner, &clock);
                    }
                }
            }
            () = tokio::time::sleep_until(wake) => {
                // The plan frees a rung's socket when it resolves; the socket
                // itself goes when its task ends (a polite close takes a
                // moment): count what is open, so the budget holds at every
                // moment (it reached 67 of 64).
                let room = live.load(Ordering::Relaxed) + 1 < cfg.plan.max_connections;
                if !room {
                    next_open = tokio::time::Instant::now() + cfg.stagger;
                } else if let Some(id) = queue.pop_front() {
                    let token = stop.child_token();
                    if tokens.len() <= id {
                        tokens.resize(id + 1, None);
                    }
                    tokens[id] = Some(token.clone());
                    let idle = planner.rung(id).idle;
                    let open = Open::new(&live);
                    let prober = template.sibling();
                    let tx = tx.clone();
                    tokio::spawn(async move {
                        let _open = open;
                        rung(prober, id, idle, tx, token).await;
                    });
                    connections += 1;
                    next_open = tokio::time::Instant::now() + cfg.stagger;
                }
            }
        }
        close.extend(planner.tick(clock()));
        for id in close {
            if let Some(Some(token)) = tokens.get(id) {
                token.cancel();
            }
        }
        let progress = planner.progress(clock());
        if last_progress.as_ref() != Some(&progress) {
            let _ = events.send(IdleEvent::Progress(progress.clone()));
            last_progress = Some(progress);
        }
    }
    stop.cancel();
    // Every rung that was opened appears with its outcome: outlived, or
    // cancelled when the answer came first.
    for (id, r) in planner.rungs().iter().enumerate() {
        if told.contains(&id) || tokens.get(id).is_none_or(Option::is_none) {
            continue;
        }
        let outcome = match &r.state {
            plan::State::Done(o) => o.clone(),
            _ => Outcome::Cancelled,
        };
        let result = RungResult {
            idle: r.idle,
            origin: r.origin,
            outcome,
            at: SystemTime::now(),
        };
        let _ = events.send(IdleEvent::Rung(result.clone()));
        heard.results.push(result);
    }
    heard.results.sort_by_key(|r| r.idle);
    IdleReport {
        verdict: planner.verdict(),
        rungs: heard.results,
        connections,
        elapsed: started.elapsed(),
        interrupted,
        announced: heard.announced,
    }
}

/// What the connections told the run, passed on to the plan and the events.
struct Heard<'a> {
    events: &'a UnboundedSender<IdleEvent>,
    announced: Option<KeepAlive>,
    /// Every rung that reached an outcome, in the order they did.
    results: Vec<RungResult>,
}

impl Heard<'_> {
    /// Takes in what a connection said at `clock()`; returns the rungs to close.
    fn take(
        &mut self,
        msg: Msg,
        planner: &mut Planner,
        clock: &impl Fn() -> Duration,
    ) -> Vec<usize> {
        match msg {
            Msg::Warm(id) => planner.warm(id, clock()),
            Msg::Done(id, outcome) => {
                let rung = planner.rung(id);
                let result = RungResult {
                    idle: rung.idle,
                    origin: rung.origin,
                    outcome: outcome.clone(),
                    at: SystemTime::now(),
                };
                let _ = self.events.send(IdleEvent::Rung(result.clone()));
                self.results.push(result);
                return planner.resolved(id, outcome, clock());
            }
            Msg::ServerPing(interval) => {
                planner.server_pinged(interval);
                let _ = self.events.send(IdleEvent::ServerPing { interval });
            }
            Msg::KeepAlive(ka) => {
                if self.announced != Some(ka) {
                    self.announced = Some(ka);
                    let _ = self.events.send(IdleEvent::KeepAlive(ka));
                }
            }
            Msg::ControlUp => planner.control_opened(clock()),
            Msg::ControlDied(age, cause) => planner.control_died(age, cause, clock()),
        }
        Vec::new()
    }
}

/// One test connection: a round trip, silence with a read pending, one probe at
/// `idle`.
async fn rung(
    mut prober: Prober,
    id: usize,
    idle: Duration,
    tx: UnboundedSender<Msg>,
    stop: CancellationToken,
) {
    let first_rtt = match warm_up(&mut prober, &stop).await {
        None => return,
        Some(Err(cause)) => {
            let _ = tx.send(Msg::Done(id, Outcome::Failed { cause }));
            return;
        }
        Some(Ok(rtt)) => rtt,
    };
    let timeout = silent_after(first_rtt, prober.config().timeout);
    prober.set_timeout(timeout);
    let since = tokio::time::Instant::now();
    let _ = tx.send(Msg::Warm(id));
    let outcome = loop {
        tokio::select! {
            () = stop.cancelled() => return,
            passive = prober.passive() => match passive {
                // Only a keepalive keeps a connection alive; a BDP or drain
                // ping says nothing of the idle timeout.
                Passive::ServerPing { interval, kind: PingKind::Keepalive, .. } => {
                    let _ = tx.send(Msg::ServerPing(interval));
                }
                Passive::ServerPing { .. } => {}
                Passive::KeepAlive(ka) => {
                    let _ = tx.send(Msg::KeepAlive(ka));
                }
                // A server that closes after every response keeps nothing alive:
                // there is no idle timeout to find on this connection; bytes
                // that break the protocol are no idle close either.
                Passive::Lost(cause)
                    if crate::proto::http::said_close(&cause)
                        || cause.kind == CauseKind::Protocol =>
                {
                    break Outcome::Failed { cause };
                }
                Passive::Lost(cause) => break died(since.elapsed(), cause),
            },
            () = tokio::time::sleep_until(since + idle) => {
                let probe = tokio::select! {
                    () = stop.cancelled() => return,
                    probe = prober.probe(1) => probe,
                };
                break match probe.result {
                    Ok(_) => Outcome::Alive,
                    Err(cause) if cause.kind == CauseKind::Reset => Outcome::LateReset { cause },
                    Err(cause) if cause.kind == CauseKind::Timeout => Outcome::Silent { cause },
                    // A wrong reply is a failed probe, not a close at that age.
                    Err(cause) if cause.kind == CauseKind::Protocol => Outcome::Failed { cause },
                    Err(cause) => died(since.elapsed(), cause),
                };
            }
        }
    };
    let alive = outcome == Outcome::Alive;
    let _ = tx.send(Msg::Done(id, outcome));
    if alive {
        prober.close().await;
    }
}

/// How long a rung's probe at its idle age waits before the connection counts
/// as dropped silently: 20 times its first round trip, at least 500 ms, at most
/// `-W`. A live connection answers within a few round trips; a dropped one never
/// does, and it is known that much sooner (a silent drop of T is bracketed
/// within 2 T and this wait, where a 2 s `-W` made it 2.7 T at T = 3 s).
pub fn silent_after(first_rtt: Duration, max: Duration) -> Duration {
    (first_rtt * 20).max(Duration::from_millis(500)).min(max)
}

/// Opens the connection and makes its one round trip, never reconnecting after;
/// its round trip, or `None` when stopped first.
async fn warm_up(prober: &mut Prober, stop: &CancellationToken) -> Option<Result<Duration, Cause>> {
    prober.set_auto_reconnect(false);
    let warm = async {
        prober.connect().await?;
        prober.probe(0).await.result
    };
    tokio::select! {
        () = stop.cancelled() => None,
        warmed = warm => Some(warmed),
    }
}

/// A connection ended by the peer or the path after `after` of silence.
fn died(after: Duration, cause: Cause) -> Outcome {
    if cause.kind == CauseKind::Reset {
        Outcome::Reset { after, cause }
    } else {
        Outcome::Closed { after, cause }
    }
}

/// Opens the control's connection again after an HTTP server's request cap closed
/// it; whether it opened (if not, the control died, and said so).
async fn reopen(
    prober: &mut Prober,
    tx: &UnboundedSender<Msg>,
    opened: tokio::time::Instant,
) -> bool {
    match prober.connect().await {
        Ok(_) => true,
        Err(cause) => {
            let _ = tx.send(Msg::ControlDied(opened.elapsed(), cause));
            false
        }
    }
}

/// The control connection: a keepalive every `every`; if it dies, the path or the
/// server failed (or every connection has a lifetime).
async fn control(
    mut prober: Prober,
    every: Duration,
    tx: UnboundedSender<Msg>,
    stop: CancellationToken,
) {
    let opened = tokio::time::Instant::now();
    match warm_up(&mut prober, &stop).await {
        None => return,
        Some(Err(cause)) => {
            let _ = tx.send(Msg::ControlDied(Duration::ZERO, cause));
            return;
        }
        Some(Ok(_)) => {}
    }
    let _ = tx.send(Msg::ControlUp);
    let mut next = opened + every;
    let mut seq = 1;
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            passive = prober.passive() => match passive {
                Passive::ServerPing { .. } | Passive::KeepAlive(_) => {}
                // An HTTP server's request cap ends the control's connection by
                // design: a new one carries on (a refused one is a death).
                Passive::Lost(cause) if crate::proto::http::said_close(&cause) => {
                    if !reopen(&mut prober, &tx, opened).await {
                        return;
                    }
                }
                Passive::Lost(cause) => {
                    let _ = tx.send(Msg::ControlDied(opened.elapsed(), cause));
                    return;
                }
            },
            () = tokio::time::sleep_until(next) => {
                let probe = tokio::select! {
                    () = stop.cancelled() => return,
                    probe = prober.probe(seq) => probe,
                };
                match probe.result {
                    Err(cause) if crate::proto::http::said_close(&cause) => {
                        if !reopen(&mut prober, &tx, opened).await {
                            return;
                        }
                    }
                    Err(cause) => {
                        let _ = tx.send(Msg::ControlDied(opened.elapsed(), cause));
                        return;
                    }
                    Ok(_) => {}
                }
                seq += 1;
                next += every;
            }
        }
    }
}
