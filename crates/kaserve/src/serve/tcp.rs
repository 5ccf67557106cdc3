//! The TCP line responder: `PING` is answered `PONG`, any other line is echoed.
//! A silent client is sent a `PING` line and closed when nothing comes back in
//! time; faults hold back, delay or drop answers. Every connection closes when the
//! server shuts down.

use std::collections::VecDeque;

use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio::time::Instant;
use tokio_util::codec::{Framed, LinesCodec, LinesCodecError};

use super::conn::{Conn, Wake};
use kaprobe::cause::{Cause, CauseKind};
use kaprobe::proto::tcp::MAX_LINE;

/// Answers lines until the client leaves (returns why) or shutdown (returns `None`).
pub async fn handle(stream: TcpStream, mut conn: Conn) -> Option<Cause> {
    let mut lines = Framed::new(stream, LinesCodec::new_with_max_length(MAX_LINE));
    // PONGs held back by the delay-pongs fault, and when each is due.
    let mut delayed: VecDeque<Instant> = VecDeque::new();
    let mut pinged = false;
    let shutdown = conn.shutdown.clone();
    loop {
        let pong_at = delayed.front().copied();
        let reply = tokio::select! {
            () = shutdown.cancelled() => return None,
            wake = conn.wake() => match wake {
                Wake::Ping => {
                    pinged = true;
                    conn.pinged("PING line");
                    "PING".to_string()
                }
                Wake::Expired(silent) => return Some(conn.expired_cause(silent)),
                Wake::CloseIdle(idle) => return Some(conn.close_idle_cause(idle)),
                Wake::Blackhole => {
                    conn.blackhole().await;
                    return None;
                }
                Wake::Reset => return Some(conn.reset_cause()),
                Wake::Goaway => continue,
            },
            () = tokio::time::sleep_until(pong_at.unwrap_or_else(Instant::now)), if pong_at.is_some() => {
                delayed.pop_front();
                "PONG".to_string()
            }
            line = lines.next() => {
                conn.heard();
                match line {
                    None => return Some(Cause::eof()),
                    Some(Err(LinesCodecError::Io(e))) => return Some(Cause::from_io(&e)),
                    Some(Err(LinesCodecError::MaxLineLengthExceeded)) => {
                        return Some(Cause::new(
                            CauseKind::Protocol,
                            format!("line longer than {MAX_LINE} bytes"),
                        ));
                    }
                    Some(Ok(line)) if line == "PING" => {
                        if conn.faults.ignore_pings {
                            continue;
                        }
                        if let Some(delay) = conn.faults.delay_pongs {
                            delayed.push_back(Instant::now() + delay);
                            continue;
                        }
                        "PONG".to_string()
                    }
                    // The answer to our own PING: a sign of life, not a line to echo.
                    Some(Ok(line)) if line == "PONG" && pinged => {
                        pinged = false;
                        continue;
                    }
                    Some(Ok(line)) => line,
                }
            }
        };
        // A client that does not read blocks this write: liveness still ends it.
        match conn.bounded(lines.send(reply)).await {
            Ok(Ok(())) => conn.traffic(),
            Ok(Err(LinesCodecError::Io(e))) => return Some(Cause::from_io(&e)),
            Ok(Err(e)) => return Some(Cause::new(CauseKind::Protocol, e.to_string())),
            Err(ending) => return ending,
        }
    }
}
