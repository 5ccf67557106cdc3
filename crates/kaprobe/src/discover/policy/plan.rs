//! Which intervals a ping-policy run tests and how many PINGs each must send
//! before an interval counts as allowed: pure logic, tested on paused time.

use std::time::Duration;

/// Intervals under a second, for servers (and tests) that allow fast pings.
const STEPS_MS: &[u64] = &[100, 150, 200, 250, 300, 400, 500, 600, 700, 800];

/// Intervals people configure, and servers default to (grpc-go and grpc-java: 5
/// minutes; grpc-core's client floor 10 s). The ladder takes those within range.
const STEPS_S: &[u64] = &[
    1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30, 40, 45, 50, 60, 75, 90, 120, 150, 180, 240, 270,
    300, 330, 360, 420, 480, 600, 900, 1200, 1800, 3600, 7200,
];

/// Pings each test sends when no server has shown its strike count: grpc-go,
/// grpc-java and grpc-core's default tolerate 2 strikes and send GOAWAY on the
/// 4th ping that comes too soon (the first is free).
pub const DEFAULT_PINGS: u32 = 4;

/// The tests at the shortest interval ping up to this many times to show how
/// many strikes the server tolerates (up to 10); the others go on pinging until
/// those have shown it.
pub const MAX_PINGS: u32 = 12;

/// The intervals to test, shortest first: `min`, the steps between, and `max`.
pub fn intervals(min: Duration, max: Duration) -> Vec<Duration> {
    let mut out = vec![min];
    let steps = STEPS_MS
        .iter()
        .map(|ms| Duration::from_millis(*ms))
        .chain(STEPS_S.iter().map(|s| Duration::from_secs(*s)));
    out.extend(steps.filter(|d| *d > min && *d < max));
    if max > min {
        out.push(max);
    }
    out
}

/// Each PING goes out this long after the previous one: the interval, plus a
/// little so that scheduling and the network never bring two closer than it.
pub fn spacing(interval: Duration) -> Duration {
    interval + (interval / 500).max(Duration::from_millis(2))
}

/// The pings a test must send (and see answered without a GOAWAY) before its
/// interval counts as allowed: the default, or more once a server showed that
/// it tolerates more strikes (its GOAWAY came on a later ping).
#[derive(Debug, Clone, Copy)]
pub struct Needed(u32);

impl Default for Needed {
    fn default() -> Self {
        Needed(DEFAULT_PINGS)
    }
}

impl Needed {
    pub fn get(self) -> u32 {
        self.0
    }

    /// A test was sent away after its `pings`th PING.
    pub fn punished_at(&mut self, pings: u32) {
        self.0 = self.0.max(pings).min(MAX_PINGS);
    }
}

/// The longest a run can take: every test at `max` sends its pings.
pub fn bound(max: Duration, pings: u32, timeout: Duration) -> Duration {
    spacing(max) * pings.saturating_sub(1) + timeout * 2
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: fn(u64) -> Duration = Duration::from_secs;

    #[test]
    fn the_default_range_tests_the_usual_settings() {
        let got: Vec<u64> = intervals(S(1), S(30))
            .iter()
            .map(Duration::as_secs)
            .collect();
        assert_eq!(got, [1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30]);
        let long = intervals(S(1), S(360));
        assert!(long.contains(&S(300)), "grpc-go's and grpc-java's default");
        assert_eq!(long.last(), Some(&S(360)));
        let fast: Vec<u128> = intervals(Duration::from_millis(200), Duration::from_millis(600))
            .iter()
            .map(Duration::as_millis)
            .collect();
        assert_eq!(fast, [200, 250, 300, 400, 500, 600]);
        let odd = intervals(Duration::from_millis(1500), Duration::from_millis(3500));
        assert_eq!(
            odd,
            [
                Duration::from_millis(1500),
                S(2),
                S(3),
                Duration::from_millis(3500)
            ]
        );
    }

    #[test]
    fn spacing_never_undershoots_and_needed_grows_to_a_cap() {
        assert_eq!(spacing(S(1)), Duration::from_millis(1002));
        assert_eq!(spacing(S(300)), Duration::from_millis(300_600));
        let mut n = Needed::default();
        assert_eq!(n.get(), 4);
        n.punished_at(3);
        assert_eq!(n.get(), 4, "a java-style GOAWAY on ping 3 asks no more");
        n.punished_at(7);
        assert_eq!(n.get(), 7, "a server that tolerates 5 strikes");
        n.punished_at(1000);
        assert_eq!(n.get(), MAX_PINGS);
        // The shortest interval's tests reach 12 pings; at 1 s, about 12 s.
        assert!(bound(S(1), MAX_PINGS, S(2)) < S(16));
        // The default range's run: 4 pings at 30 s, about 3 x 30 s.
        let b = bound(S(30), 4, S(2));
        assert!(b >= S(90) && b < S(96), "{b:?}");
    }
}
