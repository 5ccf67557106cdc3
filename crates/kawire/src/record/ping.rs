//! kaping's `--json` document: one per run, a section per target.

use serde::{Deserialize, Serialize};

use super::TargetSummary;

/// A target in the `--json` document.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PingTarget {
    pub target: String,
    pub protocol: String,
    pub mode: String,
    /// The address probed.
    pub addr: String,
    #[serde(flatten)]
    pub summary: TargetSummary,
}

/// The `--json` document: one per run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PingDoc {
    pub v: u32,
    pub tool: String,
    pub version: String,
    pub run: String,
    /// When the run started.
    pub ts: String,
    pub targets: Vec<PingTarget>,
    /// Whether every target met the thresholds (the exit status is 0 exactly then).
    pub healthy: bool,
    /// Each threshold breached, in words.
    pub breaches: Vec<String>,
}
