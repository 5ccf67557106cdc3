//! What a watch amounted to: time in each state, availability, outages, transitions
//! by cause, the last cause, connection lifetimes. Fed every transition; bounded
//! memory however long the watch.

use std::collections::BTreeMap;
use std::time::Duration;

use tokio::time::Instant;

use super::{State, Transition};

#[derive(Debug)]
pub struct Ledger {
    started: Instant,
    /// When the first connection's attempt had its outcome (up, or down): the time
    /// before it is the watch starting, not an outage.
    first_outcome: Option<Instant>,
    state: State,
    since: Instant,
    /// Indexed by `State as usize`; an array, not a map: one allocation less for
    /// each of thousands of watched targets.
    time_in: [Duration; 5],
    transitions: u64,
    by_cause: BTreeMap<String, u64>,
    /// When the current outage (down until up again) began.
    outage_since: Option<Instant>,
    outages: u64,
    longest_outage: Duration,
    total_outage: Duration,
    last_cause: Option<String>,
    went_down: bool,
    lifetimes: u64,
    longest_lifetime: Duration,
}

/// The ledger closed at a moment.
#[derive(Clone, Debug, PartialEq)]
pub struct WatchSummary {
    pub state: State,
    pub elapsed: Duration,
    pub time_in: BTreeMap<State, Duration>,
    /// Share of the time up or degraded, in percent, from the first connection's
    /// outcome on (the first connect is not time down).
    pub availability_pct: f64,
    /// The time before the first connection's outcome (part of `connecting`).
    pub starting: Duration,
    pub transitions: u64,
    /// Transitions into `down`, by cause.
    pub down_causes: BTreeMap<String, u64>,
    pub outages: u64,
    pub longest_outage: Duration,
    pub total_outage: Duration,
    pub last_cause: Option<String>,
    pub went_down: bool,
    /// Connections that came up and later ended, and the longest one.
    pub lifetimes: u64,
    pub longest_lifetime: Duration,
}

impl Ledger {
    pub fn new(started: Instant) -> Self {
        Ledger {
            started,
            first_outcome: None,
            state: State::Connecting,
            since: started,
            time_in: [Duration::ZERO; 5],
            transitions: 0,
            by_cause: BTreeMap::new(),
            outage_since: None,
            outages: 0,
            longest_outage: Duration::ZERO,
            total_outage: Duration::ZERO,
            last_cause: None,
            went_down: false,
            lifetimes: 0,
            longest_lifetime: Duration::ZERO,
        }
    }

    pub fn record(&mut self, t: &Transition) {
        if self.first_outcome.is_none() && t.from == State::Connecting {
            self.first_outcome = Some(t.at);
        }
        self.time_in[self.state as usize] += t.at.saturating_duration_since(self.since);
        self.state = t.to;
        self.since = t.at;
        self.transitions += 1;
        match t.to {
            State::Down => {
                self.went_down = true;
                let words = t.words();
                self.last_cause = Some(match t.detail() {
                    Some(d) => format!("{words} ({d})"),
                    None => words.clone(),
                });
                *self.by_cause.entry(words).or_default() += 1;
                self.outage_since.get_or_insert(t.at);
                if let Some(life) = t.lifetime {
                    self.lifetimes += 1;
                    self.longest_lifetime = self.longest_lifetime.max(life);
                }
            }
            State::Up => {
                if let Some(since) = self.outage_since.take() {
                    self.close_outage(t.at - since);
                }
            }
            _ => {}
        }
    }

    fn close_outage(&mut self, length: Duration) {
        self.outages += 1;
        self.longest_outage = self.longest_outage.max(length);
        self.total_outage += length;
    }

    pub fn state(&self) -> State {
        self.state
    }

    /// The summary as of `now`, counting the current state and outage up to it.
    pub fn summary(&self, now: Instant) -> WatchSummary {
        let mut spent = self.time_in;
        spent[self.state as usize] += now.saturating_duration_since(self.since);
        let time_in: BTreeMap<State, Duration> = State::ALL
            .into_iter()
            .filter(|s| !spent[*s as usize].is_zero() || *s == self.state)
            .map(|s| (s, spent[s as usize]))
            .collect();
        let elapsed = now.saturating_duration_since(self.started);
        let available: Duration = time_in
            .iter()
            .filter(|(s, _)| s.available())
            .map(|(_, d)| *d)
            .sum();
        let starting = self
            .first_outcome
            .map_or(elapsed, |at| at.saturating_duration_since(self.started));
        let observed = elapsed.saturating_sub(starting);
        let availability_pct = if !observed.is_zero() {
            100.0 * available.as_secs_f64() / observed.as_secs_f64()
        } else if self.state.available() {
            100.0
        } else {
            0.0
        };
        let (mut outages, mut longest, mut total) =
            (self.outages, self.longest_outage, self.total_outage);
        if let Some(since) = self.outage_since {
            let open = now.saturating_duration_since(since);
            outages += 1;
            longest = longest.max(open);
            total += open;
        }
        WatchSummary {
            state: self.state,
            elapsed,
            time_in,
            availability_pct,
            starting,
            transitions: self.transitions,
            down_causes: self.by_cause.clone(),
            outages,
            longest_outage: longest,
            total_outage: total,
            last_cause: self.last_cause.clone(),
            went_down: self.went_down,
            lifetimes: self.lifetimes,
            longest_lifetime: self.longest_lifetime,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cause::{Cause, CauseKind};
    use crate::proto::Phases;
    use crate::watch::{Machine, Policy};

    #[tokio::test(start_paused = true)]
    async fn time_availability_and_outages() {
        let t0 = Instant::now();
        let mut ledger = Ledger::new(t0);
        let mut m = Machine::new(Policy::default());
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        let reset = Cause::new(CauseKind::Reset, "Connection reset by peer");
        let mut feed = |ts: Vec<Transition>| ts.iter().for_each(|t| ledger.record(t));
        feed(m.connected(at(100), &Phases::default()));
        feed(m.lost(at(1100), &reset, 0.5).0);
        feed(m.reconnect(at(2100)));
        feed(m.connected(at(2200), &Phases::default()));
        let s = ledger.summary(at(4200));
        assert_eq!(s.state, State::Up);
        assert_eq!(s.time_in[&State::Up], Duration::from_millis(3000));
        assert_eq!(s.time_in[&State::Connecting], Duration::from_millis(200));
        assert_eq!(s.time_in[&State::Reconnecting], Duration::from_millis(1000));
        // The first 100 ms were the watch starting, not time down.
        assert!((s.availability_pct - 100.0 * 3.0 / 4.1).abs() < 1e-9);
        assert_eq!(s.starting, Duration::from_millis(100));
        assert_eq!(
            (s.outages, s.total_outage),
            (1, Duration::from_millis(1100))
        );
        assert_eq!(s.down_causes["reset"], 1);
        assert_eq!(
            s.last_cause.as_deref(),
            Some("reset (Connection reset by peer)")
        );
        assert_eq!(
            (s.lifetimes, s.longest_lifetime),
            (1, Duration::from_millis(1000))
        );
        assert_eq!(s.transitions, 5);
    }

    #[tokio::test(start_paused = true)]
    async fn the_first_connect_is_not_time_down() {
        let t0 = Instant::now();
        let mut ledger = Ledger::new(t0);
        let mut m = Machine::new(Policy::default());
        let up = t0 + Duration::from_micros(450);
        for t in m.connected(up, &Phases::default()) {
            ledger.record(&t);
        }
        let s = ledger.summary(up + Duration::from_micros(75));
        assert_eq!(s.availability_pct, 100.0);
        assert_eq!(s.starting, Duration::from_micros(450));
        assert_eq!(s.outages, 0);
        // Ended the moment it came up (`--until up`): up is all there was.
        assert_eq!(ledger.summary(up).availability_pct, 100.0);
    }

    #[tokio::test(start_paused = true)]
    async fn an_open_outage_counts_up_to_now() {
        let t0 = Instant::now();
        let mut ledger = Ledger::new(t0);
        let mut m = Machine::new(Policy::default());
        let refused = Cause::new(CauseKind::Refused, "");
        for t in m.lost(t0, &refused, 0.5).0 {
            ledger.record(&t);
        }
        let s = ledger.summary(t0 + Duration::from_secs(3));
        assert_eq!((s.outages, s.longest_outage), (1, Duration::from_secs(3)));
        assert_eq!(s.availability_pct, 0.0);
        assert!(s.went_down);
    }
}
