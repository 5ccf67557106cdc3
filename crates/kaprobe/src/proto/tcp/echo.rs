//! TCP line echo, the session: send a line (`PING` by default), wait for the reply line (`PONG`,
//! Redis's `+PONG`, or the line echoed back). Late replies to timed-out probes are
//! counted and skipped, so they are never taken for a fresh reply. A server's own
//! `PING` line between probes (kaserve's client liveness) is answered `PONG`.

use std::time::{Duration, Instant};

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};

use crate::cause::{Cause, CauseKind};
use crate::proto::config::{Passive, PingKind};
use crate::proto::session::round_trip_by;
use crate::proto::session::{BoxFut, Probe, Session};
use crate::proto::{SharedFold, fold_ping};

/// Longest reply line accepted; a longer one is a protocol error, not a memory hog.
pub const MAX_LINE: usize = 64 * 1024;

/// A persistent TCP connection doing line round trips.
#[derive(Debug)]
pub struct EchoSession {
    reader: LineReader,
    writer: OwnedWriteHalf,
    /// Replies still owed to probes that timed out; skipped when they arrive.
    stale: u64,
    /// When the server last sent a `PING` line of its own (kaserve's liveness).
    fold: SharedFold,
    /// The server answers `PONG` (or `+PONG`), so a `PING` line from it is its
    /// own ping, never an echo of ours.
    answers_pong: bool,
    /// Server pings seen while waiting for a reply.
    seen: Vec<Passive>,
    /// The last accepted reply line (at most 64 KiB).
    text: Option<String>,
}

impl EchoSession {
    pub fn new(stream: TcpStream, fold: SharedFold) -> Self {
        let (read, writer) = stream.into_split();
        EchoSession {
            reader: LineReader {
                half: read,
                buf: Vec::with_capacity(256),
            },
            writer,
            stale: 0,
            fold,
            answers_pong: false,
            seen: Vec::new(),
            text: None,
        }
    }

    async fn exchange(&mut self, probe: Probe<'_>) -> Result<Duration, Cause> {
        let Probe { seq, cfg, timer } = probe;
        let mut line = cfg.send.render(seq);
        line.push('\n');
        let started = Instant::now();
        match timer.within(self.writer.write_all(line.as_bytes())).await {
            Some(Ok(())) => {}
            Some(Err(e)) => return Err(Cause::from_io(&e)),
            None => {
                self.stale += 1;
                return Err(Cause::timeout("send buffer full: the peer is not reading"));
            }
        }
        let sent = &line[..line.len() - 1];
        loop {
            let next = timer.within(self.reader.next_line()).await;
            let reply = match next {
                None => {
                    self.stale += 1;
                    return Err(Cause::timeout(format!(
                        "no reply within {}",
                        humantime::format_duration(cfg.timeout)
                    )));
                }
                Some(Ok(None)) => return Err(Cause::eof()),
                Some(Err(cause)) => return Err(cause),
                Some(Ok(Some(reply))) => reply,
            };
            let rtt = started.elapsed();
            if self.stale > 0 {
                self.stale -= 1;
                // Late replies, each ready at once, do not stretch the timeout.
                if timer.expired() {
                    self.stale += 1;
                    return Err(Cause::timeout(format!(
                        "no reply within {}",
                        humantime::format_duration(cfg.timeout)
                    )));
                }
                continue;
            }
            // A server that has answered PONG pings on its own with PING lines
            // (kaserve's liveness): one during a round trip is answered and said,
            // not taken for this probe's reply.
            if reply == "PING" && self.answers_pong && cfg.expect.is_none() {
                let answered = timer.within(self.writer.write_all(b"PONG\n")).await;
                if let Some(Err(e)) = answered {
                    return Err(Cause::from_io(&e));
                }
                // Said, within reason: pings are folded, a flood is bounded
                // by the timeout, and so is what is kept of it.
                if let Some(ping) = self.server_ping() {
                    if self.seen.len() < 64 {
                        self.seen.push(ping);
                    }
                }
                if timer.expired() {
                    self.stale += 1;
                    return Err(Cause::timeout(format!(
                        "no reply within {} (the server only pinged)",
                        humantime::format_duration(cfg.timeout)
                    )));
                }
                continue;
            }
            let pong = reply == "PONG" || reply == "+PONG";
            let accepted = match &cfg.expect {
                Some(pattern) => pattern.matches(seq, &reply),
                None => pong || reply == sent,
            };
            self.answers_pong |= accepted && pong;
            return if accepted {
                self.text = Some(reply);
                Ok(rtt)
            } else {
                Err(Cause::new(
                    CauseKind::Protocol,
                    format!("unexpected reply {:?}", truncate(&reply, 80)),
                ))
            };
        }
    }

    /// Reads between probes until the connection ends (why) or the server pings:
    /// a `PING` line of its own, between probes, is answered `PONG`, as a
    /// WebSocket client answers a Ping. Late replies are consumed here too.
    async fn listen(&mut self) -> Passive {
        loop {
            match self.reader.next_line().await {
                Ok(None) => return Passive::Lost(Cause::eof()),
                Err(cause) => return Passive::Lost(cause),
                Ok(Some(line)) if line == "PING" && self.stale == 0 => {
                    if let Err(e) = self.writer.write_all(b"PONG\n").await {
                        return Passive::Lost(Cause::from_io(&e));
                    }
                    if let Some(ping) = self.server_ping() {
                        return ping;
                    }
                }
                Ok(Some(_late)) => self.stale = self.stale.saturating_sub(1),
            }
            // Whatever did not end the wait: let the caller's timers run, as a
            // flood of buffered frames never makes the socket wait.
            tokio::task::consume_budget().await;
        }
    }
}

impl EchoSession {
    /// A `PING` line of the server's own, answered: an event with the time
    /// since its last, unless folded into the next (a flood).
    fn server_ping(&mut self) -> Option<Passive> {
        fold_ping(&self.fold, PingKind::Keepalive, Instant::now(), None)
    }
}

impl Session for EchoSession {
    round_trip_by!(exchange);

    fn handshaken(&self) -> bool {
        false
    }

    fn passive(&mut self) -> BoxFut<'_, Passive> {
        Box::pin(self.listen())
    }

    fn take_events(&mut self) -> Vec<Passive> {
        std::mem::take(&mut self.seen)
    }

    fn take_text(&mut self) -> Option<String> {
        self.text.take()
    }
}

/// Reads lines by waiting for readiness before reading. A reader that reads first
/// (as `FramedRead` does) spends one more system call per reply on a read that
/// finds nothing, which shows at loopback round trips of 20 µs.
#[derive(Debug)]
struct LineReader {
    half: OwnedReadHalf,
    buf: Vec<u8>,
}

impl LineReader {
    /// The next line without its `\n` (or `\r\n`); `None` when the peer closed.
    /// Cancel-safe: partial lines stay in the buffer.
    async fn next_line(&mut self) -> Result<Option<String>, Cause> {
        loop {
            if let Some(pos) = self.buf.iter().position(|&b| b == b'\n') {
                let mut line: Vec<u8> = self.buf.drain(..=pos).collect();
                line.pop();
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                return String::from_utf8(line)
                    .map(Some)
                    .map_err(|_| Cause::new(CauseKind::Protocol, "reply is not UTF-8 text"));
            }
            if self.buf.len() > MAX_LINE {
                return Err(Cause::new(
                    CauseKind::Protocol,
                    format!("reply line longer than {MAX_LINE} bytes"),
                ));
            }
            self.half.readable().await.map_err(|e| Cause::from_io(&e))?;
            // Replies are short; a long one grows the buffer as it comes.
            self.buf.reserve(256);
            match self.half.try_read_buf(&mut self.buf) {
                Ok(0) => return Ok(None),
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(e) => return Err(Cause::from_io(&e)),
            }
        }
    }
}

fn truncate(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((at, _)) => &s[..at],
        None => s,
    }
}
