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
    /// Could not connect or make its first round trip: says nothing of idleness.
    Failed { cause: Cause },
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
        }
    }

    pub fn cause(&self) -> Option<&Cause> {
        match self {
            Outcome::Closed { cause, .. }
            | Outcome::Reset { cause, .. }
            | Outcome::Silent { cause }
            | Outcome::LateReset { cause }
            | Outcome::Failed { cause } => Some(cause),
            Outcome::Alive | Outcome::Outlived { .. } => None,
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
        let mut ages: Vec<Duration> = active.iter().filter_map(|o| o.died_after()).collect();
        ages.sort();
        let median = ages[ages.len() / 2];
        v.timeout = Some(median);
        v.low = Some(lo);
        v.high = Some(hi);
        let outlived = self
            .outcomes
            .iter()
            .any(|o| matches!(o, Outcome::Outlived { .. }));
        let survived_longer = self.bracket.0.is_some_and(|l| l > hi + grace(hi));
        if outlived || survived_longer {
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
