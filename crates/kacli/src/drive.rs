//! The one drive loop of every tool that runs sessions: the work goes on while a
//! renderer is told it starts, of each event the work sends, in order, then of
//! its report; a closed pipe cancels the run (which still ends with its report and
//! its exit status), and the first Ctrl-C or SIGTERM does too.

use std::future::Future;
use std::io;

use tokio::sync::mpsc::UnboundedReceiver;
use tokio_util::sync::CancellationToken;

use crate::runtime::Pipe;

/// Speaks for a run: told when it starts, of each event `E`, and of the report `R`.
pub trait Render<E, R: ?Sized> {
    fn start(&mut self) -> io::Result<()> {
        Ok(())
    }

    fn event(&mut self, _event: &E) -> io::Result<()> {
        Ok(())
    }

    fn finish(&mut self, report: &R) -> io::Result<()>;
}

/// A run's cancellation: cancelled by the first Ctrl-C or SIGTERM (a second exits
/// with 130), by a closed pipe, or by the tool's own ends.
pub fn cancel_on_signals() -> CancellationToken {
    let cancel = CancellationToken::new();
    tokio::spawn(crate::runtime::stop_on_signals(cancel.clone()));
    cancel
}

/// Runs `work` to its report while `render` speaks of each event on `events`
/// (until the work is done and its senders are gone), then of the report. A
/// closed pipe cancels `cancel`; any other write error is returned.
pub async fn drive<E, R>(
    work: impl Future<Output = R>,
    mut events: UnboundedReceiver<E>,
    render: &mut dyn Render<E, R>,
    cancel: &CancellationToken,
) -> io::Result<R> {
    let mut pipe = Pipe::Open;
    pipe.write(|| render.start(), cancel)?;
    let consume = async {
        while let Some(event) = events.recv().await {
            pipe.write(|| render.event(&event), cancel)?;
        }
        io::Result::Ok(())
    };
    let (report, rendered) = tokio::join!(work, consume);
    rendered?;
    pipe.write(|| render.finish(&report), cancel)?;
    Ok(report)
}
