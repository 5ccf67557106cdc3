//! The one drive loop of kafind's verbs: a discovery runs to its report while a
//! renderer speaks of each event it sends, then of the report. It knows nothing of
//! kafind (only kacli and tokio), so it can move into kacli as it is.

use std::future::Future;
use std::io;

use tokio::sync::mpsc::UnboundedReceiver;
use tokio_util::sync::CancellationToken;

/// Speaks for a run: told when it starts, of each event `E`, and of the report `R`.
pub trait Render<E, R> {
    fn start(&mut self) -> io::Result<()> {
        Ok(())
    }

    fn event(&mut self, _event: &E) -> io::Result<()> {
        Ok(())
    }

    fn finish(&mut self, report: &R) -> io::Result<()>;
}

/// Runs `work` to its report while `render` speaks of each event on `events`, then
/// of the report. A closed pipe cancels `cancel` (the run still ends with its
/// report, and its exit status); any other write error is returned.
pub async fn drive<E, R>(
    work: impl Future<Output = R>,
    mut events: UnboundedReceiver<E>,
    render: &mut dyn Render<E, R>,
    cancel: &CancellationToken,
) -> io::Result<R> {
    let mut output = kacli::Output::Open;
    output.write(|| render.start(), cancel)?;
    let consume = async {
        while let Some(event) = events.recv().await {
            output.write(|| render.event(&event), cancel)?;
        }
        io::Result::Ok(())
    };
    let (report, rendered) = tokio::join!(work, consume);
    rendered?;
    output.write(|| render.finish(&report), cancel)?;
    Ok(report)
}
