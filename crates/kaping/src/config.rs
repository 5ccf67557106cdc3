//! Validation: turns parsed flags into the configuration kaprobe runs, rejecting
//! combinations clap cannot see (a mode that does not fit a target's protocol).

use kaprobe::proto::{Mode, ProbeConfig};
use kaprobe::run::RunConfig;
use kaprobe::target::Target;
use kaprobe::threshold::Thresholds;

use crate::cli::Cli;

/// How results are shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Output {
    Human(Human),
    Json,
    Ndjson,
}

/// What text for people shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Human {
    /// The header and the summary only.
    pub quiet: bool,
    /// Every column of the table, not those that fit.
    pub wide: bool,
    /// A Unix timestamp before each line (-D).
    pub timestamps: bool,
}

/// A validated kaping run.
#[derive(Debug)]
pub struct Config {
    /// Each target with the mode it is probed in.
    pub targets: Vec<(Target, Mode)>,
    pub run: RunConfig,
    pub thresholds: Thresholds,
    pub output: Output,
    pub probe: ProbeConfig,
    pub exit_codes: crate::exit::ExitCodes,
    /// `--send -`: the probes are lines read from stdin.
    pub from_stdin: bool,
}

impl Config {
    pub fn from_cli(cli: Cli) -> anyhow::Result<Self> {
        let mut targets = cli.probe.modes(cli.targets)?;
        if cli.probe.send.as_str() == "-" && cli.probe.mode.is_none() {
            // Lines to send make a WebSocket target a text one.
            for (target, mode) in &mut targets {
                if target.protocol() == kaprobe::protocol::Protocol::Ws {
                    *mode = Mode::Text;
                }
            }
        }
        let mut probe = cli.probe.probe_config(cli.timeout)?;
        probe.fresh = cli.fresh;
        probe.trace = cli.verbose;
        let from_stdin = probe.send.as_str() == "-";
        if from_stdin {
            match targets.as_slice() {
                [(_, Mode::Text | Mode::Echo)] => {}
                _ => anyhow::bail!(
                    "--send - reads the lines to send from stdin, for one target in mode text (ws://) or echo (tcp://)"
                ),
            }
            if cli.fresh {
                anyhow::bail!("--send - sends on one connection; leave out --fresh");
            }
            // A line typed is answered by whatever the server says.
            probe
                .expect
                .get_or_insert(kaprobe::template::Template::literal(""));
        }
        let output = if cli.json {
            Output::Json
        } else if cli.ndjson {
            Output::Ndjson
        } else {
            Output::Human(Human {
                quiet: cli.quiet,
                wide: cli.wide,
                timestamps: cli.timestamps,
            })
        };
        Ok(Config {
            targets,
            run: RunConfig {
                // grpc_health_probe checks once.
                count: cli
                    .count
                    .or((cli.exit_codes == crate::exit::ExitCodes::GrpcHealthProbe).then_some(1)),
                interval: cli.interval,
                deadline: cli.deadline,
                report_outstanding: cli.outstanding,
                feed: None,
            },
            thresholds: cli.thresholds.thresholds(),
            output,
            probe,
            exit_codes: cli.exit_codes,
            from_stdin,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn config(args: &[&str]) -> anyhow::Result<Config> {
        let mut all = vec!["kaping"];
        all.extend_from_slice(args);
        Config::from_cli(Cli::try_parse_from(all)?)
    }

    #[test]
    fn modes_default_per_target_and_must_fit() {
        let c = config(&["a:1", "tcp://b:2"]).unwrap();
        assert!(c.targets.iter().all(|(_, m)| *m == Mode::Echo));
        let c = config(&["--mode", "connect", "a:1"]).unwrap();
        assert_eq!(c.targets[0].1, Mode::Connect);
        let c = config(&["ws://h:1/", "--mode", "text"]).unwrap();
        assert_eq!(c.targets[0].1, Mode::Text);
        let err = config(&["--mode", "ping", "h:1"]).unwrap_err().to_string();
        assert_eq!(
            err,
            "mode 'ping' does not apply to tcp:// targets (expected echo or connect)"
        );
        let c = config(&["grpc://h:1", "--mode", "h2ping"]).unwrap();
        assert_eq!(c.targets[0].1, Mode::H2Ping);
    }

    #[test]
    fn bad_headers_are_named_without_their_value() {
        let err = config(&["-H", "Authorization Bearer s3cret", "a:1"])
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "invalid header 'Authorization' (expected 'Name: value')"
        );
        let c = config(&["-H", "X-Token: s3cret", "ws://h/"]).unwrap();
        assert_eq!(c.probe.headers[0].value, "s3cret");
        assert!(!format!("{c:?}").contains("s3cret"));
    }

    #[test]
    fn output_choice() {
        assert_eq!(
            config(&["a:1"]).unwrap().output,
            Output::Human(Human::default())
        );
        assert_eq!(
            config(&["-q", "a:1"]).unwrap().output,
            Output::Human(Human {
                quiet: true,
                ..Human::default()
            })
        );
        assert_eq!(config(&["--json", "a:1"]).unwrap().output, Output::Json);
        assert_eq!(config(&["--ndjson", "a:1"]).unwrap().output, Output::Ndjson);
    }
}
