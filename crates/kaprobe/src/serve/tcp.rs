//! The TCP line responder: `PING` is answered `PONG`, any other line is echoed.
//! Many clients at once; every connection closes when the server shuts down.

use std::time::Instant;

use futures_util::{SinkExt, StreamExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::codec::{Framed, LinesCodec, LinesCodecError};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::{EventSink, ServeEvent, ServeProto, emit};
use crate::cause::{Cause, CauseKind};
use crate::proto::tcp::MAX_LINE;

/// Accepts clients until `shutdown`, then waits for their handlers to close.
pub async fn serve(listener: TcpListener, shutdown: CancellationToken, events: EventSink) {
    let tracker = TaskTracker::new();
    loop {
        tokio::select! {
            () = shutdown.cancelled() => break,
            accepted = listener.accept() => {
                // Accept errors (EMFILE, aborted handshakes) are per-client; keep serving.
                let Ok((stream, peer)) = accepted else { continue };
                let _ = stream.set_nodelay(true);
                emit(&events, ServeEvent::Connected { proto: ServeProto::Tcp, peer });
                let token = shutdown.clone();
                let events = events.clone();
                tracker.spawn(async move {
                    let started = Instant::now();
                    let cause = handle(stream, token).await;
                    emit(&events, ServeEvent::Closed {
                        proto: ServeProto::Tcp,
                        peer,
                        cause,
                        lifetime: started.elapsed(),
                    });
                });
            }
        }
    }
    drop(listener);
    tracker.close();
    tracker.wait().await;
}

/// Answers lines until the client leaves (returns why) or shutdown (returns `None`).
async fn handle(stream: TcpStream, shutdown: CancellationToken) -> Option<Cause> {
    let mut lines = Framed::new(stream, LinesCodec::new_with_max_length(MAX_LINE));
    loop {
        let line = tokio::select! {
            () = shutdown.cancelled() => return None,
            next = lines.next() => next,
        };
        let reply = match line {
            None => return Some(Cause::eof()),
            Some(Err(LinesCodecError::Io(e))) => return Some(Cause::from_io(&e)),
            Some(Err(LinesCodecError::MaxLineLengthExceeded)) => {
                return Some(Cause::new(
                    CauseKind::Protocol,
                    format!("line longer than {MAX_LINE} bytes"),
                ));
            }
            Some(Ok(line)) if line == "PING" => "PONG".to_string(),
            Some(Ok(line)) => line,
        };
        match lines.send(reply).await {
            Ok(()) => {}
            Err(LinesCodecError::Io(e)) => return Some(Cause::from_io(&e)),
            Err(e) => return Some(Cause::new(CauseKind::Protocol, e.to_string())),
        }
    }
}
