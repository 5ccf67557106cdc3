//! The aggregator: takes each line or record, keeps it to the time window, finds
//! its group (by `--group-by`) and hands it to the group; it also follows each
//! watch's outages from state records so the time series can show them.

use std::collections::{BTreeMap, HashMap};
use std::time::SystemTime;

use kawire::record::{Header, Record, SCHEMA_VERSION};

use super::check::{check_duration, check_durations};
use super::group::{Group, epoch_ms, hour_of_day, probe_cause};
use super::group_by::GroupBy;
use super::line::{Ingested, LineError, Parsed, ProbeLine, parse_line};

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
                let cause = || probe_cause(p.cause.as_deref(), p.detail.as_deref());
                group.probe(at, p.ok.then_some(p.rtt_us).flatten(), cause);
            }
            Record::State(s) => group.transition(s, at),
            Record::Event(e) => group.disconnected(e),
            Record::Summary(s) => group.summary(s),
        }
    }

    pub fn groups(&self) -> &BTreeMap<String, Group> {
        &self.groups
    }
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
        let cause = || probe_cause(p.cause.as_deref(), p.detail.as_deref());
        group.probe(at, p.ok.then_some(p.rtt_us).flatten(), cause);
    }
}
