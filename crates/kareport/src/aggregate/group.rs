//! Everything known about one group: probe statistics, watch figures, RTT over
//! time and the 24-hour profile, and how each kind of record adds to them.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, SystemTime};

use kaprobe::cause::{Cause, CauseKind};
use kaprobe::stats::ProbeStats;
use kawire::record::{EventRecord, StateRecord, SummaryRecord};

use super::series::Series;

/// Watch figures of a group.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct WatchAgg {
    /// Milliseconds in each state, summed over watch summaries.
    pub time_in_ms: BTreeMap<String, f64>,
    /// Transitions into each state, by cause (from state records).
    pub transitions: BTreeMap<String, u64>,
    /// Outages: transitions into down.
    pub outages: u64,
    pub longest_outage_ms: f64,
    pub total_outage_ms: f64,
    /// WebSocket close codes and GOAWAY reasons seen, with details.
    pub closes: BTreeMap<String, u64>,
}

impl WatchAgg {
    /// Share of the watched time up or degraded; `None` without watch summaries.
    pub fn availability_pct(&self) -> Option<f64> {
        let total: f64 = self.time_in_ms.values().sum();
        if total <= 0.0 {
            return None;
        }
        // `+ 0.0`: an empty f64 sum is -0.0, which prints as "-0.000%".
        let up: f64 = ["up", "degraded"]
            .iter()
            .filter_map(|s| self.time_in_ms.get(*s))
            .sum::<f64>()
            + 0.0;
        Some(100.0 * up / total)
    }
}

/// Everything known about one group.
#[derive(Clone, Debug, Default)]
pub struct Group {
    pub probes: ProbeStats,
    pub watch: WatchAgg,
    pub runs: BTreeSet<String>,
    pub first: Option<SystemTime>,
    pub last: Option<SystemTime>,
    /// RTT, losses and down time over time.
    pub series: Series,
    /// Probes, replies, RTT and outages by hour of the day (UTC).
    pub hours: [HourAgg; 24],
}

/// One hour of the day's figures.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct HourAgg {
    pub probes: u64,
    pub replies: u64,
    pub sum_us: f64,
    pub outages: u64,
}

/// Milliseconds since the epoch.
pub(super) fn epoch_ms(at: SystemTime) -> u64 {
    at.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// The hour of the day (UTC), 0 to 23.
pub(super) fn hour_of_day(at: SystemTime) -> usize {
    ((epoch_ms(at) / 3_600_000) % 24) as usize
}

impl Group {
    /// One probe: a reply after `rtt_us`, or a failure with its cause.
    pub(super) fn probe(
        &mut self,
        at: SystemTime,
        rtt_us: Option<f64>,
        cause: impl FnOnce() -> Cause,
    ) {
        let hour = &mut self.hours[hour_of_day(at)];
        hour.probes += 1;
        match rtt_us {
            Some(us) => {
                self.probes
                    .record_reply(Duration::from_nanos((us * 1000.0).round().max(0.0) as u64));
                self.series.reply(epoch_ms(at), us);
                hour.replies += 1;
                hour.sum_us += us;
            }
            None => {
                self.probes.record_failure(&cause());
                self.series.lost(epoch_ms(at));
            }
        }
    }

    /// A watch's transition (a state record): counted by state and kind, an
    /// outage when it goes down, and a close worth listing.
    pub(super) fn transition(&mut self, s: &StateRecord, at: SystemTime) {
        let cause = CauseKind::from_word(&s.cause);
        *self
            .watch
            .transitions
            .entry(format!("{} ({})", s.to, transition_kind(s, cause)))
            .or_default() += 1;
        if s.to == "down" {
            self.watch.outages += 1;
            self.hours[hour_of_day(at)].outages += 1;
            self.watch.close(cause, &s.cause, s.detail.as_deref());
        }
    }

    /// A connection of a watch ended (a `disconnected` event).
    pub(super) fn disconnected(&mut self, e: &EventRecord) {
        let word = e.cause.as_deref().unwrap_or("io");
        let cause = CauseKind::from_word(word);
        self.probes.record_disconnect(cause);
        self.watch.close(cause, word, e.detail.as_deref());
    }

    /// A run's summary: its watch time in each state and its outages.
    pub(super) fn summary(&mut self, s: &SummaryRecord) {
        if let Some(w) = &s.watch {
            for (state, ms) in &w.time_in_ms {
                *self.watch.time_in_ms.entry(state.clone()).or_default() += ms;
            }
            self.watch.longest_outage_ms = self.watch.longest_outage_ms.max(w.longest_outage_ms);
            self.watch.total_outage_ms += w.total_outage_ms;
        }
    }
}

impl WatchAgg {
    /// Lists a WebSocket close or a GOAWAY, the closes worth listing, under the
    /// recorded cause word and its detail.
    fn close(&mut self, kind: CauseKind, word: &str, detail: Option<&str>) {
        if !matches!(kind, CauseKind::WsClose(_) | CauseKind::Goaway(_)) {
            return;
        }
        let what = match detail {
            Some(d) => format!("{word} ({d})"),
            None => word.to_string(),
        };
        *self.closes.entry(what).or_default() += 1;
    }
}

/// A probe record's cause: its word read once into a kind (`io` when absent),
/// with its detail.
pub(super) fn probe_cause(word: Option<&str>, detail: Option<&str>) -> Cause {
    let kind = CauseKind::from_word(word.unwrap_or("io"));
    Cause::new(kind, detail.unwrap_or("").to_string())
}

/// The kind of a transition's cause, which groupings key on: the record's own, or
/// for records written before it had one, the kind its words name (never the
/// timings in them, which would make a key per transition).
fn transition_kind(s: &StateRecord, cause: CauseKind) -> String {
    if let Some(kind) = &s.kind {
        return kind.clone();
    }
    let first = s.cause.split_whitespace().next().unwrap_or("");
    match first {
        "connect" => "connected".into(),
        "reply" => "reply".into(),
        "rtt" => "slow".into(),
        "missed" => "missed".into(),
        "attempt" if s.cause.contains(" in ") => "backoff".into(),
        "attempt" => "attempt".into(),
        "backoff" => "backoff".into(),
        _ => cause.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::aggregator::Aggregator;
    use super::super::group_by::GroupBy;

    fn down(cause: &str, detail: &str) -> String {
        format!(
            r#"{{"type":"state","v":1,"ts":"2026-11-21T10:00:00.000000Z","run":"r","target":"ws://h/","protocol":"ws","mode":"ping","from":"up","to":"down","cause":"{cause}","detail":"{detail}"}}"#
        )
    }

    #[test]
    fn closes_are_listed_by_their_kind_under_their_words() {
        let mut agg = Aggregator::new(GroupBy::Target, None, None);
        for (cause, detail) in [
            ("ws-close 1011", "keepalive ping timeout"),
            ("goaway ENHANCE_YOUR_CALM", "too_many_pings"),
            ("timeout", "no pong"),
            ("ws-closed", "not a close word"),
        ] {
            agg.ingest(&down(cause, detail)).unwrap();
        }
        let closes: Vec<&String> = agg.groups()["ws://h/"].watch.closes.keys().collect();
        assert_eq!(
            closes,
            [
                "goaway ENHANCE_YOUR_CALM (too_many_pings)",
                "ws-close 1011 (keepalive ping timeout)"
            ]
        );
    }
}
