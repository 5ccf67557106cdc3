//! One idle-timeout discovery: its prober, the renderer its output asks for, and
//! the drive that runs kaprobe's discovery while the renderer speaks.

use std::io::Write;

use kaprobe::discover::idle::{IdleEvent, IdleReport};
use kaprobe::proto::Prober;
use tokio_util::sync::CancellationToken;

use super::addresses::Answer;
use super::config::{Config, Output};
use super::{doc, human, ndjson};
use crate::common::{self, Json, RunInfo};
use kacli::{Render, drive};

/// One discovery, rendered to `out`; whether its answer earns exit status 0, and
/// the answer, to compare addresses by.
pub async fn one(
    config: &Config,
    out: Box<dyn Write + '_>,
    cancel: &CancellationToken,
) -> anyhow::Result<(bool, Answer)> {
    let (info, prober) = common::start(&config.target, config.mode, &config.probe).await?;
    let config = &Config {
        via_proxy: prober.proxy().map(|p| p.to_string()),
        ..config.clone()
    };
    let mut render = renderer(config, info, &prober, out);
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let discovery = kaprobe::discover::idle::run(&prober, &config.idle, tx, cancel.clone());
    let report = drive(discovery, rx, render.as_mut(), cancel).await?;
    Ok((config.healthy(&report), Answer::of(&report)))
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
