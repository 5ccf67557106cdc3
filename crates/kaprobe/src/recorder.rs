//! From what the library measured to the wire records of `kawire::record`: the
//! records of a run's and a watch's events, and the summaries of statistics. The
//! schema itself knows nothing of the producers; this module is where they meet.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use kawire::record::{
    EventRecord, Header, PhasesRecord, PingTarget, ProbeRecord, Record, RttSummary, SCHEMA_VERSION,
    StateRecord, SummaryRecord, TargetSummary, WatchSummaryRecord, micros, millis, timestamp,
};

use crate::cause::CauseKind;
use crate::proto::{Mode, Phases, Prober};
use crate::run::{Event, TargetResult};
use crate::stats::{ProbeStats, RttStats, Stat};
use crate::target::Target;
use crate::watch::driver::{WatchEvent, WatchResult};
use crate::watch::ledger::WatchSummary;

/// A percentage rounded to three decimals, as records carry them.
pub fn pct3(pct: f64) -> f64 {
    (pct * 1000.0).round() / 1000.0
}

/// Counts by cause, keyed by the cause's word.
pub fn by_word(counts: &BTreeMap<CauseKind, u64>) -> BTreeMap<String, u64> {
    counts.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

/// RTT statistics in microseconds; all `None` without a reply.
pub fn rtt_summary(rtt: &RttStats) -> RttSummary {
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

/// A target's probe statistics over `elapsed`.
pub fn target_summary(stats: &ProbeStats, elapsed: Duration) -> TargetSummary {
    TargetSummary {
        transmitted: stats.transmitted,
        received: stats.received,
        loss_pct: pct3(stats.loss_pct()),
        elapsed_ms: millis(elapsed),
        rtt: rtt_summary(&stats.rtt),
        failures: by_word(&stats.failures),
        disconnects: by_word(&stats.disconnects),
    }
}

/// The phases of opening a connection.
pub fn phases_record(p: &Phases) -> PhasesRecord {
    PhasesRecord {
        connect_us: micros(p.connect),
        proxy_us: p.proxy.map(micros),
        tls_us: p.tls.map(micros),
        handshake_us: p.handshake.map(micros),
        first_us: p.first.map(micros),
    }
}

/// The watch section of a kawatch summary.
pub fn watch_summary(s: &WatchSummary) -> WatchSummaryRecord {
    WatchSummaryRecord {
        state: s.state.to_string(),
        availability_pct: pct3(s.availability_pct),
        time_in_ms: s
            .time_in
            .iter()
            .map(|(k, v)| (k.to_string(), millis(*v)))
            .collect(),
        transitions: s.transitions,
        outages: s.outages,
        longest_outage_ms: millis(s.longest_outage),
        total_outage_ms: millis(s.total_outage),
        down_causes: s.down_causes.clone(),
        last_cause: s.last_cause.clone(),
        lifetimes: s.lifetimes,
        longest_lifetime_ms: millis(s.longest_lifetime),
    }
}

/// A target of kaping's `--json` document.
pub fn ping_target(result: &TargetResult) -> PingTarget {
    PingTarget {
        target: result.target.url(),
        protocol: result.target.protocol().to_string(),
        mode: result.mode.to_string(),
        addr: result.addr.to_string(),
        summary: target_summary(&result.stats, result.elapsed),
    }
}

/// Builds records from run and watch events; knows the run id and each target's
/// header.
#[derive(Debug)]
pub struct Recorder {
    run: String,
    /// Each target's URL, protocol, mode and pinned address.
    targets: Vec<(String, String, String, Option<String>)>,
}

impl Recorder {
    /// `targets` are (target, mode) in the order the run uses as indices.
    pub fn new(run: String, targets: &[(Target, Mode)]) -> Self {
        Recorder {
            run,
            targets: targets
                .iter()
                .map(|(t, m)| {
                    (
                        t.url(),
                        t.protocol().to_string(),
                        m.to_string(),
                        t.addr.map(|a| a.to_string()),
                    )
                })
                .collect(),
        }
    }

    /// A recorder for the probers of a run, indexed as the run indexes them.
    pub fn for_probers(run: String, probers: &[Prober]) -> Self {
        let targets: Vec<_> = probers
            .iter()
            .map(|p| (p.target().clone(), p.config().mode))
            .collect();
        Recorder::new(run, &targets)
    }

    fn header(&self, idx: usize, at: SystemTime) -> Header {
        let (target, protocol, mode, addr) = &self.targets[idx];
        Header {
            v: SCHEMA_VERSION,
            ts: timestamp(at),
            run: self.run.clone(),
            target: target.clone(),
            protocol: protocol.clone(),
            mode: mode.clone(),
            addr: addr.clone(),
        }
    }

    pub fn event(&self, event: &Event) -> Record {
        match event {
            Event::Probe {
                target,
                seq,
                at,
                phases,
                http,
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
                    phases: phases.as_ref().map(phases_record),
                    status: http.map(|h| h.status),
                    ttfb_us: http.map(|h| micros(h.first_byte)),
                    reused: http.map(|h| h.reused),
                    http_version: http.map(|h| h.version.to_string()),
                })
            }
            Event::Connected { target, info, at } => {
                let mut record = EventRecord {
                    phases: Some(phases_record(&info.phases)),
                    ..self.event_record(*target, "connected", *at)
                };
                record.header.addr = Some(info.addr.to_string());
                Record::Event(record)
            }
            Event::Disconnected { target, cause, at } => Record::Event(EventRecord {
                cause: Some(cause.kind.to_string()),
                detail: Some(cause.detail.clone()),
                ..self.event_record(*target, "disconnected", *at)
            }),
            Event::ServerPing {
                target,
                interval,
                kind,
                data,
                at,
            } => Record::Event(EventRecord {
                interval_ms: interval.map(millis),
                ping_kind: Some(kind.to_string()),
                ping_data: data.map(|d| kawire::h2::ping::hex(&d)),
                ..self.event_record(*target, "server-ping", *at)
            }),
            Event::KeepAlive {
                target,
                keep_alive,
                at,
            } => Record::Event(EventRecord {
                detail: Some(keep_alive.to_string()),
                announced_timeout_ms: keep_alive.timeout.map(millis),
                announced_max: keep_alive.max,
                ..self.event_record(*target, "keep-alive", *at)
            }),
        }
    }

    fn event_record(&self, idx: usize, event: &str, at: SystemTime) -> EventRecord {
        EventRecord {
            header: self.header(idx, at),
            event: event.into(),
            phases: None,
            cause: None,
            detail: None,
            interval_ms: None,
            ping_kind: None,
            ping_data: None,
            announced_timeout_ms: None,
            announced_max: None,
        }
    }

    pub fn summary(&self, idx: usize, result: &TargetResult) -> Record {
        Record::Summary(Box::new(SummaryRecord {
            header: self.header(idx, SystemTime::now()),
            summary: target_summary(&result.stats, result.elapsed),
            watch: None,
        }))
    }

    /// The record of a watch event (kawatch).
    pub fn watch_event(&self, event: &WatchEvent) -> Record {
        match event {
            WatchEvent::Transition {
                target,
                transition: t,
                at,
            } => Record::State(StateRecord {
                header: self.header(*target, *at),
                from: t.from.to_string(),
                to: t.to.to_string(),
                cause: t.cause.clone(),
                kind: Some(t.kind.clone()),
                detail: t.detail.clone(),
                attempt: t.attempt,
                retry_in_ms: t.retry_in.map(millis),
                lifetime_ms: t.lifetime.map(millis),
            }),
            WatchEvent::Probe {
                target,
                seq,
                at,
                http,
                result,
            } => self.event(&Event::Probe {
                target: *target,
                seq: *seq,
                at: *at,
                phases: None,
                http: *http,
                result: result.clone(),
            }),
            WatchEvent::ServerPing {
                target,
                interval,
                kind,
                data,
                at,
            } => self.event(&Event::ServerPing {
                target: *target,
                interval: *interval,
                kind: *kind,
                data: *data,
                at: *at,
            }),
            WatchEvent::KeepAlive {
                target,
                keep_alive,
                at,
            } => self.event(&Event::KeepAlive {
                target: *target,
                keep_alive: *keep_alive,
                at: *at,
            }),
        }
    }

    /// The end-of-watch summary (kawatch).
    pub fn watch_summary(&self, idx: usize, result: &WatchResult) -> Record {
        Record::Summary(Box::new(SummaryRecord {
            header: self.header(idx, SystemTime::now()),
            summary: target_summary(&result.stats, result.summary.elapsed),
            watch: Some(watch_summary(&result.summary)),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cause::Cause;
    use crate::watch::{State, Transition};

    #[test]
    fn records_carry_the_time_of_the_event_not_of_writing() {
        let target: Target = "tcp://h:1".parse().unwrap();
        let rec = Recorder::new("r".into(), &[(target, Mode::Echo)]);
        let at = SystemTime::UNIX_EPOCH + Duration::from_millis(1_500);
        let ts = |r: Record| match r {
            Record::Event(e) => e.header.ts,
            Record::State(s) => s.header.ts,
            other => panic!("{other:?}"),
        };
        let lost = Event::Disconnected {
            target: 0,
            cause: Cause::eof(),
            at,
        };
        assert_eq!(ts(rec.event(&lost)), "1970-01-01T00:00:01.500000Z");
        let ping = WatchEvent::ServerPing {
            target: 0,
            interval: None,
            kind: crate::proto::PingKind::Keepalive,
            data: None,
            at,
        };
        assert_eq!(ts(rec.watch_event(&ping)), "1970-01-01T00:00:01.500000Z");
        let down = WatchEvent::Transition {
            target: 0,
            transition: Transition {
                from: State::Up,
                to: State::Down,
                at: tokio::time::Instant::now(),
                kind: "eof".into(),
                cause: "eof".into(),
                detail: None,
                attempt: None,
                retry_in: None,
                lifetime: None,
            },
            at,
        };
        assert_eq!(ts(rec.watch_event(&down)), "1970-01-01T00:00:01.500000Z");
    }
}
