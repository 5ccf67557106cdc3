//! kaping: ping an endpoint over a protocol and summarise, like ping. Flags become a
//! validated [`config::Config`], kaprobe runs the probes, a renderer speaks.

pub mod cli;
mod config;
mod demo;
pub mod exit;
mod render;
mod stdin;

use std::process::ExitCode;
use std::time::Instant;

use crate::config::Config;
use crate::render::{Finished, Verdict};

/// Parses the command line and runs, a usage error in the numbers asked for
/// (grpc_health_probe's is 1): what `main` does.
pub fn main() -> ExitCode {
    use clap::Parser;
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    match cli::Cli::try_parse_from(&args) {
        Ok(cli) => {
            let codes = cli.exit_codes;
            match run(cli) {
                Err(err) if !kacli::signal::is_broken_pipe(err.as_ref()) => {
                    eprintln!("kaping: {err:#}");
                    ExitCode::from(codes.setup_status(&err))
                }
                outcome => kacli::exit("kaping", outcome),
            }
        }
        Err(err) if err.use_stderr() => {
            let _ = err.print();
            ExitCode::from(exit::ExitCodes::usage_status(&args))
        }
        // --help and --version.
        Err(err) => {
            let _ = err.print();
            ExitCode::SUCCESS
        }
    }
}

/// Runs kaping; `Err` is a usage or setup error (exit status 2).
pub fn run(cli: cli::Cli) -> anyhow::Result<ExitCode> {
    let demo = cli.demo;
    let probe_args = cli.probe.clone();
    let mut config = Config::from_cli(cli)?;
    if config.from_stdin {
        config.run.feed = Some(stdin::feed());
    }
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
    let cancel = kacli::cancel_on_signals();
    // `-w` counts from the start: resolving the names takes from it.
    let started = Instant::now();
    config.targets =
        kacli::each_address(config.targets, &config.probe, config.run.deadline).await?;
    let probers = kacli::probers(&config.targets, &config.probe, config.run.deadline).await?;
    if let Some(deadline) = &mut config.run.deadline {
        *deadline = deadline.saturating_sub(started.elapsed());
    }
    let mut renderer = render::new(&config, &probers);
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let run = async {
        let results = kaprobe::run::run(probers, &config.run, tx, cancel.clone()).await;
        let breaches = results
            .iter()
            .map(|r| (r.who.to_string(), config.thresholds.breaches(&r.stats)))
            .collect();
        Finished {
            results,
            verdict: Verdict { breaches },
        }
    };
    // A closed pipe (`kaping ... | head`) ends the run, not its verdict: the exit
    // status is still what the probes that finished earned.
    let done = kacli::drive(run, rx, renderer.as_mut(), &cancel).await?;
    for (target, list) in &done.verdict.breaches {
        for breach in list {
            eprintln!("kaping: {target}: {}", kacli::term::shown(breach));
        }
    }
    let judged: Vec<_> = done
        .results
        .iter()
        .zip(&done.verdict.breaches)
        .map(|(r, (_, b))| (r, b.as_slice()))
        .collect();
    Ok(ExitCode::from(config.exit_codes.status(&judged)))
}
