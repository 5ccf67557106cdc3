//! kaprobe: the library behind kaping, kawatch, kareport and kaserve. It owns targets,
//! protocol sessions, probe schedules, statistics, the record schema and the
//! responders. It never prints and never exits the process; binaries render what it
//! returns.

pub mod cause;
pub mod error;
pub mod liveness;
pub mod proto;
pub mod record;
pub mod registry;
pub mod report;
pub mod run;
pub mod series;
pub mod serve;
pub mod signal;
pub mod sockopt;
pub mod stats;
pub mod target;
pub mod template;
pub mod threshold;
pub mod tls;
pub mod watch;

pub use cause::{Cause, CauseKind};
pub use error::{Error, Result};
pub use target::{Scheme, Target};

use std::time::Duration;

/// Parses a human duration (`250ms`, `1m30s`) with an error that names the input.
pub fn parse_duration(s: &str) -> std::result::Result<Duration, String> {
    humantime::parse_duration(s).map_err(|e| {
        format!("invalid duration '{s}': {e} (expected for example 250ms, 2s or 1m30s)")
    })
}
