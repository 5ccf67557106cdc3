//! The runtime the tools run on, the signals that stop them, and the exit status
//! a run ends with.

use std::process::ExitCode;

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

/// The exit status of a binary's run: its own, 0 when a closed pipe ended it
/// (`kaping ... | head`), else 2 after the error in one line on stderr.
pub fn exit(tool: &str, outcome: anyhow::Result<ExitCode>) -> ExitCode {
    match outcome {
        Ok(code) => code,
        Err(err) if crate::signal::is_broken_pipe(err.as_ref()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("{tool}: {err:#}");
            ExitCode::from(2)
        }
    }
}

/// How writing a run's output went: a closed pipe is not a failure of the run
/// (the reader has gone; the exit status is still the run's), any other error is.
#[derive(Debug)]
pub enum Pipe {
    Open,
    Closed,
    Failed(std::io::Error),
}

impl From<std::io::Result<()>> for Pipe {
    fn from(written: std::io::Result<()>) -> Self {
        match written {
            Ok(()) => Pipe::Open,
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Pipe::Closed,
            Err(e) => Pipe::Failed(e),
        }
    }
}

impl Pipe {
    /// Writes with `write` unless the pipe has closed; a closed pipe cancels the
    /// run (which still ends with its verdict), another error is returned.
    pub fn write(
        &mut self,
        write: impl FnOnce() -> std::io::Result<()>,
        cancel: &tokio_util::sync::CancellationToken,
    ) -> std::io::Result<()> {
        if self.closed() {
            return Ok(());
        }
        *self = Pipe::from(write());
        if self.closed() {
            cancel.cancel();
        }
        self.failed()
    }

    pub fn closed(&self) -> bool {
        matches!(self, Pipe::Closed)
    }

    /// The error to stop on, if writing failed other than by a closed pipe.
    pub fn failed(&mut self) -> std::io::Result<()> {
        match std::mem::replace(self, Pipe::Open) {
            Pipe::Failed(e) => Err(e),
            other => {
                *self = other;
                Ok(())
            }
        }
    }
}
