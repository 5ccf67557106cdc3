//! The record schema (version 1): what `--ndjson` streams, what `--json` prints and
//! what kareport reads. These serde types are the wire format and are documented in
//! `docs/schema.md`; changing them is an API change.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use crate::run::{Event, TargetResult};
use crate::stats::{ProbeStats, RttStats, Stat};

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

/// One line of NDJSON.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Record {
    Probe(ProbeRecord),
    Event(EventRecord),
    State(StateRecord),
    Summary(Box<SummaryRecord>),
}

/// A watched connection changed state (kawatch).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StateRecord {
    #[serde(flatten)]
    pub header: Header,
    pub from: String,
    pub to: String,
    /// Why, in a network engineer's words (`timeout`, `reset`, `goaway ...`), or
    /// what happened (`connect 1.2ms`, `missed 1/3 pongs`, `attempt 2 in 2.1s`).
    pub cause: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// `reconnecting` only: the attempt and the wait before it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempt: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_in_ms: Option<f64>,
    /// `down` from `up` or `degraded`: how long the connection lived.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifetime_ms: Option<f64>,
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

impl WatchSummaryRecord {
    pub fn new(s: &crate::watch::ledger::WatchSummary) -> Self {
        let ms = |d: Duration| micros(d) / 1000.0;
        WatchSummaryRecord {
            state: s.state.to_string(),
            availability_pct: (s.availability_pct * 1000.0).round() / 1000.0,
            time_in_ms: s
                .time_in
                .iter()
                .map(|(k, v)| (k.to_string(), ms(*v)))
                .collect(),
            transitions: s.transitions,
            outages: s.outages,
            longest_outage_ms: ms(s.longest_outage),
            total_outage_ms: ms(s.total_outage),
            down_causes: s.down_causes.clone(),
            last_cause: s.last_cause.clone(),
            lifetimes: s.lifetimes,
            longest_lifetime_ms: ms(s.longest_lifetime),
        }
    }
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
}

/// The result of one probe.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProbeRecord {
    #[serde(flatten)]
    pub header: Header,
    pub seq: u64,
    pub ok: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rtt_us: Option<f64>,
    /// Why the probe failed (`timeout`, `refused`, `reset`, `eof`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cause: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Phase times of a probe on a fresh connection (`--fresh`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phases: Option<PhasesRecord>,
}

/// How long each step of opening a connection took.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PhasesRecord {
    /// TCP handshake.
    pub connect_us: f64,
    /// TLS handshake (TLS targets only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_us: Option<f64>,
    /// WebSocket upgrade or HTTP/2 handshake.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handshake_us: Option<f64>,
    /// First keepalive round trip on the new connection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_us: Option<f64>,
}

impl PhasesRecord {
    pub fn new(p: &crate::proto::Phases) -> Self {
        PhasesRecord {
            connect_us: micros(p.connect),
            tls_us: p.tls.map(micros),
            handshake_us: p.handshake.map(micros),
            first_us: p.first.map(micros),
        }
    }
}

/// A connection event: `connected`, `disconnected` or `server-ping`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EventRecord {
    #[serde(flatten)]
    pub header: Header,
    pub event: String,
    /// The peer address of the connection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub addr: Option<String>,
    /// How the connection was opened; `connected` only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phases: Option<PhasesRecord>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cause: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Time since the server's previous ping; `server-ping` only, not on the first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval_ms: Option<f64>,
}

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

impl RttSummary {
    pub fn from_stats(rtt: &RttStats) -> Self {
        let g = |s: Stat| rtt.get(s).map(micros);
        RttSummary {
            min_us: g(Stat::Min),
            avg_us: g(Stat::Avg),
            max_us: g(Stat::Max),
            mdev_us: g(Stat::Mdev),
            p50_us: g(Stat::P50),
            p90_us: g(Stat::P90),
            p95_us: g(Stat::P95),
            p99_us: g(Stat::P99),
            p999_us: g(Stat::P999),
            jitter_us: g(Stat::Jitter),
        }
    }
}

impl TargetSummary {
    pub fn new(stats: &ProbeStats, elapsed: Duration) -> Self {
        let names = |m: &BTreeMap<crate::cause::CauseKind, u64>| {
            m.iter().map(|(k, v)| (k.to_string(), *v)).collect()
        };
        TargetSummary {
            transmitted: stats.transmitted,
            received: stats.received,
            loss_pct: (stats.loss_pct() * 1000.0).round() / 1000.0,
            elapsed_ms: micros(elapsed) / 1000.0,
            rtt: RttSummary::from_stats(&stats.rtt),
            failures: names(&stats.failures),
            disconnects: names(&stats.disconnects),
        }
    }
}

/// A target in the `--json` document.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TargetReport {
    pub target: String,
    pub protocol: String,
    pub mode: String,
    /// The address probed.
    pub addr: String,
    #[serde(flatten)]
    pub summary: TargetSummary,
}

impl TargetReport {
    pub fn new(result: &TargetResult) -> Self {
        TargetReport {
            target: result.target.to_string(),
            protocol: protocol_name(&result.target).to_string(),
            mode: result.mode.to_string(),
            addr: result.addr.to_string(),
            summary: TargetSummary::new(&result.stats, result.elapsed),
        }
    }
}

/// The `--json` document: one per run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub v: u32,
    pub tool: String,
    pub version: String,
    pub run: String,
    /// When the run started.
    pub ts: String,
    pub targets: Vec<TargetReport>,
    /// Whether every target met the thresholds (the exit status is 0 exactly then).
    pub healthy: bool,
    /// Each threshold breached, in words.
    pub breaches: Vec<String>,
}

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
    pub targets: Vec<GroupReport>,
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
pub struct GroupReport {
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
    pub hour_of_day: Vec<HourReport>,
}

/// One hour of the day (UTC) across all days of a group.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HourReport {
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

impl GroupReport {
    pub fn new(key: &str, g: &crate::report::Group) -> Self {
        let names = |m: &BTreeMap<crate::cause::CauseKind, u64>| {
            m.iter().map(|(k, v)| (k.to_string(), *v)).collect()
        };
        let loss = g.probes.loss_pct();
        GroupReport {
            group: key.to_string(),
            runs: g.runs.len() as u64,
            probes: g.probes.transmitted,
            replies: g.probes.received,
            loss_pct: (loss * 1000.0).round() / 1000.0,
            rtt: RttSummary::from_stats(&g.probes.rtt),
            failures: names(&g.probes.failures),
            disconnects: names(&g.probes.disconnects),
            availability_pct: g
                .watch
                .availability_pct()
                .map(|a| (a * 1000.0).round() / 1000.0),
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
                .map(|(hour, h)| HourReport {
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
}

/// The protocol family of a target (`wss` is `ws`, `grpcs` is `grpc`).
pub fn protocol_name(target: &crate::target::Target) -> &'static str {
    use crate::target::Scheme::*;
    match target.scheme {
        Tcp => "tcp",
        Ws | Wss => "ws",
        Grpc | Grpcs => "grpc",
    }
}

/// Writes one record as one line and flushes it: a reader never sees half a record,
/// and a run cut short leaves only whole lines.
pub fn write_line<W: std::io::Write>(out: &mut W, record: &impl Serialize) -> std::io::Result<()> {
    let mut line = serde_json::to_vec(record).map_err(std::io::Error::other)?;
    line.push(b'\n');
    out.write_all(&line)?;
    out.flush()
}

/// A short identifier for one process run: start time and process id.
pub fn run_id(started: SystemTime) -> String {
    let secs = started
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_micros())
        .unwrap_or(0);
    format!("{secs:x}-{:x}", std::process::id())
}

/// Builds records from run events; knows the run id and each target's header.
#[derive(Debug)]
pub struct Recorder {
    run: String,
    targets: Vec<(String, String, String)>,
}

impl Recorder {
    /// `targets` are (target, mode) in the order the run uses as indices.
    pub fn new(run: String, targets: &[(crate::target::Target, crate::proto::Mode)]) -> Self {
        Recorder {
            run,
            targets: targets
                .iter()
                .map(|(t, m)| (t.to_string(), protocol_name(t).to_string(), m.to_string()))
                .collect(),
        }
    }

    /// A recorder for the probers of a run, indexed as the run indexes them.
    pub fn for_probers(run: String, probers: &[crate::proto::Prober]) -> Self {
        let targets: Vec<_> = probers
            .iter()
            .map(|p| (p.target().clone(), p.config().mode))
            .collect();
        Recorder::new(run, &targets)
    }

    fn header(&self, idx: usize, at: SystemTime) -> Header {
        let (target, protocol, mode) = &self.targets[idx];
        Header {
            v: SCHEMA_VERSION,
            ts: timestamp(at),
            run: self.run.clone(),
            target: target.clone(),
            protocol: protocol.clone(),
            mode: mode.clone(),
        }
    }

    pub fn event(&self, event: &Event) -> Record {
        match event {
            Event::Probe {
                target,
                seq,
                at,
                phases,
                result,
            } => {
                let (rtt_us, cause) = match result {
                    Ok(rtt) => (Some(micros(*rtt)), None),
                    Err(c) => (None, Some(c)),
                };
                Record::Probe(ProbeRecord {
                    header: self.header(*target, *at),
                    seq: *seq,
                    ok: result.is_ok(),
                    rtt_us,
                    cause: cause.map(|c| c.kind.to_string()),
                    detail: cause.map(|c| c.detail.clone()),
                    phases: phases.as_ref().map(PhasesRecord::new),
                })
            }
            Event::Connected { target, info } => Record::Event(EventRecord {
                addr: Some(info.addr.to_string()),
                phases: Some(PhasesRecord::new(&info.phases)),
                ..self.event_record(*target, "connected")
            }),
            Event::Disconnected { target, cause } => Record::Event(EventRecord {
                cause: Some(cause.kind.to_string()),
                detail: Some(cause.detail.clone()),
                ..self.event_record(*target, "disconnected")
            }),
            Event::ServerPing { target, interval } => Record::Event(EventRecord {
                interval_ms: interval.map(|d| micros(d) / 1000.0),
                ..self.event_record(*target, "server-ping")
            }),
        }
    }

    fn event_record(&self, idx: usize, event: &str) -> EventRecord {
        EventRecord {
            header: self.header(idx, SystemTime::now()),
            event: event.into(),
            addr: None,
            phases: None,
            cause: None,
            detail: None,
            interval_ms: None,
        }
    }

    pub fn summary(&self, idx: usize, result: &TargetResult) -> Record {
        Record::Summary(Box::new(SummaryRecord {
            header: self.header(idx, SystemTime::now()),
            summary: TargetSummary::new(&result.stats, result.elapsed),
            watch: None,
        }))
    }

    /// The record of a watch event (kawatch).
    pub fn watch_event(&self, event: &crate::watch::driver::WatchEvent) -> Record {
        use crate::watch::driver::WatchEvent;
        match event {
            WatchEvent::Transition {
                target,
                transition: t,
            } => Record::State(StateRecord {
                header: self.header(*target, SystemTime::now()),
                from: t.from.to_string(),
                to: t.to.to_string(),
                cause: t.cause.clone(),
                detail: t.detail.clone(),
                attempt: t.attempt,
                retry_in_ms: t.retry_in.map(|d| micros(d) / 1000.0),
                lifetime_ms: t.lifetime.map(|d| micros(d) / 1000.0),
            }),
            WatchEvent::Probe {
                target,
                seq,
                at,
                result,
            } => self.event(&Event::Probe {
                target: *target,
                seq: *seq,
                at: *at,
                phases: None,
                result: result.clone(),
            }),
            WatchEvent::ServerPing { target, interval } => self.event(&Event::ServerPing {
                target: *target,
                interval: *interval,
            }),
        }
    }

    /// The end-of-watch summary (kawatch).
    pub fn watch_summary(&self, idx: usize, result: &crate::watch::driver::WatchResult) -> Record {
        Record::Summary(Box::new(SummaryRecord {
            header: self.header(idx, SystemTime::now()),
            summary: TargetSummary::new(&result.stats, result.summary.elapsed),
            watch: Some(WatchSummaryRecord::new(&result.summary)),
        }))
    }
}

/// One line of kaserve's `--ndjson` log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServeRecord {
    /// A responder is ready: `addr` is the bound address (the real port when 0 was asked).
    Listening {
        v: u32,
        ts: String,
        proto: String,
        addr: String,
        /// Whether the listener speaks TLS.
        #[serde(default)]
        tls: bool,
        /// Path of a generated self-signed certificate, to pass to `--ca`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        generated_cert: Option<String>,
    },
    /// A client connected or its connection ended.
    Client {
        v: u32,
        ts: String,
        proto: String,
        peer: String,
        /// `connected`, `idle`, `pinged`, `expired`, `fault` or `closed`.
        event: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cause: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        detail: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        lifetime_ms: Option<f64>,
    },
}

impl ServeRecord {
    pub fn listening(
        proto: crate::serve::ServeProto,
        addr: std::net::SocketAddr,
        tls: bool,
        generated_cert: Option<String>,
    ) -> Self {
        ServeRecord::Listening {
            v: SCHEMA_VERSION,
            ts: timestamp(SystemTime::now()),
            proto: proto.to_string(),
            addr: addr.to_string(),
            tls,
            generated_cert,
        }
    }

    pub fn from_event(event: &crate::serve::ServeEvent) -> Self {
        use crate::serve::ServeEvent;
        let ts = timestamp(SystemTime::now());
        match event {
            ServeEvent::Connected { proto, peer } => ServeRecord::Client {
                v: SCHEMA_VERSION,
                ts,
                proto: proto.to_string(),
                peer: peer.to_string(),
                event: "connected".into(),
                cause: None,
                detail: None,
                lifetime_ms: None,
            },
            ServeEvent::Note {
                proto,
                peer,
                event,
                detail,
            } => ServeRecord::Client {
                v: SCHEMA_VERSION,
                ts,
                proto: proto.to_string(),
                peer: peer.to_string(),
                event: event.to_string(),
                cause: None,
                detail: Some(detail.clone()),
                lifetime_ms: None,
            },
            ServeEvent::Closed {
                proto,
                peer,
                cause,
                lifetime,
            } => ServeRecord::Client {
                v: SCHEMA_VERSION,
                ts,
                proto: proto.to_string(),
                peer: peer.to_string(),
                event: "closed".into(),
                cause: Some(
                    cause
                        .as_ref()
                        .map_or("shutdown".into(), |c| c.kind.to_string()),
                ),
                detail: cause.as_ref().map(|c| c.detail.clone()),
                lifetime_ms: Some(micros(*lifetime) / 1000.0),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probe_record_wire_form() {
        let rec = Record::Probe(ProbeRecord {
            header: Header {
                v: 1,
                ts: "2026-11-21T10:00:00.000000Z".into(),
                run: "r".into(),
                target: "tcp://h:1".into(),
                protocol: "tcp".into(),
                mode: "echo".into(),
            },
            seq: 3,
            ok: true,
            rtt_us: Some(52.5),
            cause: None,
            detail: None,
            phases: None,
        });
        let line = serde_json::to_string(&rec).unwrap();
        assert_eq!(
            line,
            r#"{"type":"probe","v":1,"ts":"2026-11-21T10:00:00.000000Z","run":"r","target":"tcp://h:1","protocol":"tcp","mode":"echo","seq":3,"ok":true,"rtt_us":52.5}"#
        );
        let back: Record = serde_json::from_str(&line).unwrap();
        assert_eq!(back, rec);
    }

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
