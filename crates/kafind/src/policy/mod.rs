//! `kafind ping-policy`: flags become a validated [`Config`], kaprobe's policy
//! discovery runs the tests, a renderer speaks (words, or one JSON document).

mod config;
mod doc;
mod human;
mod sentence;

use kaprobe::discover::policy::{self, PolicyEvent, PolicyReport};
use kaprobe::proto::Mode;
use tokio_util::sync::CancellationToken;

pub use config::Config;

use crate::common::{self, Json};
use kacli::{Render, drive};

/// Runs one discovery; whether its answer earns exit status 0.
pub async fn run(config: &Config, cancel: CancellationToken) -> anyhow::Result<bool> {
    let (info, prober) = common::start(&config.target, Mode::H2Ping, &config.probe).await?;
    let mut render: Box<dyn Render<PolicyEvent, PolicyReport>> = if config.json {
        Box::new(Json::new(common::stdout(false), |report: &PolicyReport| {
            doc::policy_doc(&info, config, report)
        }))
    } else {
        Box::new(human::Human::new(config, common::stdout(true)))
    };
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let discovery = policy::run(&prober, &config.policy, tx, cancel.clone());
    let report = drive(discovery, rx, render.as_mut(), &cancel).await?;
    Ok(Config::healthy(&report))
}
