//! `kafind ping-policy`'s validation: turns parsed flags into the tests kaprobe
//! runs, rejecting targets and flags it cannot test; and which answers earn exit
//! status 0.

use std::time::Duration;

use anyhow::bail;
use kaprobe::discover::policy::{PolicyConfig, PolicyKind, PolicyReport};
use kaprobe::proto::{Mode, ProbeConfig};
use kaprobe::protocol::Protocol;
use kaprobe::target::Target;

use crate::cli::PolicyArgs;

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
            Protocol::Http if args.target.scheme.is_tls() || args.doc.probe.http2 => {}
            _ => bail!(
                "ping-policy needs an HTTP/2 target: grpc://, grpcs:// or https:// (http:// with --http2)"
            ),
        }
        if args.doc.probe.mode.is_some() {
            bail!("ping-policy picks its own calls (HTTP/2 PINGs, a health Watch); drop --mode");
        }
        crate::common::check_range(args.min, args.max)?;
        if args.max > LONGEST {
            bail!("--max is at most 2h: without a stream, servers allow a ping every two hours");
        }
        let mut probe = args.doc.probe.probe_config(args.timeout)?;
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
            json: args.doc.json,
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
