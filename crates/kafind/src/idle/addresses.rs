//! `--each-address`: the idle timeout of every address of a name, told apart. A
//! name behind several balancer nodes may have a timeout per node (ECMP spreads
//! connections across them), and one probe measures one path.

use std::time::Duration;

use kaprobe::discover::idle::IdleReport;
use kaprobe::target::Target;

use crate::common::dur;

/// What one address answered: its verdict and timeout.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    pub verdict: &'static str,
    pub timeout: Option<Duration>,
}

impl Answer {
    pub fn of(report: &IdleReport) -> Answer {
        Answer {
            verdict: report.verdict.kind.word(),
            timeout: report.verdict.timeout,
        }
    }

    fn shown(&self) -> String {
        match self.timeout {
            Some(t) => format!("{} ({})", dur(t), self.verdict),
            None => self.verdict.to_string(),
        }
    }

    /// Whether two answers are the same path behaviour: one verdict, and timeouts
    /// within 10% of each other.
    fn agrees(&self, other: &Answer) -> bool {
        self.verdict == other.verdict
            && match (self.timeout, other.timeout) {
                (Some(a), Some(b)) => {
                    let (lo, hi) = (a.min(b).as_secs_f64(), a.max(b).as_secs_f64());
                    hi - lo <= 0.1 * hi
                }
                (None, None) => true,
                _ => false,
            }
    }
}

/// One sentence over every address: whether they agree, and each one's answer.
pub fn compare(answers: &[(Target, Answer)]) -> String {
    let host = answers
        .first()
        .map(|(t, _)| t.host_str())
        .unwrap_or_default();
    let each: Vec<String> = answers
        .iter()
        .map(|(t, a)| {
            let addr = t
                .addr
                .map(|a| a.to_string())
                .unwrap_or_else(|| t.host_str());
            format!("{addr} {}", a.shown())
        })
        .collect();
    let agree = answers.windows(2).all(|w| w[0].1.agrees(&w[1].1));
    if agree {
        format!(
            "the {} addresses of {host} agree: {}",
            answers.len(),
            each.join(", ")
        )
    } else {
        format!(
            "the {} addresses of {host} differ: {} (a client's connection meets whichever \
             one it lands on; keep alive for the shortest)",
            answers.len(),
            each.join(", ")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pinned(addr: &str) -> Target {
        let mut t: Target = "tcp://lb.test:80".parse().unwrap();
        t.addr = Some(addr.parse().unwrap());
        t
    }

    fn closed(secs: u64) -> Answer {
        Answer {
            verdict: "closed",
            timeout: Some(Duration::from_secs(secs)),
        }
    }

    #[test]
    fn addresses_are_compared_by_verdict_and_timeout() {
        let same = compare(&[
            (pinned("10.0.0.1"), closed(60)),
            (pinned("10.0.0.2"), closed(58)),
        ]);
        assert_eq!(
            same,
            "the 2 addresses of lb.test agree: 10.0.0.1 60.0s (closed), 10.0.0.2 58.0s (closed)"
        );
        let apart = compare(&[
            (pinned("10.0.0.1"), closed(60)),
            (pinned("10.0.0.2"), closed(350)),
        ]);
        assert!(apart.starts_with("the 2 addresses of lb.test differ: 10.0.0.1 60.0s (closed), 10.0.0.2 350.0s (closed)"), "{apart}");
        let silent = Answer {
            verdict: "silent",
            timeout: Some(Duration::from_secs(60)),
        };
        assert!(
            compare(&[(pinned("10.0.0.1"), closed(60)), (pinned("::1"), silent)])
                .contains("differ")
        );
    }
}
