//! From an aggregated group to its part of kareport's `--json` document.

use kaprobe::recorder::{by_word, pct3, rtt_summary};
use kawire::record::{ReportGroup, ReportHour, timestamp};

use super::group::Group;

/// The document's entry for the group `key`.
pub fn group_doc(key: &str, g: &Group) -> ReportGroup {
    let loss = g.probes.loss_pct();
    ReportGroup {
        group: key.to_string(),
        runs: g.runs.len() as u64,
        probes: g.probes.transmitted,
        replies: g.probes.received,
        loss_pct: pct3(loss),
        rtt: rtt_summary(&g.probes.rtt),
        failures: by_word(&g.probes.failures),
        disconnects: by_word(&g.probes.disconnects),
        availability_pct: g.watch.availability_pct().map(pct3),
        time_in_ms: g.watch.time_in_ms.clone(),
        outages: g.watch.outages,
        longest_outage_ms: g.watch.longest_outage_ms,
        total_outage_ms: g.watch.total_outage_ms,
        transitions: g.watch.transitions.clone(),
        closes: g.watch.closes.clone(),
        first_ts: g.first.map(timestamp),
        last_ts: g.last.map(timestamp),
        hour_of_day: g
            .hours
            .iter()
            .enumerate()
            .filter(|(_, h)| h.probes > 0 || h.outages > 0)
            .map(|(hour, h)| ReportHour {
                hour: hour as u8,
                probes: h.probes,
                replies: h.replies,
                loss_pct: if h.probes == 0 {
                    0.0
                } else {
                    let lost = (h.probes - h.replies) as f64;
                    (100_000.0 * lost / h.probes as f64).round() / 1000.0
                },
                avg_us: (h.replies > 0)
                    .then(|| (h.sum_us / h.replies as f64 * 1000.0).round() / 1000.0),
                outages: h.outages,
            })
            .collect(),
    }
}
