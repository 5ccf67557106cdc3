//! The wire documents of an idle-timeout discovery (a `rung` record per test
//! connection, the `idle_timeout` document), built from what it measured.

use kaprobe::discover::Origin;
use kaprobe::discover::idle::{IdleReport, RungResult};
use kawire::record::{
    DeathRecord, DocHeader, IdleTimeoutDoc, RungLine, RungRecord, SCHEMA_VERSION, millis, timestamp,
};

use super::config::Config;
use super::race::race;
use super::sentence::summary;
use crate::common::{RunInfo, header};

pub fn rung_record(r: &RungResult) -> RungRecord {
    RungRecord {
        idle_ms: millis(r.idle),
        origin: match r.origin {
            Origin::Ladder => "ladder",
            Origin::Refine => "refine",
        }
        .to_string(),
        outcome: r.outcome.word().to_string(),
        cause: r.outcome.cause().map(|c| c.kind.to_string()),
        detail: r.outcome.cause().map(|c| c.detail.clone()),
        died_after_ms: r.outcome.died_after().map(millis),
    }
}

pub fn rung_line(info: &RunInfo, config: &Config, r: &RungResult) -> RungLine {
    RungLine {
        kind: "rung".into(),
        v: SCHEMA_VERSION,
        ts: timestamp(r.at),
        run: info.run.clone(),
        target: config.target.url(),
        addr: config.target.addr.map(|a| a.to_string()),
        rung: rung_record(r),
    }
}

pub fn idle_doc(info: &RunInfo, config: &Config, report: &IdleReport) -> IdleTimeoutDoc {
    let v = &report.verdict;
    let race = config.lb_idle.map(|lb| race(lb, v));
    IdleTimeoutDoc {
        header: DocHeader {
            via_proxy: config.via_proxy.clone(),
            ..header("idle_timeout", info, &config.target)
        },
        mode: config.mode.as_str().into(),
        verdict: v.kind.word().into(),
        summary: summary(config, report),
        timeout_ms: v.timeout.map(millis),
        low_ms: v.low.map(millis),
        high_ms: v.high.map(millis),
        death: v.death.as_ref().map(|c| DeathRecord {
            cause: c.kind.to_string(),
            detail: c.detail.clone(),
        }),
        recommended_interval_ms: v.recommended.map(millis),
        connections: report.connections,
        elapsed_ms: millis(report.elapsed),
        server_ping_interval_ms: v.server_ping_interval.map(millis),
        announced_timeout_ms: report.announced.and_then(|ka| ka.timeout).map(millis),
        lb_idle_ms: race.map(|r| millis(r.lb_idle)),
        lb_race: race.and_then(|r| r.race),
        lb_raise_by_ms: race.and_then(|r| r.raise_by).map(millis),
        interrupted: report.interrupted,
        healthy: config.healthy(report),
        rungs: report.rungs.iter().map(rung_record).collect(),
    }
}
