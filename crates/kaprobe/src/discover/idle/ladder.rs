//! The ladder of idle ages: about 1.25x apart from the shortest to the longest,
//! plus a pair just below and above each well-known default timeout in range, and
//! the evenly spread points that refine a bracket.

use std::time::Duration;

/// Each rung's idle age is about this much longer than the one below.
pub const GROWTH: f64 = 1.25;

/// Idle timeouts that products ship with, in seconds: AWS NLB (350) and ALB (60),
/// NAT gateways (350), Azure LB (240), GCP (600), nginx (60), HAProxy, conntrack
/// defaults, and so on.
pub const DEFAULTS_S: [u64; 12] = [60, 100, 120, 240, 300, 340, 350, 400, 600, 900, 1200, 3600];

/// How far below and above a default its pair of rungs sits.
const PAIR: f64 = 0.02;

/// Rungs closer than this (relatively) are one rung.
const SAME: f64 = 0.01;

/// The ladder from `min` to `max`, shortest first: `min`, then 1.25x steps, `max`
/// itself, and the pairs around the defaults between them.
pub fn ladder(min: Duration, max: Duration) -> Vec<Duration> {
    let (min_s, max_s) = (min.as_secs_f64(), max.as_secs_f64().max(min.as_secs_f64()));
    let mut rungs = Vec::new();
    let mut at = min_s;
    while at < max_s * (1.0 - SAME) {
        rungs.push(at);
        at *= GROWTH;
    }
    rungs.push(max_s);
    for d in DEFAULTS_S.map(|s| s as f64) {
        for pair in [d * (1.0 - PAIR), d * (1.0 + PAIR)] {
            if pair > min_s && pair < max_s {
                rungs.push(pair);
            }
        }
    }
    dedup(rungs)
}

/// `n` idle ages spread evenly strictly inside `(low, high)`.
pub fn refine(low: Duration, high: Duration, n: usize) -> Vec<Duration> {
    if high <= low || n == 0 {
        return Vec::new();
    }
    let step = (high - low).as_secs_f64() / (n + 1) as f64;
    let points = (1..=n)
        .map(|i| low.as_secs_f64() + step * i as f64)
        .collect();
    dedup(points)
}

/// How many points split `(low, high)` into steps narrow enough that any two
/// neighbours bracket to `precision` (a fraction of the upper one): steps of 90% of
/// `precision` of `low`, so one round of refining suffices.
pub fn points_for(low: Duration, high: Duration, precision: f64) -> usize {
    let width = high.saturating_sub(low).as_secs_f64();
    let base = if low.is_zero() { high } else { low };
    let step = (base.as_secs_f64() * precision * 0.9).max(0.001);
    ((width / step).ceil() as usize).saturating_sub(1)
}

/// Sorted, rounded to milliseconds, with near-duplicates merged.
fn dedup(mut secs: Vec<f64>) -> Vec<Duration> {
    secs.sort_by(f64::total_cmp);
    let mut out: Vec<Duration> = Vec::with_capacity(secs.len());
    for s in secs {
        let d = Duration::from_millis((s * 1000.0).round() as u64);
        match out.last() {
            Some(last) if d.as_secs_f64() <= last.as_secs_f64() * (1.0 + SAME) => {}
            _ => out.push(d),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(n: f64) -> Duration {
        Duration::from_secs_f64(n)
    }

    #[test]
    fn rungs_grow_by_about_a_quarter_and_end_at_max() {
        let rungs = ladder(s(5.0), s(1800.0));
        assert_eq!(rungs[0], s(5.0));
        assert_eq!(*rungs.last().unwrap(), s(1800.0));
        let ladder_only = ladder(s(5.0), s(50.0));
        for pair in ladder_only.windows(2) {
            let ratio = pair[1].as_secs_f64() / pair[0].as_secs_f64();
            assert!(ratio > 1.01 && ratio <= GROWTH + 0.001, "{pair:?}: {ratio}");
        }
        // 5 s to 30 min: 27 steps, 22 rungs around the 11 defaults inside, 1 max.
        assert!(rungs.len() <= 51, "{} rungs", rungs.len());
    }

    #[test]
    fn defaults_in_range_get_a_rung_just_below_and_just_above() {
        let rungs = ladder(s(5.0), s(1800.0));
        for d in DEFAULTS_S.iter().filter(|&&d| d < 1800) {
            let d = *d as f64;
            assert!(rungs.contains(&s(d * 0.98)), "below {d}: {rungs:?}");
            assert!(rungs.contains(&s(d * 1.02)), "above {d}: {rungs:?}");
        }
        assert!(
            !rungs.iter().any(|r| *r > s(1800.0)),
            "3600 s is outside the range"
        );
        let short = ladder(s(1.0), s(10.0));
        assert!(short.iter().all(|r| *r <= s(10.0)));
        assert_eq!(short.len(), 12, "{short:?}");
    }

    #[test]
    fn refine_spreads_points_inside_the_bracket() {
        let points = refine(s(10.0), s(12.5), 4);
        assert_eq!(points, vec![s(10.5), s(11.0), s(11.5), s(12.0)]);
        assert!(refine(s(10.0), s(10.0), 3).is_empty());
        // 25% wide at 3%: 9 points make steps of 2.5% of the top.
        assert_eq!(points_for(s(10.0), s(12.5), 0.03), 9);
        assert_eq!(points_for(s(100.0), s(125.0), 0.03), 9);
        assert_eq!(points_for(s(10.0), s(10.2), 0.03), 0);
        let (lo, hi) = (s(10.0), s(12.5));
        let pts = refine(lo, hi, points_for(lo, hi, 0.03));
        let all: Vec<Duration> = [vec![lo], pts, vec![hi]].concat();
        for w in all.windows(2) {
            let frac = (w[1] - w[0]).as_secs_f64() / w[1].as_secs_f64();
            assert!(frac <= 0.03, "{w:?}: {frac}");
        }
    }
}
