//! kaprobe: the client library behind kaping, kawatch and kafind. It owns targets,
//! causes, TLS, socket options, protocol sessions, the ping schedule, the watch
//! state machine and statistics, and builds the wire records of what it measured.
//! It never prints and never exits the process; binaries render what it returns.

pub mod addressing;
pub mod cause;
pub mod deadline;
pub mod discover;
pub mod error;
pub mod event;
pub mod proto;
pub mod protocol;
pub mod proxy;
pub mod recorder;
pub mod run;
pub mod scheme;
pub mod sockopt;
pub mod stats;
pub mod target;
pub mod template;
pub mod threshold;
pub mod tls;
pub mod trace;
pub mod units;
pub mod watch;

#[cfg(test)]
mod hostile;

pub use cause::{Cause, CauseKind};
pub use error::{Error, Result};
pub use protocol::Protocol;
pub use target::{Scheme, Target};

use std::time::Duration;

/// The longest duration any flag takes: 366 days (`1y` fits). Longer ones mean
/// nothing a person asks for and would overflow the clocks runs are timed with.
pub const MAX_DURATION: Duration = Duration::from_secs(366 * 86_400);

/// Parses a human duration (`250ms`, `1m30s`) of at most [`MAX_DURATION`], with an
/// error that names the input.
pub fn parse_duration(s: &str) -> std::result::Result<Duration, String> {
    let d = humantime::parse_duration(s).map_err(|e| {
        format!("invalid duration '{s}': {e} (expected for example 250ms, 2s or 1m30s)")
    })?;
    if d > MAX_DURATION {
        return Err(format!(
            "duration '{s}' is longer than the maximum of 366 days"
        ));
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_capped() {
        assert_eq!(parse_duration("1y").unwrap().as_secs(), 31_557_600);
        assert_eq!(parse_duration("366d").unwrap(), MAX_DURATION);
        for huge in ["367d", "500000000000y", "20000y"] {
            let err = parse_duration(huge).unwrap_err();
            assert!(err.contains(huge), "{err}");
        }
    }
}
