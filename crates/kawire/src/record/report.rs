//! kareport's `--json` document: what it read and the statistics of each group.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::RttSummary;

/// The `kareport --json` document.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReportDoc {
    pub v: u32,
    pub tool: String,
    pub version: String,
    /// `target`, `protocol`, `mode`, `hour` or `day`.
    pub group_by: String,
    pub input: InputCounts,
    /// One entry per group (per target unless grouped otherwise).
    pub targets: Vec<ReportGroup>,
    pub healthy: bool,
    pub breaches: Vec<String>,
}

/// What kareport read.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct InputCounts {
    pub files: u64,
    pub lines: u64,
    pub records: u64,
    /// Lines skipped with --skip-invalid.
    pub invalid: u64,
    /// Records of a type this version does not know.
    pub unknown: u64,
    /// Records outside --since/--until.
    pub outside_window: u64,
}

/// Statistics of one group.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReportGroup {
    /// The group: a target, protocol, `protocol mode`, hour or day.
    pub group: String,
    pub runs: u64,
    pub probes: u64,
    pub replies: u64,
    pub loss_pct: f64,
    pub rtt: RttSummary,
    pub failures: BTreeMap<String, u64>,
    pub disconnects: BTreeMap<String, u64>,
    /// From kawatch summaries: share of the watched time up or degraded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability_pct: Option<f64>,
    pub time_in_ms: BTreeMap<String, f64>,
    pub outages: u64,
    pub longest_outage_ms: f64,
    pub total_outage_ms: f64,
    /// Transitions as `to (cause)`, counted.
    pub transitions: BTreeMap<String, u64>,
    /// WebSocket close codes and GOAWAY reasons seen.
    pub closes: BTreeMap<String, u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_ts: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_ts: Option<String>,
    /// The time-of-day pattern: each hour of the day (UTC) that has records.
    #[serde(default)]
    pub hour_of_day: Vec<ReportHour>,
}

/// One hour of the day (UTC) across all days of a group.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReportHour {
    /// 0 to 23: the hour starting at `hour`:00 UTC.
    pub hour: u8,
    pub probes: u64,
    pub replies: u64,
    pub loss_pct: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avg_us: Option<f64>,
    /// Transitions into down in this hour.
    pub outages: u64,
}
