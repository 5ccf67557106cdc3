//! A change of a watched connection's state and what moved it: a closed set of
//! reasons carrying their values (the `Cause` itself when a connection is lost),
//! from which the kind metrics key on and the words people read are made.

use std::time::Duration;

use tokio::time::Instant;

use super::State;
use crate::cause::Cause;
use crate::proto::Phases;
use crate::units::short;

/// What moved a connection from one state to another: a closed set, with the
/// values its words are made of.
#[derive(Clone, Debug, PartialEq)]
pub enum Why {
    /// The connection opened, in these phases.
    Connected(Phases),
    /// A keepalive came back in this time (healing a degraded connection).
    Reply(Duration),
    /// A keepalive came back slower than the limit.
    Slow { rtt: Duration, limit: Duration },
    /// `count` keepalives of `max` missed in a row (`what` names them: pongs).
    Missed {
        count: u32,
        max: u32,
        what: &'static str,
    },
    /// The connection ended or could not be made.
    Lost(Cause),
    /// Waiting `delay` before reconnect attempt `attempt`; `ended` is the
    /// connection's end when a status had already taken the target down.
    Backoff {
        attempt: u32,
        delay: Duration,
        ended: Option<Cause>,
    },
    /// Reconnect attempt `attempt` begins.
    Attempt(u32),
    /// A health Watch pushed SERVING.
    Serving,
    /// A health Watch pushed another status (its number).
    Health(i32),
}

/// A change of state, with its cause.
#[derive(Clone, Debug, PartialEq)]
pub struct Transition {
    pub from: State,
    pub to: State,
    pub at: Instant,
    pub why: Why,
    /// For `down` from a connection that was up: how long it lived.
    pub lifetime: Option<Duration>,
}

impl Transition {
    /// The kind of cause, from a closed set: `connected`, `reply`, `slow`,
    /// `missed`, `backoff`, `attempt`, `serving`, `health NOT_SERVING`, or a cause
    /// kind (`timeout`, `reset`, `ws-close 1011`, ...). Metrics and groupings key
    /// on it; it never carries a timing.
    pub fn kind(&self) -> String {
        match &self.why {
            Why::Connected(_) => "connected".into(),
            Why::Reply(_) => "reply".into(),
            Why::Slow { .. } => "slow".into(),
            Why::Missed { .. } => "missed".into(),
            Why::Lost(cause) => cause.kind.to_string(),
            Why::Backoff { .. } => "backoff".into(),
            Why::Attempt(_) => "attempt".into(),
            Why::Serving => "serving".into(),
            Why::Health(status) => format!("health {}", kawire::grpc::serving_status_name(*status)),
        }
    }

    /// The words a network engineer uses: `refused`, `timeout`, `goaway ...`, or
    /// what happened in plain words (`connect 1.2ms, tls 3.4ms`, `missed 1/3 pongs`).
    pub fn words(&self) -> String {
        match &self.why {
            Why::Connected(phases) => {
                let mut words = vec![format!("connect {}", short(phases.connect))];
                for (name, value) in [("tls", phases.tls), ("handshake", phases.handshake)] {
                    if let Some(v) = value {
                        words.push(format!("{name} {}", short(v)));
                    }
                }
                words.join(", ")
            }
            Why::Reply(rtt) => format!("reply in {}", short(*rtt)),
            Why::Slow { rtt, limit } => format!("rtt {} > {}", short(*rtt), short(*limit)),
            Why::Missed { count, max, what } => format!("missed {count}/{max} {what}"),
            Why::Backoff { attempt, delay, .. } => {
                format!("attempt {attempt} in {}", short(*delay))
            }
            Why::Attempt(attempt) => format!("attempt {attempt}"),
            Why::Lost(_) | Why::Serving | Why::Health(_) => self.kind(),
        }
    }

    /// The underlying detail (OS error, close reason, GOAWAY debug data).
    pub fn detail(&self) -> Option<String> {
        match &self.why {
            Why::Lost(cause) => (!cause.detail.is_empty()).then(|| cause.detail.clone()),
            Why::Backoff { ended, .. } => ended.as_ref().map(Cause::to_string),
            _ => None,
        }
    }

    /// For `reconnecting`: which attempt, and how long until it.
    pub fn retry(&self) -> Option<(u32, Duration)> {
        match self.why {
            Why::Backoff { attempt, delay, .. } => Some((attempt, delay)),
            _ => None,
        }
    }
}
