//! The idle-timeout verdict: how one test connection ended ([`Outcome`]), and what
//! all of them together say ([`Verdict`]), from what the plan saw ([`Seen`]).

use std::time::Duration;

use crate::cause::{Cause, CauseKind};

/// How one test connection ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Answered its probe at its idle age.
    Alive,
    /// Still open well past the age at which others died actively; alive at `at`.
    Outlived { at: Duration },
    /// Closed while idle (FIN, WebSocket close, GOAWAY), `after` this much silence.
    Closed { after: Duration, cause: Cause },
    /// Reset while idle.
    Reset { after: Duration, cause: Cause },
    /// Its probe at its idle age went unanswered: dropped silently before then.
    Silent { cause: Cause },
    /// Its probe at its idle age was answered with a reset.
    LateReset { cause: Cause },
    /// Could not connect or make its first round trip, or was answered with
    /// something that is no reply (a protocol error): says nothing of idleness.
    Failed { cause: Cause },
    /// Closed by the run before it told anything (the answer was known).
    Cancelled,
}

impl Outcome {
    /// The word records and tables use.
    pub fn word(&self) -> &'static str {
        match self {
            Outcome::Alive | Outcome::Outlived { .. } => "alive",
            Outcome::Closed { .. } => "closed",
            Outcome::Reset { .. } => "reset",
            Outcome::Silent { .. } => "silent",
            Outcome::LateReset { .. } => "late_reset",
            Outcome::Failed { .. } => "failed",
            Outcome::Cancelled => "cancelled",
        }
    }

    pub fn cause(&self) -> Option<&Cause> {
        match self {
            Outcome::Closed { cause, .. }
            | Outcome::Reset { cause, .. }
            | Outcome::Silent { cause }
            | Outcome::LateReset { cause }
            | Outcome::Failed { cause } => Some(cause),
            Outcome::Alive | Outcome::Outlived { .. } | Outcome::Cancelled => None,
        }
    }

    /// Silence before an active death, measured to the moment it came.
    pub fn died_after(&self) -> Option<Duration> {
        match self {
            Outcome::Closed { after, .. } | Outcome::Reset { after, .. } => Some(*after),
            _ => None,
        }
    }

    pub(super) fn active(&self) -> bool {
        self.died_after().is_some()
    }

    pub(super) fn silent(&self) -> bool {
        matches!(self, Outcome::Silent { .. } | Outcome::LateReset { .. })
    }

    pub(super) fn alive(&self) -> bool {
        matches!(self, Outcome::Alive | Outcome::Outlived { .. })
    }
}

/// The discovery's answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VerdictKind {
    Closed,
    Reset,
    Silent,
    Lifetime,
    NoneFound,
    KeptAliveByServer,
    Inconsistent,
    Failed,
}

impl VerdictKind {
    pub fn word(self) -> &'static str {
        match self {
            VerdictKind::Closed => "closed",
            VerdictKind::Reset => "reset",
            VerdictKind::Silent => "silent",
            VerdictKind::Lifetime => "lifetime",
            VerdictKind::NoneFound => "none_found",
            VerdictKind::KeptAliveByServer => "kept_alive_by_server",
            VerdictKind::Inconsistent => "inconsistent",
            VerdictKind::Failed => "failed",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    pub kind: VerdictKind,
    /// The best estimate of the timeout.
    pub timeout: Option<Duration>,
    /// Longest idle age seen alive (for active deaths: the shortest death age).
    pub low: Option<Duration>,
    /// Shortest idle age seen dead (for active deaths: the longest death age).
    pub high: Option<Duration>,
    /// How connections died.
    pub death: Option<Cause>,
    /// About half the timeout.
    pub recommended: Option<Duration>,
    pub server_ping_interval: Option<Duration>,
    /// Why an `inconsistent` verdict is one.
    pub why: Option<Inconsistency>,
}

/// What made a run's deaths fit no single idle timer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Inconsistency {
    /// A connection answered at `alive` of silence, longer than one that died
    /// at `died` (beyond a coarse clock's spread).
    Survived { alive: Duration, died: Duration },
    /// The deaths spread from `low` to `high`: wider than one timer checked
    /// about once a second.
    Spread { low: Duration, high: Duration },
    /// Some connections were closed and others reset.
    MixedEndings { closed: usize, reset: usize },
    /// A connection went silent at an idle age shorter than one that lived.
    SilentBelowAlive,
}

/// What the plan saw, for the verdict.
pub(super) struct Seen<'a> {
    pub outcomes: Vec<&'a Outcome>,
    /// The control connection's age when it died, why, and when.
    pub control_died: Option<&'a (Duration, Cause, Duration)>,
    /// Each active death: its idle age and when it came.
    pub deaths: &'a [(Duration, Duration)],
    pub server_ping: Option<Duration>,
    /// Longest idle seen alive and shortest seen silently dead.
    pub bracket: (Option<Duration>, Option<Duration>),
}

/// How long after an active death at `age` a rung that has not died counts as
/// having outlived it.
/// (Servers check idleness on coarse timers: grpc-core's deaths at about 3 s
/// spread over 260 ms.)
pub(super) fn grace(age: Duration) -> Duration {
    (age / 10).clamp(Duration::from_millis(500), Duration::from_secs(5))
}

/// How far after the shortest active death at `age` the others of one idle
/// timer may come: servers that check idle clients about once a second (redis,
/// squid, memcached) spread their closes over a second and more (redis with
/// `timeout 2` closed after 2.06-3.31 s).
pub fn spread_allowance(age: Duration) -> Duration {
    Duration::from_millis(1300) + age / 10
}

/// The shortest and longest active death ages.
pub(super) fn active_deaths<'a>(
    outcomes: impl Iterator<Item = &'a Outcome>,
) -> Option<(Duration, Duration)> {
    let ages = outcomes.filter_map(Outcome::died_after);
    ages.fold(None, |acc, a| match acc {
        None => Some((a, a)),
        Some((lo, hi)) => Some((lo.min(a), hi.max(a))),
    })
}

impl Seen<'_> {
    pub fn verdict(&self) -> Verdict {
        let mut v = Verdict {
            kind: VerdictKind::NoneFound,
            timeout: None,
            low: None,
            high: None,
            death: None,
            recommended: None,
            server_ping_interval: self.server_ping.filter(|d| !d.is_zero()),
            why: None,
        };
        if let Some(died) = self.control_died {
            self.control_death(&mut v, died);
            return v;
        }
        if let Some((lo, hi)) = active_deaths(self.outcomes.iter().copied()) {
            self.active(&mut v, lo, hi);
        } else if let Some(h) = self.bracket.1 {
            self.silent(&mut v, h);
        } else {
            self.nothing_died(&mut v);
        }
        if matches!(
            v.kind,
            VerdictKind::Closed | VerdictKind::Reset | VerdictKind::Silent
        ) {
            v.recommended = v.timeout.or(v.high).map(recommend);
        }
        v
    }

    /// The control connection died: a lifetime, or a failed run.
    fn control_death(&self, v: &mut Verdict, (age, cause, at): &(Duration, Cause, Duration)) {
        // A lifetime ends each connection at the same age, busy or idle; a
        // server that dies ends them all at the same moment.
        let slack = grace(*age);
        let ages_match = self.deaths.iter().all(|(a, _)| a.abs_diff(*age) <= slack);
        let spread = |v: Vec<Duration>| {
            v.iter().max().copied().unwrap_or_default()
                - v.iter().min().copied().unwrap_or_default()
        };
        let mut ages: Vec<Duration> = self.deaths.iter().map(|(a, _)| *a).collect();
        let mut times: Vec<Duration> = self.deaths.iter().map(|(_, t)| *t).collect();
        ages.push(*age);
        times.push(*at);
        let lifetime = !self.deaths.is_empty() && ages_match && spread(ages) < spread(times);
        v.kind = if lifetime {
            VerdictKind::Lifetime
        } else {
            VerdictKind::Failed
        };
        v.death = Some(cause.clone());
        if lifetime {
            v.timeout = Some(*age);
            v.recommended = None;
        }
    }

    /// Connections were closed or reset while idle, `lo` to `hi` after silence.
    fn active(&self, v: &mut Verdict, lo: Duration, hi: Duration) {
        let active = self.deaths(
            Outcome::active,
            |o| matches!(o, Outcome::Reset { .. }),
            VerdictKind::Closed,
            v,
        );
        // Every death time is exact: connections may die from the shortest.
        v.timeout = Some(lo);
        v.low = Some(lo);
        v.high = Some(hi);
        let allowed = lo + spread_allowance(lo);
        let resets = active
            .iter()
            .filter(|o| matches!(o, Outcome::Reset { .. }))
            .count();
        let closed = active.len() - resets;
        let outlived = self.outcomes.iter().find_map(|o| match o {
            Outcome::Outlived { at } => Some(*at),
            _ => None,
        });
        let survived = self.bracket.0.filter(|l| *l > allowed).or(outlived);
        v.why = if let Some(alive) = survived {
            Some(Inconsistency::Survived { alive, died: lo })
        } else if hi > allowed {
            Some(Inconsistency::Spread { low: lo, high: hi })
        } else if closed.min(resets) * 3 >= active.len() && closed.min(resets) > 0 {
            Some(Inconsistency::MixedEndings {
                closed,
                reset: resets,
            })
        } else {
            None
        };
        if v.why.is_some() {
            v.kind = VerdictKind::Inconsistent;
        }
    }

    /// Probes went unanswered (or were reset) from idle age `h`.
    fn silent(&self, v: &mut Verdict, h: Duration) {
        let low = self.bracket.0;
        self.deaths(
            Outcome::silent,
            |o| matches!(o, Outcome::LateReset { .. }),
            VerdictKind::Silent,
            v,
        );
        v.low = low;
        v.high = Some(h);
        v.timeout = low.map(|l| (l + h) / 2);
        if low.is_some_and(|l| l >= h) {
            v.kind = VerdictKind::Inconsistent;
            v.why = Some(Inconsistency::SilentBelowAlive);
            v.timeout = None;
        }
    }

    /// The deaths `which` picks: `v` is a reset when most are resets by `reset`,
    /// else `otherwise`, and dies of their most common cause (by its word; the
    /// first such death's detail).
    fn deaths(
        &self,
        which: fn(&Outcome) -> bool,
        reset: fn(&Outcome) -> bool,
        otherwise: VerdictKind,
        v: &mut Verdict,
    ) -> Vec<&Outcome> {
        let picked: Vec<&Outcome> = self.outcomes.iter().copied().filter(|o| which(o)).collect();
        let resets = picked.iter().filter(|o| reset(o)).count();
        v.kind = if resets * 2 > picked.len() {
            VerdictKind::Reset
        } else {
            otherwise
        };
        v.death = most_common(picked.iter().filter_map(|o| o.cause()));
        picked
    }

    /// No connection died of idleness: none found, kept alive, or failed.
    fn nothing_died(&self, v: &mut Verdict) {
        let low = self.bracket.0;
        v.low = low;
        let failed = self
            .outcomes
            .iter()
            .filter(|o| matches!(o, Outcome::Failed { .. }))
            .count();
        if low.is_none() && failed > 0 {
            v.kind = VerdictKind::Failed;
            v.death = most_common(self.outcomes.iter().filter_map(|o| o.cause()));
        } else if self.server_ping.is_some() {
            v.kind = VerdictKind::KeptAliveByServer;
        }
    }
}

/// About half the timeout, in whole seconds from 10 s up, in 100 ms below.
pub fn recommend(timeout: Duration) -> Duration {
    let half = timeout / 2;
    if half >= Duration::from_secs(10) {
        Duration::from_secs(half.as_secs())
    } else {
        Duration::from_millis(half.as_millis() as u64 / 100 * 100).max(Duration::from_millis(100))
    }
}

fn most_common<'a>(causes: impl Iterator<Item = &'a Cause>) -> Option<Cause> {
    let causes: Vec<&Cause> = causes.collect();
    let count = |k: &CauseKind| causes.iter().filter(|c| c.kind == *k).count();
    causes
        .iter()
        .max_by_key(|c| count(&c.kind))
        .map(|c| (*c).clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(secs: f64) -> Duration {
        Duration::from_secs_f64(secs)
    }

    fn closed(after: f64) -> Outcome {
        Outcome::Closed {
            after: s(after),
            cause: Cause::eof(),
        }
    }

    fn verdict(outcomes: &[Outcome], alive_at: Option<f64>) -> Verdict {
        let deaths: Vec<(Duration, Duration)> = outcomes
            .iter()
            .filter_map(Outcome::died_after)
            .map(|a| (a, a + s(0.01)))
            .collect();
        Seen {
            outcomes: outcomes.iter().collect(),
            control_died: None,
            deaths: &deaths,
            server_ping: None,
            bracket: (alive_at.map(s), None),
        }
        .verdict()
    }

    /// Redis with `timeout 2` closed idle clients after 2.06-3.31 s, since it
    /// checks them about once a second; 4 of 43 runs read `inconsistent`.
    #[test]
    fn closes_spread_by_a_coarse_clock_are_one_timeout_counted_from_the_shortest() {
        let v = verdict(&[closed(2.06), closed(2.35), closed(3.31)], Some(2.5));
        assert_eq!(v.kind, VerdictKind::Closed, "{v:?}");
        assert_eq!(v.timeout, Some(s(2.06)));
        assert_eq!((v.low, v.high), (Some(s(2.06)), Some(s(3.31))));
    }

    /// A server that closes connections idle over 1 s only from t = 6 s gave
    /// `idle timeout 1.08s (1.00s..5.74s)` though rungs idle 2.98 s had lived.
    #[test]
    fn a_survivor_beyond_the_spread_or_deaths_too_far_apart_are_inconsistent() {
        let v = verdict(&[closed(1.0), closed(5.74)], Some(2.98));
        assert_eq!(v.kind, VerdictKind::Inconsistent);
        assert_eq!(
            v.why,
            Some(Inconsistency::Survived {
                alive: s(2.98),
                died: s(1.0)
            })
        );
        let v = verdict(&[closed(1.0), closed(1.5), closed(5.74)], None);
        assert_eq!(v.kind, VerdictKind::Inconsistent);
        assert_eq!(
            v.why,
            Some(Inconsistency::Spread {
                low: s(1.0),
                high: s(5.74)
            })
        );
    }

    #[test]
    fn connections_ended_in_different_ways_are_inconsistent() {
        let reset = Outcome::Reset {
            after: s(1.2),
            cause: Cause::new(CauseKind::Reset, "reset"),
        };
        let v = verdict(&[closed(0.7), reset], None);
        assert_eq!(v.kind, VerdictKind::Inconsistent);
        assert_eq!(
            v.why,
            Some(Inconsistency::MixedEndings {
                closed: 1,
                reset: 1
            })
        );
        // One reset among many closes is not a second way of ending.
        let reset = Outcome::Reset {
            after: s(1.0),
            cause: Cause::new(CauseKind::Reset, "reset"),
        };
        let v = verdict(&[closed(1.0), closed(1.0), closed(1.0), reset], None);
        assert_eq!(v.kind, VerdictKind::Closed, "{v:?}");
    }
}
