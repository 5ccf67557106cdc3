//! An HTTP/2 client connection with the `kawire::h2` frame tap, shared by the gRPC
//! and HTTP sessions: the handshake (preface, the server's SETTINGS), PING round
//! trips, and what the server does on its own, told in context (its PINGs; a
//! GOAWAY's error code and debug data, how many pings at what interval preceded a
//! `too_many_pings`, the connection's age at a graceful close).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::sync::{mpsc, oneshot};

use kawire::h2::{self as frames, Frame, Tap};

use crate::cause::{Cause, CauseKind};
use crate::deadline::ProbeTimer;
use crate::proto::config::Passive;
use crate::proto::mode::Mode;
use crate::proto::pingfold::{SharedFold, fold_ping};
use crate::proto::session::ModeInfo;
use crate::tls::{Io, Side};
use crate::units::short;

/// `h2ping`, a mode of gRPC and HTTP alike: an HTTP/2 PING and its ACK.
pub const H2PING: ModeInfo = ModeInfo {
    mode: Mode::H2Ping,
    help: "HTTP/2 PING frames",
    describe: |_| "HTTP/2 PING frames".to_string(),
    reply_verb: "pong from",
    keepalive_word: "pongs",
    noun: "HTTP/2 PING",
    connection_per_probe: false,
};

/// What the tap saw that the session cares about. Server PINGs arrive folded
/// (at most one a second per kind), so the channel, bounded, never fills with
/// a flood; what does not fit is dropped (a later GOAWAY or SETTINGS adds nothing).
#[derive(Debug)]
enum Seen {
    ServerPing(Passive),
    ServerSettings,
    GoAway { code: u32, debug: String },
}

/// Room for what the tap saw and the session has not read yet.
const SEEN_CAPACITY: usize = 64;

/// What the tap's two directions share: our own PINGs and DATA, to explain a
/// `too_many_pings` and to tell a BDP ping, and the fold of the server's PINGs.
#[derive(Debug, Default)]
struct TapShared {
    pings: PingLog,
    /// When we last sent DATA: a server PING right after is a BDP estimate.
    last_data_sent: Option<Instant>,
}

/// One HTTP/2 connection: requests go out on `send`.
#[derive(Debug)]
pub struct H2Conn {
    pub send: h2::client::SendRequest<Bytes>,
    ping: h2::PingPong,
    /// A PING whose PONG never came in time; its PONG must be taken first.
    ping_outstanding: bool,
    frames: mpsc::Receiver<Seen>,
    done: Option<oneshot::Receiver<Result<(), h2::Error>>>,
    opened: Instant,
    shared: Arc<Mutex<TapShared>>,
    seen: VecDeque<Passive>,
    /// Why the connection is over, once it is.
    gone: Option<Cause>,
}

/// The largest header block (decoded) we take from a server: 64 KiB, as the
/// man pages say; h2's own default is 16 MiB.
pub const MAX_HEADER_LIST: u32 = 64 * 1024;

/// The PINGs we sent on this connection, for explaining a `too_many_pings`.
#[derive(Debug, Default)]
struct PingLog {
    count: u64,
    first: Option<Instant>,
    last: Option<Instant>,
}

impl PingLog {
    fn note(&mut self, at: Instant) {
        self.count += 1;
        self.first.get_or_insert(at);
        self.last = Some(at);
    }

    /// `3 pings at 1s`
    fn describe(&self) -> Option<String> {
        let (first, last) = (self.first?, self.last?);
        let pings = if self.count == 1 { "ping" } else { "pings" };
        if self.count < 2 {
            return Some(format!("{} {pings}", self.count));
        }
        let every = (last - first) / (self.count - 1) as u32;
        Some(format!("{} {pings} at {}", self.count, short(every)))
    }
}

impl H2Conn {
    /// Whether a failure is a graceful GOAWAY (NO_ERROR) that refused the
    /// request before the server saw it: a gRPC client retries such a call on a
    /// new connection, transparently, and so do we, once.
    pub fn refused_by_graceful_goaway(cause: &Cause) -> bool {
        cause.kind == CauseKind::Goaway(0)
    }

    /// Opens HTTP/2 on an open (TCP or TLS) stream and waits for the server's
    /// SETTINGS: the handshake is done then.
    pub async fn handshake(
        io: Box<dyn Io>,
        timer: &mut ProbeTimer,
        fold: SharedFold,
    ) -> Result<H2Conn, Cause> {
        let (tx, mut frames) = mpsc::channel(SEEN_CAPACITY);
        let shared = Arc::new(Mutex::new(TapShared::default()));
        let (rx_shared, tx_shared) = (shared.clone(), shared.clone());
        let on_rx = Box::new(move |f: &Frame| {
            let seen = match f.kind {
                frames::PING if !f.ack() => {
                    let mut data = [0; 8];
                    let n = f.payload.len().min(8);
                    data[..n].copy_from_slice(&f.payload[..n]);
                    let at = Instant::now();
                    let since_data = rx_shared
                        .lock()
                        .expect("tap lock")
                        .last_data_sent
                        .map(|sent| at.saturating_duration_since(sent));
                    let kind = frames::ping::classify(&data, since_data).kind;
                    match fold_ping(&fold, kind, at, Some(data)) {
                        Some(ping) => Seen::ServerPing(ping),
                        None => return,
                    }
                }
                frames::SETTINGS if !f.ack() => Seen::ServerSettings,
                frames::GOAWAY => match f.goaway() {
                    Some((_, code, debug)) => Seen::GoAway {
                        code,
                        debug: String::from_utf8_lossy(&debug).into_owned(),
                    },
                    None => return,
                },
                _ => return,
            };
            let _ = tx.try_send(seen);
        });
        let on_tx = Box::new(move |f: &Frame| {
            if f.is(frames::PING) && !f.ack() {
                tx_shared
                    .lock()
                    .expect("tap lock")
                    .pings
                    .note(Instant::now());
            } else if f.is(frames::DATA) && f.len > 0 {
                tx_shared.lock().expect("tap lock").last_data_sent = Some(Instant::now());
            }
        });
        let tap = Tap::new(io, false, on_rx, on_tx);
        let opened = Instant::now();
        let handshake = h2::client::Builder::new()
            .max_header_list_size(MAX_HEADER_LIST)
            .handshake(tap);
        let (send, mut conn) = match timer.within(handshake).await {
            None => return Err(Cause::timeout("HTTP/2 handshake not finished in time")),
            Some(Err(e)) => return Err(h2_cause(&e)),
            Some(Ok(pair)) => pair,
        };
        let ping = conn.ping_pong().expect("the first call gives the handle");
        let (done_tx, done) = oneshot::channel();
        tokio::spawn(async move {
            let _ = done_tx.send(conn.await);
        });
        let mut session = H2Conn {
            send,
            ping,
            ping_outstanding: false,
            frames: mpsc::channel(1).1,
            done: Some(done),
            opened,
            shared,
            seen: VecDeque::new(),
            gone: None,
        };
        // Until the server's SETTINGS arrive, anything else is kept for later.
        loop {
            match timer.within(frames.recv()).await {
                None => return Err(Cause::timeout("no HTTP/2 SETTINGS from the server in time")),
                Some(Some(Seen::ServerSettings)) => break,
                Some(Some(other)) => session.note(other),
                Some(None) => {
                    let cause = session.connection_end().await;
                    return Err(Cause::new(
                        CauseKind::Protocol,
                        format!(
                            "no HTTP/2 from the server: {} (an HTTP/1.1 port? a TLS port \
                             wants grpcs:// or https://)",
                            cause.detail
                        ),
                    ));
                }
            }
            if let Some(cause) = session.gone.take() {
                return Err(cause);
            }
        }
        session.frames = frames;
        Ok(session)
    }

    /// A failed call on a connection that went away says why it went away.
    pub fn explain(&mut self, result: Result<Duration, Cause>) -> Result<Duration, Cause> {
        self.drain();
        match (&result, &self.gone) {
            (Err(_), Some(gone)) => Err(gone.clone()),
            _ => result,
        }
    }

    /// An HTTP/2 PING and its PONG.
    pub async fn h2_ping(
        &mut self,
        timeout: Duration,
        timer: &mut ProbeTimer,
    ) -> Result<Duration, Cause> {
        let late = "no PONG to the previous PING yet; h2 allows one PING in flight";
        if self.ping_outstanding {
            match timer
                .within(std::future::poll_fn(|cx| self.ping.poll_pong(cx)))
                .await
            {
                None => return Err(Cause::timeout(late)),
                Some(Err(e)) => return Err(h2_cause(&e)),
                Some(Ok(_)) => self.ping_outstanding = false,
            }
        }
        let started = Instant::now();
        self.ping
            .send_ping(h2::Ping::opaque())
            .map_err(|e| h2_cause(&e))?;
        self.ping_outstanding = true;
        match timer
            .within(std::future::poll_fn(|cx| self.ping.poll_pong(cx)))
            .await
        {
            None => Err(Cause::timeout(format!(
                "no PONG within {}",
                humantime::format_duration(timeout)
            ))),
            Some(Err(e)) => Err(h2_cause(&e)),
            Some(Ok(_)) => {
                self.ping_outstanding = false;
                Ok(started.elapsed())
            }
        }
    }

    /// Waits between probes for the server to ping, send GOAWAY, or close.
    pub async fn passive(&mut self) -> Passive {
        loop {
            if let Some(seen) = self.seen.pop_front() {
                return seen;
            }
            if let Some(cause) = self.gone.take() {
                return Passive::Lost(cause);
            }
            tokio::select! {
                seen = self.frames.recv() => match seen {
                    Some(seen) => self.note(seen),
                    None => {
                        let cause = self.connection_end().await;
                        return Passive::Lost(cause);
                    }
                },
                cause = wait_done(&mut self.done) => {
                    self.drain();
                    let cause = self.gone.take().unwrap_or(cause);
                    return Passive::Lost(cause);
                }
            }
        }
    }

    /// Why the connection is over, if the server said so (GOAWAY) or closed it
    /// since we last looked; a probe then goes to a new connection instead.
    pub fn take_gone(&mut self) -> Option<Cause> {
        self.drain();
        if self.gone.is_none() {
            if let Some(rx) = self.done.as_mut() {
                if let Ok(result) = rx.try_recv() {
                    self.done = None;
                    self.drain();
                    let cause = match result {
                        Ok(()) => Cause::new(
                            CauseKind::Eof,
                            "the server closed the connection without a GOAWAY",
                        ),
                        Err(e) => h2_cause(&e),
                    };
                    self.gone = Some(self.gone.take().unwrap_or(cause));
                }
            }
        }
        self.gone.take()
    }

    /// Whether the connection is known to be over.
    pub fn is_gone(&self) -> bool {
        self.gone.is_some()
    }

    pub fn take_events(&mut self) -> Vec<Passive> {
        std::mem::take(&mut self.seen).into()
    }

    fn drain(&mut self) {
        while let Ok(seen) = self.frames.try_recv() {
            self.note(seen);
        }
    }

    fn note(&mut self, seen: Seen) {
        match seen {
            Seen::ServerPing(ping) => {
                if self.seen.len() < SEEN_CAPACITY {
                    self.seen.push_back(ping);
                }
            }
            Seen::ServerSettings => {}
            Seen::GoAway { code, debug } => {
                // The first GOAWAY says why; later ones (a graceful close sends two)
                // add nothing.
                if self.gone.is_none() {
                    self.gone = Some(self.goaway_cause(code, &debug));
                }
            }
        }
    }

    fn goaway_cause(&self, code: u32, debug: &str) -> Cause {
        let mut parts = Vec::new();
        if code == 0 {
            parts.push(if debug.is_empty() {
                "graceful close".to_string()
            } else {
                format!("graceful close: {debug}")
            });
        } else if !debug.is_empty() {
            parts.push(debug.to_string());
        }
        if code == 0xb {
            if let Some(pings) = self.shared.lock().expect("tap lock").pings.describe() {
                let last = parts.pop().unwrap_or_default();
                parts.push(format!("{last} after {pings}").trim().to_string());
            }
        }
        parts.push(format!("connection age {}", short(self.opened.elapsed())));
        Cause::new(CauseKind::Goaway(code), parts.join(", ")).with_peer_text(debug)
    }

    /// Why the connection ended, once its driver has finished.
    async fn connection_end(&mut self) -> Cause {
        let cause = wait_done(&mut self.done).await;
        self.drain();
        self.gone.take().unwrap_or(cause)
    }
}

/// The connection driver's outcome as a cause; pending forever once taken.
async fn wait_done(done: &mut Option<oneshot::Receiver<Result<(), h2::Error>>>) -> Cause {
    let Some(rx) = done.as_mut() else {
        return std::future::pending().await;
    };
    let result = rx.await;
    *done = None;
    match result {
        Ok(Ok(())) | Err(_) => Cause::new(
            CauseKind::Eof,
            "the server closed the connection without a GOAWAY",
        ),
        Ok(Err(e)) => h2_cause(&e),
    }
}

/// An h2 error in the suite's words.
pub fn h2_cause(err: &h2::Error) -> Cause {
    if let Some(io) = err.get_io() {
        return crate::tls::io_cause(io, crate::tls::Side::Client)
            .unwrap_or_else(|| Cause::from_io(io));
    }
    if err.is_go_away() && err.is_remote() {
        let code = err.reason().map_or(0, u32::from);
        return Cause::new(CauseKind::Goaway(code), h2_words(err, Side::Client));
    }
    Cause::new(CauseKind::Protocol, h2_words(err, Side::Client))
}

/// What an h2 error says, in words, from `side`'s point of view: h2's own
/// `Display` appends a GOAWAY's debug data as a byte-string `Debug`, and the frame
/// tap carries that text instead.
pub fn h2_words(err: &h2::Error, side: Side) -> String {
    if let Some(io) = err.get_io() {
        return crate::tls::io_cause(io, side)
            .unwrap_or_else(|| Cause::from_io(io))
            .detail;
    }
    let Some(reason) = err.reason() else {
        return err.to_string();
    };
    let peer = side.peer();
    let name = kawire::h2::error_name(u32::from(reason));
    match (err.is_go_away(), err.is_remote()) {
        (true, true) => format!("{peer} sent GOAWAY {name}"),
        (false, true) => format!("{peer} reset the stream: {name}"),
        (false, false)
            if err.is_library()
                && matches!(side, Side::Client)
                && reason == h2::Reason::PROTOCOL_ERROR =>
        {
            // h2 resets a response it will not take this way, a header block
            // over MAX_HEADER_LIST among them; it does not say which.
            format!(
                "we refused {peer}'s response: malformed, or its headers over {} KiB ({name})",
                MAX_HEADER_LIST / 1024
            )
        }
        (_, false) if err.is_library() => {
            format!("{peer} broke HTTP/2: {} ({name})", reason.description())
        }
        (true, false) => format!("we ended the connection: {name}"),
        (false, false) => format!("we reset the stream: {name}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ping_log_explains_itself() {
        let mut log = PingLog::default();
        assert_eq!(log.describe(), None);
        let t0 = Instant::now();
        log.note(t0);
        assert_eq!(log.describe().unwrap(), "1 ping");
        log.note(t0 + Duration::from_secs(1));
        log.note(t0 + Duration::from_secs(2));
        assert_eq!(log.describe().unwrap(), "3 pings at 1s");
    }
}
