//! Health thresholds (`--max-loss`, `--max-rtt` on a chosen statistic) and the
//! breaches a run's statistics show against them.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use crate::cause::CauseKind;
use crate::stats::{ProbeStats, Stat};

/// A percentage from 0 to 100, written `1%`, `0.5%` or `1`.
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd)]
pub struct Percent(pub f64);

impl FromStr for Percent {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let num = s.trim().strip_suffix('%').unwrap_or(s.trim());
        match num.parse::<f64>() {
            Ok(v) if (0.0..=100.0).contains(&v) => Ok(Percent(v)),
            _ => Err(format!(
                "invalid percentage '{s}' (expected 0% to 100%, for example 1% or 0.5%)"
            )),
        }
    }
}

impl fmt::Display for Percent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}%", self.0)
    }
}

/// Limits beyond which a target counts as unhealthy.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Thresholds {
    pub max_loss: Option<Percent>,
    pub max_rtt: Option<Duration>,
    /// The statistic `max_rtt` applies to.
    pub rtt_stat: Stat,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            max_loss: None,
            max_rtt: None,
            rtt_stat: Stat::P99,
        }
    }
}

/// The server answered, but not as asked: a health status other than SERVING, a
/// gRPC status, an HTTP status outside `--expect-status`.
fn answered_not_ok(kind: CauseKind) -> bool {
    matches!(
        kind,
        CauseKind::NotServing(_) | CauseKind::Grpc(_) | CauseKind::Http(_)
    )
}

impl Thresholds {
    /// Every way `stats` falls short, in words; empty when healthy. A target that
    /// was probed and never answered is always unhealthy, as with ping.
    pub fn breaches(&self, stats: &ProbeStats) -> Vec<String> {
        let mut out = Vec::new();
        let refused: u64 = stats
            .failures
            .iter()
            .filter(|(k, _)| answered_not_ok(**k))
            .map(|(_, n)| n)
            .sum();
        if refused > 0 {
            // The server answered, but not SERVING: unhealthy whatever the loss.
            let last = stats
                .last_failure
                .as_ref()
                .filter(|c| answered_not_ok(c.kind));
            let what = last.map_or_else(|| "not serving".to_string(), |c| c.to_string());
            out.push(format!(
                "{what} ({refused} of {} probes)",
                stats.transmitted
            ));
        } else if stats.transmitted == 0 {
            // Stopped (Ctrl-C, SIGTERM, a closed pipe) before any probe finished:
            // nothing answered, so the run is not healthy.
            out.push("no probe finished".to_string());
        } else if stats.received == 0 {
            let mut what = format!(
                "no reply to {} probe{}",
                stats.transmitted,
                if stats.transmitted == 1 { "" } else { "s" }
            );
            if let Some(cause) = &stats.last_failure {
                what.push_str(&format!(", last: {cause}"));
            }
            out.push(what);
        }
        if let Some(max) = self.max_loss {
            let loss = stats.loss_pct();
            if loss > max.0 {
                out.push(format!("loss {loss:.1}% exceeds --max-loss {max}"));
            }
        }
        if let (Some(max), Some(value)) = (self.max_rtt, stats.rtt.get(self.rtt_stat)) {
            if value > max {
                out.push(format!(
                    "rtt {} {:.3} ms exceeds --max-rtt {}",
                    self.rtt_stat,
                    value.as_secs_f64() * 1000.0,
                    humantime::format_duration(max)
                ));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cause::Cause;

    #[test]
    fn percent_forms() {
        assert_eq!("0%".parse::<Percent>().unwrap().0, 0.0);
        assert_eq!("0.5%".parse::<Percent>().unwrap().0, 0.5);
        assert_eq!("12".parse::<Percent>().unwrap().0, 12.0);
        for bad in ["", "%", "101%", "-1%", "abc", "NaN%", "1%%"] {
            assert!(bad.parse::<Percent>().is_err(), "{bad}");
        }
    }

    #[test]
    fn breaches_by_threshold() {
        let mut s = ProbeStats::default();
        s.record_reply(Duration::from_millis(10));
        s.record_reply(Duration::from_millis(80));
        s.record_failure(&Cause::timeout("no reply within 1s"));
        let none = Thresholds::default();
        assert!(none.breaches(&s).is_empty());
        let t = Thresholds {
            max_loss: Some(Percent(0.0)),
            max_rtt: Some(Duration::from_millis(50)),
            rtt_stat: Stat::P99,
        };
        let b = t.breaches(&s);
        assert_eq!(b.len(), 2, "{b:?}");
        assert!(
            b[0].starts_with("loss 33.3% exceeds --max-loss 0%"),
            "{b:?}"
        );
        assert!(
            b[1].starts_with("rtt p99 79.") || b[1].starts_with("rtt p99 80."),
            "{b:?}"
        );
        assert!(b[1].ends_with("exceeds --max-rtt 50ms"), "{b:?}");
        let lenient = Thresholds {
            max_loss: Some(Percent(50.0)),
            max_rtt: Some(Duration::from_millis(50)),
            rtt_stat: Stat::Min,
        };
        assert!(lenient.breaches(&s).is_empty());
        let mut dead = ProbeStats::default();
        dead.record_failure(&Cause::new(CauseKind::Refused, "Connection refused"));
        assert_eq!(
            none.breaches(&dead),
            vec!["no reply to 1 probe, last: refused (Connection refused)".to_string()]
        );
        let mut sick = ProbeStats::default();
        sick.record_reply(Duration::from_millis(1));
        sick.record_reply(Duration::from_millis(1));
        sick.record_failure(&Cause::new(
            CauseKind::NotServing(2),
            "service 'p' is not serving",
        ));
        assert_eq!(
            none.breaches(&sick),
            vec!["health NOT_SERVING (service 'p' is not serving) (1 of 3 probes)".to_string()]
        );
        // 503, 503, 200: the server answered, not as asked; unhealthy (it was 0).
        let mut unavailable = ProbeStats::default();
        let status = Cause::new(CauseKind::Http(503), "GET / answered 503");
        unavailable.record_failure(&status);
        unavailable.record_failure(&status);
        unavailable.record_reply(Duration::from_millis(1));
        assert_eq!(
            none.breaches(&unavailable),
            vec!["http 503 (GET / answered 503) (2 of 3 probes)".to_string()]
        );
    }
}
