//! `kafind idle-timeout`: flags become a validated [`Config`], kaprobe's idle
//! discovery drives the sessions, a renderer speaks (words and a table, one JSON
//! document, or NDJSON records as they happen); with `--each-address`, every
//! address in turn, compared at the end.

mod addresses;
mod config;
pub mod demo;
mod discovery;
mod doc;
mod human;
mod ndjson;
mod race;
mod sentence;

use std::io::Write;

use tokio_util::sync::CancellationToken;

pub use config::{Config, Output};

use crate::common;

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
        let (ok, answer) = discovery::one(&config, out, &cancel).await?;
        healthy &= ok;
        answers.push((config.target, answer));
    }
    if answers.len() > 1 && config.output == Output::Human {
        let mut out = common::stdout(true);
        let _ = writeln!(out, "\n{}", addresses::compare(&answers));
    }
    Ok(healthy)
}
