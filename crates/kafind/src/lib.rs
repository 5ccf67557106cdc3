//! kafind: discovery, a folder a verb ([`idle`] for `idle-timeout`, [`policy`] for
//! `ping-policy`, [`layers`]), each with its config, document, sentences and
//! renderers. Flags become a verb's validated config, kaprobe's discovery drives
//! the sessions, and one loop ([`kacli::drive`]) renders what comes back, under one cancel
//! token per run ([`common`]).

pub mod cli;
mod common;
mod idle;
mod layers;
mod policy;

use std::future::Future;
use std::process::ExitCode;

use kacli::ProbeArgs;
use kaprobe::proto::Mode;
use kaprobe::target::Target;
use tokio_util::sync::CancellationToken;

use crate::cli::{Cli, Command};

/// Runs kafind; `Err` is a usage or setup error (exit status 2).
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    if cli.demo {
        return idle::demo::run();
    }
    match cli.command {
        Some(Command::IdleTimeout(args)) => {
            let probe = args.probe.clone();
            let config = idle::Config::from_args(args)?;
            let target = (config.target.clone(), config.mode);
            speak(&probe, target, |cancel| idle::run(&config, cancel))
        }
        Some(Command::PingPolicy(args)) => {
            one_address(&args.doc.probe)?;
            let probe = args.doc.probe.clone();
            let config = policy::Config::from_args(args)?;
            let target = (config.target.clone(), Mode::H2Ping);
            speak(&probe, target, |cancel| policy::run(&config, cancel))
        }
        Some(Command::Layers(args)) => {
            one_address(&args.doc.probe)?;
            let probe = args.doc.probe.clone();
            let config = layers::Config::from_args(args)?;
            let target = (config.target.clone(), config.mode);
            speak(&probe, target, |cancel| layers::run(&config, cancel))
        }
        None => anyhow::bail!(
            "nothing to do: give a verb (idle-timeout, ping-policy, layers) or --demo"
        ),
    }
}

/// ping-policy and layers measure one path at a time.
fn one_address(probe: &ProbeArgs) -> anyhow::Result<()> {
    if probe.each_address {
        anyhow::bail!(
            "--each-address is for kafind idle-timeout; ping-policy and layers measure one \
             address at a time: choose it with --resolve HOST:PORT:ADDR, -4 or -6"
        );
    }
    Ok(())
}

/// Says what TLS will do for `target`, then runs the verb under the run's one
/// cancel token; its healthy answer is exit status 0.
fn speak<F, Fut>(probe: &ProbeArgs, target: (Target, Mode), verb: F) -> anyhow::Result<ExitCode>
where
    F: FnOnce(CancellationToken) -> Fut,
    Fut: Future<Output = anyhow::Result<bool>>,
{
    probe.tls_notes("kafind", &[target]);
    common::block_on(verb)
}
