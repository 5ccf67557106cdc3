//! The ping-policy verdict in one sentence, for the terminal and the JSON `summary`.

use std::time::Duration;

use kaprobe::discover::policy::verdict::unearned;
use kaprobe::discover::policy::{Condition, PolicyKind, PolicyReport, TestOutcome};
use kaprobe::units::short;
use kawire::h2::error_name;

use super::config::Config;

fn condition_words(c: Option<Condition>) -> &'static str {
    match c {
        Some(Condition::WithStream) => " with a stream open",
        _ => " with no call open",
    }
}

/// The whole answer in words.
pub fn summary(config: &Config, report: &PolicyReport) -> String {
    let v = &report.verdict;
    let (min, max) = (config.policy.min, config.policy.max);
    let mut text = match v.kind {
        PolicyKind::Failed => {
            let why = report
                .tests
                .iter()
                .find_map(|t| match &t.outcome {
                    TestOutcome::Failed(c) => Some(kacli::term::shown(&c.to_string())),
                    _ => unearned(t),
                })
                .unwrap_or_else(|| "no test finished".into());
            format!("could not test the ping policy: {why}")
        }
        PolicyKind::Inconsistent => format!(
            "inconsistent: pings every {} were punished while shorter intervals were allowed; the policy may be near an interval tested, or changing (see tests)",
            v.low.map_or("?".into(), short)
        ),
        PolicyKind::Intermediary => {
            let who = v
                .proxy
                .as_deref()
                .map_or(String::new(), |p| format!(" ({p}?)"));
            format!(
                "PINGs are answered by an intermediary{who}: {}; the backend's keepalive policy cannot be seen from here",
                kacli::term::shown(&v.evidence.join(", "))
            )
        }
        PolicyKind::NoPolicy => format!(
            "no ping policy up to {}: pings every {} were allowed{}, never punished{}",
            short(min),
            short(min),
            if report
                .tests
                .iter()
                .any(|t| t.condition == Condition::WithStream)
            {
                " with and without a stream"
            } else {
                ""
            },
            v.pings_faster.map_or(String::new(), |(ping, call)| {
                let calls = if report.evidence.call.is_empty() {
                    "call"
                } else {
                    report.evidence.call
                };
                format!(
                    "; PINGs are answered {:.0}x faster than calls ({} vs {calls} {}): a proxy, \
                     or a server whose HTTP/2 layer runs apart from its handlers",
                    call.as_secs_f64() / ping.as_secs_f64().max(1e-9),
                    short(ping),
                    short(call)
                )
            })
        ),
        PolicyKind::Policy => bracket(v.low, v.high, max) + condition_words(v.condition),
    };
    if v.kind == PolicyKind::Policy {
        if let Some(s) = v.max_strikes {
            text.push_str(&format!(
                "; tolerates {s} strike{}",
                if s == 1 { "" } else { "s" }
            ));
        }
        match v.permit_without_stream {
            Some(true) => text.push_str("; pings without a stream are permitted"),
            Some(false) => text.push_str(
                "; pings without a stream are not permitted (PermitWithoutStream false: one per 2h)",
            ),
            None => {}
        }
        if let Some((code, debug)) = &v.goaway {
            text.push_str(&format!(
                "; GOAWAY {} \"{}\"",
                error_name(*code),
                kacli::term::shown(debug)
            ));
        }
        if let Some(f) = &v.fingerprint {
            text.push_str(&format!("; looks like {f}"));
        }
    }
    if report.interrupted {
        text.push_str(" (interrupted: the answer so far)");
    }
    text
}

/// `allows 5s, punishes 4s`
fn bracket(low: Option<Duration>, high: Option<Duration>, max: Duration) -> String {
    match (low, high) {
        (Some(low), Some(high)) => format!(
            "allows pings every {}, punishes {}",
            short(high),
            short(low)
        ),
        (None, Some(high)) => format!("allows pings every {} (--min)", short(high)),
        (Some(_), None) => format!("punishes pings even every {} (--max)", short(max)),
        (None, None) => "no interval was decided".to_string(),
    }
}
