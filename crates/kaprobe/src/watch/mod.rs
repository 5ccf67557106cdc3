//! The watch state machine: `connecting -> up -> degraded -> down -> reconnecting ->
//! connecting ...`, every transition with its cause in a network engineer's words,
//! and the reconnect backoff. Pure: the driver feeds it what happened and when; it
//! answers with transitions. The ledger keeps the time spent in each state.

pub mod driver;
pub mod ledger;
mod transition;

pub use transition::{Transition, Why};

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use tokio::time::Instant;

use crate::cause::Cause;
use crate::proto::Phases;

/// Where a watched connection is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum State {
    Connecting,
    Up,
    Degraded,
    Down,
    Reconnecting,
}

impl State {
    pub const ALL: [State; 5] = [
        State::Connecting,
        State::Up,
        State::Degraded,
        State::Down,
        State::Reconnecting,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            State::Connecting => "connecting",
            State::Up => "up",
            State::Degraded => "degraded",
            State::Down => "down",
            State::Reconnecting => "reconnecting",
        }
    }

    /// Whether the target counts as available in this state.
    pub fn available(self) -> bool {
        matches!(self, State::Up | State::Degraded)
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Exponential reconnect backoff: `min`, times `multiplier` per attempt, at most
/// `max`, each delay moved by up to `jitter` (a fraction) either way.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Backoff {
    pub min: Duration,
    pub max: Duration,
    pub multiplier: f64,
    pub jitter: f64,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            min: Duration::from_secs(1),
            max: Duration::from_secs(60),
            multiplier: 2.0,
            jitter: 0.2,
        }
    }
}

impl Backoff {
    /// The delay before reconnect attempt `attempt` (from 1); `unit` in [0, 1)
    /// chooses where in the jitter band it falls.
    pub fn delay(&self, attempt: u32, unit: f64) -> Duration {
        let exp = self
            .multiplier
            .powi(attempt.saturating_sub(1).min(64) as i32);
        let base = (self.min.as_secs_f64() * exp).min(self.max.as_secs_f64());
        let spread = 1.0 + self.jitter * (2.0 * unit.clamp(0.0, 1.0) - 1.0);
        Duration::from_secs_f64((base * spread).max(0.0))
    }
}

/// `--backoff MIN..MAX`, for example `1s..60s` or `50ms..2s`.
impl FromStr for Backoff {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (min, max) = s.split_once("..").ok_or_else(|| {
            format!("invalid backoff '{s}' (expected MIN..MAX, for example 1s..60s)")
        })?;
        let min = crate::parse_duration(min.trim())?;
        let max = crate::parse_duration(max.trim())?;
        if min.is_zero() || max < min {
            return Err(format!(
                "invalid backoff '{s}' (MIN must be above zero and at most MAX)"
            ));
        }
        Ok(Backoff {
            min,
            max,
            ..Backoff::default()
        })
    }
}

/// When a connection counts as degraded or down, and how it reconnects.
#[derive(Clone, Debug, PartialEq)]
pub struct Policy {
    /// Consecutive missed keepalives that take the connection down.
    pub max_missed: u32,
    /// A reply slower than this is degraded service.
    pub degraded_rtt: Option<Duration>,
    pub backoff: Backoff,
    /// Reconnect attempts in a row before giving up (staying down).
    pub max_attempts: Option<u32>,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            max_missed: 3,
            degraded_rtt: None,
            backoff: Backoff::default(),
            max_attempts: None,
        }
    }
}

/// The state machine of one watched target.
#[derive(Debug)]
pub struct Machine {
    state: State,
    policy: Policy,
    missed: u32,
    /// Reconnect attempts since the last time the connection was up.
    attempt: u32,
    /// When the current connection came up.
    up_since: Option<Instant>,
}

impl Machine {
    pub fn new(policy: Policy) -> Self {
        Machine {
            state: State::Connecting,
            policy,
            missed: 0,
            attempt: 0,
            up_since: None,
        }
    }

    pub fn state(&self) -> State {
        self.state
    }

    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    fn go(&mut self, to: State, at: Instant, why: Why) -> Transition {
        let t = Transition {
            from: self.state,
            to,
            at,
            why,
            lifetime: None,
        };
        self.state = to;
        t
    }

    /// The connection is open: `connecting -> up`, the phases as the cause.
    pub fn connected(&mut self, at: Instant, phases: &Phases) -> Vec<Transition> {
        self.missed = 0;
        self.attempt = 0;
        self.up_since = Some(at);
        vec![self.go(State::Up, at, Why::Connected(phases.clone()))]
    }

    /// A keepalive came back in `rtt`.
    pub fn reply(&mut self, at: Instant, rtt: Duration) -> Vec<Transition> {
        self.missed = 0;
        let slow = self.policy.degraded_rtt.filter(|limit| rtt > *limit);
        match (self.state, slow) {
            (State::Up, Some(limit)) => {
                vec![self.go(State::Degraded, at, Why::Slow { rtt, limit })]
            }
            (State::Degraded, None) => vec![self.go(State::Up, at, Why::Reply(rtt))],
            _ => Vec::new(),
        }
    }

    /// A keepalive got no reply in time. After `max_missed` in a row the connection
    /// is down, and the driver should drop it; the answer then ends in
    /// `reconnecting` with the delay to wait.
    pub fn missed(
        &mut self,
        at: Instant,
        what: &'static str,
        unit: f64,
    ) -> (Vec<Transition>, Option<Duration>) {
        self.missed += 1;
        let max = self.policy.max_missed.max(1);
        let missed = Why::Missed {
            count: self.missed,
            max,
            what,
        };
        if self.missed >= max {
            let tally = Transition {
                from: self.state,
                to: self.state,
                at,
                why: missed,
                lifetime: None,
            };
            return self.lost(at, &Cause::timeout(tally.words()), unit);
        }
        match self.state {
            State::Up => (vec![self.go(State::Degraded, at, missed)], None),
            _ => (Vec::new(), None),
        }
    }

    /// The connection ended or could not be made: `-> down`, then `-> reconnecting`
    /// with the backoff delay, unless the attempts are spent (then it stays down
    /// and the delay is `None`).
    pub fn lost(
        &mut self,
        at: Instant,
        cause: &Cause,
        unit: f64,
    ) -> (Vec<Transition>, Option<Duration>) {
        self.missed = 0;
        let mut out = Vec::new();
        // Already down (a Watch said so): the connection's end is told on the
        // way to reconnecting instead.
        let already_down = (self.state == State::Down).then(|| cause.clone());
        if self.state != State::Down {
            let mut t = self.go(State::Down, at, Why::Lost(cause.clone()));
            t.lifetime = self.up_since.take().map(|since| at - since);
            out.push(t);
        }
        if self
            .policy
            .max_attempts
            .is_some_and(|max| self.attempt >= max)
        {
            return (out, None);
        }
        self.attempt += 1;
        let delay = self.policy.backoff.delay(self.attempt, unit);
        let backoff = Why::Backoff {
            attempt: self.attempt,
            delay,
            ended: already_down,
        };
        out.push(self.go(State::Reconnecting, at, backoff));
        (out, Some(delay))
    }

    /// A health Watch pushed `status` (1 is SERVING): SERVING brings the target
    /// up; any other status makes it degraded, or down when `down`
    /// (`--watch-down-on`). The connection stays open either way, so a status-down
    /// target waits for the next status, not for a reconnect.
    pub fn status(&mut self, at: Instant, status: i32, down: bool) -> Vec<Transition> {
        let serving = status == 1;
        let why = if serving {
            Why::Serving
        } else {
            Why::Health(status)
        };
        let to = match (serving, down) {
            (true, _) => State::Up,
            (false, false) => State::Degraded,
            (false, true) => State::Down,
        };
        if to == self.state {
            return Vec::new();
        }
        let mut t = self.go(to, at, why);
        if to == State::Down {
            t.lifetime = self.up_since.map(|since| at - since);
        }
        vec![t]
    }

    /// The backoff delay is over: `reconnecting -> connecting`.
    pub fn reconnect(&mut self, at: Instant) -> Vec<Transition> {
        vec![self.go(State::Connecting, at, Why::Attempt(self.attempt))]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cause::CauseKind;

    fn phases() -> Phases {
        Phases {
            connect: Duration::from_micros(1200),
            tls: Some(Duration::from_micros(3400)),
            ..Phases::default()
        }
    }

    fn states(ts: &[Transition]) -> Vec<(State, State)> {
        ts.iter().map(|t| (t.from, t.to)).collect()
    }

    #[tokio::test(start_paused = true)]
    async fn connecting_up_degraded_down_reconnecting() {
        let mut m = Machine::new(Policy::default());
        let t0 = Instant::now();
        let up = m.connected(t0, &phases());
        assert_eq!(states(&up), vec![(State::Connecting, State::Up)]);
        assert_eq!(up[0].words(), "connect 1.2ms, tls 3.4ms");
        tokio::time::advance(Duration::from_secs(5)).await;
        let (t, delay) = m.missed(Instant::now(), "pongs", 0.5);
        assert_eq!(states(&t), vec![(State::Up, State::Degraded)]);
        assert_eq!(t[0].words(), "missed 1/3 pongs");
        assert_eq!(delay, None);
        let (t, _) = m.missed(Instant::now(), "pongs", 0.5);
        assert!(t.is_empty(), "still degraded");
        let (t, delay) = m.missed(Instant::now(), "pongs", 0.5);
        assert_eq!(
            states(&t),
            vec![
                (State::Degraded, State::Down),
                (State::Down, State::Reconnecting)
            ]
        );
        assert_eq!(t[0].words(), "timeout");
        assert_eq!(t[0].detail().as_deref(), Some("missed 3/3 pongs"));
        assert_eq!(t[0].lifetime, Some(Duration::from_secs(5)));
        assert_eq!(t[1].words(), "attempt 1 in 1s");
        assert_eq!(delay, Some(Duration::from_secs(1)));
        let t = m.reconnect(Instant::now());
        assert_eq!(states(&t), vec![(State::Reconnecting, State::Connecting)]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_reply_heals_and_a_slow_one_degrades() {
        let mut m = Machine::new(Policy {
            degraded_rtt: Some(Duration::from_millis(100)),
            ..Policy::default()
        });
        let now = Instant::now();
        m.connected(now, &phases());
        let t = m.reply(now, Duration::from_millis(150));
        assert_eq!(states(&t), vec![(State::Up, State::Degraded)]);
        assert_eq!(t[0].words(), "rtt 150ms > 100ms");
        assert!(m.reply(now, Duration::from_millis(120)).is_empty());
        let t = m.reply(now, Duration::from_millis(5));
        assert_eq!(states(&t), vec![(State::Degraded, State::Up)]);
        // A miss then a reply: the count starts over.
        m.missed(now, "pongs", 0.5);
        m.reply(now, Duration::from_millis(5));
        let (t, _) = m.missed(now, "pongs", 0.5);
        assert_eq!(t[0].words(), "missed 1/3 pongs");
    }

    #[tokio::test(start_paused = true)]
    async fn failed_connects_back_off_until_the_attempts_are_spent() {
        let mut m = Machine::new(Policy {
            max_attempts: Some(3),
            backoff: "100ms..350ms".parse().unwrap(),
            ..Policy::default()
        });
        let refused = Cause::new(CauseKind::Refused, "Connection refused");
        let now = Instant::now();
        let mut delays = Vec::new();
        for _ in 0..3 {
            let (t, delay) = m.lost(now, &refused, 0.5);
            assert_eq!(t.last().unwrap().to, State::Reconnecting);
            delays.push(delay.unwrap());
            m.reconnect(now);
        }
        assert_eq!(
            delays,
            vec![
                Duration::from_millis(100),
                Duration::from_millis(200),
                Duration::from_millis(350)
            ]
        );
        let (t, delay) = m.lost(now, &refused, 0.5);
        assert_eq!(states(&t), vec![(State::Connecting, State::Down)]);
        assert_eq!(t[0].words(), "refused");
        assert_eq!(delay, None, "attempts spent: stays down");
    }

    #[tokio::test(start_paused = true)]
    async fn watched_statuses_degrade_take_down_and_heal_without_a_reconnect() {
        let mut m = Machine::new(Policy::default());
        let t0 = Instant::now();
        m.connected(t0, &phases());
        assert!(m.status(t0, 1, false).is_empty(), "already up");
        tokio::time::advance(Duration::from_secs(2)).await;
        let t = m.status(Instant::now(), 2, false);
        assert_eq!(states(&t), vec![(State::Up, State::Degraded)]);
        assert_eq!(
            (t[0].kind().as_str(), t[0].words().as_str()),
            ("health NOT_SERVING", "health NOT_SERVING")
        );
        let t = m.status(Instant::now(), 3, true);
        assert_eq!(states(&t), vec![(State::Degraded, State::Down)]);
        assert_eq!(t[0].lifetime, Some(Duration::from_secs(2)));
        let t = m.status(Instant::now(), 1, false);
        assert_eq!(
            states(&t),
            vec![(State::Down, State::Up)],
            "no reconnect: the stream is open"
        );
        assert_eq!(t[0].kind(), "serving");
    }

    #[test]
    fn backoff_jitter_stays_within_twenty_percent() {
        let b = Backoff::default();
        for attempt in 1..10 {
            let nominal = b.delay(attempt, 0.5).as_secs_f64();
            for unit in [0.0, 0.25, 0.99] {
                let d = b.delay(attempt, unit).as_secs_f64();
                assert!(d >= nominal * 0.8 - 1e-9 && d <= nominal * 1.2 + 1e-9);
            }
        }
        assert_eq!(b.delay(20, 0.5), Duration::from_secs(60), "capped at max");
        for bad in ["", "1s", "0s..1s", "2s..1s", "x..1s"] {
            assert!(bad.parse::<Backoff>().is_err(), "{bad}");
        }
    }
}
