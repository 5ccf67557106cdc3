//! RTT over time in bounded memory: a regular grid of time buckets (replies, losses,
//! RTT sum/min/max, time down) whose width doubles whenever the data would span more
//! than its bucket limit, so a day or a month of records costs the same.

use std::collections::BTreeMap;

/// What one time bucket holds.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Bucket {
    pub replies: u32,
    pub lost: u32,
    pub sum_us: f64,
    pub min_us: f64,
    pub max_us: f64,
    /// Milliseconds of this bucket spent down (from watch state records).
    pub down_ms: f64,
}

impl Bucket {
    pub fn avg_us(&self) -> Option<f64> {
        (self.replies > 0).then(|| self.sum_us / f64::from(self.replies))
    }

    fn merge(&mut self, o: &Bucket) {
        if o.replies > 0 {
            self.min_us = if self.replies > 0 {
                self.min_us.min(o.min_us)
            } else {
                o.min_us
            };
            self.max_us = self.max_us.max(o.max_us);
        }
        self.replies += o.replies;
        self.lost += o.lost;
        self.sum_us += o.sum_us;
        self.down_ms += o.down_ms;
    }
}

/// Time buckets keyed by `ms since the epoch / width`, spanning at most `limit`
/// widths from the first to the last.
#[derive(Clone, Debug)]
pub struct Series {
    width_ms: u64,
    limit: u64,
    buckets: BTreeMap<u64, Bucket>,
}

/// Buckets per series by default: finer than a plot's pixels, about 32 KiB.
pub const DEFAULT_BUCKETS: u64 = 512;

impl Default for Series {
    fn default() -> Self {
        Series::new(DEFAULT_BUCKETS)
    }
}

impl Series {
    pub fn new(limit: u64) -> Self {
        Series {
            width_ms: 1,
            limit: limit.max(2),
            buckets: BTreeMap::new(),
        }
    }

    /// Current bucket width in milliseconds.
    pub fn width_ms(&self) -> u64 {
        self.width_ms
    }

    /// Widens the buckets until `from_ms..=to_ms` and what is held fit the limit.
    fn fit(&mut self, from_ms: u64, to_ms: u64) {
        loop {
            let lo = self
                .buckets
                .first_key_value()
                .map_or(from_ms / self.width_ms, |(k, _)| {
                    (*k).min(from_ms / self.width_ms)
                });
            let hi = self
                .buckets
                .last_key_value()
                .map_or(to_ms / self.width_ms, |(k, _)| {
                    (*k).max(to_ms / self.width_ms)
                });
            if hi - lo < self.limit {
                return;
            }
            self.width_ms *= 2;
            let old = std::mem::take(&mut self.buckets);
            for (k, b) in old {
                self.buckets.entry(k / 2).or_default().merge(&b);
            }
        }
    }

    fn slot(&mut self, at_ms: u64) -> &mut Bucket {
        self.fit(at_ms, at_ms);
        self.buckets.entry(at_ms / self.width_ms).or_default()
    }

    /// A reply at `at_ms` (ms since the epoch) after `rtt_us`.
    pub fn reply(&mut self, at_ms: u64, rtt_us: f64) {
        let b = self.slot(at_ms);
        b.merge(&Bucket {
            replies: 1,
            sum_us: rtt_us,
            min_us: rtt_us,
            max_us: rtt_us,
            ..Bucket::default()
        });
    }

    /// A probe at `at_ms` that got no reply.
    pub fn lost(&mut self, at_ms: u64) {
        self.slot(at_ms).lost += 1;
    }

    /// Down from `from_ms` until `to_ms`, spread over the buckets it covers.
    pub fn down(&mut self, from_ms: u64, to_ms: u64) {
        if to_ms <= from_ms {
            return;
        }
        self.fit(from_ms, to_ms - 1);
        let w = self.width_ms;
        for k in from_ms / w..=(to_ms - 1) / w {
            let (start, end) = (k * w, (k + 1) * w);
            let overlap = to_ms.min(end) - from_ms.max(start);
            self.buckets.entry(k).or_default().down_ms += overlap as f64;
        }
    }

    /// Buckets in time order as (start ms since the epoch, bucket).
    pub fn buckets(&self) -> impl Iterator<Item = (u64, &Bucket)> + '_ {
        self.buckets.iter().map(|(k, b)| (k * self.width_ms, b))
    }

    /// First and last covered millisecond.
    pub fn span_ms(&self) -> Option<(u64, u64)> {
        let first = self.buckets.first_key_value()?.0;
        let last = self.buckets.last_key_value()?.0;
        Some((first * self.width_ms, (last + 1) * self.width_ms))
    }

    /// The series merged into `n` equal slots over its own span (for sparklines);
    /// `None` where a slot holds nothing.
    pub fn resample(&self, n: usize) -> Vec<Option<Bucket>> {
        let mut out = vec![None; n];
        let Some((from, to)) = self.span_ms() else {
            return out;
        };
        let span = (to - from).max(1) as f64;
        for (start, b) in self.buckets() {
            let i = (((start - from) as f64 / span) * n as f64) as usize;
            out[i.min(n - 1)]
                .get_or_insert_with(Bucket::default)
                .merge(b);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_widen_to_stay_within_the_limit() {
        let mut s = Series::new(8);
        for i in 0..1000u64 {
            s.reply(1_000_000 + i, (i % 10) as f64);
        }
        assert_eq!(s.width_ms(), 256, "1000 ms over at most 8 buckets");
        assert!(s.buckets().count() <= 8);
        let total: u32 = s.buckets().map(|(_, b)| b.replies).sum();
        assert_eq!(total, 1000, "nothing lost by merging");
        let sum: f64 = s.buckets().map(|(_, b)| b.sum_us).sum();
        assert_eq!(sum, 4500.0);
        let max = s.buckets().map(|(_, b)| b.max_us).fold(0.0, f64::max);
        assert_eq!(max, 9.0);
    }

    #[test]
    fn out_of_order_times_land_in_their_buckets() {
        let mut s = Series::new(4);
        s.reply(10_000, 5.0);
        s.lost(2_000);
        s.reply(1_000, 1.0);
        let b: Vec<(u64, u32, u32)> = s.buckets().map(|(t, b)| (t, b.replies, b.lost)).collect();
        // 1000..10000 ms over 4 buckets: width 4096.
        assert_eq!(b, vec![(0, 1, 1), (8192, 1, 0)]);
    }

    #[test]
    fn down_time_is_split_across_buckets() {
        let mut s = Series::new(16);
        s.reply(0, 1.0);
        s.reply(15, 1.0);
        assert_eq!(s.width_ms(), 1);
        s.down(3, 7);
        let down: Vec<f64> = s.buckets().map(|(_, b)| b.down_ms).collect();
        assert_eq!(down.iter().sum::<f64>(), 4.0);
        // A long outage widens the grid first, then spreads exactly.
        s.down(10, 1010);
        let total: f64 = s.buckets().map(|(_, b)| b.down_ms).sum();
        assert_eq!(total, 1004.0);
        assert!(s.buckets().all(|(_, b)| b.down_ms <= s.width_ms() as f64));
    }

    #[test]
    fn resampling_keeps_every_reply() {
        let mut s = Series::new(64);
        for i in 0..64u64 {
            s.reply(i * 10, if i < 32 { 1.0 } else { 9.0 });
        }
        let r = s.resample(8);
        assert_eq!(r.len(), 8);
        assert_eq!(r.iter().flatten().map(|b| b.replies).sum::<u32>(), 64);
        assert_eq!(r[0].unwrap().avg_us(), Some(1.0));
        assert_eq!(r[7].unwrap().avg_us(), Some(9.0));
    }
}
