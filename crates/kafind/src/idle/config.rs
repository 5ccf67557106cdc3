//! `kafind idle-timeout`'s validation: turns parsed flags into the discovery kaprobe
//! runs, rejecting what clap cannot see (a mode without a session, keepalives that
//! would spoil idleness); and which answers earn exit status 0.

use std::time::Duration;

use anyhow::bail;
use kaprobe::discover::Plan;
use kaprobe::discover::idle::IdleConfig;
use kaprobe::proto::{Mode, ProbeConfig};
use kaprobe::target::Target;

use crate::cli::IdleArgs;

/// How results are shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Output {
    Human,
    Json,
    Ndjson,
}

/// A validated `kafind idle-timeout` run.
#[derive(Clone, Debug)]
pub struct Config {
    pub target: Target,
    pub mode: Mode,
    pub probe: ProbeConfig,
    pub idle: IdleConfig,
    pub require: Option<Duration>,
    /// `--lb-idle`: the balancer idle timeout to check the race against.
    pub lb_idle: Option<Duration>,
    /// The proxy the target is reached through, if any (set when the prober is).
    pub via_proxy: Option<String>,
    pub output: Output,
    /// Live progress on stderr (only ever drawn on a terminal).
    pub progress: bool,
}

impl Config {
    pub fn from_args(args: IdleArgs) -> anyhow::Result<Self> {
        let mode = Mode::resolve(args.probe.mode, &args.target)?;
        if mode == Mode::Connect {
            bail!("mode 'connect' holds no connection to leave idle (use echo, the default)");
        }
        if mode == Mode::Watch {
            bail!("mode 'watch' holds a stream open, which is not idle (use health, the default)");
        }
        if args.probe.tcp_keepalive.is_some() {
            bail!("--tcp-keepalive would send keepalives while idle; kafind sends nothing then");
        }
        crate::common::check_range(args.min, args.max)?;
        let precision = args.precision.0 / 100.0;
        if !(0.001..=0.5).contains(&precision) {
            bail!("--precision must be between 0.1% and 50%");
        }
        let mut probe = args.probe.probe_config(args.timeout)?;
        probe.mode = mode;
        // A dead connection is known when its probe goes unacknowledged this long,
        // not after the kernel's 15 minutes of retransmissions.
        probe.tcp.user_timeout.get_or_insert(args.timeout);
        let plan = Plan {
            min: args.min,
            max: args.max,
            precision,
            max_connections: args.max_connections as usize,
        };
        let output = if args.json {
            Output::Json
        } else if args.ndjson {
            Output::Ndjson
        } else {
            Output::Human
        };
        Ok(Config {
            target: args.target,
            mode,
            probe,
            idle: IdleConfig::new(plan),
            require: args.require,
            lb_idle: args.lb_idle,
            via_proxy: None,
            output,
            progress: true,
        })
    }

    /// Whether the answer earns exit status 0.
    pub fn healthy(&self, report: &kaprobe::discover::idle::IdleReport) -> bool {
        use kaprobe::discover::VerdictKind as K;
        if report.interrupted || report.verdict.kind == K::Failed {
            return false;
        }
        let kills_at = report.verdict.timeout.or(report.verdict.high);
        match (self.require, kills_at) {
            (Some(required), Some(at)) => at >= required,
            _ => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{Cli, Command};
    use clap::Parser;

    fn config(args: &[&str]) -> anyhow::Result<Config> {
        let mut all = vec!["kafind", "idle-timeout"];
        all.extend_from_slice(args);
        match Cli::try_parse_from(all)?.command {
            Some(Command::IdleTimeout(a)) => Config::from_args(a),
            _ => unreachable!(),
        }
    }

    #[test]
    fn flags_become_a_plan_and_idleness_is_kept() {
        let c = config(&[
            "ws://h:1/",
            "--min",
            "1s",
            "--max",
            "1m",
            "--precision",
            "5%",
        ])
        .unwrap();
        assert_eq!(c.mode, Mode::Ping);
        assert_eq!(c.idle.plan.min, Duration::from_secs(1));
        assert_eq!(c.idle.plan.precision, 0.05);
        assert_eq!(c.probe.tcp.user_timeout, Some(Duration::from_secs(2)));
        assert_eq!(c.idle.control_every, Duration::from_millis(100));
        let err = |args: &[&str]| config(args).unwrap_err().to_string();
        assert!(err(&["h:1", "--mode", "connect"]).contains("holds no connection"));
        assert!(err(&["h:1", "--tcp-keepalive", "10s"]).contains("sends nothing"));
        assert!(err(&["h:1", "--min", "1m", "--max", "30s"]).contains("shorter than"));
        assert!(err(&["h:1", "--precision", "0%"]).contains("between"));
    }

    #[test]
    fn the_defaults_layers_borrows_are_the_flags_defaults() {
        let c = config(&["h:1"]).unwrap();
        assert_eq!(c.idle.plan.min, crate::cli::IDLE_MIN);
        assert_eq!(
            c.idle.plan.max_connections,
            crate::cli::MAX_CONNECTIONS as usize
        );
    }
}
