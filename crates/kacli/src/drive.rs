//! The one drive loop: a run's work goes on while a renderer is told of each event
//! it sends, in order, then of how it ended; a closed pipe cancels the run (which
//! still ends with its verdict), and the first Ctrl-C or SIGTERM does too.

use std::future::Future;
use std::io;

use kaprobe::proto::Prober;
use tokio::sync::mpsc::UnboundedReceiver;
use tokio_util::sync::CancellationToken;

use crate::runtime::Output;

/// Speaks for a run: told of its probers when it starts, of each event as it
/// happens, then of the outcome.
pub trait Render<E, D: ?Sized> {
    fn start(&mut self, _probers: &[Prober]) -> io::Result<()> {
        Ok(())
    }
    fn event(&mut self, event: &E) -> io::Result<()>;
    fn finish(&mut self, done: &D) -> io::Result<()>;
}

/// A run's cancellation: cancelled by the first Ctrl-C or SIGTERM (a second exits
/// with 130), by a closed pipe, or by the tool's own ends.
pub fn cancel_on_signals() -> CancellationToken {
    let cancel = CancellationToken::new();
    tokio::spawn(crate::runtime::stop_on_signals(cancel.clone()));
    cancel
}

/// Runs `work` while `render` is told of every event it sends, until the work is
/// done and its senders are gone; returns what the work returned. A write that
/// fails other than by a closed pipe is an error once the work has ended.
pub async fn drive<T, E, D: ?Sized>(
    work: impl Future<Output = T>,
    mut events: UnboundedReceiver<E>,
    render: &mut dyn Render<E, D>,
    pipe: &mut Output,
    cancel: &CancellationToken,
) -> anyhow::Result<T> {
    let consume = async {
        while let Some(event) = events.recv().await {
            pipe.write(|| render.event(&event), cancel)?;
        }
        anyhow::Ok(())
    };
    let (done, rendered) = tokio::join!(work, consume);
    rendered?;
    Ok(done)
}
