//! The `ping_policy` document, built from what the run measured.

use kaprobe::discover::policy::{PolicyReport, TestOutcome, TestResult, verdict::STACKS};
use kawire::h2::error_name;
use kawire::record::{
    GoawayRecord, IntervalBracket, PingPolicyDoc, PolicyTestRecord, RecommendedKeepalive, micros,
    millis,
};

use super::config::Config;
use super::sentence::summary;
use crate::common::{RunInfo, header};

fn test_record(t: &TestResult) -> PolicyTestRecord {
    let (outcome, cause) = match &t.outcome {
        TestOutcome::Allowed => ("allowed", None),
        TestOutcome::Punished { .. } => ("punished", None),
        TestOutcome::Failed(c) => ("failed", Some(c)),
    };
    let (cause, detail) = match (&t.outcome, cause) {
        (TestOutcome::Punished { code, debug }, _) => (
            Some(format!("goaway {}", error_name(*code))),
            Some(debug.clone()),
        ),
        (_, Some(c)) => (Some(c.kind.to_string()), Some(c.detail.clone())),
        _ => (None, None),
    };
    PolicyTestRecord {
        interval_ms: millis(t.interval),
        condition: t.condition.as_str().into(),
        pings: t.pings,
        outcome: outcome.into(),
        cause,
        detail,
        ping_rtt_us: t.ping_rtt.map(micros),
    }
}

pub fn policy_doc(info: &RunInfo, config: &Config, report: &PolicyReport) -> PingPolicyDoc {
    let v = &report.verdict;
    PingPolicyDoc {
        header: header("ping_policy", info, &config.target),
        verdict: v.kind.as_str().into(),
        summary: summary(config, report),
        min_interval_ms: IntervalBracket {
            low: v.low.map(millis),
            high: v.high.map(millis),
        },
        condition: v.condition.map(|c| c.as_str().into()),
        max_strikes: v.max_strikes,
        permit_without_stream: v.permit_without_stream,
        goaway: v.goaway.as_ref().map(|(code, debug)| GoawayRecord {
            code: error_name(*code),
            debug: debug.clone(),
        }),
        intermediary: v.intermediary,
        evidence: v.evidence.clone(),
        proxy: v.proxy.clone(),
        fingerprint: v.fingerprint.clone(),
        recommended: v.recommended.map(|r| RecommendedKeepalive {
            interval_ms: millis(r.interval),
            timeout_ms: millis(r.timeout),
            permit_without_stream: r.permit_without_stream,
            code: STACKS.iter().map(|s| (s.to_string(), r.code(s))).collect(),
        }),
        ping_rtt_us: report
            .tests
            .iter()
            .filter_map(|t| t.ping_rtt)
            .min()
            .map(micros),
        call_rtt_us: report.evidence.call_rtt.map(micros),
        server_header: report.evidence.server.clone(),
        connections: report.connections,
        elapsed_ms: millis(report.elapsed),
        interrupted: report.interrupted,
        healthy: Config::healthy(report),
        tests: report.tests.iter().map(test_record).collect(),
    }
}
