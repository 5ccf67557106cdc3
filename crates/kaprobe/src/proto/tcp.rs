//! TCP line echo: send a line (`PING` by default), wait for the reply line (`PONG`,
//! Redis's `+PONG`, or the line echoed back). Late replies to timed-out probes are
//! counted and skipped, so they are never taken for a fresh reply.

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio_util::codec::{FramedRead, LinesCodec, LinesCodecError};

use super::ProbeConfig;
use crate::cause::{Cause, CauseKind};

/// Longest reply line accepted; a longer one is a protocol error, not a memory hog.
pub const MAX_LINE: usize = 64 * 1024;

/// A persistent TCP connection doing line round trips.
#[derive(Debug)]
pub struct EchoSession {
    reader: FramedRead<OwnedReadHalf, LinesCodec>,
    writer: OwnedWriteHalf,
    /// Replies still owed to probes that timed out; skipped when they arrive.
    stale: u64,
}

impl EchoSession {
    pub fn new(stream: TcpStream) -> Self {
        let (read, writer) = stream.into_split();
        EchoSession {
            reader: FramedRead::new(read, LinesCodec::new_with_max_length(MAX_LINE)),
            writer,
            stale: 0,
        }
    }

    pub async fn round_trip(&mut self, seq: u64, cfg: &ProbeConfig) -> Result<Duration, Cause> {
        let mut line = cfg.send.render(seq);
        line.push('\n');
        let started = Instant::now();
        let deadline = tokio::time::Instant::from_std(started) + cfg.timeout;
        let write = tokio::time::timeout_at(deadline, self.writer.write_all(line.as_bytes()));
        match write.await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(Cause::from_io(&e)),
            Err(_) => {
                self.stale += 1;
                return Err(Cause::timeout("send buffer full: the peer is not reading"));
            }
        }
        let sent = &line[..line.len() - 1];
        loop {
            let next = tokio::time::timeout_at(deadline, self.reader.next()).await;
            let reply = match next {
                Err(_) => {
                    self.stale += 1;
                    return Err(Cause::timeout(format!(
                        "no reply within {}",
                        humantime::format_duration(cfg.timeout)
                    )));
                }
                Ok(None) => return Err(Cause::eof()),
                Ok(Some(Err(e))) => return Err(codec_cause(e)),
                Ok(Some(Ok(reply))) => reply,
            };
            let rtt = started.elapsed();
            if self.stale > 0 {
                self.stale -= 1;
                continue;
            }
            let accepted = match &cfg.expect {
                Some(pattern) => pattern.matches(seq, &reply),
                None => reply == "PONG" || reply == "+PONG" || reply == sent,
            };
            return if accepted {
                Ok(rtt)
            } else {
                Err(Cause::new(
                    CauseKind::Protocol,
                    format!("unexpected reply {:?}", truncate(&reply, 80)),
                ))
            };
        }
    }

    /// Reads between probes until the connection ends; returns why it ended.
    /// Late replies are consumed here too.
    pub async fn passive(&mut self) -> Cause {
        loop {
            match self.reader.next().await {
                None => return Cause::eof(),
                Some(Err(e)) => return codec_cause(e),
                Some(Ok(_late)) => self.stale = self.stale.saturating_sub(1),
            }
        }
    }
}

fn codec_cause(err: LinesCodecError) -> Cause {
    match err {
        LinesCodecError::Io(e) if e.kind() == std::io::ErrorKind::InvalidData => {
            Cause::new(CauseKind::Protocol, "reply is not UTF-8 text")
        }
        LinesCodecError::Io(e) => Cause::from_io(&e),
        LinesCodecError::MaxLineLengthExceeded => Cause::new(
            CauseKind::Protocol,
            format!("reply line longer than {MAX_LINE} bytes"),
        ),
    }
}

fn truncate(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((at, _)) => &s[..at],
        None => s,
    }
}
