//! kafind's documents: `idle_timeout` (the `--json` document, and the last
//! `--ndjson` line) and `rung` (an `--ndjson` line per test connection as it ends).

use serde::{Deserialize, Serialize};

/// How connections died: the cause word and the peer's or OS's detail.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DeathRecord {
    pub cause: String,
    pub detail: String,
}

/// One test connection's outcome.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RungRecord {
    /// The idle age it was probed at (or would have been).
    pub idle_ms: f64,
    /// `ladder` or `refine`.
    pub origin: String,
    /// `alive`, `closed`, `reset`, `silent`, `late_reset`, `failed`, `cancelled`.
    pub outcome: String,
    /// The cause word of its end, if it ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cause: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Silence before an active end (FIN, reset, close, GOAWAY), measured to its
    /// arrival; absent for silent drops and survivors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub died_after_ms: Option<f64>,
}

/// An `--ndjson` line per rung.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RungLine {
    #[serde(rename = "type")]
    pub kind: String,
    pub v: u32,
    pub ts: String,
    pub run: String,
    pub target: String,
    /// The address measured, when the target is pinned to one (`--each-address`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub addr: Option<String>,
    #[serde(flatten)]
    pub rung: RungRecord,
}

/// What every kafind document starts with: what it is, who wrote it, of which
/// run and target.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DocHeader {
    /// `idle_timeout` or `ping_policy`.
    #[serde(rename = "type")]
    pub kind: String,
    pub v: u32,
    pub tool: String,
    pub version: String,
    pub run: String,
    /// When the run started.
    pub ts: String,
    pub target: String,
    pub protocol: String,
    /// The address measured, when the target is pinned to one (`--each-address`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub addr: Option<String>,
    /// The HTTP proxy the target was reached through (`http://host:port`), which
    /// is part of every figure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via_proxy: Option<String>,
}

/// The answer of `kafind idle-timeout`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IdleTimeoutDoc {
    #[serde(flatten)]
    pub header: DocHeader,
    pub mode: String,
    /// `closed`, `reset`, `silent`, `lifetime`, `none_found`,
    /// `kept_alive_by_server`, `inconsistent` or `failed`.
    pub verdict: String,
    /// The verdict in one sentence, as the terminal shows it.
    pub summary: String,
    /// The best estimate, or null.
    pub timeout_ms: Option<f64>,
    /// Longest idle age seen alive (for active closes: the shortest death age).
    pub low_ms: Option<f64>,
    /// Shortest idle age seen dead, null if none (for active closes: the longest
    /// death age).
    pub high_ms: Option<f64>,
    pub death: Option<DeathRecord>,
    pub recommended_interval_ms: Option<f64>,
    /// Test connections opened, the control included.
    pub connections: usize,
    pub elapsed_ms: f64,
    /// The interval of the server's own pings, null if it never pinged.
    pub server_ping_interval_ms: Option<f64>,
    /// HTTP/1.1: the idle timeout the server's `Keep-Alive: timeout=N` header
    /// claims, next to the measured `timeout_ms`; null without the header.
    #[serde(default)]
    pub announced_timeout_ms: Option<f64>,
    /// `--lb-idle` only: the balancer's idle timeout asked about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lb_idle_ms: Option<f64>,
    /// `--lb-idle` only: whether such a balancer would reuse connections this
    /// server has already closed (the 502 race); null when the run cannot tell.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lb_race: Option<bool>,
    /// `--lb-idle` only, with a race: how much to raise the server's timeout by.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lb_raise_by_ms: Option<f64>,
    /// Stopped (Ctrl-C) before the answer was known: what is here is the bracket
    /// so far.
    pub interrupted: bool,
    /// Exit status 1 was earned: the path kills idle connections sooner than
    /// `--require`, or the run failed.
    pub healthy: bool,
    pub rungs: Vec<RungRecord>,
}

/// The punished interval's GOAWAY.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GoawayRecord {
    /// The error code's RFC 9113 name (`ENHANCE_YOUR_CALM`).
    pub code: String,
    /// Its debug data, exact (`too_many_pings`).
    pub debug: String,
}

/// The allowed minimum interval as a bracket.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IntervalBracket {
    /// The longest punished interval; null when even `--min` was allowed.
    pub low: Option<f64>,
    /// The shortest allowed interval above it; null when even `--max` was punished.
    pub high: Option<f64>,
}

/// Client keepalive settings inside the policy.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RecommendedKeepalive {
    pub interval_ms: f64,
    pub timeout_ms: f64,
    pub permit_without_stream: bool,
    /// The same in each stack's words: `grpc-go`, `grpc-core`, `grpc-java`, `tonic`.
    pub code: std::collections::BTreeMap<String, String>,
}

/// One interval under one condition.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PolicyTestRecord {
    pub interval_ms: f64,
    /// `without_stream` or `with_stream`.
    pub condition: String,
    pub pings: u32,
    /// `allowed`, `punished` or `failed`.
    pub outcome: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cause: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ping_rtt_us: Option<f64>,
}

/// The answer of `kafind ping-policy`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PingPolicyDoc {
    #[serde(flatten)]
    pub header: DocHeader,
    /// `policy`, `no_policy`, `intermediary`, `inconsistent` or `failed`.
    pub verdict: String,
    pub summary: String,
    /// In milliseconds.
    pub min_interval_ms: IntervalBracket,
    /// Which condition the bracket is about: `with_stream` when a Watch stream
    /// could be held, else `without_stream`.
    pub condition: Option<String>,
    pub max_strikes: Option<u32>,
    pub permit_without_stream: Option<bool>,
    pub goaway: Option<GoawayRecord>,
    pub intermediary: bool,
    /// What says an intermediary answers the PINGs: `server` or `via` headers
    /// that name a proxy (timing alone is no evidence; the summary says it).
    pub evidence: Vec<String>,
    /// The intermediary's name, from its headers.
    pub proxy: Option<String>,
    /// `grpc-go`, `grpc-core` or `grpc-java`, where the pattern tells.
    pub fingerprint: Option<String>,
    pub recommended: Option<RecommendedKeepalive>,
    pub ping_rtt_us: Option<f64>,
    /// The fastest health Check (or request) on a connection of its own.
    pub call_rtt_us: Option<f64>,
    pub server_header: Option<String>,
    pub connections: usize,
    pub elapsed_ms: f64,
    pub interrupted: bool,
    pub healthy: bool,
    pub tests: Vec<PolicyTestRecord>,
}

/// One mechanism of `kafind layers`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LayerRecord {
    /// `none`, `tcp-keepalive`, or a mode (`echo`, `ping`, `text`, `h2ping`,
    /// `health`, `request`).
    pub mechanism: String,
    pub interval_ms: f64,
    /// `yes`, `no`, or `unknown` (the control lived too); `failed` when the
    /// connection could not be tested.
    pub kept_alive: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cause: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// How long it lived before an active end (FIN, reset, close, GOAWAY, a
    /// failed keepalive); null for survivors and silent drops.
    pub died_after_ms: Option<f64>,
    /// How soon, at its settings, it notices a dead peer; null for `none`.
    pub detect_dead_within_ms: Option<f64>,
    /// `--measure-detection` only: how long after the peer went dead it said so;
    /// null when it did not within the run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detected_after_ms: Option<f64>,
}

/// The answer of `kafind layers`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LayersDoc {
    #[serde(flatten)]
    pub header: DocHeader,
    pub summary: String,
    /// The cheapest mechanism that kept its connection alive and notices a dead
    /// peer within `detect_within_ms`; null when none did.
    pub recommended: Option<String>,
    pub interval_ms: f64,
    pub duration_ms: f64,
    pub detect_within_ms: f64,
    /// The idle timeout found first (when no `--interval` was given).
    pub idle_timeout_ms: Option<f64>,
    /// `--measure-detection`: when the peer went dead, after each connection opened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measure_detection_ms: Option<f64>,
    pub elapsed_ms: f64,
    pub interrupted: bool,
    pub healthy: bool,
    pub mechanisms: Vec<LayerRecord>,
}
