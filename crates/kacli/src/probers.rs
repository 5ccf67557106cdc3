//! The one place where connection flags become probers, for every tool that opens
//! sessions.

use kaprobe::proto::{Mode, ProbeConfig, Prober};
use kaprobe::target::Target;

/// A prober per target, each in its mode with the shared settings. Every name is
/// resolved up front: one that does not resolve is a setup error.
pub async fn probers(
    targets: &[(Target, Mode)],
    base: &ProbeConfig,
) -> anyhow::Result<Vec<Prober>> {
    let pending = targets.iter().map(|(target, mode)| {
        let cfg = ProbeConfig {
            mode: *mode,
            ..base.clone()
        };
        Prober::new(target.clone(), cfg)
    });
    futures_util::future::join_all(pending)
        .await
        .into_iter()
        .collect::<Result<_, _>>()
        .map_err(Into::into)
}
