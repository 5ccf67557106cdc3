//! WebSocket sessions over tokio-tungstenite: the upgrade (with headers and
//! subprotocol), Ping/Pong round trips matched by a sequence number in the payload,
//! text round trips from a template, and what the server does on its own: its pings
//! (answered, with the interval between them), close frames, abnormal ends.

pub(super) mod config;

pub use config::WsConfig;

use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::error::{CapacityError, ProtocolError};
use tokio_tungstenite::tungstenite::http::{HeaderName, HeaderValue};
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

use super::config::{Passive, PingKind, ProbeConfig};
use super::mode::Mode;
use super::session::{BoxFut, ModeInfo, OpenArgs, Probe, ProtocolInfo, Session};
use super::session::{boxed, round_trip_by};
use super::{SharedFold, fold_ping};
use crate::cause::{Cause, CauseKind};
use crate::deadline::ProbeTimer;
use crate::tls::Io;
use crate::tls::Side;

/// The modes of a WebSocket target, default first.
pub const MODES: &[ModeInfo] = &[
    ModeInfo {
        mode: Mode::Ping,
        help: "Ping frames",
        describe: |_| "WebSocket Ping frames".to_string(),
        reply_verb: "pong from",
        keepalive_word: "pongs",
        noun: "ws ping",
        connection_per_probe: false,
    },
    ModeInfo {
        mode: Mode::Text,
        help: "a message from --send, its reply by --expect",
        describe: |cfg| cfg.send.describe(),
        reply_verb: "reply from",
        keepalive_word: "replies",
        noun: "a ws message",
        connection_per_probe: false,
    },
];

/// What `wss://` offers in ALPN.
pub const ALPN: &[&[u8]] = &[b"http/1.1"];

pub static PROTOCOL: ProtocolInfo = ProtocolInfo {
    modes: MODES,
    keepalives: &[Mode::Ping, Mode::Text],
    alpn: |_| ALPN,
    open: |stream, args| Box::pin(async move { boxed(handshake(stream.into_io(), args).await) }),
};

/// The largest WebSocket message a probe accepts as a reply: 1 MiB.
pub const MAX_REPLY: usize = 1024 * 1024;

/// Ping payloads start with this, so our pongs are told from anyone else's.
const PING_PREFIX: &str = "kaping ";

#[derive(Debug)]
pub struct WsSession {
    ws: WebSocketStream<Box<dyn Io>>,
    fold: SharedFold,
    /// Server pings seen during a round trip, for the caller to report.
    seen: Vec<Passive>,
    /// The last reply's text (at most a message, 1 MiB).
    text: Option<String>,
    /// With `trace`: the upgrade's request and response.
    trace: Vec<String>,
}

/// Performs the HTTP upgrade on an open (TCP or TLS) stream.
async fn handshake(io: Box<dyn Io>, args: OpenArgs<'_>) -> Result<WsSession, Cause> {
    let OpenArgs {
        target,
        cfg,
        timer,
        fold,
    } = args;
    let url = format!("{}://{}{}", target.scheme, target.authority(), target.path);
    let mut request = url.into_client_request().map_err(|e| {
        Cause::new(
            CauseKind::Protocol,
            format!("cannot build the upgrade: {e}"),
        )
    })?;
    let headers = request.headers_mut();
    for header in &cfg.headers {
        // Names and values were validated when the config was built.
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(header.name.as_bytes()),
            HeaderValue::from_str(&header.value),
        ) {
            headers.append(name, value);
        }
    }
    // The URL's user information; an explicit Authorization header wins.
    if let Some(auth) = target.basic_auth() {
        if !headers.contains_key("authorization") {
            if let Ok(value) = HeaderValue::from_str(&auth) {
                headers.insert("authorization", value);
            }
        }
    }
    if let Some(sub) = &cfg.ws.subprotocol {
        if let Ok(value) = HeaderValue::from_str(sub) {
            headers.insert("sec-websocket-protocol", value);
        }
    }
    // A reply bigger than a keepalive needs is refused, not held (tungstenite
    // would take 64 MiB).
    let limits = tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
        .max_message_size(Some(MAX_REPLY))
        .max_frame_size(Some(MAX_REPLY));
    let mut trace = Vec::new();
    if cfg.trace {
        crate::trace::sent(
            &mut trace,
            format!("GET {} HTTP/1.1", crate::target::redact(&target.path)),
        );
        crate::trace::sent_headers(&mut trace, request.headers(), &cfg.headers);
    }
    let upgrade = tokio_tungstenite::client_async_with_config(request, io, Some(limits));
    match timer.within(upgrade).await {
        None => Err(Cause::timeout("no answer to the WebSocket upgrade in time")),
        Some(Ok((ws, response))) => {
            if cfg.trace {
                let status = response.status();
                crate::trace::got(
                    &mut trace,
                    format!(
                        "HTTP/1.1 {} {}",
                        status.as_u16(),
                        status.canonical_reason().unwrap_or("")
                    ),
                );
                crate::trace::got_headers(&mut trace, response.headers());
            }
            Ok(WsSession {
                ws,
                fold,
                seen: Vec::new(),
                text: None,
                trace,
            })
        }
        Some(Err(WsError::Http(response))) => {
            let status = response.status();
            Err(Cause::new(
                CauseKind::Http(status.as_u16()),
                format!(
                    "upgrade refused: {} {}",
                    status.as_u16(),
                    status.canonical_reason().unwrap_or("")
                )
                .trim_end()
                .to_string(),
            ))
        }
        Some(Err(e)) => Err(error_cause(e, Side::Client)),
    }
}

impl Session for WsSession {
    round_trip_by!(exchange);

    fn passive(&mut self) -> BoxFut<'_, Passive> {
        Box::pin(self.listen())
    }

    fn take_events(&mut self) -> Vec<Passive> {
        std::mem::take(&mut self.seen)
    }

    fn take_text(&mut self) -> Option<String> {
        self.text.take()
    }

    fn take_trace(&mut self) -> Vec<String> {
        std::mem::take(&mut self.trace)
    }

    /// Says goodbye with a normal close, bounded by the timer.
    fn close(mut self: Box<Self>, timer: &mut ProbeTimer) -> BoxFut<'_, ()> {
        Box::pin(async move {
            let bye = CloseFrame {
                code: CloseCode::Normal,
                reason: "kaprobe done".into(),
            };
            let _ = timer.within(self.ws.close(Some(bye))).await;
        })
    }
}

/// Sends an unsolicited Pong (RFC 6455 5.5.3: a unidirectional heartbeat; nothing
/// answers it), bounded by the timer: WebSocket's own operation, for
/// `prober.with_session(false, ws::send_pong)`.
pub fn send_pong<'a>(
    session: &'a mut dyn Session,
    _: &'a ProbeConfig,
    timer: &'a mut ProbeTimer,
) -> BoxFut<'a, Result<(), Cause>> {
    Box::pin(async move {
        let Some(ws) = session.as_any_mut().downcast_mut::<WsSession>() else {
            return Err(Cause::new(
                CauseKind::Protocol,
                "Pong frames need a WebSocket",
            ));
        };
        let pong = Message::Pong(b"kaprobe".to_vec().into());
        match timer.within(ws.ws.send(pong)).await {
            None => Err(Cause::timeout("send blocked: the server is not reading")),
            Some(Err(e)) => Err(error_cause(e, Side::Client)),
            Some(Ok(())) => Ok(()),
        }
    })
}

impl WsSession {
    async fn exchange(&mut self, probe: Probe<'_>) -> Result<Duration, Cause> {
        let Probe { seq, cfg, timer } = probe;
        let (message, ping_payload) = match cfg.mode {
            Mode::Ping => {
                let payload = format!("{PING_PREFIX}{seq}");
                (
                    Message::Ping(payload.clone().into_bytes().into()),
                    Some(payload),
                )
            }
            _ => (Message::Text(cfg.send.render(seq).into()), None),
        };
        let started = Instant::now();
        match timer.within(self.ws.send(message)).await {
            None => return Err(Cause::timeout("send blocked: the server is not reading")),
            Some(Err(e)) => return Err(error_cause(e, Side::Client)),
            Some(Ok(())) => {}
        }
        let timed_out = || {
            let what = if ping_payload.is_some() {
                "pong"
            } else {
                "reply"
            };
            let within = humantime::format_duration(cfg.timeout);
            Cause::timeout(format!("no {what} within {within}"))
        };
        loop {
            let Some(next) = timer.within(self.ws.next()).await else {
                return Err(timed_out());
            };
            let rtt = started.elapsed();
            match next {
                None => return Err(abnormal("the connection ended")),
                Some(Err(e)) => return Err(error_cause(e, Side::Client)),
                Some(Ok(Message::Pong(p))) => {
                    if ping_payload
                        .as_deref()
                        .is_some_and(|want| p == want.as_bytes())
                    {
                        return Ok(rtt);
                    }
                    // A late pong to an earlier probe, or one we did not ask for.
                }
                Some(Ok(Message::Ping(_))) => {
                    // Folded, so a flood keeps a few events, not one a ping.
                    if let Some(ev) = self.server_ping() {
                        if self.seen.len() < 64 {
                            self.seen.push(ev);
                        }
                    }
                }
                Some(Ok(Message::Close(frame))) => return Err(close_cause(frame)),
                Some(Ok(Message::Text(text))) if ping_payload.is_none() => {
                    if cfg.expect.as_ref().is_none_or(|p| p.matches(seq, &text)) {
                        self.text = Some(text.to_string());
                        return Ok(rtt);
                    }
                }
                Some(Ok(Message::Binary(data))) if ping_payload.is_none() => {
                    let text = String::from_utf8_lossy(&data);
                    if cfg.expect.as_ref().is_none_or(|p| p.matches(seq, &text)) {
                        self.text = Some(text.into_owned());
                        return Ok(rtt);
                    }
                }
                Some(Ok(_)) => {}
            }
            // Unrelated messages, each ready at once, do not stretch the timeout.
            if timer.expired() {
                return Err(timed_out());
            }
        }
    }

    /// Reads between probes; returns on a server ping or the end of the connection.
    async fn listen(&mut self) -> Passive {
        loop {
            match self.ws.next().await {
                None => return Passive::Lost(abnormal("the connection ended")),
                Some(Err(e)) => return Passive::Lost(error_cause(e, Side::Client)),
                Some(Ok(Message::Ping(_))) => {
                    if let Some(ping) = self.server_ping() {
                        return ping;
                    }
                }
                Some(Ok(Message::Close(frame))) => return Passive::Lost(close_cause(frame)),
                // Late pongs and unsolicited messages.
                Some(Ok(_)) => {}
            }
            // Whatever did not end the wait: let the caller's timers run, as a
            // flood of buffered frames never makes the socket wait.
            tokio::task::consume_budget().await;
        }
    }

    /// A server Ping (answered by tungstenite): an event with the time since
    /// its last, unless folded into the next (a flood).
    fn server_ping(&mut self) -> Option<Passive> {
        fold_ping(&self.fold, PingKind::Keepalive, Instant::now(), None)
    }
}

fn close_cause(frame: Option<CloseFrame>) -> Cause {
    match frame {
        Some(frame) => {
            let code = u16::from(frame.code);
            let reason = frame.reason.as_str();
            let detail = if reason.is_empty() {
                describe_code(frame.code).to_string()
            } else {
                reason.to_string()
            };
            Cause::new(CauseKind::WsClose(code), detail)
        }
        None => Cause::new(
            CauseKind::WsClose(1005),
            "close frame without a status code",
        ),
    }
}

fn describe_code(code: CloseCode) -> &'static str {
    match u16::from(code) {
        1000 => "normal closure",
        1001 => "going away",
        1002 => "protocol error",
        1003 => "unsupported data",
        1008 => "policy violation",
        1009 => "message too big",
        1011 => "internal error",
        1012 => "service restart",
        1013 => "try again later",
        _ => "",
    }
}

/// A connection that ended without a close frame: 1006, with what happened.
fn abnormal(what: impl std::fmt::Display) -> Cause {
    Cause::new(
        CauseKind::WsClose(1006),
        format!("abnormal closure, no close frame: {what}"),
    )
}

/// A WebSocket failure in words, from `side`'s point of view (kaserve uses it too).
pub fn error_cause(err: WsError, side: Side) -> Cause {
    let peer = side.peer();
    match err {
        WsError::Io(e) => match crate::tls::io_cause(&e, side) {
            Some(tls) => tls,
            None => {
                let io = Cause::from_io(&e);
                abnormal(format!("{}: {}", io.kind, io.detail))
            }
        },
        WsError::ConnectionClosed | WsError::AlreadyClosed => {
            Cause::new(CauseKind::WsClose(1000), "connection closed")
        }
        WsError::Protocol(ProtocolError::ResetWithoutClosingHandshake) => {
            abnormal("reset without a closing handshake")
        }
        WsError::Protocol(ProtocolError::HttparseError(_)) | WsError::HttpFormat(_) => Cause::new(
            CauseKind::Protocol,
            match side {
                Side::Client => {
                    "the answer to the WebSocket upgrade is not HTTP (is this \
                                     a WebSocket port? a TLS port wants wss://)"
                }
                Side::Server => {
                    "the client's request is not HTTP (a TLS client on a \
                                     plain port, or the other way round?)"
                }
            },
        ),
        WsError::Protocol(ProtocolError::ExpectedFragment(_)) => Cause::new(
            CauseKind::Protocol,
            format!("{peer} began a new message inside a fragmented one"),
        ),
        WsError::Protocol(p) => Cause::new(CauseKind::Protocol, p.to_string()),
        WsError::Utf8(_) => Cause::new(
            CauseKind::Protocol,
            format!("{peer}'s text message is not valid UTF-8"),
        ),
        WsError::Capacity(CapacityError::MessageTooLong { size, max_size }) => Cause::new(
            CauseKind::Protocol,
            format!("{peer}'s message is {size} bytes, over our limit of {max_size}"),
        ),
        WsError::Capacity(CapacityError::TooManyHeaders) => Cause::new(
            CauseKind::Protocol,
            format!("{peer}'s upgrade has too many headers"),
        ),
        WsError::Http(response) => Cause::new(
            CauseKind::Http(response.status().as_u16()),
            format!("HTTP {}", response.status()),
        ),
        other => Cause::new(CauseKind::Protocol, other.to_string()),
    }
}
