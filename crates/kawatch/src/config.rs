//! Validation: flags and the targets file become the watch kaprobe runs.

use std::time::Duration;

use anyhow::{Context, bail};
use kaprobe::proto::{Mode, ProbeConfig};
use kaprobe::target::Target;
use kaprobe::watch::Policy;
use kaprobe::watch::driver::WatchConfig;

use crate::cli::{Cli, FailOn, Interval, Until};

/// A validated kawatch run.
#[derive(Debug)]
pub struct Config {
    pub targets: Vec<(Target, Mode)>,
    pub probe: ProbeConfig,
    pub watch: WatchConfig,
    pub duration: Option<Duration>,
    pub until: Option<Until>,
    pub deadline: Option<Duration>,
    pub fail_on_down: bool,
    pub ndjson: bool,
    pub relative: bool,
    pub verbose: bool,
    pub wide: bool,
    pub metrics: Option<std::net::SocketAddr>,
    pub metrics_file: Option<std::path::PathBuf>,
}

/// The watch settings the flags describe (the exporter's watchers use them too).
pub fn watch_config(cli: &Cli) -> WatchConfig {
    let mut backoff = cli.backoff;
    backoff.multiplier = cli.backoff_multiplier;
    backoff.jitter = cli.jitter.0 / 100.0;
    let every = |i: Interval| match i {
        Interval::Every(d) => Some(d),
        Interval::Off => None,
    };
    let interval = every(
        cli.interval
            .unwrap_or(Interval::Every(Duration::from_secs(5))),
    );
    WatchConfig {
        interval,
        watch_interval: cli.interval.and_then(every),
        down_on: cli.watch_down_on.0.clone(),
        policy: Policy {
            max_missed: cli.max_missed,
            degraded_rtt: cli.degraded_rtt,
            backoff,
            max_attempts: cli.max_attempts,
        },
    }
}

impl Config {
    pub fn from_cli(cli: Cli) -> anyhow::Result<Self> {
        let mut targets = cli.targets.clone();
        if let Some(path) = &cli.targets_file {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read targets file {}", path.display()))?;
            targets.extend(parse_targets_file(&text).with_context(|| path.display().to_string())?);
        }
        if targets.is_empty() {
            bail!("no targets: name some, or give --targets-file");
        }
        let targets = cli.probe.modes(targets)?;
        if let Some((t, _)) = targets.iter().find(|(_, m)| *m == Mode::Connect) {
            bail!(
                "connect mode opens a new connection per probe, and this tool holds connections ({t}): use echo, or kaping --mode connect"
            );
        }
        Ok(Config {
            probe: cli.probe.probe_config(cli.timeout)?,
            targets,
            watch: watch_config(&cli),
            duration: cli.duration,
            until: cli.until,
            deadline: cli.deadline,
            fail_on_down: cli.fail_on == Some(FailOn::Down),
            ndjson: cli.ndjson,
            relative: cli.relative,
            verbose: cli.verbose,
            wide: cli.wide,
            metrics: cli.metrics,
            metrics_file: cli.metrics_file,
        })
    }
}

/// One target a line; blank lines and `#` comments skipped; an error names the line.
pub fn parse_targets_file(text: &str) -> anyhow::Result<Vec<Target>> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let target = line.parse::<Target>().map_err(|e| {
            let shown = kaprobe::target::redact(line);
            anyhow::anyhow!("line {}: invalid target '{shown}': {e}", n + 1)
        })?;
        out.push(target);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn config(args: &[&str]) -> anyhow::Result<Config> {
        let mut all = vec!["kawatch"];
        all.extend_from_slice(args);
        Config::from_cli(Cli::try_parse_from(all)?)
    }

    #[test]
    fn targets_file_lines() {
        let t = parse_targets_file("# fleet\ntcp://a:1\n\n  ws://b/feed  # the feed\n").unwrap();
        assert_eq!(t.len(), 2);
        let err = parse_targets_file("a:1\nnope\n").unwrap_err().to_string();
        assert_eq!(
            err,
            "line 2: invalid target 'nope': missing port (write host:port, for example localhost:7070)"
        );
    }

    #[test]
    fn validation() {
        assert!(
            config(&[])
                .unwrap_err()
                .to_string()
                .starts_with("no targets")
        );
        assert!(
            config(&["--mode", "connect", "h:1"])
                .unwrap_err()
                .to_string()
                .contains("connect mode")
        );
        let c = config(&["--jitter", "10%", "--backoff", "100ms..1s", "h:1"]).unwrap();
        assert_eq!(c.watch.policy.backoff.jitter, 0.1);
        assert_eq!(c.watch.interval, Some(Duration::from_secs(5)));
    }
}
