//! The record schema (version 1): what `--ndjson` streams, what `--json` prints and
//! what kareport reads, one module per document. These serde types are the wire
//! format and are documented in `docs/schema.md`; changing them is an API change.
//! They hold no logic beyond their units: producers build them from what they
//! measured.

mod discover;
mod ndjson;
mod ping;
mod report;
mod serve;
mod summary;

pub use discover::{
    DeathRecord, DocHeader, GoawayRecord, IdleTimeoutDoc, IntervalBracket, LayerRecord, LayersDoc,
    PingPolicyDoc, PolicyTestRecord, RecommendedKeepalive, RungLine, RungRecord,
};
pub use ndjson::{EventRecord, PhasesRecord, ProbeRecord, StateRecord};
pub use ping::{PingDoc, PingTarget};
pub use report::{InputCounts, ReportDoc, ReportGroup, ReportHour};
pub use serve::ServeRecord;
pub use summary::{RttSummary, SummaryRecord, TargetSummary, WatchSummaryRecord};

use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

/// Version of the record schema; every record carries it as `"v"`.
pub const SCHEMA_VERSION: u32 = 1;

/// RFC 3339 UTC with microseconds, as every record's `ts`.
pub fn timestamp(at: SystemTime) -> String {
    humantime::format_rfc3339_micros(at).to_string()
}

/// A duration in microseconds with fractional part, as every `*_us` field.
pub fn micros(d: Duration) -> f64 {
    d.as_nanos() as f64 / 1000.0
}

/// A duration in milliseconds with fractional part, as every `*_ms` field.
pub fn millis(d: Duration) -> f64 {
    micros(d) / 1000.0
}

/// One line of NDJSON.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Record {
    Probe(ProbeRecord),
    Event(EventRecord),
    State(StateRecord),
    Summary(Box<SummaryRecord>),
}

/// Fields every record about a target carries.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Header {
    /// Schema version.
    pub v: u32,
    /// When it happened (for probes: when the probe was sent).
    pub ts: String,
    /// Identifies one process run, so several runs in one file stay apart.
    pub run: String,
    /// The target in canonical form (`tcp://host:port`).
    pub target: String,
    /// `tcp`, `ws`, `grpc`.
    pub protocol: String,
    /// `echo`, `connect`, ...
    pub mode: String,
    /// The address the record's connection went to: on every record of a target
    /// pinned to one address (`--each-address`), and on `connected` events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub addr: Option<String>,
}

impl Header {
    /// Who the record is about, as reports group it: the target, with its address
    /// when the target is pinned to one (`tcp://h:1 (::1)`).
    pub fn who(&self) -> String {
        match &self.addr {
            Some(addr) => format!("{} ({addr})", self.target),
            None => self.target.clone(),
        }
    }
}

/// A short identifier for one process run: start time and process id.
pub fn run_id(started: SystemTime) -> String {
    let secs = started
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_micros())
        .unwrap_or(0);
    format!("{secs:x}-{:x}", std::process::id())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn micros_keeps_nanoseconds() {
        assert_eq!(micros(Duration::from_nanos(52_345)), 52.345);
        assert_eq!(micros(Duration::from_millis(50)), 50_000.0);
    }

    #[test]
    fn timestamps_are_rfc3339_utc() {
        let ts = timestamp(SystemTime::UNIX_EPOCH + Duration::from_micros(1_500_000));
        assert_eq!(ts, "1970-01-01T00:00:01.500000Z");
    }
}
