//! Aggregation of recorded runs: records from any mix of kaping and
//! kawatch runs, files and targets, grouped by target, protocol, mode, hour or day,
//! with bounded memory: histograms and counters, never a list of samples. Probe
//! statistics come from probe records only and watch time from summary records
//! only, so nothing is counted twice. Each group also keeps RTT over time (a
//! bounded [`Series`], with down periods from state records) and a 24-hour profile.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::str::FromStr;
use std::time::{Duration, SystemTime};

use kaprobe::cause::{Cause, CauseKind};
use kaprobe::stats::ProbeStats;
use kawire::record::{Header, Record, SCHEMA_VERSION};

pub use doc::group_doc;
pub use series::Series;

mod check;
mod doc;
pub mod series;

#[cfg(test)]
mod hostile;

use check::{check_duration, check_durations};

/// How records are grouped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GroupBy {
    Target,
    Protocol,
    Mode,
    Hour,
    Day,
    /// The hour of the day (UTC), across days: when in the day it goes bad.
    HourOfDay,
}

impl FromStr for GroupBy {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "target" => GroupBy::Target,
            "protocol" => GroupBy::Protocol,
            "mode" => GroupBy::Mode,
            "hour" => GroupBy::Hour,
            "day" => GroupBy::Day,
            "hour-of-day" => GroupBy::HourOfDay,
            _ => {
                return Err(format!(
                    "unknown grouping '{s}' (expected target, protocol, mode, hour, day or hour-of-day)"
                ));
            }
        })
    }
}

impl fmt::Display for GroupBy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            GroupBy::Target => "target",
            GroupBy::Protocol => "protocol",
            GroupBy::Mode => "mode",
            GroupBy::Hour => "hour",
            GroupBy::Day => "day",
            GroupBy::HourOfDay => "hour-of-day",
        })
    }
}

/// Why a line was not a record this version understands.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LineError {
    #[error("not JSON: {0}")]
    NotJson(String),
    #[error("schema version {0} is newer than this kareport understands ({SCHEMA_VERSION})")]
    FutureVersion(u64),
    #[error("not a record: {0}")]
    NotRecord(String),
    #[error("not UTF-8: {0}")]
    NotUtf8(String),
    #[error("line longer than {0} bytes")]
    TooLong(usize),
    #[error("{0} is not a duration (negative or not finite)")]
    BadDuration(&'static str),
}

/// What one line turned out to be.
#[derive(Debug, Clone, PartialEq)]
pub enum Parsed {
    Record(Box<Record>),
    /// A record of a type this version does not know (kept out, counted).
    Unknown(String),
}

/// A probe record read without copying its strings: probe records are most of
/// any input, and the general path (a JSON value, then the typed record with its
/// flattened header) costs several times more.
#[derive(Debug, serde::Deserialize)]
struct ProbeLine<'a> {
    v: u32,
    #[serde(borrow)]
    ts: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    run: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    target: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    protocol: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    mode: std::borrow::Cow<'a, str>,
    /// A pinned target's address (`--each-address`).
    #[serde(default, borrow)]
    addr: Option<std::borrow::Cow<'a, str>>,
    ok: bool,
    #[serde(default)]
    rtt_us: Option<f64>,
    #[serde(default, borrow)]
    cause: Option<std::borrow::Cow<'a, str>>,
    #[serde(default, borrow)]
    detail: Option<std::borrow::Cow<'a, str>>,
}

/// What adding a line did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ingested {
    Record,
    Unknown,
}

impl Aggregator {
    /// Parses one NDJSON line and adds it, taking the fast path for probe records.
    pub fn ingest(&mut self, line: &str) -> Result<Ingested, LineError> {
        if line.starts_with(r#"{"type":"probe","v":1,"#) {
            if let Ok(p) = serde_json::from_str::<ProbeLine>(line) {
                if p.v == SCHEMA_VERSION {
                    check_duration("rtt_us", p.rtt_us)?;
                    self.add_probe(&p);
                    return Ok(Ingested::Record);
                }
            }
        }
        match parse_line(line)? {
            Parsed::Record(record) => {
                check_durations(&record)?;
                self.add(&record);
                Ok(Ingested::Record)
            }
            Parsed::Unknown(_) => Ok(Ingested::Unknown),
        }
    }

    fn add_probe(&mut self, p: &ProbeLine<'_>) {
        let Ok(at) = humantime::parse_rfc3339(&p.ts) else {
            return;
        };
        if self.outside(at) {
            return;
        }
        let key = match self.by {
            GroupBy::Target => match &p.addr {
                Some(addr) => format!("{} ({addr})", p.target),
                None => p.target.to_string(),
            },
            GroupBy::Protocol => p.protocol.to_string(),
            GroupBy::Mode => format!("{} {}", p.protocol, p.mode),
            _ => self.time_key(at),
        };
        let group = self.group(key, &p.run, at);
        let cause = || {
            let kind = CauseKind::from_word(p.cause.as_deref().unwrap_or("io"));
            Cause::new(kind, p.detail.as_deref().unwrap_or("").to_string())
        };
        group.probe(at, p.ok.then_some(p.rtt_us).flatten(), cause);
    }
}

/// The kind of a transition's cause, which groupings key on: the record's own, or
/// for records written before it had one, the kind its words name (never the
/// timings in them, which would make a key per transition).
fn transition_kind(s: &kawire::record::StateRecord) -> String {
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
        _ => CauseKind::from_word(&s.cause).to_string(),
    }
}

/// Parses one NDJSON line.
pub fn parse_line(line: &str) -> Result<Parsed, LineError> {
    let value: serde_json::Value =
        serde_json::from_str(line).map_err(|e| LineError::NotJson(e.to_string()))?;
    let v = value.get("v").and_then(|v| v.as_u64()).unwrap_or(0);
    if v > u64::from(SCHEMA_VERSION) {
        return Err(LineError::FutureVersion(v));
    }
    let kind = value
        .get("type")
        .and_then(|t| t.as_str())
        .unwrap_or("")
        .to_string();
    if !matches!(kind.as_str(), "probe" | "event" | "state" | "summary") {
        return Ok(Parsed::Unknown(kind));
    }
    serde_json::from_value(value)
        .map(|r| Parsed::Record(Box::new(r)))
        .map_err(|e| LineError::NotRecord(e.to_string()))
}

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
fn epoch_ms(at: SystemTime) -> u64 {
    at.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// The hour of the day (UTC), 0 to 23.
fn hour_of_day(at: SystemTime) -> usize {
    ((epoch_ms(at) / 3_600_000) % 24) as usize
}

impl Group {
    /// One probe: a reply after `rtt_us`, or a failure with its cause.
    fn probe(&mut self, at: SystemTime, rtt_us: Option<f64>, cause: impl FnOnce() -> Cause) {
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
}

/// Accumulates records into groups.
#[derive(Debug)]
pub struct Aggregator {
    by: GroupBy,
    since: Option<SystemTime>,
    until: Option<SystemTime>,
    groups: BTreeMap<String, Group>,
    /// Outages not yet over, by (run, target): the group and when it began.
    open_down: HashMap<(String, String), (String, SystemTime)>,
    /// Records outside --since/--until.
    pub outside_window: u64,
}

impl Aggregator {
    pub fn new(by: GroupBy, since: Option<SystemTime>, until: Option<SystemTime>) -> Self {
        Aggregator {
            by,
            since,
            until,
            groups: BTreeMap::new(),
            open_down: HashMap::new(),
            outside_window: 0,
        }
    }

    fn key(&self, h: &Header, at: SystemTime) -> String {
        match self.by {
            GroupBy::Target => h.who(),
            GroupBy::Protocol => h.protocol.clone(),
            GroupBy::Mode => format!("{} {}", h.protocol, h.mode),
            _ => self.time_key(at),
        }
    }

    /// `2026-11-21T10:00Z` by hour, `2026-11-21` by day, `10:00-11:00Z` by hour
    /// of the day (UTC).
    fn time_key(&self, at: SystemTime) -> String {
        let stamp = humantime::format_rfc3339_seconds(at).to_string();
        match self.by {
            GroupBy::Hour => format!("{}:00Z", &stamp[..13]),
            GroupBy::HourOfDay => {
                let h = hour_of_day(at);
                format!("{h:02}:00-{:02}:00Z", (h + 1) % 24)
            }
            _ => stamp[..10].to_string(),
        }
    }

    /// Counts a record outside --since/--until.
    fn outside(&mut self, at: SystemTime) -> bool {
        let out = self.since.is_some_and(|s| at < s) || self.until.is_some_and(|u| at >= u);
        self.outside_window += u64::from(out);
        out
    }

    /// The group under `key`, noting the run and the time.
    fn group(&mut self, key: String, run: &str, at: SystemTime) -> &mut Group {
        let group = self.groups.entry(key).or_default();
        if !group.runs.contains(run) {
            group.runs.insert(run.to_string());
        }
        group.first = Some(group.first.map_or(at, |f| f.min(at)));
        group.last = Some(group.last.map_or(at, |l| l.max(at)));
        group
    }

    /// Ends the outage of `run`'s watch of `target` at `at`, if one is open.
    fn end_down(&mut self, run: &str, target: &str, at: SystemTime) {
        if let Some((key, since)) = self
            .open_down
            .remove(&(run.to_string(), target.to_string()))
        {
            if let Some(g) = self.groups.get_mut(&key) {
                g.series.down(epoch_ms(since), epoch_ms(at));
            }
        }
    }

    /// Ends outages still open at the end of the input at their group's last record.
    pub fn finish(&mut self) {
        for ((run, target), (key, _)) in self.open_down.clone() {
            let last = self.groups.get(&key).and_then(|g| g.last);
            if let Some(last) = last {
                self.end_down(&run, &target, last);
            }
        }
    }

    /// Adds one record.
    pub fn add(&mut self, record: &Record) {
        let header = match record {
            Record::Probe(p) => &p.header,
            Record::Event(e) => &e.header,
            Record::State(s) => &s.header,
            Record::Summary(s) => &s.header,
        };
        let Ok(at) = humantime::parse_rfc3339(&header.ts) else {
            return;
        };
        if self.outside(at) {
            return;
        }
        // Only a disconnection says something about a group; a `connected` event
        // carries the peer address, which is not the group's.
        if matches!(record, Record::Event(e) if e.event != "disconnected") {
            return;
        }
        let key = self.key(header, at);
        let who = header.who();
        match record {
            Record::State(s) if s.to == "down" => {
                self.open_down
                    .entry((header.run.clone(), who))
                    .or_insert((key.clone(), at));
            }
            Record::State(s) if s.to == "up" || s.to == "degraded" => {
                self.end_down(&header.run, &who, at)
            }
            Record::Summary(_) => self.end_down(&header.run, &who, at),
            _ => {}
        }
        let group = self.group(key, &header.run, at);
        match record {
            Record::Probe(p) => {
                let cause = || {
                    let kind = CauseKind::from_word(p.cause.as_deref().unwrap_or("io"));
                    Cause::new(kind, p.detail.clone().unwrap_or_default())
                };
                group.probe(at, p.ok.then_some(p.rtt_us).flatten(), cause);
            }
            Record::State(s) => {
                *group
                    .watch
                    .transitions
                    .entry(format!("{} ({})", s.to, transition_kind(s)))
                    .or_default() += 1;
                if s.to == "down" {
                    group.watch.outages += 1;
                    group.hours[hour_of_day(at)].outages += 1;
                    if s.cause.starts_with("ws-close") || s.cause.starts_with("goaway") {
                        let what = match &s.detail {
                            Some(d) => format!("{} ({d})", s.cause),
                            None => s.cause.clone(),
                        };
                        *group.watch.closes.entry(what).or_default() += 1;
                    }
                }
            }
            Record::Event(e) if e.event == "disconnected" => {
                let cause = e.cause.as_deref().unwrap_or("io");
                group.probes.record_disconnect(CauseKind::from_word(cause));
                if cause.starts_with("ws-close") || cause.starts_with("goaway") {
                    let what = match &e.detail {
                        Some(d) => format!("{cause} ({d})"),
                        None => cause.to_string(),
                    };
                    *group.watch.closes.entry(what).or_default() += 1;
                }
            }
            Record::Event(_) => {}
            Record::Summary(s) => {
                if let Some(w) = &s.watch {
                    for (state, ms) in &w.time_in_ms {
                        *group.watch.time_in_ms.entry(state.clone()).or_default() += ms;
                    }
                    group.watch.longest_outage_ms =
                        group.watch.longest_outage_ms.max(w.longest_outage_ms);
                    group.watch.total_outage_ms += w.total_outage_ms;
                }
            }
        }
    }

    pub fn groups(&self) -> &BTreeMap<String, Group> {
        &self.groups
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_records_unknowns_or_errors() {
        let probe = r#"{"type":"probe","v":1,"ts":"2026-11-21T10:00:00.000000Z","run":"r","target":"tcp://h:1","protocol":"tcp","mode":"echo","seq":1,"ok":true,"rtt_us":50.0}"#;
        assert!(matches!(parse_line(probe), Ok(Parsed::Record(_))));
        assert_eq!(
            parse_line(r#"{"type":"hello","v":1}"#),
            Ok(Parsed::Unknown("hello".into()))
        );
        assert_eq!(
            parse_line(r#"{"type":"probe","v":2}"#),
            Err(LineError::FutureVersion(2))
        );
        assert!(matches!(
            parse_line("{\"type\":\"probe\",\"v\":1"),
            Err(LineError::NotJson(_))
        ));
        assert!(matches!(
            parse_line(r#"{"type":"probe","v":1}"#),
            Err(LineError::NotRecord(_))
        ));
    }
}
