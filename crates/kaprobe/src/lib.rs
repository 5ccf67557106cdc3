//! kaprobe: the client library behind kaping, kawatch and kafind. It owns targets,
//! causes, TLS, socket options, protocol sessions, the ping schedule, the watch
//! state machine and statistics, and builds the wire records of what it measured.
//! It never prints and never exits the process; binaries render what it returns.

pub mod cause;
pub mod error;
pub mod proto;
pub mod protocol;
pub mod recorder;
pub mod run;
pub mod sockopt;
pub mod stats;
pub mod target;
pub mod template;
pub mod threshold;
pub mod tls;
pub mod units;
pub mod watch;

pub use cause::{Cause, CauseKind};
pub use error::{Error, Result};
pub use protocol::Protocol;
pub use target::{Scheme, Target};

use std::time::Duration;

/// Parses a human duration (`250ms`, `1m30s`) with an error that names the input.
pub fn parse_duration(s: &str) -> std::result::Result<Duration, String> {
    humantime::parse_duration(s).map_err(|e| {
        format!("invalid duration '{s}': {e} (expected for example 250ms, 2s or 1m30s)")
    })
}
