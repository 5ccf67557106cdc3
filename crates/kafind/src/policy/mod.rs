//! `kafind ping-policy`: flags become a validated [`Config`], kaprobe's policy
//! discovery runs the tests, a renderer speaks (words, or one JSON document).

mod doc;
mod human;
mod sentence;

use std::io::Write;
use std::time::{Duration, SystemTime};

use anyhow::bail;
use kaprobe::discover::policy::{self, PolicyConfig, PolicyKind, PolicyReport};
use kaprobe::proto::{Mode, ProbeConfig};
use kaprobe::protocol::Protocol;
use kaprobe::target::Target;
use tokio_util::sync::CancellationToken;

use crate::cli::PolicyArgs;
use crate::doc::RunInfo;

/// The longest interval worth testing: servers without a stream allow one ping
/// per two hours (grpc-go, grpc-core, grpc-java).
const LONGEST: Duration = Duration::from_secs(2 * 60 * 60);

/// A validated `kafind ping-policy` run.
#[derive(Debug)]
pub struct Config {
    pub target: Target,
    pub probe: ProbeConfig,
    pub policy: PolicyConfig,
    pub json: bool,
}

impl Config {
    pub fn from_args(args: PolicyArgs) -> anyhow::Result<Self> {
        match args.target.protocol() {
            Protocol::Grpc => {}
            Protocol::Http if args.target.scheme.is_tls() || args.probe.http2 => {}
            _ => bail!(
                "ping-policy needs an HTTP/2 target: grpc://, grpcs:// or https:// (http:// with --http2)"
            ),
        }
        if args.probe.mode.is_some() {
            bail!("ping-policy picks its own calls (HTTP/2 PINGs, a health Watch); drop --mode");
        }
        crate::config::check_range(args.min, args.max)?;
        if args.max > LONGEST {
            bail!("--max is at most 2h: without a stream, servers allow a ping every two hours");
        }
        let mut probe = args.probe.probe_config(args.timeout)?;
        probe.mode = Mode::H2Ping;
        probe.tcp.user_timeout.get_or_insert(args.timeout);
        Ok(Config {
            target: args.target,
            probe,
            policy: PolicyConfig {
                min: args.min,
                max: args.max,
                stagger: Duration::from_millis(10),
            },
            json: args.json,
        })
    }

    /// Exit status 0: a policy, or none up to `--max`, was found.
    pub fn healthy(report: &PolicyReport) -> bool {
        !report.interrupted
            && matches!(
                report.verdict.kind,
                PolicyKind::Policy | PolicyKind::NoPolicy | PolicyKind::Intermediary
            )
    }
}

/// Runs one discovery; whether its answer earns exit status 0.
pub async fn run(config: &Config, out: Box<dyn Write + '_>) -> anyhow::Result<bool> {
    let cancel = CancellationToken::new();
    tokio::spawn(kacli::stop_on_signals(cancel.clone()));
    let info = RunInfo {
        run: kawire::record::run_id(SystemTime::now()),
        started: SystemTime::now(),
    };
    let mut probers = kacli::probers(
        &[(config.target.clone(), Mode::H2Ping)],
        &config.probe,
        None,
    )
    .await?;
    let prober = probers.remove(0);
    let mut human = (!config.json).then(|| human::Human::new(config, out));
    let mut json_out = None;
    let mut output = kacli::Output::Open;
    if let Some(h) = human.as_mut() {
        output.write(|| h.start(), &cancel)?;
    }
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let consume = crate::render_events(rx, &mut output, &cancel, |e| {
        human.as_mut().map_or(Ok(()), |h| h.event(e))
    });
    let discover = policy::run(&prober, &config.policy, tx, cancel.clone());
    let (report, rendered) = tokio::join!(discover, consume);
    rendered?;
    match human.as_mut() {
        Some(h) => output.write(|| h.finish(&report), &cancel)?,
        None => json_out = Some(doc::policy_doc(&info, config, &report)),
    }
    if let Some(doc) = json_out {
        crate::write_json(&doc, &mut output, &cancel)?;
    }
    Ok(Config::healthy(&report))
}
