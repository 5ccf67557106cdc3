//! `kafind idle-timeout`: flags become a validated [`Config`], kaprobe's idle
//! discovery drives the sessions, a renderer speaks (words and a table, one JSON
//! document, or NDJSON records as they happen); with `--each-address`, every
//! address in turn, compared at the end.

mod addresses;
mod config;
pub mod demo;
mod doc;
mod human;
mod ndjson;
mod race;
mod sentence;

use std::io::Write;

use kaprobe::discover::idle::{IdleEvent, IdleReport};
use kaprobe::proto::Prober;
use tokio_util::sync::CancellationToken;

pub use config::{Config, Output};

use crate::common::{self, Json, RunInfo};
use kacli::{Render, drive};

/// Discovers every address the target names (one, unless `--each-address`) in
/// turn, until the run is cancelled; whether every answer earns exit status 0.
pub async fn run(config: &Config, cancel: CancellationToken) -> anyhow::Result<bool> {
    let targets = kacli::each_address(
        vec![(config.target.clone(), config.mode)],
        &config.probe,
        None,
    )
    .await?;
    let mut healthy = true;
    let mut answers = Vec::new();
    for (target, _) in targets {
        // A first Ctrl-C ends the run, not only the address it came during.
        if cancel.is_cancelled() {
            break;
        }
        let config = Config {
            target,
            ..config.clone()
        };
        let out = common::stdout(config.output == Output::Human);
        let (ok, answer) = discover(&config, out, &cancel).await?;
        healthy &= ok;
        answers.push((config.target, answer));
    }
    if answers.len() > 1 && config.output == Output::Human {
        let mut out = common::stdout(true);
        let _ = writeln!(out, "\n{}", addresses::compare(&answers));
    }
    Ok(healthy)
}

/// One discovery, rendered to `out`; whether its answer earns exit status 0, and
/// the answer, to compare addresses by.
pub async fn discover(
    config: &Config,
    out: Box<dyn Write + '_>,
    cancel: &CancellationToken,
) -> anyhow::Result<(bool, addresses::Answer)> {
    let (info, prober) = common::start(&config.target, config.mode, &config.probe).await?;
    let config = &Config {
        via_proxy: prober.proxy().map(|p| p.to_string()),
        ..config.clone()
    };
    let mut render = renderer(config, info, &prober, out);
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let discovery = kaprobe::discover::idle::run(&prober, &config.idle, tx, cancel.clone());
    let report = drive(discovery, rx, render.as_mut(), cancel).await?;
    Ok((config.healthy(&report), addresses::Answer::of(&report)))
}

/// The renderer the configuration asks for, writing to `out`.
fn renderer<'a>(
    config: &'a Config,
    info: RunInfo,
    prober: &Prober,
    out: Box<dyn Write + 'a>,
) -> Box<dyn Render<IdleEvent, IdleReport> + 'a> {
    match config.output {
        Output::Human => Box::new(human::Human::new(config, prober, out)),
        Output::Json => Box::new(Json::new(out, move |report: &IdleReport| {
            doc::idle_doc(&info, config, report)
        })),
        Output::Ndjson => Box::new(ndjson::Ndjson::new(config, info, out)),
    }
}
