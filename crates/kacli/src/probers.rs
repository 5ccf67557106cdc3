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

/// The targets of a run: with `--each-address`, every name becomes a target per
/// address it resolves to (within the probe timeout and `within`), in the
/// resolver's order; otherwise as given.
pub async fn each_address(
    targets: Vec<(Target, Mode)>,
    base: &ProbeConfig,
    within: Option<Duration>,
) -> anyhow::Result<Vec<(Target, Mode)>> {
    if !base.addressing.each_address {
        return Ok(targets);
    }
    let within = within.unwrap_or(base.timeout).min(base.timeout);
    let mut out = Vec::new();
    for (target, mode) in targets {
        for pinned in
            kaprobe::addressing::each_address(vec![target], &base.addressing, within).await?
        {
            out.push((pinned, mode));
        }
    }
    Ok(out)
}
