//! Statistics with bounded memory: exact count/min/max/mean/mdev (Welford), jitter,
//! and percentiles from an HDR histogram. Every statistic merges with another.

use std::collections::BTreeMap;
use std::time::Duration;

use hdrhistogram::Histogram;

use crate::cause::CauseKind;

/// Largest RTT the histogram tracks (one hour); larger values are clamped.
const MAX_TRACKED_NS: u64 = 3_600_000_000_000;

/// Significant digits of the histogram: buckets are at most 1/128 of their value
/// wide, and a percentile is reported from the middle of its bucket, so it is
/// within 0.4% of the sample (and within 50 ns below 25.6 µs, where buckets are
/// one unit wide). Two digits rather than three, units of 100 ns rather than 1 ns
/// and 32-bit counts keep a histogram of RTTs up to a second near 9 KiB instead of
/// 270 KiB, which matters to a one-probe cron check and to a watcher holding
/// 10,000 connections.
const SIGNIFICANT_DIGITS: u8 = 2;

/// Histogram units, in nanoseconds.
const UNIT_NS: u64 = 100;

/// Round-trip time statistics over many samples.
#[derive(Clone, Debug)]
pub struct RttStats {
    count: u64,
    mean_ns: f64,
    /// Sum of squared differences from the mean (Welford's M2).
    m2: f64,
    min_ns: u64,
    max_ns: u64,
    /// RTTs in units of `UNIT_NS`.
    hist: Histogram<u32>,
    /// Sum and count of |rtt[i] - rtt[i-1]| for consecutive samples.
    jitter_sum_ns: f64,
    jitter_count: u64,
    last_ns: Option<u64>,
}

impl Default for RttStats {
    fn default() -> Self {
        RttStats {
            count: 0,
            mean_ns: 0.0,
            m2: 0.0,
            min_ns: u64::MAX,
            max_ns: 0,
            // Auto-resizing: it grows to the largest value seen, no further.
            hist: Histogram::new(SIGNIFICANT_DIGITS).expect("valid histogram precision"),
            jitter_sum_ns: 0.0,
            jitter_count: 0,
            last_ns: None,
        }
    }
}

/// A statistic a threshold can be applied to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Stat {
    Min,
    Avg,
    Max,
    Mdev,
    P50,
    P90,
    P95,
    P99,
    P999,
    Jitter,
}

impl Stat {
    pub const ALL: [Stat; 10] = [
        Stat::Min,
        Stat::Avg,
        Stat::Max,
        Stat::Mdev,
        Stat::P50,
        Stat::P90,
        Stat::P95,
        Stat::P99,
        Stat::P999,
        Stat::Jitter,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Stat::Min => "min",
            Stat::Avg => "avg",
            Stat::Max => "max",
            Stat::Mdev => "mdev",
            Stat::P50 => "p50",
            Stat::P90 => "p90",
            Stat::P95 => "p95",
            Stat::P99 => "p99",
            Stat::P999 => "p99.9",
            Stat::Jitter => "jitter",
        }
    }
}

impl std::str::FromStr for Stat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim().to_ascii_lowercase();
        let alias = if s == "p999" { "p99.9" } else { s.as_str() };
        Stat::ALL
            .into_iter()
            .find(|st| st.as_str() == alias)
            .ok_or_else(|| {
                format!(
                    "unknown statistic '{s}' (expected one of min, avg, max, mdev, p50, p90, p95, p99, p99.9, jitter)"
                )
            })
    }
}

impl std::fmt::Display for Stat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl RttStats {
    pub fn record(&mut self, rtt: Duration) {
        let ns = u64::try_from(rtt.as_nanos()).unwrap_or(u64::MAX);
        self.count += 1;
        let x = ns as f64;
        let delta = x - self.mean_ns;
        self.mean_ns += delta / self.count as f64;
        self.m2 += delta * (x - self.mean_ns);
        self.min_ns = self.min_ns.min(ns);
        self.max_ns = self.max_ns.max(ns);
        let value = (ns.clamp(1, MAX_TRACKED_NS) + UNIT_NS / 2) / UNIT_NS;
        let value = value.max(1);
        if self.hist.record(value).is_err() {
            self.hist.saturating_record(value);
        }
        if let Some(last) = self.last_ns {
            self.jitter_sum_ns += last.abs_diff(ns) as f64;
            self.jitter_count += 1;
        }
        self.last_ns = Some(ns);
    }

    /// Adds another run's samples (Chan et al.'s parallel variance).
    pub fn merge(&mut self, other: &RttStats) {
        if other.count == 0 {
            return;
        }
        if self.count == 0 {
            *self = other.clone();
            return;
        }
        let n = (self.count + other.count) as f64;
        let delta = other.mean_ns - self.mean_ns;
        self.mean_ns += delta * other.count as f64 / n;
        self.m2 += other.m2 + delta * delta * self.count as f64 * other.count as f64 / n;
        self.count += other.count;
        self.min_ns = self.min_ns.min(other.min_ns);
        self.max_ns = self.max_ns.max(other.max_ns);
        self.hist.add(&other.hist).expect("histograms share bounds");
        self.jitter_sum_ns += other.jitter_sum_ns;
        self.jitter_count += other.jitter_count;
        self.last_ns = other.last_ns;
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    /// The value of a statistic, or `None` when there are no samples (or, for
    /// jitter, fewer than two).
    pub fn get(&self, stat: Stat) -> Option<Duration> {
        if self.count == 0 {
            return None;
        }
        let ns = match stat {
            Stat::Min => self.min_ns as f64,
            Stat::Max => self.max_ns as f64,
            Stat::Avg => self.mean_ns,
            // Population deviation, as ping's mdev.
            Stat::Mdev => (self.m2 / self.count as f64).max(0.0).sqrt(),
            Stat::P50 => self.quantile(0.50),
            Stat::P90 => self.quantile(0.90),
            Stat::P95 => self.quantile(0.95),
            Stat::P99 => self.quantile(0.99),
            Stat::P999 => self.quantile(0.999),
            Stat::Jitter if self.jitter_count == 0 => return None,
            Stat::Jitter => self.jitter_sum_ns / self.jitter_count as f64,
        };
        Some(Duration::from_nanos(ns.round() as u64))
    }

    fn quantile(&self, q: f64) -> f64 {
        // The middle of the sample's bucket, kept within the exact range.
        let value = self.hist.median_equivalent(self.hist.value_at_quantile(q)) * UNIT_NS;
        (value as f64).clamp(self.min_ns as f64, self.max_ns as f64)
    }
}

/// What a run of probes against one target amounted to.
#[derive(Clone, Debug, Default)]
pub struct ProbeStats {
    pub transmitted: u64,
    pub received: u64,
    pub rtt: RttStats,
    /// Failed probes by cause.
    pub failures: BTreeMap<CauseKind, u64>,
    /// Connections that ended between probes (reset, eof, ...), by cause.
    pub disconnects: BTreeMap<CauseKind, u64>,
    /// The most recent failure, for saying why a target is unhealthy.
    pub last_failure: Option<crate::cause::Cause>,
}

impl ProbeStats {
    pub fn record_reply(&mut self, rtt: Duration) {
        self.transmitted += 1;
        self.received += 1;
        self.rtt.record(rtt);
    }

    pub fn record_failure(&mut self, cause: &crate::cause::Cause) {
        self.transmitted += 1;
        *self.failures.entry(cause.kind).or_default() += 1;
        self.last_failure = Some(cause.clone());
    }

    pub fn record_disconnect(&mut self, kind: CauseKind) {
        *self.disconnects.entry(kind).or_default() += 1;
    }

    /// Percentage of probes without a reply; 0 when nothing was sent.
    pub fn loss_pct(&self) -> f64 {
        if self.transmitted == 0 {
            0.0
        } else {
            100.0 * (self.transmitted - self.received) as f64 / self.transmitted as f64
        }
    }

    pub fn merge(&mut self, other: &ProbeStats) {
        self.transmitted += other.transmitted;
        self.received += other.received;
        self.rtt.merge(&other.rtt);
        for (k, v) in &other.failures {
            *self.failures.entry(*k).or_default() += v;
        }
        for (k, v) in &other.disconnects {
            *self.disconnects.entry(*k).or_default() += v;
        }
        if other.last_failure.is_some() {
            self.last_failure = other.last_failure.clone();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cause::Cause;

    fn ms(v: f64) -> Duration {
        Duration::from_secs_f64(v / 1000.0)
    }

    fn get_ms(s: &RttStats, stat: Stat) -> f64 {
        s.get(stat).unwrap().as_secs_f64() * 1000.0
    }

    #[test]
    fn known_samples() {
        // 1..=100 ms: mean 50.5, population sd sqrt((100^2-1)/12) = 28.866.
        let mut s = RttStats::default();
        for i in 1..=100 {
            s.record(ms(i as f64));
        }
        assert_eq!(s.count(), 100);
        assert!((get_ms(&s, Stat::Min) - 1.0).abs() < 1e-6);
        assert!((get_ms(&s, Stat::Max) - 100.0).abs() < 1e-6);
        assert!((get_ms(&s, Stat::Avg) - 50.5).abs() < 1e-6);
        assert!((get_ms(&s, Stat::Mdev) - 28.866_070).abs() < 1e-3);
        // Nearest-rank percentiles within the histogram's 0.4% precision.
        for (stat, want) in [(Stat::P50, 50.0), (Stat::P90, 90.0), (Stat::P99, 99.0)] {
            let got = get_ms(&s, stat);
            assert!((got - want).abs() <= want * 0.004, "{stat}: {got}");
        }
        assert!((get_ms(&s, Stat::Jitter) - 1.0).abs() < 1e-6);
    }

    #[test]
    fn ping_mdev_example() {
        // Four samples 0.030, 0.045, 0.062, 0.043 ms: mdev = population sd.
        let xs = [0.030, 0.045, 0.062, 0.043];
        let mut s = RttStats::default();
        xs.iter().for_each(|&x| s.record(ms(x)));
        let mean = xs.iter().sum::<f64>() / 4.0;
        let sd = (xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / 4.0).sqrt();
        assert!((get_ms(&s, Stat::Mdev) - sd).abs() < 1e-5);
        // Jitter: (15 + 17 + 19) µs / 3 consecutive differences.
        assert!((get_ms(&s, Stat::Jitter) - 0.017).abs() < 1e-6);
    }

    #[test]
    fn empty_and_single() {
        let s = RttStats::default();
        assert_eq!(s.get(Stat::Avg), None);
        let mut s = RttStats::default();
        s.record(ms(5.0));
        assert_eq!(s.get(Stat::Mdev), Some(Duration::ZERO));
        assert_eq!(s.get(Stat::Jitter), None);
        assert_eq!(s.get(Stat::P99), Some(ms(5.0)));
    }

    #[test]
    fn memory_stays_small_and_grows_only_with_the_range() {
        let mut s = RttStats::default();
        for i in 1..=100_000u64 {
            s.record(Duration::from_nanos(20_000 + i % 10_000));
        }
        // 20-30 µs samples: a few KiB of buckets, however many samples.
        let bytes = s.hist.distinct_values() * 4;
        assert!(bytes < 4 * 1024, "{bytes} bytes");
        s.record(Duration::from_secs(3600 * 2));
        assert_eq!(
            s.get(Stat::Max),
            Some(Duration::from_secs(7200)),
            "max is exact"
        );
    }

    #[test]
    fn merge_equals_one_pass() {
        let xs: Vec<f64> = (0..500).map(|i| ((i * 37) % 101) as f64 + 0.5).collect();
        let mut whole = RttStats::default();
        xs.iter().for_each(|&x| whole.record(ms(x)));
        let (mut a, mut b) = (RttStats::default(), RttStats::default());
        xs[..200].iter().for_each(|&x| a.record(ms(x)));
        xs[200..].iter().for_each(|&x| b.record(ms(x)));
        a.merge(&b);
        for stat in [
            Stat::Min,
            Stat::Max,
            Stat::Avg,
            Stat::Mdev,
            Stat::P50,
            Stat::P99,
        ] {
            let (x, y) = (get_ms(&a, stat), get_ms(&whole, stat));
            assert!((x - y).abs() < 1e-4, "{stat}: {x} vs {y}");
        }
        assert_eq!(a.count(), 500);
    }

    #[test]
    fn loss_and_failures() {
        let mut p = ProbeStats::default();
        assert_eq!(p.loss_pct(), 0.0);
        p.record_reply(ms(1.0));
        p.record_failure(&Cause::timeout("t"));
        p.record_failure(&Cause::timeout("t"));
        p.record_reply(ms(2.0));
        assert_eq!((p.transmitted, p.received), (4, 2));
        assert_eq!(p.loss_pct(), 50.0);
        assert_eq!(p.failures[&CauseKind::Timeout], 2);
        let mut q = ProbeStats::default();
        q.record_failure(&Cause::new(CauseKind::Refused, "r"));
        p.merge(&q);
        assert_eq!(p.transmitted, 5);
        assert!((p.loss_pct() - 60.0).abs() < 1e-9);
    }

    #[test]
    fn stat_names_round_trip() {
        for stat in Stat::ALL {
            assert_eq!(stat.as_str().parse::<Stat>().unwrap(), stat);
        }
        assert_eq!("P999".parse::<Stat>().unwrap(), Stat::P999);
        assert!("p42".parse::<Stat>().is_err());
    }
}
