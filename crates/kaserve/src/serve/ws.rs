//! The WebSocket responder: echoes messages, answers text pings (`ping`, or JSON
//! with `"op"`/`"type": "ping"`) with `pong`, and keeps clients alive the way the
//! Python `websockets` server does: a Ping every `ping_interval`, and a close with
//! 1011 "keepalive ping timeout" when its Pong does not come within `ping_timeout`.
//! With a client policy it pings only silent clients and closes those that stay
//! silent; faults drop or delay its Pongs, close idle connections, go quiet or reset.

use std::collections::VecDeque;
use std::ops::ControlFlow;
use std::sync::atomic::Ordering;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio::time::Instant;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Bytes, Error as WsError, Message};
use tokio_util::sync::CancellationToken;

use super::conn::{Conn, Wake};
use super::options::HANDSHAKE_TIMEOUT;
use super::pongfilter::{Permits, PongFilter};
use kaprobe::cause::{Cause, CauseKind};
use kaprobe::tls::Io;

type Ws = WebSocketStream<Box<dyn Io>>;
/// `Break(cause)` ends the connection (`None`: without a cause), `Continue` serves on.
type Step = ControlFlow<Option<Cause>>;

/// How long a Close frame may wait for a client that is not reading.
const CLOSE_WRITE: Duration = Duration::from_secs(1);

/// Serves one client until it leaves (returns why) or shutdown (returns `None`).
pub async fn handle(stream: TcpStream, conn: Conn) -> Option<Cause> {
    let gate = Permits::default();
    let shutdown = conn.shutdown.clone();
    let ws = tokio::select! {
        () = shutdown.cancelled() => return None,
        done = tokio::time::timeout(HANDSHAKE_TIMEOUT, accept(stream, &conn, &gate)) => match done {
            Ok(Ok(ws)) => ws,
            Ok(Err(cause)) => return Some(cause),
            Err(_) => return Some(Cause::timeout("handshake not finished in time")),
        },
    };
    gate.armed.store(true, Ordering::Relaxed);
    conn.heard();
    let next_ping = conn.opts.ping_interval.map(|every| Instant::now() + every);
    let session = Session {
        ws,
        close_code: conn.faults.close_code.map(CloseCode::from),
        conn,
        gate,
        delayed: VecDeque::new(),
        next_ping,
        outstanding: None,
        pings: 0,
    };
    session.run(shutdown).await
}

/// The largest WebSocket message (and frame) a client may send: 1 MiB, far above
/// any keepalive, where tungstenite's default is 64 MiB per message.
pub const MAX_MESSAGE: usize = 1024 * 1024;

fn message_limits() -> tokio_tungstenite::tungstenite::protocol::WebSocketConfig {
    tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
        .max_message_size(Some(MAX_MESSAGE))
        .max_frame_size(Some(MAX_MESSAGE))
}

/// TLS if configured, then the upgrade; a pong-holding fault wraps the stream so
/// tungstenite's own Pongs can be held back.
async fn accept(stream: TcpStream, conn: &Conn, gate: &Permits) -> Result<Ws, Cause> {
    let io: Box<dyn Io> = match &conn.opts.tls {
        None => Box::new(stream),
        Some(config) => {
            let acceptor = tokio_rustls::TlsAcceptor::from(config.clone());
            Box::new(
                acceptor
                    .accept(stream)
                    .await
                    .map_err(|e| kaprobe::tls::server_handshake_cause(&e))?,
            )
        }
    };
    let io: Box<dyn Io> = if conn.faults.holds_pongs() {
        Box::new(PongFilter::new(io, gate.clone()))
    } else {
        io
    };
    tokio_tungstenite::accept_async_with_config(io, Some(message_limits()))
        .await
        .map_err(|e| Cause::new(CauseKind::Protocol, format!("upgrade failed: {e}")))
}

/// One upgraded client and what its loop keeps.
struct Session {
    ws: Ws,
    conn: Conn,
    gate: Permits,
    close_code: Option<CloseCode>,
    /// Pongs held back by the delay-pongs fault, and when each is due.
    delayed: VecDeque<(Bytes, Instant)>,
    next_ping: Option<Instant>,
    /// The payload of the Ping awaiting its Pong, and when it is overdue.
    outstanding: Option<(Vec<u8>, Instant)>,
    pings: u64,
}

impl Session {
    async fn run(mut self, shutdown: CancellationToken) -> Option<Cause> {
        loop {
            let ping_at = self.next_ping.unwrap_or_else(kaprobe::units::far_future);
            let overdue_at = self
                .outstanding
                .as_ref()
                .map_or_else(kaprobe::units::far_future, |(_, at)| *at);
            let pong_at = self.delayed.front().map(|(_, at)| *at);
            let step = tokio::select! {
                () = shutdown.cancelled() => {
                    self.close(CloseCode::Away, "server shutting down").await;
                    Step::Break(None)
                }
                wake = self.conn.wake() => self.on_wake(wake).await,
                () = tokio::time::sleep_until(pong_at.unwrap_or_else(Instant::now)), if pong_at.is_some() => {
                    self.send_delayed_pong().await
                }
                () = tokio::time::sleep_until(ping_at), if self.next_ping.is_some() => {
                    self.keepalive_ping(ping_at).await
                }
                () = tokio::time::sleep_until(overdue_at), if self.outstanding.is_some() => {
                    Step::Break(Some(self.keepalive_timeout().await))
                }
                message = self.ws.next() => self.on_message(message).await,
            };
            if let Step::Break(ending) = step {
                return ending;
            }
        }
    }

    /// What a liveness or fault timer asks for.
    async fn on_wake(&mut self, wake: Wake) -> Step {
        match wake {
            Wake::Ping => {
                let ping = Message::Ping(b"kaserve liveness".to_vec().into());
                self.send(ping).await?;
                self.conn.pinged("Ping frame");
                Step::Continue(())
            }
            Wake::Expired(silent) => {
                let cause = self.conn.expired_cause(silent);
                let code = self.close_code.unwrap_or(CloseCode::Error);
                self.close(code, "keepalive timeout").await;
                Step::Break(Some(cause))
            }
            Wake::CloseIdle(idle) => {
                let cause = self.conn.close_idle_cause(idle);
                // A load balancer just drops the connection; with close-code,
                // close as a server would.
                if let Some(code) = self.close_code {
                    self.close(code, "idle timeout").await;
                }
                Step::Break(Some(cause))
            }
            Wake::Blackhole => {
                self.conn.blackhole().await;
                Step::Break(None)
            }
            Wake::Reset => Step::Break(Some(self.conn.reset_cause())),
            Wake::Goaway => Step::Continue(()),
        }
    }

    /// Sends a message; a failed write ends the connection.
    /// Sends a message; a failed write ends the connection, and so does a client
    /// that stops reading past its liveness timeout.
    async fn send(&mut self, message: Message) -> Step {
        match self.conn.bounded(self.ws.send(message)).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                return Step::Break(Some(kaprobe::proto::ws::error_cause(
                    e,
                    kaprobe::tls::Side::Server,
                )));
            }
            Err(ending) => return Step::Break(ending),
        }
        self.conn.traffic();
        Step::Continue(())
    }

    /// Sends a Close frame, giving a client that does not read [`CLOSE_WRITE`] to
    /// take it: the connection ends either way.
    async fn close(&mut self, code: CloseCode, reason: &str) {
        let frame = close_frame(code, reason);
        let _ = tokio::time::timeout(CLOSE_WRITE, self.ws.close(Some(frame))).await;
    }

    async fn send_delayed_pong(&mut self) -> Step {
        let Some((payload, _)) = self.delayed.pop_front() else {
            return Step::Continue(());
        };
        self.gate.permits.fetch_add(1, Ordering::Relaxed);
        self.send(Message::Pong(payload)).await
    }

    /// The keepalive Ping every `ping_interval`, unless one is still unanswered.
    async fn keepalive_ping(&mut self, due: Instant) -> Step {
        self.next_ping = self.conn.opts.ping_interval.map(|every| due + every);
        if self.outstanding.is_some() {
            return Step::Continue(());
        }
        self.pings += 1;
        let payload = format!("kaserve {}", self.pings).into_bytes();
        self.send(Message::Ping(payload.clone().into())).await?;
        self.outstanding = Some((payload, Instant::now() + self.conn.opts.ping_timeout));
        Step::Continue(())
    }

    /// A Pong that did not come in time: close with 1011, as websockets does.
    async fn keepalive_timeout(&mut self) -> Cause {
        let reason = "keepalive ping timeout";
        self.close(CloseCode::Error, reason).await;
        // Give the client a moment to answer the close, as websockets does.
        let _ = tokio::time::timeout(Duration::from_secs(1), async {
            while let Some(Ok(_)) = self.ws.next().await {}
        })
        .await;
        Cause::new(
            CauseKind::WsClose(1011),
            format!(
                "{reason}: no pong within {}",
                humantime::format_duration(self.conn.opts.ping_timeout)
            ),
        )
    }

    /// A message from the client: echoed, answered, or the end of the connection.
    async fn on_message(&mut self, message: Option<Result<Message, WsError>>) -> Step {
        self.conn.heard();
        let reply = match message {
            None => {
                let cause = Cause::new(
                    CauseKind::WsClose(1006),
                    "connection ended without a close frame",
                );
                return Step::Break(Some(cause));
            }
            Some(Err(e)) => {
                return Step::Break(Some(kaprobe::proto::ws::error_cause(
                    e,
                    kaprobe::tls::Side::Server,
                )));
            }
            Some(Ok(Message::Close(frame))) => {
                let code = frame.as_ref().map_or(1005, |f| u16::from(f.code));
                let reason = frame.map(|f| f.reason.to_string()).unwrap_or_default();
                return Step::Break(Some(Cause::new(CauseKind::WsClose(code), reason)));
            }
            Some(Ok(Message::Pong(payload))) => {
                let answered = self
                    .outstanding
                    .as_ref()
                    .is_some_and(|(want, _)| payload == want.as_slice());
                if answered {
                    self.outstanding = None;
                }
                return Step::Continue(());
            }
            Some(Ok(Message::Text(text))) => {
                Message::Text(text_reply(&text).unwrap_or_else(|| text.to_string()).into())
            }
            Some(Ok(Message::Binary(data))) => Message::Binary(data),
            Some(Ok(Message::Ping(payload))) => {
                // tungstenite answers pings itself; a fault holds that back.
                if let Some(delay) = self.conn.faults.delay_pongs {
                    self.delayed.push_back((payload, Instant::now() + delay));
                }
                return Step::Continue(());
            }
            Some(Ok(_)) => return Step::Continue(()),
        };
        self.send(reply).await
    }
}

/// The answer to an application-level ping, if `text` is one.
fn text_reply(text: &str) -> Option<String> {
    if text.trim().eq_ignore_ascii_case("ping") {
        return Some("pong".into());
    }
    let mut value: serde_json::Value = serde_json::from_str(text).ok()?;
    let object = value.as_object_mut()?;
    let key = ["op", "type"]
        .into_iter()
        .find(|k| object.get(*k).and_then(|v| v.as_str()) == Some("ping"))?;
    object.insert(key.into(), "pong".into());
    Some(value.to_string())
}

fn close_frame(code: CloseCode, reason: &str) -> CloseFrame {
    CloseFrame {
        code,
        reason: reason.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_pings_are_answered() {
        assert_eq!(text_reply("ping").as_deref(), Some("pong"));
        assert_eq!(text_reply(" PING ").as_deref(), Some("pong"));
        let reply = text_reply(r#"{"op":"ping","id":7}"#).unwrap();
        let v: serde_json::Value = serde_json::from_str(&reply).unwrap();
        assert_eq!(
            (v["op"].as_str(), v["id"].as_u64()),
            (Some("pong"), Some(7))
        );
        assert!(text_reply(r#"{"type":"ping"}"#).unwrap().contains("pong"));
        assert_eq!(text_reply("hello"), None);
        assert_eq!(text_reply(r#"{"op":"subscribe"}"#), None);
        assert_eq!(text_reply("[1,2]"), None);
    }
}
