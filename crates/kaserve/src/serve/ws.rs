//! The WebSocket responder: echoes messages, answers text pings (`ping`, or JSON
//! with `"op"`/`"type": "ping"`) with `pong`, and keeps clients alive the way the
//! Python `websockets` server does: a Ping every `ping_interval`, and a close with
//! 1011 "keepalive ping timeout" when its Pong does not come within `ping_timeout`.
//! With a client policy it pings only silent clients and closes those that stay
//! silent; faults drop or delay its Pongs, close idle connections, go quiet or reset.

use std::collections::VecDeque;
use std::sync::atomic::Ordering;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_util::sync::CancellationToken;

use super::conn::{Conn, Wake};
use super::pongfilter::{Permits, PongFilter};
use kaprobe::cause::{Cause, CauseKind};
use kaprobe::tls::Io;

/// How long a client has for the TLS and upgrade handshakes.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Serves one client until it leaves (returns why) or shutdown (returns `None`).
pub async fn handle(stream: TcpStream, mut conn: Conn) -> Option<Cause> {
    let opts = conn.opts.clone();
    let shutdown: CancellationToken = conn.shutdown.clone();
    let gate = Permits::default();
    let hold_pongs = conn.faults.holds_pongs();
    let handshake = async {
        let io: Box<dyn Io> = match &opts.tls {
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
        let io: Box<dyn Io> = if hold_pongs {
            Box::new(PongFilter::new(io, gate.clone()))
        } else {
            io
        };
        tokio_tungstenite::accept_async(io)
            .await
            .map_err(|e| Cause::new(CauseKind::Protocol, format!("upgrade failed: {e}")))
    };
    let mut ws = tokio::select! {
        () = shutdown.cancelled() => return None,
        done = tokio::time::timeout(HANDSHAKE_TIMEOUT, handshake) => match done {
            Ok(Ok(ws)) => ws,
            Ok(Err(cause)) => return Some(cause),
            Err(_) => return Some(Cause::timeout("handshake not finished in time")),
        },
    };
    gate.armed.store(true, Ordering::Relaxed);
    conn.heard();
    let close_code = conn.faults.close_code.map(CloseCode::from);
    // Pongs held back by the delay-pongs fault, and when each is due.
    let mut delayed: VecDeque<(tokio_tungstenite::tungstenite::Bytes, Instant)> = VecDeque::new();

    let mut next_ping = opts.ping_interval.map(|every| Instant::now() + every);
    // The payload of the Ping awaiting its Pong, and when it is overdue.
    let mut outstanding: Option<(Vec<u8>, Instant)> = None;
    let mut pings = 0u64;
    loop {
        let ping_at = next_ping.unwrap_or_else(kaprobe::units::far_future);
        let overdue_at = outstanding
            .as_ref()
            .map_or_else(kaprobe::units::far_future, |(_, at)| *at);
        let pong_at = delayed.front().map(|(_, at)| *at);
        tokio::select! {
            () = shutdown.cancelled() => {
                let _ = ws.close(Some(close_frame(CloseCode::Away, "server shutting down"))).await;
                return None;
            }
            wake = conn.wake() => match wake {
                Wake::Ping => {
                    if let Err(e) = ws.send(Message::Ping(b"kaserve liveness".to_vec().into())).await {
                        return Some(abnormal(e));
                    }
                    conn.traffic();
                    conn.pinged("Ping frame");
                }
                Wake::Expired(silent) => {
                    let cause = conn.expired_cause(silent);
                    let code = close_code.unwrap_or(CloseCode::Error);
                    let _ = ws.close(Some(close_frame(code, "keepalive timeout"))).await;
                    return Some(cause);
                }
                Wake::CloseIdle(idle) => {
                    let cause = conn.close_idle_cause(idle);
                    // A load balancer just drops the connection; with close-code,
                    // close as a server would.
                    if let Some(code) = close_code {
                        let _ = ws.close(Some(close_frame(code, "idle timeout"))).await;
                    }
                    return Some(cause);
                }
                Wake::Blackhole => {
                    conn.blackhole().await;
                    return None;
                }
                Wake::Reset => return Some(conn.reset_cause()),
                Wake::Goaway => {}
            },
            () = tokio::time::sleep_until(pong_at.unwrap_or_else(Instant::now)), if pong_at.is_some() => {
                if let Some((payload, _)) = delayed.pop_front() {
                    gate.permits.fetch_add(1, Ordering::Relaxed);
                    if let Err(e) = ws.send(Message::Pong(payload)).await {
                        return Some(abnormal(e));
                    }
                    conn.traffic();
                }
            }
            () = tokio::time::sleep_until(ping_at), if next_ping.is_some() => {
                next_ping = opts.ping_interval.map(|every| ping_at + every);
                if outstanding.is_none() {
                    pings += 1;
                    let payload = format!("kaserve {pings}").into_bytes();
                    if let Err(e) = ws.send(Message::Ping(payload.clone().into())).await {
                        return Some(abnormal(e));
                    }
                    outstanding = Some((payload, Instant::now() + opts.ping_timeout));
                }
            }
            () = tokio::time::sleep_until(overdue_at), if outstanding.is_some() => {
                let reason = "keepalive ping timeout";
                let _ = ws.close(Some(close_frame(CloseCode::Error, reason))).await;
                // Give the client a moment to answer the close, as websockets does.
                let _ = tokio::time::timeout(Duration::from_secs(1), async {
                    while let Some(Ok(_)) = ws.next().await {}
                })
                .await;
                return Some(Cause::new(
                    CauseKind::WsClose(1011),
                    format!(
                        "{reason}: no pong within {}",
                        humantime::format_duration(opts.ping_timeout)
                    ),
                ));
            }
            message = ws.next() => {
                conn.heard();
                let reply = match message {
                    None => return Some(Cause::new(CauseKind::WsClose(1006), "connection ended without a close frame")),
                    Some(Err(e)) => return Some(abnormal(e)),
                    Some(Ok(Message::Close(frame))) => {
                        let code = frame.as_ref().map_or(1005, |f| u16::from(f.code));
                        let reason = frame.map(|f| f.reason.to_string()).unwrap_or_default();
                        return Some(Cause::new(CauseKind::WsClose(code), reason));
                    }
                    Some(Ok(Message::Pong(payload))) => {
                        if outstanding.as_ref().is_some_and(|(want, _)| payload == want.as_slice()) {
                            outstanding = None;
                        }
                        continue;
                    }
                    Some(Ok(Message::Text(text))) => Message::Text(text_reply(&text).unwrap_or_else(|| text.to_string()).into()),
                    Some(Ok(Message::Binary(data))) => Message::Binary(data),
                    Some(Ok(Message::Ping(payload))) => {
                        // tungstenite answers pings itself; a fault holds that back.
                        if let Some(delay) = conn.faults.delay_pongs {
                            delayed.push_back((payload, Instant::now() + delay));
                        }
                        continue;
                    }
                    Some(Ok(_)) => continue,
                };
                if let Err(e) = ws.send(reply).await {
                    return Some(abnormal(e));
                }
                conn.traffic();
            }
        }
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

fn abnormal(err: impl std::fmt::Display) -> Cause {
    Cause::new(CauseKind::WsClose(1006), format!("abnormal closure: {err}"))
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
