//! The idle-timeout plan as pure logic on a clock it is given: which rungs to open
//! (a ladder, then refine points), which to close as no longer telling, and when
//! the answer is known; [`super::verdict`] says what it means. The driver
//! ([`super`]) does the I/O.

use std::time::Duration;

use super::ladder;
use super::verdict::{Outcome, Seen, Verdict, active_deaths, grace, spread_allowance};
use crate::cause::Cause;

/// What the user asked of the run.
#[derive(Clone, Debug)]
pub struct Plan {
    pub min: Duration,
    pub max: Duration,
    /// Bracket width to refine to, as a fraction of the timeout (0.03 = 3%).
    pub precision: f64,
    /// Open sockets at most, the control connection included.
    pub max_connections: usize,
}

/// Where a rung came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    Ladder,
    Refine,
}

/// Where a rung is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum State {
    Pending,
    Opening,
    /// Warmed up (one round trip) at this time; idle since.
    Idle {
        since: Duration,
    },
    Done(Outcome),
    /// Closed or never opened: no longer telling.
    Dropped,
}

#[derive(Clone, Debug)]
pub struct Rung {
    /// The idle age it is probed at.
    pub idle: Duration,
    pub origin: Origin,
    pub state: State,
}

impl Rung {
    fn unresolved(&self) -> bool {
        matches!(
            self.state,
            State::Pending | State::Opening | State::Idle { .. }
        )
    }

    pub fn outcome(&self) -> Option<&Outcome> {
        match &self.state {
            State::Done(o) => Some(o),
            _ => None,
        }
    }
}

/// The live picture, for progress.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    pub alive: usize,
    pub died: usize,
    pub pending: usize,
    pub open: usize,
    pub low: Option<Duration>,
    pub high: Option<Duration>,
    /// At worst, until the last unresolved rung is probed.
    pub left: Duration,
}

/// Ladder rungs kept above the shortest silent death, to see it is one.
const CHECKS: usize = 2;
/// The most refine rungs added at once.
const REFINE_MAX: usize = 12;
/// Refine rounds before a bracket that will not narrow is reported as it is.
const REFINE_ROUNDS: usize = 6;

#[derive(Debug)]
pub struct Planner {
    plan: Plan,
    rungs: Vec<Rung>,
    /// The control connection's age when it died, why, and when.
    control_died: Option<(Duration, Cause, Duration)>,
    control_opened: Option<Duration>,
    /// Each active death: its idle age and when it came.
    deaths: Vec<(Duration, Duration)>,
    server_ping: Option<Duration>,
    refine_rounds: usize,
    probe_timeout: Duration,
}

impl Planner {
    pub fn new(plan: Plan, probe_timeout: Duration) -> Self {
        let rungs = ladder::ladder(plan.min, plan.max)
            .into_iter()
            .map(|idle| Rung {
                idle,
                origin: Origin::Ladder,
                state: State::Pending,
            })
            .collect();
        Planner {
            plan,
            rungs,
            control_died: None,
            control_opened: None,
            deaths: Vec::new(),
            server_ping: None,
            refine_rounds: 0,
            probe_timeout,
        }
    }

    pub fn rungs(&self) -> &[Rung] {
        &self.rungs
    }

    pub fn rung(&self, id: usize) -> &Rung {
        &self.rungs[id]
    }

    fn open_count(&self) -> usize {
        self.rungs
            .iter()
            .filter(|r| matches!(r.state, State::Opening | State::Idle { .. }))
            .count()
    }

    /// Rungs to open now, most telling first (refine points, then the shortest),
    /// within the connection budget (one socket is the control's).
    pub fn to_open(&mut self) -> Vec<usize> {
        let budget = self.plan.max_connections.saturating_sub(1);
        let free = budget.saturating_sub(self.open_count());
        let mut pending: Vec<usize> = (0..self.rungs.len())
            .filter(|&i| self.rungs[i].state == State::Pending)
            .collect();
        pending.sort_by_key(|&i| (self.rungs[i].origin == Origin::Ladder, self.rungs[i].idle));
        pending.truncate(free);
        for &i in &pending {
            self.rungs[i].state = State::Opening;
        }
        pending
    }

    pub fn control_opened(&mut self, now: Duration) {
        self.control_opened = Some(now);
    }

    /// Rung `id` made its round trip at `now` and is idle from then.
    pub fn warm(&mut self, id: usize, now: Duration) {
        if self.rungs[id].state == State::Opening {
            self.rungs[id].state = State::Idle { since: now };
        }
    }

    /// Rung `id` ended; returns the rungs no longer worth keeping open.
    pub fn resolved(&mut self, id: usize, outcome: Outcome, now: Duration) -> Vec<usize> {
        if self.rungs[id].unresolved() {
            if let Some(after) = outcome.died_after() {
                self.deaths.push((after, now));
            }
            self.rungs[id].state = State::Done(outcome);
        }
        self.replan(now)
    }

    /// The control connection died at `age`, now.
    pub fn control_died(&mut self, age: Duration, cause: Cause, now: Duration) {
        self.control_died.get_or_insert((age, cause, now));
    }

    pub fn server_pinged(&mut self, interval: Option<Duration>) {
        if let Some(every) = interval {
            self.server_ping = Some(match self.server_ping {
                Some(known) if !known.is_zero() => known.min(every),
                _ => every,
            });
        } else if self.server_ping.is_none() {
            self.server_ping = Some(Duration::ZERO);
        }
    }

    /// The shortest and longest active death ages.
    fn active_deaths(&self) -> Option<(Duration, Duration)> {
        active_deaths(self.outcomes())
    }

    fn outcomes(&self) -> impl Iterator<Item = &Outcome> {
        self.rungs.iter().filter_map(Rung::outcome)
    }

    /// Longest idle seen alive and shortest seen silently dead.
    fn bracket(&self) -> (Option<Duration>, Option<Duration>) {
        let mut low = None;
        let mut high: Option<Duration> = None;
        for r in &self.rungs {
            match r.outcome() {
                Some(Outcome::Outlived { at }) => low = low.max(Some(*at)),
                Some(o) if o.alive() => low = low.max(Some(r.idle)),
                Some(o) if o.silent() => high = Some(high.map_or(r.idle, |h| h.min(r.idle))),
                _ => {}
            }
        }
        (low, high)
    }

    /// How much longer than the deaths the control connection must live for them
    /// to be idle deaths, not a lifetime (it opened first: a lifetime ends it first).
    fn outlive(&self, age: Duration) -> Duration {
        let by = age.mul_f64(self.plan.precision);
        age + by.clamp(Duration::from_millis(100), Duration::from_millis(500))
    }

    /// Marks rungs that outlived the active deaths (by more than a coarse
    /// clock's spread); returns rungs to close.
    pub fn tick(&mut self, now: Duration) -> Vec<usize> {
        let mut close = Vec::new();
        if let Some((lo, _)) = self.active_deaths() {
            let age = lo + spread_allowance(lo);
            for (i, r) in self.rungs.iter_mut().enumerate() {
                if let State::Idle { since } = r.state {
                    if r.idle > age && now > since + age {
                        r.state = State::Done(Outcome::Outlived { at: now - since });
                        close.push(i);
                    }
                }
            }
        }
        close.extend(self.replan(now));
        close
    }

    /// Adds refine rungs where a bracket needs them; drops rungs that can no longer
    /// tell anything. Returns the open rungs to close.
    fn replan(&mut self, now: Duration) -> Vec<usize> {
        let mut close = Vec::new();
        if self.active_deaths().is_some() || self.control_died.is_some() {
            // An active close is measured to the moment: nothing to refine, and
            // rungs not yet opened will add nothing.
            for r in &mut self.rungs {
                if r.state == State::Pending {
                    r.state = State::Dropped;
                }
            }
            return close;
        }
        let (low, high) = self.bracket();
        if let Some(high) = high {
            // Longer rungs would only die too; the next two ladder rungs stay, to
            // catch a path that is not monotonic.
            let mut checks: Vec<usize> = (0..self.rungs.len())
                .filter(|&i| self.rungs[i].origin == Origin::Ladder && self.rungs[i].idle > high)
                .collect();
            checks.sort_by_key(|&i| self.rungs[i].idle);
            checks.truncate(CHECKS);
            for (i, r) in self.rungs.iter_mut().enumerate() {
                if r.idle > high && r.unresolved() && !checks.contains(&i) {
                    if matches!(r.state, State::Idle { .. } | State::Opening) {
                        close.push(i);
                    }
                    r.state = State::Dropped;
                }
            }
        }
        let low_or_zero = low.unwrap_or(Duration::ZERO);
        if low.is_some_and(|l| high.is_some_and(|h| l >= h)) {
            return close; // inconsistent: reported as it is
        }
        // Rungs below the longest survivor tell nothing new.
        if let Some(low) = low {
            for (i, r) in self.rungs.iter_mut().enumerate() {
                if r.origin == Origin::Refine && r.idle <= low && r.unresolved() {
                    if matches!(r.state, State::Idle { .. } | State::Opening) {
                        close.push(i);
                    }
                    r.state = State::Dropped;
                }
            }
        }
        // The bracket to narrow: the known one, or, before any death, the step
        // above the longest survivor, or above a ladder rung 90% of the way to
        // its probe (refined in advance, so a death found there is already
        // bracketed when it is: the points near T are under way before 0.9 T,
        // and a silent drop is known by about 1.93 T and the probe's wait).
        let ahead = self
            .rungs
            .iter()
            .filter(|r| {
                r.origin == Origin::Ladder
                    && matches!(r.state, State::Idle { since } if now >= since + r.idle.mul_f64(0.9))
            })
            .map(|r| r.idle)
            .min();
        let from = match (low, ahead) {
            (Some(l), Some(a)) => Some(l.max(a)),
            (l, a) => l.or(a),
        };
        let target = match high {
            Some(h) => Some((low_or_zero, h)),
            None => from.and_then(|l| {
                self.rungs
                    .iter()
                    .filter(|r| r.origin == Origin::Ladder && r.idle > l)
                    .map(|r| r.idle)
                    .min()
                    .map(|h| (l, h))
            }),
        };
        let Some((lo, hi)) = target else {
            return close;
        };
        let covered = self
            .rungs
            .iter()
            .any(|r| r.origin == Origin::Refine && r.idle > lo && r.idle < hi && r.unresolved());
        let wanted = ladder::points_for(lo, hi, self.plan.precision);
        if covered || wanted == 0 || self.refine_rounds >= REFINE_ROUNDS {
            return close;
        }
        if high.is_some() {
            self.refine_rounds += 1;
        }
        let n = wanted.min(REFINE_MAX);
        for idle in ladder::refine(lo, hi, n) {
            self.rungs.push(Rung {
                idle,
                origin: Origin::Refine,
                state: State::Pending,
            });
        }
        close
    }

    /// Whether the answer is known: nothing unresolved could change it.
    pub fn done(&self, now: Duration) -> bool {
        if let Some((age, _, at)) = &self.control_died {
            // Rungs dying of the same cause come within a moment.
            return now >= *at + grace(*age);
        }
        if let Some((lo, age)) = self.active_deaths() {
            let control_outlived = self
                .control_opened
                .is_some_and(|at| now.saturating_sub(at) > self.outlive(age));
            let first = self.deaths.iter().map(|(_, at)| *at).min().unwrap_or(now);
            // Rungs idle at least as long as the first death's, not dead yet: one
            // timer ends them within a coarse clock's spread, or they outlive it.
            // Rungs that went idle later add nothing.
            let spread = spread_allowance(lo);
            let slack = Duration::from_millis(50);
            let waiting = self.rungs.iter().any(|r| match r.state {
                State::Idle { since } => {
                    r.idle > lo && since + lo <= first + slack && now <= since + lo + spread
                }
                _ => false,
            });
            return control_outlived && !waiting;
        }
        let (low, high) = self.bracket();
        match high {
            Some(h) => {
                let narrow = ladder::points_for(low.unwrap_or_default(), h, self.plan.precision)
                    == 0
                    || low.is_some_and(|l| l >= h)
                    || self.refine_rounds >= REFINE_ROUNDS;
                narrow && !self.rungs.iter().any(Rung::unresolved)
            }
            None => !self.rungs.iter().any(Rung::unresolved),
        }
    }

    /// The rungs still open, for the driver to close at the end.
    pub fn open_rungs(&self) -> Vec<usize> {
        (0..self.rungs.len())
            .filter(|&i| matches!(self.rungs[i].state, State::Opening | State::Idle { .. }))
            .collect()
    }

    pub fn progress(&self, now: Duration) -> Progress {
        let (low, high) = self.bracket();
        let mut p = Progress {
            low,
            high,
            ..Progress::default()
        };
        if let Some((lo, hi)) = self.active_deaths() {
            p.low = Some(lo);
            p.high = Some(hi);
        }
        for r in &self.rungs {
            let left = match &r.state {
                State::Pending => {
                    p.pending += 1;
                    r.idle + self.probe_timeout
                }
                State::Opening => {
                    p.open += 1;
                    r.idle + self.probe_timeout
                }
                State::Idle { since } => {
                    p.open += 1;
                    (*since + r.idle + self.probe_timeout).saturating_sub(now)
                }
                State::Done(o) if o.alive() => {
                    p.alive += 1;
                    Duration::ZERO
                }
                State::Done(Outcome::Failed { .. }) | State::Dropped => Duration::ZERO,
                State::Done(_) => {
                    p.died += 1;
                    Duration::ZERO
                }
            };
            p.left = p.left.max(left);
        }
        p
    }

    pub fn verdict(&self) -> Verdict {
        Seen {
            outcomes: self.outcomes().collect(),
            control_died: self.control_died.as_ref(),
            deaths: &self.deaths,
            server_ping: self.server_ping,
            bracket: self.bracket(),
        }
        .verdict()
    }
}

#[cfg(test)]
mod tests;
