//! kacli: the command-line layer every binary shares. The connection flags and the
//! one place they become probers, the value parsers with their one-line errors, the
//! one NDJSON writer, the runtime and the signals that stop a run.

mod args;
pub mod lines;
pub mod ndjson;
mod parse;
mod probers;
mod runtime;
pub mod signal;
pub mod term;
pub mod words;

pub use args::{ProbeArgs, ThresholdArgs};
pub use parse::{
    TargetParser, parse_duration, parse_percent, parse_positive_duration, parse_target,
};
pub use probers::probers;
pub use runtime::{Output, block_on, exit, stop_on_signals};
