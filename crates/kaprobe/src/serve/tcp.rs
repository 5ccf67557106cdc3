//! The TCP line responder: `PING` is answered `PONG`, any other line is echoed.
//! Many clients at once; every connection closes when the server shuts down.

use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_util::codec::{Framed, LinesCodec, LinesCodecError};
use tokio_util::sync::CancellationToken;

use crate::cause::{Cause, CauseKind};
use crate::proto::tcp::MAX_LINE;

/// Answers lines until the client leaves (returns why) or shutdown (returns `None`).
pub async fn handle(stream: TcpStream, shutdown: CancellationToken) -> Option<Cause> {
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
