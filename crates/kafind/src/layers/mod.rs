//! `kafind layers`: flags become a validated [`Config`]; without `--interval`
//! the idle timeout is found first (kaprobe's idle discovery); then kaprobe's
//! layers run compares the mechanisms, and a renderer speaks.

mod config;
mod doc;
mod human;
mod sentence;

use std::time::Duration;

use kaprobe::discover::idle::{IdleConfig, IdleEvent, IdleReport};
use kaprobe::discover::layers::{self, LayersConfig, LayersReport, MechanismResult};
use kaprobe::discover::{Plan, VerdictKind};
use kaprobe::proto::Prober;
use tokio_util::sync::CancellationToken;

pub use config::Config;

use crate::common::{self, Json, Quiet};
use kacli::{Render, drive};

/// Without an idle timeout to go by: every 30 s, for 3 minutes.
const FALLBACK_INTERVAL: Duration = Duration::from_secs(30);
const FALLBACK_DURATION: Duration = Duration::from_secs(180);

/// Runs the comparison; whether its answer earns exit status 0.
pub async fn run(config: &Config, cancel: CancellationToken) -> anyhow::Result<bool> {
    let (info, prober) = common::start(&config.target, config.mode, &config.probe).await?;
    let found = match config.interval {
        Some(_) => None,
        None => idle_timeout(config, &prober, &cancel).await?,
    };
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
    let cfg = &cfg;
    let mut render: Box<dyn Render<MechanismResult, LayersReport>> = if config.json {
        Box::new(Json::new(common::stdout(false), |report: &LayersReport| {
            doc::layers_doc(&info, config, cfg, found, report)
        }))
    } else {
        Box::new(human::Human::new(config, cfg, found, common::stdout(true)))
    };
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let compare = layers::run(&prober, cfg, tx, cancel.clone());
    let report = drive(compare, rx, render.as_mut(), &cancel).await?;
    Ok(Config::healthy(&report))
}

/// The idle timeout, found as `kafind idle-timeout` finds it (from its `--min`, or
/// half of `--idle-max` when shorter, to `--idle-max`, to 10%, within its socket
/// budget); `None` when there is none to find.
async fn idle_timeout(
    config: &Config,
    prober: &Prober,
    cancel: &CancellationToken,
) -> anyhow::Result<Option<Duration>> {
    let max = config.idle_max;
    let plan = Plan {
        min: crate::cli::IDLE_MIN.min(max / 2),
        max,
        precision: 0.1,
        max_connections: crate::cli::MAX_CONNECTIONS as usize,
    };
    let mut render: Box<dyn Render<IdleEvent, IdleReport>> = if config.json {
        Box::new(Quiet)
    } else {
        Box::new(human::Finding::new(config, common::stdout(true)))
    };
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let idle = IdleConfig::new(plan);
    let discovery = kaprobe::discover::idle::run(prober, &idle, tx, cancel.clone());
    let report = drive(discovery, rx, render.as_mut(), cancel).await?;
    Ok(match report.verdict.kind {
        VerdictKind::Failed | VerdictKind::NoneFound | VerdictKind::KeptAliveByServer => None,
        _ => report.verdict.timeout.or(report.verdict.high),
    })
}
