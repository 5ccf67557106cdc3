//! `kafind layers`' validation: turns parsed flags into the comparison kaprobe
//! runs, rejecting modes and flags it cannot compare; and which answers earn exit
//! status 0.

use std::time::Duration;

use anyhow::bail;
use kaprobe::discover::layers::{Detection, LayersReport};
use kaprobe::proto::{Mode, ProbeConfig};
use kaprobe::target::Target;

use crate::cli::LayersArgs;

/// A validated `kafind layers` run.
#[derive(Debug)]
pub struct Config {
    pub target: Target,
    pub mode: Mode,
    pub probe: ProbeConfig,
    pub interval: Option<Duration>,
    pub duration: Option<Duration>,
    pub detect_within: Duration,
    pub detection: Detection,
    /// The idle discovery's longest age, when it runs first.
    pub idle_max: Duration,
    pub measure: Option<Duration>,
    pub json: bool,
}

impl Config {
    pub fn from_args(args: LayersArgs) -> anyhow::Result<Self> {
        let mode = Mode::resolve(args.doc.probe.mode, &args.target)?;
        if matches!(mode, Mode::Connect | Mode::Watch) {
            bail!(
                "mode '{mode}' holds no idle connection to keep alive (use the target's default)"
            );
        }
        if args.doc.probe.tcp_keepalive.is_some() {
            bail!(
                "--tcp-keepalive is one of the mechanisms compared; kafind sets it on its own connection"
            );
        }
        if let (Some(i), Some(d)) = (args.interval, args.duration) {
            if d <= i {
                bail!("--duration must be longer than --interval");
            }
        }
        let mut probe = args.doc.probe.probe_config(args.timeout)?;
        probe.mode = mode;
        Ok(Config {
            detection: Detection {
                timeout: args.timeout,
                missed: args.max_missed,
                tcp_count: args.max_missed,
                user_timeout: probe.tcp.user_timeout,
            },
            target: args.target,
            mode,
            probe,
            interval: args.interval,
            duration: args.duration,
            detect_within: args.detect_within,
            idle_max: args.idle_max,
            measure: args.measure_detection,
            json: args.doc.json,
        })
    }

    /// Exit status 0: every mechanism was tested to the end.
    pub fn healthy(report: &LayersReport) -> bool {
        !report.interrupted && report.results.iter().all(|r| !r.failed)
    }
}
