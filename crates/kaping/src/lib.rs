//! kaping: ping an endpoint over a protocol and summarise, like ping. Flags become a
//! validated [`config::Config`], kaprobe runs the probes, a renderer speaks.

pub mod cli;
mod config;
mod demo;
mod render;

use std::process::ExitCode;
use std::time::Instant;

use tokio_util::sync::CancellationToken;

use crate::config::Config;
use crate::render::Verdict;

/// Runs kaping; `Err` is a usage or setup error (exit status 2).
pub fn run(cli: cli::Cli) -> anyhow::Result<ExitCode> {
    let demo = cli.demo;
    let probe_args = cli.probe.clone();
    let mut config = Config::from_cli(cli)?;
    probe_args.tls_notes("kaping", &config.targets);
    // The demo's responders run on their own threads; they must outlive the run.
    let _servers = if demo {
        demo::start(&mut config)?
    } else {
        Vec::new()
    };
    kacli::block_on(run_async(config))
}

async fn run_async(mut config: Config) -> anyhow::Result<ExitCode> {
    let cancel = CancellationToken::new();
    tokio::spawn(kacli::stop_on_signals(cancel.clone()));

    // `-w` counts from the start: resolving the names takes from it.
    let started = Instant::now();
    config.targets =
        kacli::each_address(config.targets, &config.probe, config.run.deadline).await?;
    let probers = kacli::probers(&config.targets, &config.probe, config.run.deadline).await?;
    if let Some(deadline) = &mut config.run.deadline {
        *deadline = deadline.saturating_sub(started.elapsed());
    }
    let mut renderer = render::new(&config);
    // A closed pipe (`kaping ... | head`) ends the run, not its verdict: the exit
    // status is still what the probes that finished earned.
    let mut output = kacli::Output::Open;
    output.write(|| renderer.start(&probers), &cancel)?;

    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let consume = async {
        while let Some(event) = rx.recv().await {
            output.write(|| renderer.event(&event), &cancel)?;
        }
        anyhow::Ok(())
    };
    let (results, rendered) = tokio::join!(
        kaprobe::run::run(probers, &config.run, tx, cancel.clone()),
        consume
    );
    rendered?;
    let breaches: Vec<(String, Vec<String>)> = results
        .iter()
        .map(|r| (r.who.to_string(), config.thresholds.breaches(&r.stats)))
        .collect();
    let verdict = Verdict { breaches };
    output.write(|| renderer.finish(&results, &verdict), &cancel)?;
    for (target, list) in &verdict.breaches {
        for breach in list {
            eprintln!("kaping: {target}: {}", kacli::term::shown(breach));
        }
    }
    Ok(if verdict.healthy() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
