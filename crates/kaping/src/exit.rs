//! The exit status a run earns: kaping's own (0 healthy, 1 unhealthy, 2 usage),
//! or grpc_health_probe's for scripts written for it (`--exit-codes
//! grpc-health-probe`: 1 usage, 2 no connection, 3 the call failed, 4 not SERVING).

use kaprobe::cause::CauseKind;
use kaprobe::run::TargetResult;

/// Which numbers the exit status uses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ExitCodes {
    /// 0 healthy, 1 unhealthy, 2 usage or setup error.
    #[default]
    Kaping,
    /// grpc_health_probe's: 0 SERVING, 1 usage, 2 connection failure, 3 RPC
    /// failure (a status, a timeout, the connection lost mid-call), 4 not SERVING.
    GrpcHealthProbe,
}

/// The flag that asks for grpc_health_probe's numbers, as given on the command line.
const GRPC_HEALTH_PROBE: [&str; 2] = ["--exit-codes=grpc-health-probe", "grpc-health-probe"];

impl ExitCodes {
    /// The status for a usage error, read from the raw arguments, since they
    /// may be what failed to parse.
    pub fn usage_status(args: &[std::ffi::OsString]) -> u8 {
        let compat = args.iter().enumerate().any(|(i, a)| {
            a == GRPC_HEALTH_PROBE[0]
                || (a == GRPC_HEALTH_PROBE[1] && i > 0 && args[i - 1] == "--exit-codes")
        });
        if compat { 1 } else { 2 }
    }

    /// The status for an error before any probe: kaping's 2; grpc_health_probe's
    /// 1 for a bad flag or file, 2 for a name that does not resolve (its dial
    /// fails).
    pub fn setup_status(self, err: &anyhow::Error) -> u8 {
        match self {
            ExitCodes::Kaping => 2,
            ExitCodes::GrpcHealthProbe => {
                let resolve = err.chain().any(|e| {
                    matches!(
                        e.downcast_ref::<kaprobe::error::Error>(),
                        Some(kaprobe::error::Error::Resolve { .. })
                    )
                });
                if resolve { 2 } else { 1 }
            }
        }
    }

    /// The status of a finished run: `results` with the breaches of each, in
    /// run order; the first unhealthy target decides.
    pub fn status(self, results: &[(&TargetResult, &[String])]) -> u8 {
        let Some((first, _)) = results.iter().find(|(_, b)| !b.is_empty()) else {
            return 0;
        };
        match self {
            ExitCodes::Kaping => 1,
            ExitCodes::GrpcHealthProbe => grpc_health_probe(first),
        }
    }
}

/// grpc_health_probe's number for an unhealthy target: an answer other than
/// SERVING is 4 whatever else happened; then the last failure says whether the
/// connection was never made (2) or the call failed on it (3); a target that
/// failed only a threshold answered, and is unhealthy (4).
fn grpc_health_probe(result: &TargetResult) -> u8 {
    let stats = &result.stats;
    if stats
        .failures
        .keys()
        .any(|k| matches!(k, CauseKind::NotServing(_)))
    {
        return 4;
    }
    match &stats.last_failure {
        Some(cause) if cause.connecting => 2,
        Some(_) => 3,
        None if stats.transmitted == 0 => 2,
        None => 4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kaprobe::cause::Cause;
    use std::ffi::OsString;
    use std::time::Duration;

    fn result(failures: &[Cause], replies: u32) -> TargetResult {
        let mut stats = kaprobe::stats::ProbeStats::default();
        for _ in 0..replies {
            stats.record_reply(Duration::from_millis(1));
        }
        for f in failures {
            stats.record_failure(f);
        }
        TargetResult {
            who: kaprobe::event::TargetId::new(
                0,
                "grpc://h:1".parse().unwrap(),
                kaprobe::proto::Mode::Health,
            ),
            addr: "127.0.0.1:1".parse().unwrap(),
            stats,
            elapsed: Duration::ZERO,
        }
    }

    fn ghp(failures: &[Cause], replies: u32) -> u8 {
        let r = result(failures, replies);
        let breach = vec!["unhealthy".to_string()];
        ExitCodes::GrpcHealthProbe.status(&[(&r, &breach)])
    }

    #[test]
    fn grpc_health_probe_numbers() {
        let refused = Cause::new(CauseKind::Refused, "refused").while_connecting();
        let handshake = Cause::timeout("no connection within 1s").while_connecting();
        let deadline = Cause::timeout("no reply within 1s");
        let unimplemented = Cause::new(CauseKind::Grpc(12), "unimplemented");
        let not_serving = Cause::new(CauseKind::NotServing(2), "NOT_SERVING");
        assert_eq!(ghp(&[refused], 0), 2);
        assert_eq!(ghp(&[handshake], 0), 2);
        assert_eq!(ghp(std::slice::from_ref(&deadline), 0), 3);
        assert_eq!(ghp(&[unimplemented], 0), 3);
        assert_eq!(ghp(&[not_serving.clone(), deadline], 0), 4);
        assert_eq!(ghp(&[], 3), 4, "a threshold breach: answered, unhealthy");
        assert_eq!(ghp(&[], 0), 2, "no probe finished");
        let r = result(&[not_serving], 0);
        assert_eq!(ExitCodes::Kaping.status(&[(&r, &["x".to_string()])]), 1);
        assert_eq!(ExitCodes::GrpcHealthProbe.status(&[(&r, &[])]), 0);
    }

    #[test]
    fn usage_errors_take_the_numbers_asked_for() {
        let args = |a: &[&str]| a.iter().map(OsString::from).collect::<Vec<_>>();
        assert_eq!(ExitCodes::usage_status(&args(&["kaping", "-x"])), 2);
        let compat = ["kaping", "--exit-codes", "grpc-health-probe", "-x"];
        assert_eq!(ExitCodes::usage_status(&args(&compat)), 1);
        let joined = ["kaping", "--exit-codes=grpc-health-probe", "-x"];
        assert_eq!(ExitCodes::usage_status(&args(&joined)), 1);
        // A target named so is not the flag.
        let target = ["kaping", "grpc-health-probe", "-x"];
        assert_eq!(ExitCodes::usage_status(&args(&target)), 2);
    }
}
