//! The planner against model paths on a virtual clock: no sockets, no waits.

use std::collections::BTreeMap;
use std::time::Duration;

use super::*;
use crate::cause::CauseKind;
use crate::discover::idle::verdict::{VerdictKind, recommend};

fn s(n: f64) -> Duration {
    Duration::from_secs_f64(n)
}

/// What a model path does to an idle connection.
#[derive(Clone, Copy, Debug)]
enum Path {
    /// Closes connections idle for T (FIN).
    Closes(f64),
    /// Drops connections idle for T without a word.
    Drops(f64),
    /// Ends every connection T after it opened, busy or not.
    Lifetime(f64),
    /// Lets idle connections live; the server pings every T.
    ServerPings(f64),
    /// Lets every idle connection live.
    Forever,
    /// Drops connections idle between A and B only (a broken middlebox).
    Window(f64, f64),
    /// The server dies at T: the control connection too.
    Dies(f64),
    /// The server restarts at T: every connection ends at that moment.
    Restart(f64),
}

#[derive(Debug)]
enum Ev {
    Open(usize),
    Warm(usize),
    Resolve(usize, Outcome),
    ControlDies(Cause),
}

struct Run {
    verdict: Verdict,
    wall: Duration,
    peak_open: usize,
    connections: usize,
}

/// A rung's probe waits at least this long (`silent_after`'s floor).
const PROBE_TIMEOUT: f64 = 0.5;
/// Opening one connection (connect and first round trip).
const WARMUP: f64 = 0.001;
/// Connections open this far apart, never in a burst.
const STAGGER: f64 = 0.01;

fn simulate(path: Path, min: f64, max: f64) -> Run {
    let plan = Plan {
        min: s(min),
        max: s(max),
        precision: 0.03,
        max_connections: 64,
    };
    let mut p = Planner::new(plan, s(PROBE_TIMEOUT));
    // Events by time (ns), in order of scheduling within a time.
    let mut queue: BTreeMap<(u128, u64), Ev> = BTreeMap::new();
    let mut seq = 0u64;
    let mut at = |queue: &mut BTreeMap<(u128, u64), Ev>, t: Duration, ev: Ev| {
        seq += 1;
        queue.insert((t.as_nanos(), seq), ev);
    };
    p.control_opened(Duration::ZERO);
    match path {
        Path::Lifetime(t) | Path::Dies(t) | Path::Restart(t) => {
            at(&mut queue, s(t), Ev::ControlDies(Cause::eof()))
        }
        _ => {}
    }
    let mut now = Duration::ZERO;
    let mut next_open = Duration::ZERO;
    let mut closed: Vec<usize> = Vec::new();
    let mut connections = 0;
    let mut peak_open = 0;
    loop {
        for id in p.to_open() {
            next_open = next_open.max(now) + s(STAGGER);
            at(&mut queue, next_open, Ev::Open(id));
        }
        if p.done(now) {
            break;
        }
        // The driver looks again every 100 ms, events or not.
        let tick = now + s(0.1);
        let next = queue
            .first_key_value()
            .map(|((t, _), _)| Duration::from_nanos(*t as u64));
        if next.is_none_or(|t| t > tick) {
            now = tick;
            let close = p.tick(now);
            closed.extend(close);
            continue;
        }
        let ((t, _), ev) = queue.pop_first().expect("looked at");
        now = Duration::from_nanos(t as u64);
        assert!(now < s(max * 4.0 + 60.0), "runs away: {:#?}", p.rungs());
        let mut close = Vec::new();
        match ev {
            Ev::Open(id) => {
                connections += 1;
                at(&mut queue, now + s(WARMUP), Ev::Warm(id));
            }
            Ev::Warm(id) => {
                if closed.contains(&id) {
                    continue;
                }
                p.warm(id, now);
                let idle = p.rung(id).idle;
                let fate = |dies_at: f64, active: bool| {
                    if active {
                        (
                            now + s(dies_at),
                            Outcome::Closed {
                                after: s(dies_at),
                                cause: Cause::eof(),
                            },
                        )
                    } else {
                        (
                            now + idle + s(PROBE_TIMEOUT),
                            Outcome::Silent {
                                cause: Cause::timeout("no reply"),
                            },
                        )
                    }
                };
                let alive = (now + idle, Outcome::Alive);
                let (when, outcome) = match path {
                    Path::Closes(t) if idle.as_secs_f64() > t => fate(t, true),
                    // Opened WARMUP ago: it ends T after it opened.
                    Path::Lifetime(t) if idle.as_secs_f64() > t - WARMUP => {
                        let after = s(t - WARMUP);
                        (
                            now + after,
                            Outcome::Closed {
                                after,
                                cause: Cause::eof(),
                            },
                        )
                    }
                    Path::Restart(t) if (now + idle).as_secs_f64() > t => {
                        let after = t - now.as_secs_f64();
                        (
                            s(t),
                            Outcome::Closed {
                                after: s(after),
                                cause: Cause::eof(),
                            },
                        )
                    }
                    Path::Drops(t) if idle.as_secs_f64() > t => fate(t, false),
                    Path::Window(a, b) if idle.as_secs_f64() > a && idle.as_secs_f64() < b => {
                        fate(a, false)
                    }
                    Path::ServerPings(every) => {
                        p.server_pinged(Some(s(every)));
                        alive
                    }
                    _ => alive,
                };
                at(&mut queue, when, Ev::Resolve(id, outcome));
            }
            Ev::Resolve(id, outcome) => {
                if !closed.contains(&id) {
                    close = p.resolved(id, outcome, now);
                    closed.push(id);
                }
            }
            Ev::ControlDies(cause) => p.control_died(now, cause, now),
        }
        close.extend(p.tick(now));
        closed.extend(close);
        let open = p.open_rungs().len() + 1;
        peak_open = peak_open.max(open);
    }
    Run {
        verdict: p.verdict(),
        wall: now,
        peak_open,
        connections,
    }
}

fn within(value: Option<Duration>, want: f64, frac: f64) -> bool {
    value.is_some_and(|v| (v.as_secs_f64() - want).abs() <= want * frac)
}

#[test]
fn an_active_close_is_measured_to_the_moment_in_about_its_own_time() {
    for t in [2.0, 10.0, 60.0, 350.0] {
        let run = simulate(Path::Closes(t), 1.0, 1800.0);
        let v = &run.verdict;
        assert_eq!(v.kind, VerdictKind::Closed, "T={t}: {v:?}");
        assert!(within(v.timeout, t, 0.001), "T={t}: {v:?}");
        assert_eq!(v.death.as_ref().map(|c| c.kind), Some(CauseKind::Eof));
        assert!(
            run.wall <= s(t + 1.0),
            "T={t}: verdict after {:?}",
            run.wall
        );
        assert_eq!(v.recommended, Some(recommend(s(t))));
        assert!(run.peak_open <= 64, "{} open at once", run.peak_open);
    }
}

/// Known within 2 T and a second at every T from 2 s to 30 min (40 of them,
/// spaced evenly on a log scale, so the worst place between two ladder rungs is
/// met): the refine points near T are opened before 0.9 T, and a rung's probe
/// waits 500 ms (the model's `silent_after` on loopback).
#[test]
fn a_silent_drop_is_bracketed_to_the_precision_within_twice_it_and_a_second() {
    let mut worst: f64 = 0.0;
    for i in 0..40 {
        let t = 2.0 * (870.0f64).powf(f64::from(i) / 39.0);
        let run = simulate(Path::Drops(t), 1.0, 1800.0);
        let v = &run.verdict;
        assert_eq!(v.kind, VerdictKind::Silent, "T={t}: {v:?}");
        let (low, high) = (v.low.unwrap(), v.high.unwrap());
        assert!(
            low.as_secs_f64() <= t && high.as_secs_f64() > t,
            "T={t}: {v:?}"
        );
        let width = (high - low).as_secs_f64() / high.as_secs_f64();
        assert!(
            width <= 0.03,
            "T={t}: bracket {low:?}..{high:?} is {width:.3} wide"
        );
        assert!(within(v.timeout, t, 0.03), "T={t}: {v:?}");
        let wall = run.wall.as_secs_f64();
        assert!(
            wall <= 2.0 * t + 1.0,
            "T={t}: {wall:.2} s is {:.2} x T",
            wall / t
        );
        worst = worst.max((wall - 1.0) / t);
        assert!(run.peak_open <= 64, "{} open at once", run.peak_open);
    }
    assert!(worst <= 2.0, "{worst}");
}

#[test]
fn defaults_are_bracketed_by_their_pairs() {
    // A path at AWS's 350 s: the rungs at 343 s and 357 s bracket it at once.
    let run = simulate(Path::Drops(350.0), 5.0, 1800.0);
    assert!(
        within(run.verdict.timeout, 350.0, 0.03),
        "{:?}",
        run.verdict
    );
}

#[test]
fn deaths_at_the_same_age_whatever_the_traffic_are_a_lifetime() {
    let run = simulate(Path::Lifetime(20.0), 1.0, 1800.0);
    assert_eq!(run.verdict.kind, VerdictKind::Lifetime, "{:?}", run.verdict);
    assert!(within(run.verdict.timeout, 20.0, 0.01), "{:?}", run.verdict);
    assert_eq!(
        run.verdict.recommended, None,
        "no keepalive helps a lifetime"
    );
}

#[test]
fn a_server_restart_is_a_failure_not_a_lifetime() {
    let run = simulate(Path::Restart(3.0), 1.0, 60.0);
    assert_eq!(run.verdict.kind, VerdictKind::Failed, "{:?}", run.verdict);
}

#[test]
fn a_dying_control_connection_fails_the_run() {
    let run = simulate(Path::Dies(3.0), 5.0, 60.0);
    assert_eq!(run.verdict.kind, VerdictKind::Failed, "{:?}", run.verdict);
    assert!(run.wall <= s(3.0 + 0.6), "{:?}", run.wall);
}

#[test]
fn nothing_found_up_to_max() {
    let run = simulate(Path::Forever, 1.0, 30.0);
    assert_eq!(
        run.verdict.kind,
        VerdictKind::NoneFound,
        "{:?}",
        run.verdict
    );
    assert_eq!(run.verdict.low, Some(s(30.0)));
    assert_eq!(run.verdict.high, None);
    assert!(run.wall <= s(30.0 + 1.0), "{:?}", run.wall);
    let mut p = Planner::new(
        Plan {
            min: s(1.0),
            max: s(30.0),
            precision: 0.03,
            max_connections: 64,
        },
        s(0.3),
    );
    p.server_pinged(None);
    p.server_pinged(Some(s(5.0)));
    p.server_pinged(None);
    assert_eq!(
        p.verdict().server_ping_interval,
        Some(s(5.0)),
        "a first ping has no interval"
    );
    let run = simulate(Path::ServerPings(5.0), 1.0, 30.0);
    assert_eq!(run.verdict.kind, VerdictKind::KeptAliveByServer);
    assert_eq!(run.verdict.server_ping_interval, Some(s(5.0)));
}

#[test]
fn a_longer_rung_outliving_a_shorter_ones_death_is_inconsistent() {
    let run = simulate(Path::Window(8.0, 12.0), 1.0, 30.0);
    let v = &run.verdict;
    assert_eq!(v.kind, VerdictKind::Inconsistent, "{v:?}");
    assert_eq!(v.timeout, None, "not averaged away");
}

#[test]
fn connections_stay_within_the_budget_however_small() {
    let plan = Plan {
        min: s(1.0),
        max: s(60.0),
        precision: 0.03,
        max_connections: 4,
    };
    let mut p = Planner::new(plan, s(0.3));
    let first = p.to_open();
    assert_eq!(first.len(), 3, "one socket is the control's");
    assert!(p.to_open().is_empty());
    p.warm(first[0], s(0.0));
    p.resolved(first[0], Outcome::Alive, s(1.0));
    assert_eq!(p.to_open().len(), 1, "a finished rung frees its socket");
}

#[test]
fn refine_points_before_a_death_are_dropped_once_a_longer_rung_survives() {
    let run = simulate(Path::Drops(1000.0), 5.0, 1800.0);
    // Every step below 1000 s was refined in advance, each set closed when the
    // next rung survived; the total stays modest.
    assert!(run.connections < 400, "{} connections", run.connections);
}
