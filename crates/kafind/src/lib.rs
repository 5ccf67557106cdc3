//! kafind: discovery. Flags become a validated [`config::Config`], kaprobe's
//! discovery drives the sessions, a renderer speaks. First verb: `idle-timeout`.

mod addresses;
pub mod cli;
mod config;
mod demo;
mod doc;
mod layers;
mod policy;
mod race;
mod render;
mod sentence;

use std::io::Write;
use std::process::ExitCode;
use std::time::SystemTime;

use tokio_util::sync::CancellationToken;

use crate::cli::{Cli, Command};
use crate::config::Config;
use crate::doc::RunInfo;

/// Runs kafind; `Err` is a usage or setup error (exit status 2).
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    if cli.demo {
        return demo::run();
    }
    let args = match cli.command {
        Some(Command::IdleTimeout(args)) => args,
        Some(Command::PingPolicy(args)) => {
            one_address(&args.probe)?;
            return ping_policy(args);
        }
        Some(Command::Layers(args)) => {
            one_address(&args.probe)?;
            return layers(args);
        }
        None => anyhow::bail!(
            "nothing to do: give a verb (idle-timeout, ping-policy, layers) or --demo"
        ),
    };
    let probe_args = args.probe.clone();
    let config = Config::from_args(args)?;
    probe_args.tls_notes("kafind", &[(config.target.clone(), config.mode)]);
    kacli::block_on(async {
        let targets = kacli::each_address(
            vec![(config.target.clone(), config.mode)],
            &config.probe,
            None,
        )
        .await?;
        let mut healthy = true;
        let mut answers = Vec::new();
        for (target, _) in targets {
            let config = Config {
                target,
                ..config.clone()
            };
            let out = kacli::term::Escaped::new(std::io::stdout());
            let out: Box<dyn Write> = match config.output {
                config::Output::Human => Box::new(out),
                _ => Box::new(std::io::stdout()),
            };
            let (ok, answer) = idle_timeout(&config, out).await?;
            healthy &= ok;
            answers.push((config.target, answer));
        }
        if answers.len() > 1 && config.output == config::Output::Human {
            let mut out = kacli::term::Escaped::new(std::io::stdout());
            let _ = writeln!(out, "\n{}", addresses::compare(&answers));
        }
        Ok(if healthy {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        })
    })
}

/// ping-policy and layers measure one path at a time.
fn one_address(probe: &kacli::ProbeArgs) -> anyhow::Result<()> {
    if probe.each_address {
        anyhow::bail!(
            "--each-address is for kafind idle-timeout; ping-policy and layers measure one \
             address at a time: choose it with --resolve HOST:PORT:ADDR, -4 or -6"
        );
    }
    Ok(())
}

fn layers(args: cli::LayersArgs) -> anyhow::Result<ExitCode> {
    let probe_args = args.probe.clone();
    let config = layers::Config::from_args(args)?;
    probe_args.tls_notes("kafind", &[(config.target.clone(), config.mode)]);
    speak(|out| layers::run(&config, out))
}

fn ping_policy(args: cli::PolicyArgs) -> anyhow::Result<ExitCode> {
    let probe_args = args.probe.clone();
    let config = policy::Config::from_args(args)?;
    probe_args.tls_notes(
        "kafind",
        &[(config.target.clone(), kaprobe::proto::Mode::H2Ping)],
    );
    speak(|out| policy::run(&config, out))
}

/// Runs a verb whose words go to stdout, escaped; its healthy answer is exit 0.
fn speak<'a, F, Fut>(verb: F) -> anyhow::Result<ExitCode>
where
    F: FnOnce(Box<dyn Write + 'a>) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<bool>>,
{
    kacli::block_on(async {
        let out: Box<dyn Write> = Box::new(kacli::term::Escaped::new(std::io::stdout()));
        Ok(if verb(out).await? {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        })
    })
}

/// Renders each event a discovery sends until it ends (a closed pipe ends the
/// run, not its verdict).
pub(crate) async fn render_events<T>(
    mut rx: tokio::sync::mpsc::UnboundedReceiver<T>,
    output: &mut kacli::Output,
    cancel: &CancellationToken,
    mut render: impl FnMut(&T) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    while let Some(event) = rx.recv().await {
        output.write(|| render(&event), cancel)?;
    }
    Ok(())
}

/// Writes one JSON document to stdout (a closed pipe ends the run, not its verdict).
pub(crate) fn write_json<T: serde::Serialize>(
    doc: &T,
    output: &mut kacli::Output,
    cancel: &CancellationToken,
) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout();
    output.write(
        || {
            serde_json::to_writer_pretty(&mut stdout, doc)?;
            writeln!(stdout)?;
            stdout.flush()
        },
        cancel,
    )?;
    Ok(())
}

/// One discovery, rendered to `out`; whether its answer earns exit status 0, and
/// the answer, to compare addresses by.
async fn idle_timeout(
    config: &Config,
    out: Box<dyn Write + '_>,
) -> anyhow::Result<(bool, addresses::Answer)> {
    let cancel = CancellationToken::new();
    tokio::spawn(kacli::stop_on_signals(cancel.clone()));
    let started = SystemTime::now();
    let info = RunInfo {
        run: kawire::record::run_id(started),
        started,
    };
    let mut probers =
        kacli::probers(&[(config.target.clone(), config.mode)], &config.probe, None).await?;
    let prober = probers.remove(0);
    let config = &Config {
        via_proxy: prober.proxy().map(|p| p.to_string()),
        ..config.clone()
    };
    let mut renderer = render::new(config, info, out);
    // A closed pipe ends the run, not its verdict.
    let mut output = kacli::Output::Open;
    output.write(|| renderer.start(&prober), &cancel)?;
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let consume = render_events(rx, &mut output, &cancel, |e| renderer.event(e));
    let discover = kaprobe::discover::idle::run(&prober, &config.idle, tx, cancel.clone());
    let (report, rendered) = tokio::join!(discover, consume);
    rendered?;
    output.write(|| renderer.finish(&report), &cancel)?;
    Ok((config.healthy(&report), addresses::Answer::of(&report)))
}
