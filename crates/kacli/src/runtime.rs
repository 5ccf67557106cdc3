//! The runtime the tools run on and the signals that stop them.

/// Runs `work` on a current-thread runtime (probe loops time things; a cross-CPU
/// wake-up would swamp a loopback round trip), then shuts it down without waiting
/// for a name lookup that may still hold a blocking thread.
pub fn block_on<T>(
    work: impl std::future::Future<Output = anyhow::Result<T>>,
) -> anyhow::Result<T> {
    use anyhow::Context;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let outcome = runtime.block_on(work);
    runtime.shutdown_background();
    outcome
}

/// First Ctrl-C or SIGTERM cancels `token` (the run ends cleanly and its summary
/// still prints); a second exits at once with status 130.
pub async fn stop_on_signals(token: tokio_util::sync::CancellationToken) {
    if crate::signal::shutdown_signal().await.is_ok() {
        token.cancel();
        if crate::signal::shutdown_signal().await.is_ok() {
            std::process::exit(130);
        }
    }
}
