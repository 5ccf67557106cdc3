//! `kafind layers`: flags become a validated [`Config`]; without `--interval`
//! the idle timeout is found first (kaprobe's idle discovery); then kaprobe's
//! layers run compares the mechanisms, and a renderer speaks.

mod doc;
mod human;
mod sentence;

use std::io::Write;
use std::time::{Duration, SystemTime};

use anyhow::bail;
use kaprobe::discover::idle::IdleConfig;
use kaprobe::discover::layers::{self, Detection, LayersConfig, LayersReport};
use kaprobe::discover::{Plan, VerdictKind};
use kaprobe::proto::{Mode, ProbeConfig, Prober};
use kaprobe::target::Target;
use tokio_util::sync::CancellationToken;

use crate::cli::LayersArgs;
use crate::doc::RunInfo;

/// Without an idle timeout to go by: every 30 s, for 3 minutes.
const FALLBACK_INTERVAL: Duration = Duration::from_secs(30);
const FALLBACK_DURATION: Duration = Duration::from_secs(180);

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
        let mode = Mode::resolve(args.probe.mode, &args.target)?;
        if matches!(mode, Mode::Connect | Mode::Watch) {
            bail!(
                "mode '{mode}' holds no idle connection to keep alive (use the target's default)"
            );
        }
        if args.probe.tcp_keepalive.is_some() {
            bail!(
                "--tcp-keepalive is one of the mechanisms compared; kafind sets it on its own connection"
            );
        }
        if let (Some(i), Some(d)) = (args.interval, args.duration) {
            if d <= i {
                bail!("--duration must be longer than --interval");
            }
        }
        let mut probe = args.probe.probe_config(args.timeout)?;
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
            json: args.json,
        })
    }

    /// Exit status 0: every mechanism was tested to the end.
    pub fn healthy(report: &LayersReport) -> bool {
        !report.interrupted && report.results.iter().all(|r| !r.failed)
    }
}

/// Runs the comparison; whether its answer earns exit status 0.
pub async fn run(config: &Config, out: Box<dyn Write + '_>) -> anyhow::Result<bool> {
    let cancel = CancellationToken::new();
    tokio::spawn(kacli::stop_on_signals(cancel.clone()));
    let info = RunInfo {
        run: kawire::record::run_id(SystemTime::now()),
        started: SystemTime::now(),
    };
    let mut probers =
        kacli::probers(&[(config.target.clone(), config.mode)], &config.probe, None).await?;
    let prober = probers.remove(0);
    let mut output = kacli::Output::Open;
    let mut human = (!config.json).then(|| human::Human::new(config, out));
    let idle = match config.interval {
        Some(_) => None,
        None => {
            if let Some(h) = human.as_mut() {
                output.write(|| h.finding_idle(config.idle_max), &cancel)?;
            }
            Some(idle_timeout(&prober, config.idle_max, cancel.clone()).await)
        }
    };
    let found = idle.flatten();
    let cfg = LayersConfig {
        interval: config
            .interval
            .or(found.map(|t| t / 2))
            .unwrap_or(FALLBACK_INTERVAL),
        duration: config
            .duration
            .or(found.map(|t| t * 3))
            .unwrap_or(FALLBACK_DURATION),
        detection: config.detection,
        detect_within: config.detect_within,
        measure: config.measure,
        stagger: Duration::from_millis(10),
    };
    if let Some(h) = human.as_mut() {
        output.write(|| h.start(&cfg, found), &cancel)?;
    }
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let consume = crate::render_events(rx, &mut output, &cancel, |r| {
        human.as_mut().map_or(Ok(()), |h| h.result(r))
    });
    let compare = layers::run(&prober, &cfg, tx, cancel.clone());
    let (report, rendered) = tokio::join!(compare, consume);
    rendered?;
    match human.as_mut() {
        Some(h) => output.write(|| h.finish(&cfg, &report), &cancel)?,
        None => {
            let doc = doc::layers_doc(&info, config, &cfg, found, &report);
            crate::write_json(&doc, &mut output, &cancel)?;
        }
    }
    Ok(Config::healthy(&report))
}

/// The idle timeout, found as `kafind idle-timeout` finds it (from 5 s to
/// `max`, to 10%); `None` when there is none to find.
async fn idle_timeout(
    prober: &Prober,
    max: Duration,
    cancel: CancellationToken,
) -> Option<Duration> {
    let plan = Plan {
        min: Duration::from_secs(5).min(max / 2),
        max,
        precision: 0.1,
        max_connections: 64,
    };
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let report = kaprobe::discover::idle::run(prober, &IdleConfig::new(plan), tx, cancel).await;
    match report.verdict.kind {
        VerdictKind::Failed | VerdictKind::NoneFound | VerdictKind::KeptAliveByServer => None,
        _ => report.verdict.timeout.or(report.verdict.high),
    }
}
