//! The end-of-run summary record of a target: its probe statistics and, from
//! kawatch, its watch section.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Header;

/// The end-of-run summary for one target.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SummaryRecord {
    #[serde(flatten)]
    pub header: Header,
    #[serde(flatten)]
    pub summary: TargetSummary,
    /// kawatch: states, availability, outages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub watch: Option<WatchSummaryRecord>,
}

/// Statistics for one target; the body of summary records and of `--json` targets.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TargetSummary {
    pub transmitted: u64,
    pub received: u64,
    pub loss_pct: f64,
    pub elapsed_ms: f64,
    pub rtt: RttSummary,
    /// Failed probes by cause.
    pub failures: BTreeMap<String, u64>,
    /// Connections the peer ended between probes, by cause.
    pub disconnects: BTreeMap<String, u64>,
}

/// RTT statistics in microseconds; all `null` when there was no reply.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RttSummary {
    pub min_us: Option<f64>,
    pub avg_us: Option<f64>,
    pub max_us: Option<f64>,
    pub mdev_us: Option<f64>,
    pub p50_us: Option<f64>,
    pub p90_us: Option<f64>,
    pub p95_us: Option<f64>,
    pub p99_us: Option<f64>,
    pub p999_us: Option<f64>,
    /// Mean absolute difference between consecutive RTTs.
    pub jitter_us: Option<f64>,
}

/// What a watch of one target amounted to (kawatch summaries).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WatchSummaryRecord {
    /// The state at the end.
    pub state: String,
    /// Share of the time up or degraded.
    pub availability_pct: f64,
    /// Milliseconds in each state.
    pub time_in_ms: BTreeMap<String, f64>,
    pub transitions: u64,
    /// Outages: from down until up again.
    pub outages: u64,
    pub longest_outage_ms: f64,
    pub total_outage_ms: f64,
    /// Transitions into down, by cause.
    pub down_causes: BTreeMap<String, u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_cause: Option<String>,
    /// Connections that came up and later ended, and the longest one.
    pub lifetimes: u64,
    pub longest_lifetime_ms: f64,
}
