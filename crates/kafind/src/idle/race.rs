//! `--lb-idle`: the keep-alive race. A balancer in front of this server keeps idle
//! connections up to its own idle timeout and reuses them; a server that closes
//! them sooner (or at about the same time) closes some just as a request arrives on
//! them, and the balancer answers that request 502. The server's timeout must be
//! longer than the balancer's, by a margin for timers and transit.

use std::time::Duration;

use kaprobe::discover::{Verdict, VerdictKind};

use crate::common::dur;

/// How much longer than the balancer's the server's timeout must be to be safe.
pub const MARGIN: Duration = Duration::from_secs(1);

/// What a balancer with `lb_idle` in front of this path would do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Race {
    pub lb_idle: Duration,
    /// Whether it would reuse connections the server has closed; `None` when the
    /// verdict cannot say (no timeout found below the balancer's, a failed run).
    pub race: Option<bool>,
    /// How much to raise the server's timeout by, when there is a race.
    pub raise_by: Option<Duration>,
}

/// The race for a balancer idle `lb_idle` in front of what `verdict` found.
pub fn race(lb_idle: Duration, verdict: &Verdict) -> Race {
    let safe = lb_idle + MARGIN;
    let (race, raise_by) = match verdict.kind {
        VerdictKind::Closed | VerdictKind::Reset | VerdictKind::Silent => {
            match verdict.timeout.or(verdict.low) {
                Some(t) if t < safe => (Some(true), Some(safe - t)),
                Some(_) => (Some(false), None),
                None => (None, None),
            }
        }
        // Alive at the longest age tried: safe if that is past the balancer's.
        VerdictKind::NoneFound => match verdict.low {
            Some(alive) if alive >= safe => (Some(false), None),
            _ => (None, None),
        },
        _ => (None, None),
    };
    Race {
        lb_idle,
        race,
        raise_by,
    }
}

impl Race {
    /// The race in words, appended to the verdict.
    pub fn sentence(&self) -> String {
        let lb = dur(self.lb_idle);
        match (self.race, self.raise_by) {
            (Some(true), Some(by)) => format!(
                "; a balancer idle {lb} in front would reuse connections this server has already closed (the intermittent-502 race): raise the server's keep-alive timeout by at least {}, above {}",
                dur(by),
                dur(self.lb_idle + MARGIN)
            ),
            (Some(false), _) => format!(
                "; a balancer idle {lb} in front closes idle connections before this server does: no race"
            ),
            _ => format!(
                "; whether a balancer idle {lb} races this server cannot be told from this run"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(kind: VerdictKind, timeout: Option<u64>, low: Option<u64>) -> Verdict {
        Verdict {
            kind,
            timeout: timeout.map(Duration::from_millis),
            low: low.map(Duration::from_millis),
            high: None,
            death: None,
            recommended: None,
            server_ping_interval: None,
            why: None,
        }
    }

    #[test]
    fn a_server_closing_before_the_balancer_races_it() {
        let lb = Duration::from_secs(60);
        // Node's 5 s behind an ALB's 60 s: raise by 56 s, to above 61 s.
        let node = race(lb, &verdict(VerdictKind::Closed, Some(5_000), Some(5_000)));
        assert_eq!(node.race, Some(true));
        assert_eq!(node.raise_by, Some(Duration::from_secs(56)));
        assert!(
            node.sentence()
                .contains("raise the server's keep-alive timeout by at least 56.0s, above 61.0s"),
            "{}",
            node.sentence()
        );
        // Equal timeouts race too (timers and transit): the margin says so.
        assert_eq!(
            race(lb, &verdict(VerdictKind::Closed, Some(60_200), None)).race,
            Some(true)
        );
        // nginx's 75 s outlives it.
        let nginx = race(lb, &verdict(VerdictKind::Closed, Some(75_000), None));
        assert_eq!((nginx.race, nginx.raise_by), (Some(false), None));
        assert!(nginx.sentence().contains("no race"));
        // Alive at 30 minutes: safe; alive at 30 s only: cannot tell.
        assert_eq!(
            race(lb, &verdict(VerdictKind::NoneFound, None, Some(1_800_000))).race,
            Some(false)
        );
        assert_eq!(
            race(lb, &verdict(VerdictKind::NoneFound, None, Some(30_000))).race,
            None
        );
        assert_eq!(
            race(lb, &verdict(VerdictKind::Failed, None, None)).race,
            None
        );
    }
}
