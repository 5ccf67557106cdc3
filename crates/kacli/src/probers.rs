//! The one place where connection flags become probers, for every tool that opens
//! sessions.

use std::time::Duration;

use kaprobe::proto::{Mode, ProbeConfig, Prober};
use kaprobe::target::Target;

/// A prober per target, each in its mode with the shared settings. Every name is
/// resolved up front, within the probe timeout and `within` (what is left of the
/// run's deadline): one that does not resolve in time is a setup error.
pub async fn probers(
    targets: &[(Target, Mode)],
    base: &ProbeConfig,
    within: Option<Duration>,
) -> anyhow::Result<Vec<Prober>> {
    let within = within.unwrap_or(base.timeout);
    let pending = targets.iter().map(|(target, mode)| {
        let cfg = ProbeConfig {
            mode: *mode,
            ..base.clone()
        };
        Prober::new_within(target.clone(), cfg, within)
    });
    futures_util::future::join_all(pending)
        .await
        .into_iter()
        .collect::<Result<_, _>>()
        .map_err(Into::into)
}
