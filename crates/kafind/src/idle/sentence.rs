//! The idle-timeout verdict in one sentence, for the terminal and the JSON `summary`.

use std::time::Duration;

use kaprobe::discover::idle::verdict::Inconsistency;
use kaprobe::discover::{Verdict, VerdictKind};
use kaprobe::proto::Mode;
use kaprobe::{Cause, CauseKind};

use super::config::Config;
use super::race::race;
use crate::common::dur;

/// The keepalive a user would send in this mode.
pub fn mechanism(mode: Mode) -> &'static str {
    mode.info().noun
}

/// How a death reads: who did it, and with what.
fn how(cause: &Cause) -> (&'static str, String) {
    let detail = kacli::term::shown(&cause.detail);
    match cause.kind {
        CauseKind::Eof => ("the path", "with FIN (eof)".to_string()),
        CauseKind::Reset => ("the path", "with RST (reset)".to_string()),
        CauseKind::WsClose(1006) => ("the path", "without a close frame (ws-close 1006)".into()),
        CauseKind::WsClose(code) => ("the server", format!("with ws-close {code} ({detail})")),
        CauseKind::Goaway(_) => ("the server", format!("with {} ({detail})", cause.kind)),
        _ => ("the path", format!("with {} ({detail})", cause.kind)),
    }
}

/// The whole answer in words: the verdict, what an HTTP server announced next to
/// what was measured, and the balancer race when asked.
pub fn summary(config: &Config, report: &kaprobe::discover::idle::IdleReport) -> String {
    let mut text = sentence(
        &report.verdict,
        config.mode,
        config.idle.plan.max,
        report.interrupted,
    );
    if let Some(announced) = report.announced.and_then(|ka| ka.timeout) {
        text.push_str(&format!(
            "; the server announces Keep-Alive timeout={}",
            announced.as_secs()
        ));
        // The header counts whole seconds: only a larger gap is a claim not kept.
        match report.verdict.timeout {
            Some(t) if t > announced + Duration::from_secs(1) => {
                text.push_str(&format!(
                    " but keeps connections {} longer",
                    dur(t - announced)
                ));
            }
            Some(t) if t + Duration::from_secs(1) < announced => {
                text.push_str(&format!(" but closes them {} sooner", dur(announced - t)));
            }
            _ => {}
        }
    }
    if let Some(lb) = config.lb_idle {
        text.push_str(&race(lb, &report.verdict).sentence());
    }
    if let Some(proxy) = &config.via_proxy {
        text.push_str(&format!(
            "; measured through the proxy {proxy}, which is part of the path: its own idle \
             timeout counts, and direct connections may live longer"
        ));
    }
    text
}

/// Why deaths fit no single idle timer, in words.
fn inconsistency(why: Option<&Inconsistency>) -> String {
    match why {
        Some(Inconsistency::Survived { alive, died }) => format!(
            "one answered after {} of silence though another died after {}, more than a \
             coarse clock's second apart",
            dur(*alive),
            dur(*died)
        ),
        Some(Inconsistency::Spread { low, high }) => format!(
            "deaths spread from {} to {}, wider than one timer checked about once a second",
            dur(*low),
            dur(*high)
        ),
        Some(Inconsistency::MixedEndings { closed, reset }) => {
            format!("{closed} closed and {reset} reset: not one way of ending")
        }
        Some(Inconsistency::SilentBelowAlive) => {
            "one went silent at a shorter idle age than one that answered".to_string()
        }
        None => "no single timer fits them".to_string(),
    }
}

/// The sentence for `verdict`, probed in `mode`, up to `max`.
pub fn sentence(verdict: &Verdict, mode: Mode, max: Duration, interrupted: bool) -> String {
    let bracket = |lo: Option<Duration>, hi: Option<Duration>| match (lo, hi) {
        (Some(lo), Some(hi)) => format!(" ({}..{})", dur(lo), dur(hi)),
        (None, Some(hi)) => format!(" (below {})", dur(hi)),
        _ => String::new(),
    };
    let keep = verdict.recommended.map_or(String::new(), |every| {
        format!(
            "; keep alive at most every {} ({})",
            dur(every),
            mechanism(mode)
        )
    });
    let server = verdict.server_ping_interval.map_or(String::new(), |every| {
        format!("; the server pings every {}", dur(every))
    });
    let prefix = if interrupted {
        "interrupted, so far: "
    } else {
        ""
    };
    let text = match verdict.kind {
        VerdictKind::Closed | VerdictKind::Reset
            if verdict.death.is_some() && verdict.timeout.is_some() =>
        {
            let cause = verdict.death.as_ref().expect("checked");
            let timeout = verdict.timeout.expect("checked");
            let (who, with) = how(cause);
            let coarse = match (verdict.low, verdict.high) {
                (Some(lo), Some(hi)) if hi > lo + Duration::from_millis(300) => format!(
                    "; closes spread {}-{}: the server checks idle connections on a coarse \
                     clock (about once a second), so count from the shortest",
                    dur(lo),
                    dur(hi)
                ),
                _ => String::new(),
            };
            format!(
                "idle timeout {}{}: {who} closes idle connections {with} after {}{coarse}{keep}{server}",
                dur(timeout),
                bracket(verdict.low, verdict.high),
                dur(timeout)
            )
        }
        VerdictKind::Silent | VerdictKind::Reset => {
            let word = if verdict.kind == VerdictKind::Reset {
                "resets idle connections, answering a later probe with RST"
            } else {
                "drops idle connections silently (a later probe goes unanswered)"
            };
            let estimate = verdict.timeout.map_or_else(
                || format!("below {}", dur(verdict.high.unwrap_or_default())),
                dur,
            );
            format!(
                "idle timeout {estimate}{}: the path {word}{keep}{server}",
                bracket(verdict.low, verdict.high)
            )
        }
        VerdictKind::Lifetime => {
            let age = verdict.timeout.unwrap_or_default();
            let cause = verdict.death.as_ref().map_or(String::new(), |c| {
                format!(" ({})", kacli::term::shown(&c.to_string()))
            });
            format!(
                "connection lifetime {}: connections end {} after they open whatever their traffic{cause}; keepalives cannot help, reconnect before then",
                dur(age),
                dur(age)
            )
        }
        VerdictKind::NoneFound => format!(
            "no idle timeout up to {}: idle connections lived {}{server}",
            dur(max),
            dur(verdict.low.unwrap_or(max))
        ),
        VerdictKind::KeptAliveByServer => {
            let every = verdict
                .server_ping_interval
                .map_or("now and then".to_string(), |e| format!("every {}", dur(e)));
            format!(
                "kept alive by the server {every}: idle connections lived {} and no idle timeout was seen",
                dur(verdict.low.unwrap_or(max))
            )
        }
        VerdictKind::Inconsistent => format!(
            "inconsistent: connections did not die at one idle age{}: {}; see the rungs",
            bracket(verdict.low, verdict.high),
            inconsistency(verdict.why.as_ref())
        ),
        VerdictKind::Failed | VerdictKind::Closed => {
            let cause = verdict.death.as_ref().map_or("no answer".to_string(), |c| {
                kacli::term::shown(&c.to_string())
            });
            if verdict
                .death
                .as_ref()
                .is_some_and(kaprobe::proto::http::said_close)
            {
                format!(
                    "failed: {cause}: the server keeps no connection alive past its response, so there is no idle timeout to find"
                )
            } else {
                format!("failed: {cause}: the path or the server failed, not an idle timeout")
            }
        }
    };
    format!("{prefix}{text}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(kind: VerdictKind, cause: Option<Cause>) -> Verdict {
        Verdict {
            kind,
            timeout: Some(Duration::from_secs(60)),
            low: Some(Duration::from_millis(59_100)),
            high: Some(Duration::from_millis(60_900)),
            death: cause,
            recommended: Some(Duration::from_secs(30)),
            server_ping_interval: None,
            why: None,
        }
    }

    #[test]
    fn a_verdict_reads_as_one_sentence() {
        let v = verdict(VerdictKind::Closed, Some(Cause::eof()));
        assert_eq!(
            sentence(&v, Mode::Ping, Duration::from_secs(1800), false),
            "idle timeout 60.0s (59.1s..60.9s): the path closes idle connections with FIN (eof) after 60.0s; closes spread 59.1s-60.9s: the server checks idle connections on a coarse clock (about once a second), so count from the shortest; keep alive at most every 30.0s (ws ping)"
        );
        let goaway = Cause::new(CauseKind::Goaway(0), "max_idle\u{1b}[2J");
        let v = verdict(VerdictKind::Closed, Some(goaway));
        let text = sentence(&v, Mode::Health, Duration::from_secs(1800), false);
        assert!(
            text.contains(
                "the server closes idle connections with goaway NO_ERROR (max_idle\\x1b[2J)"
            ),
            "{text}"
        );
        let v = verdict(VerdictKind::Silent, Some(Cause::timeout("no reply")));
        let text = sentence(&v, Mode::Echo, Duration::from_secs(1800), true);
        assert!(text.starts_with("interrupted, so far: idle timeout 60.0s (59.1s..60.9s): the path drops idle connections silently"), "{text}");
    }
}
