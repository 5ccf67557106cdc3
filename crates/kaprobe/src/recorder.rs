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
use crate::event::{ProbeDone, TargetEvent, TargetId, What};
use crate::proto::Phases;
use crate::run::TargetResult;
use crate::stats::{ProbeStats, RttStats, Stat};
use crate::watch::Transition;
use crate::watch::driver::WatchResult;
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
        target: result.who.target.url(),
        protocol: result.who.target.protocol().to_string(),
        mode: result.who.mode.to_string(),
        addr: result.addr.to_string(),
        summary: target_summary(&result.stats, result.elapsed),
    }
}

/// Builds records from events: the one place they meet. Knows the run id; each
/// event names its target.
#[derive(Debug)]
pub struct Recorder {
    run: String,
}

impl Recorder {
    pub fn new(run: String) -> Self {
        Recorder { run }
    }

    fn header(&self, who: &TargetId, at: SystemTime) -> Header {
        Header {
            v: SCHEMA_VERSION,
            ts: timestamp(at),
            run: self.run.clone(),
            target: who.target.url(),
            protocol: who.target.protocol().to_string(),
            mode: who.mode.to_string(),
            addr: who.target.addr.map(|a| a.to_string()),
        }
    }

    /// The record of an event, stamped with the time it happened.
    pub fn event(&self, event: &TargetEvent) -> Record {
        let (who, at) = (&*event.who, event.at);
        match &event.what {
            What::Probe(done) => Record::Probe(self.probe(who, at, done)),
            What::Transition(t) => Record::State(self.state(who, at, t)),
            What::Connected(info) => {
                let mut record = EventRecord {
                    phases: Some(phases_record(&info.phases)),
                    ..self.event_record(who, "connected", at)
                };
                record.header.addr = Some(info.addr.to_string());
                Record::Event(record)
            }
            What::Disconnected(cause) => Record::Event(EventRecord {
                cause: Some(cause.kind.to_string()),
                detail: Some(cause.detail.clone()),
                ..self.event_record(who, "disconnected", at)
            }),
            What::ServerPing {
                interval,
                kind,
                data,
                folded,
            } => Record::Event(EventRecord {
                interval_ms: interval.map(millis),
                ping_kind: Some(kind.to_string()),
                ping_data: data.as_ref().map(|d| kawire::h2::ping::hex(d)),
                ping_count: folded.map(|f| f.count),
                ping_span_ms: folded.map(|f| millis(f.over)),
                ..self.event_record(who, "server-ping", at)
            }),
            What::KeepAlive(keep_alive) => Record::Event(EventRecord {
                detail: Some(keep_alive.to_string()),
                announced_timeout_ms: keep_alive.timeout.map(millis),
                announced_max: keep_alive.max,
                ..self.event_record(who, "keep-alive", at)
            }),
            What::Outstanding { seq } => Record::Event(EventRecord {
                detail: Some(format!("no answer yet for seq={seq}")),
                ..self.event_record(who, "outstanding", at)
            }),
        }
    }

    fn probe(&self, who: &TargetId, at: SystemTime, done: &ProbeDone) -> ProbeRecord {
        let (rtt_us, cause) = match &done.result {
            Ok(rtt) => (Some(micros(*rtt)), None),
            Err(c) => (None, Some(c)),
        };
        let http = done.http;
        ProbeRecord {
            header: self.header(who, at),
            seq: done.seq,
            ok: done.result.is_ok(),
            rtt_us,
            cause: cause.map(|c| c.kind.to_string()),
            detail: cause.map(|c| c.detail.clone()),
            phases: done.phases.as_ref().map(phases_record),
            status: http.map(|h| h.status),
            ttfb_us: http.map(|h| micros(h.first_byte)),
            reused: http.map(|h| h.reused),
            http_version: http.map(|h| h.version.to_string()),
            reply: done.reply.clone(),
        }
    }

    fn state(&self, who: &TargetId, at: SystemTime, t: &Transition) -> StateRecord {
        let retry = t.retry();
        StateRecord {
            header: self.header(who, at),
            from: t.from.to_string(),
            to: t.to.to_string(),
            cause: t.words(),
            kind: Some(t.kind()),
            detail: t.detail(),
            attempt: retry.map(|(attempt, _)| attempt),
            retry_in_ms: retry.map(|(_, delay)| millis(delay)),
            lifetime_ms: t.lifetime.map(millis),
        }
    }

    fn event_record(&self, who: &TargetId, event: &str, at: SystemTime) -> EventRecord {
        EventRecord {
            header: self.header(who, at),
            event: event.into(),
            phases: None,
            cause: None,
            detail: None,
            interval_ms: None,
            ping_kind: None,
            ping_data: None,
            ping_count: None,
            ping_span_ms: None,
            announced_timeout_ms: None,
            announced_max: None,
        }
    }

    /// The end-of-run summary of a target (kaping).
    pub fn summary(&self, result: &TargetResult) -> Record {
        Record::Summary(Box::new(SummaryRecord {
            header: self.header(&result.who, SystemTime::now()),
            summary: target_summary(&result.stats, result.elapsed),
            watch: None,
        }))
    }

    /// The end-of-watch summary (kawatch).
    pub fn watch_summary(&self, result: &WatchResult) -> Record {
        Record::Summary(Box::new(SummaryRecord {
            header: self.header(&result.who, SystemTime::now()),
            summary: target_summary(&result.stats, result.summary.elapsed),
            watch: Some(watch_summary(&result.summary)),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cause::Cause;
    use crate::proto::Mode;
    use crate::watch::{State, Why};

    #[test]
    fn records_carry_the_time_of_the_event_not_of_writing() {
        let who = TargetId::new(0, "tcp://h:1".parse().unwrap(), Mode::Echo);
        let rec = Recorder::new("r".into());
        let at = SystemTime::UNIX_EPOCH + Duration::from_millis(1_500);
        let ts = |r: Record| match r {
            Record::Event(e) => e.header.ts,
            Record::State(s) => s.header.ts,
            other => panic!("{other:?}"),
        };
        let event = |what| TargetEvent {
            who: who.clone(),
            at,
            what,
        };
        let lost = event(What::Disconnected(Cause::eof()));
        assert_eq!(ts(rec.event(&lost)), "1970-01-01T00:00:01.500000Z");
        let ping = event(What::ServerPing {
            interval: None,
            kind: crate::proto::PingKind::Keepalive,
            data: None,
            folded: None,
        });
        assert_eq!(ts(rec.event(&ping)), "1970-01-01T00:00:01.500000Z");
        let down = event(What::Transition(Transition {
            from: State::Up,
            to: State::Down,
            at: tokio::time::Instant::now(),
            why: Why::Lost(Cause::eof()),
            lifetime: None,
        }));
        assert_eq!(ts(rec.event(&down)), "1970-01-01T00:00:01.500000Z");
    }
}
