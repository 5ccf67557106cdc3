//! A minimal tokio-tungstenite server for the cases kaserve will not play: one
//! that swallows pings, one that refuses the upgrade, one that records headers, a
//! hostile one whose close reason is made to attack a terminal.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::{HeaderValue, StatusCode};
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_util::sync::CancellationToken;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Behaviour {
    /// Echo messages; pings are answered as tungstenite does.
    Echo,
    /// Complete the upgrade, then never read again: no pongs, no replies.
    Swallow,
    /// Refuse the upgrade with this HTTP status.
    Refuse(u16),
    /// A hostile peer: after the first message, close with this code and reason.
    CloseWith(u16, &'static str),
    /// A hostile peer: answer every message with a text message of this many bytes.
    Reply(usize),
    /// A hostile peer: after the upgrade, stream unsolicited text frames (for at
    /// most 10 s), never reading: no pong, no reply, just a readable socket.
    Chatter,
    /// A hostile peer: echoes messages, and for the first 3 s after the upgrade
    /// sends Pings in batches of 1000, as fast as the socket takes them.
    PingFlood,
}

pub struct MiniWs {
    pub addr: SocketAddr,
    /// Request headers of every upgrade, lower-case names.
    pub headers: Arc<Mutex<Vec<(String, String)>>>,
    stop: CancellationToken,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl MiniWs {
    pub fn start(behaviour: Behaviour) -> Self {
        let (runtime, listener, addr) = super::loopback_listener();
        let headers = Arc::new(Mutex::new(Vec::new()));
        let stop = CancellationToken::new();
        let (seen, token) = (headers.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            runtime.block_on(async move {
                loop {
                    let stream = tokio::select! {
                        () = token.cancelled() => return,
                        accepted = listener.accept() => match accepted {
                            Ok((s, _)) => s,
                            Err(_) => continue,
                        },
                    };
                    let (seen, token) = (seen.clone(), token.clone());
                    tokio::spawn(async move {
                        // The callback's error type is tungstenite's, large or not.
                        #[allow(clippy::result_large_err)]
                        let callback = |req: &Request, mut resp: Response| {
                            let mut seen = seen.lock().unwrap();
                            for (name, value) in req.headers() {
                                let value = value.to_str().unwrap_or("").to_string();
                                seen.push((name.as_str().to_string(), value));
                            }
                            if let Behaviour::Refuse(status) = behaviour {
                                let mut err = ErrorResponse::new(Some("go away".into()));
                                *err.status_mut() = StatusCode::from_u16(status).unwrap();
                                return Err(err);
                            }
                            if let Some(sub) = req.headers().get("sec-websocket-protocol") {
                                let first =
                                    sub.to_str().unwrap_or("").split(',').next().unwrap_or("");
                                resp.headers_mut().insert(
                                    "sec-websocket-protocol",
                                    HeaderValue::from_str(first.trim()).unwrap(),
                                );
                            }
                            Ok(resp)
                        };
                        let Ok(mut ws) =
                            tokio_tungstenite::accept_hdr_async(stream, callback).await
                        else {
                            return;
                        };
                        match behaviour {
                            Behaviour::Swallow => token.cancelled().await,
                            Behaviour::Chatter => {
                                let until =
                                    std::time::Instant::now() + std::time::Duration::from_secs(10);
                                // Frames in batches: the client always finds
                                // another one ready.
                                while std::time::Instant::now() < until && !token.is_cancelled() {
                                    for _ in 0..1000 {
                                        if ws.feed(Message::Text("noise".into())).await.is_err() {
                                            return;
                                        }
                                    }
                                    if ws.flush().await.is_err() {
                                        return;
                                    }
                                }
                            }
                            Behaviour::PingFlood => {
                                use futures_util::FutureExt;
                                let until =
                                    std::time::Instant::now() + std::time::Duration::from_secs(3);
                                while std::time::Instant::now() < until && !token.is_cancelled() {
                                    for _ in 0..1000 {
                                        if ws.feed(Message::Ping(Vec::new().into())).await.is_err()
                                        {
                                            return;
                                        }
                                    }
                                    if ws.flush().await.is_err() {
                                        return;
                                    }
                                    // Echo what the client sent meanwhile.
                                    while let Some(Some(Ok(msg))) = ws.next().now_or_never() {
                                        if (msg.is_text() || msg.is_binary())
                                            && ws.send(msg).await.is_err()
                                        {
                                            return;
                                        }
                                    }
                                }
                                while let Some(Ok(msg)) = ws.next().await {
                                    if (msg.is_text() || msg.is_binary())
                                        && ws.send(msg).await.is_err()
                                    {
                                        return;
                                    }
                                }
                            }
                            Behaviour::CloseWith(code, reason) => {
                                let _ = ws.next().await;
                                let frame = CloseFrame {
                                    code: code.into(),
                                    reason: reason.into(),
                                };
                                let _ = ws.send(Message::Close(Some(frame))).await;
                                while let Some(Ok(_)) = ws.next().await {}
                            }
                            Behaviour::Reply(len) => {
                                while let Some(Ok(msg)) = ws.next().await {
                                    if msg.is_text() || msg.is_binary() {
                                        let big = Message::Text("x".repeat(len).into());
                                        if ws.send(big).await.is_err() {
                                            return;
                                        }
                                    }
                                }
                            }
                            _ => {
                                while let Some(Ok(msg)) = ws.next().await {
                                    if (msg.is_text() || msg.is_binary())
                                        && ws.send(msg).await.is_err()
                                    {
                                        return;
                                    }
                                }
                            }
                        }
                    });
                }
            });
        });
        MiniWs {
            addr,
            headers,
            stop,
            thread: Some(thread),
        }
    }

    pub fn url(&self) -> String {
        format!("ws://{}/", self.addr)
    }

    /// The value of a request header the server saw, if any.
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .lock()
            .unwrap()
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    }
}

impl Drop for MiniWs {
    fn drop(&mut self) {
        self.stop.cancel();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
