//! The HTTP responder (hyper's server connections): every path answers `200 OK`
//! unless `--path-status` names another status, HTTP/1.1 or HTTP/2 (by ALPN on TLS,
//! by the client's preface on plain TCP). Its keep-alive policy is nginx's:
//! `keepalive_timeout` (close a kept-alive connection idle this long: HTTP/1.1 with
//! a FIN, HTTP/2 with a GOAWAY), `keepalive_requests` (`Connection: close` on the
//! last response; a GOAWAY after it on HTTP/2), optionally announced in a `Keep-Alive` header. The faults that
//! apply: close-idle, drop-idle, blackhole-after, reset-after, delay-pongs (every
//! response that late).

pub(super) mod policy;
mod prefixed;

pub use policy::HttpPolicy;

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::server::conn::{http1, http2};
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;
use tokio::time::Instant;

use super::conn::{Activity, Conn, Wake};
use super::options::HANDSHAKE_TIMEOUT;
use kaprobe::cause::{Cause, CauseKind};
use kaprobe::tls::Io;

/// How long a connection closing on its own (idle, last request) may take to finish.
const CLOSE_GRACE: Duration = Duration::from_secs(1);

/// The HTTP/2 connection preface a client opens with (RFC 9113 3.4).
const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// What a connection's requests and its handler share.
#[derive(Debug, Default)]
struct State {
    in_flight: AtomicUsize,
    requests: AtomicU64,
    /// A response was handed to hyper.
    answered: tokio::sync::Notify,
    /// When the last response was handed to hyper, in ms since the connection opened.
    idle_from_ms: AtomicU64,
}

/// Serves one client until it leaves (returns why) or shutdown (returns `None`).
pub async fn handle(stream: TcpStream, conn: Conn) -> Option<Cause> {
    let opened = Instant::now();
    let (io, h2) = tokio::select! {
        () = conn.shutdown.cancelled() => return None,
        done = tokio::time::timeout(HANDSHAKE_TIMEOUT, accept(stream, &conn)) => match done {
            Ok(Ok(pair)) => pair,
            Ok(Err(cause)) => return Some(cause),
            Err(_) => return Some(Cause::timeout("no request in time")),
        },
    };
    let state = Arc::new(State::default());
    let policy = conn.opts.http.clone();
    let service = {
        let state = state.clone();
        let activity = conn.activity();
        let delay = conn.faults.delay_pongs;
        let policy = policy.clone();
        service_fn(move |req| {
            let state = state.clone();
            let activity = activity.clone();
            let policy = policy.clone();
            async move {
                Ok::<_, Infallible>(respond(req, &policy, &state, &activity, delay, opened).await)
            }
        })
    };
    let io = TokioIo::new(io);
    let served: Pin<Box<dyn Served>> = if h2 {
        let mut builder = http2::Builder::new(TokioExecutor::new());
        builder.timer(TokioTimer::new()).max_concurrent_streams(100);
        Box::pin(builder.serve_connection(io, service))
    } else {
        let mut builder = http1::Builder::new();
        builder
            .timer(TokioTimer::new())
            .header_read_timeout(HANDSHAKE_TIMEOUT)
            .max_buf_size(kaprobe::proto::http::MAX_HEAD);
        Box::pin(builder.serve_connection(io, service))
    };
    Serving {
        served,
        conn,
        state,
        policy,
        opened,
        h2,
    }
    .run()
    .await
}

/// TLS if configured; HTTP/2 when ALPN chose it or the client opens with its preface.
async fn accept(stream: TcpStream, conn: &Conn) -> Result<(Box<dyn Io>, bool), Cause> {
    match &conn.opts.tls {
        Some(config) => {
            let tls = tokio_rustls::TlsAcceptor::from(config.clone())
                .accept(stream)
                .await
                .map_err(|e| kaprobe::tls::server_handshake_cause(&e))?;
            let h2 = tls.get_ref().1.alpn_protocol() == Some(b"h2");
            Ok((Box::new(tls), h2))
        }
        None => {
            // Read (not peek) the first bytes: a client that sends part of
            // the preface and leaves is an end of file, not a readable socket
            // polled until the header timeout.
            let mut stream = stream;
            let mut buf = [0u8; 24];
            let mut n = 0;
            let h2 = loop {
                let got = stream
                    .read(&mut buf[n..])
                    .await
                    .map_err(|e| Cause::from_io(&e))?;
                if got == 0 {
                    return Err(Cause::eof());
                }
                n += got;
                if !PREFACE.starts_with(&buf[..n]) {
                    break false;
                }
                if n == PREFACE.len() {
                    break true;
                }
            };
            Ok((
                Box::new(prefixed::Prefixed::new(buf[..n].to_vec(), stream)),
                h2,
            ))
        }
    }
}

/// One response: the path's status, `Keep-Alive` and `Connection: close` by the
/// policy, each the delay fault's time late.
async fn respond(
    req: hyper::Request<Incoming>,
    policy: &HttpPolicy,
    state: &State,
    activity: &Activity,
    delay: Option<Duration>,
    opened: Instant,
) -> hyper::Response<Full<Bytes>> {
    state.in_flight.fetch_add(1, Ordering::Relaxed);
    activity.heard();
    let n = state.requests.fetch_add(1, Ordering::Relaxed) + 1;
    if let Some(delay) = delay {
        tokio::time::sleep(delay).await;
    }
    let status = policy.status(req.uri().path());
    let reason = http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("");
    let mut response = hyper::Response::new(Full::new(Bytes::from(format!("{status} {reason}\n"))));
    *response.status_mut() = http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::OK);
    let headers = response.headers_mut();
    headers.insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("text/plain"),
    );
    let h1 = req.version() < http::Version::HTTP_2;
    let last = policy.max_requests.is_some_and(|max| n >= max);
    if h1 && last {
        headers.insert(
            http::header::CONNECTION,
            http::HeaderValue::from_static("close"),
        );
    } else if h1 && policy.announce {
        let mut ka = Vec::new();
        if let Some(t) = policy.keepalive_timeout {
            ka.push(format!("timeout={}", t.as_secs()));
        }
        if let Some(max) = policy.max_requests {
            ka.push(format!("max={}", max - n));
        }
        if let Ok(value) = http::HeaderValue::from_str(&ka.join(", ")) {
            if !ka.is_empty() {
                headers.insert("keep-alive", value);
            }
        }
    }
    activity.traffic();
    state
        .idle_from_ms
        .store(opened.elapsed().as_millis() as u64, Ordering::Relaxed);
    state.in_flight.fetch_sub(1, Ordering::Relaxed);
    state.answered.notify_one();
    response
}

/// A hyper server connection of either version.
trait Served: Future<Output = hyper::Result<()>> + Send {
    fn shutdown(self: Pin<&mut Self>);
}

impl<S> Served for http1::Connection<TokioIo<Box<dyn Io>>, S>
where
    S: hyper::service::HttpService<Incoming, ResBody = Full<Bytes>> + Send,
    S::Future: Send,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    fn shutdown(self: Pin<&mut Self>) {
        self.graceful_shutdown();
    }
}

impl<S> Served for http2::Connection<TokioIo<Box<dyn Io>>, S, TokioExecutor>
where
    S: hyper::service::HttpService<Incoming, ResBody = Full<Bytes>> + Send,
    S::Future: Send + 'static,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    fn shutdown(self: Pin<&mut Self>) {
        self.graceful_shutdown();
    }
}

struct Serving {
    served: Pin<Box<dyn Served>>,
    conn: Conn,
    state: Arc<State>,
    policy: HttpPolicy,
    opened: Instant,
    h2: bool,
}

impl Serving {
    async fn run(mut self) -> Option<Cause> {
        let shutdown = self.conn.shutdown.clone();
        loop {
            let idle_at = self.idle_deadline();
            tokio::select! {
                () = shutdown.cancelled() => {
                    self.close(None).await;
                    return None;
                }
                done = &mut self.served => return Some(ended(done, self.requests(), self.policy.max_requests)),
                // HTTP/2 has no Connection: close; the request cap is a GOAWAY once
                // the last request is answered, as nginx's keepalive_requests.
                () = self.state.answered.notified(), if self.h2 => {
                    let n = self.requests();
                    if self.policy.max_requests.is_some_and(|max| n >= max)
                        && self.state.in_flight.load(Ordering::Relaxed) == 0
                    {
                        let detail = format!("keepalive_requests {n}: GOAWAY");
                        self.conn.note("idle", detail.clone());
                        self.close(Some(CLOSE_GRACE)).await;
                        return Some(Cause::new(CauseKind::Eof, detail));
                    }
                }
                () = sleep_until_opt(idle_at) => {
                    // A request since the timer was set moved the deadline: look again.
                    if self.idle_deadline() == idle_at {
                        let timeout = self.policy.keepalive_timeout.unwrap_or_default();
                        let n = self.requests();
                        let detail = format!(
                            "keepalive_timeout {}: idle, closed after {n} {}",
                            humantime::format_duration(timeout),
                            if n == 1 { "request" } else { "requests" }
                        );
                        self.conn.note("idle", detail.clone());
                        self.close(Some(CLOSE_GRACE)).await;
                        return Some(Cause::new(CauseKind::Timeout, detail));
                    }
                }
                wake = self.conn.wake() => match wake {
                    Wake::CloseIdle(idle) => return Some(self.conn.close_idle_cause(idle)),
                    Wake::Blackhole => {
                        // The connection is not polled again: nothing is read or written.
                        self.conn.blackhole().await;
                        return None;
                    }
                    Wake::Reset => return Some(self.conn.reset_cause()),
                    Wake::Expired(silent) => return Some(self.conn.expired_cause(silent)),
                    // HTTP has no ping of its own to send a silent client.
                    Wake::Ping | Wake::Goaway => {}
                },
            }
        }
    }

    fn requests(&self) -> u64 {
        self.state.requests.load(Ordering::Relaxed)
    }

    /// When the keep-alive timeout closes the connection if nothing comes.
    fn idle_deadline(&self) -> Option<Instant> {
        let timeout = self.policy.keepalive_timeout?;
        if self.state.in_flight.load(Ordering::Relaxed) > 0 {
            return None;
        }
        let from = Duration::from_millis(self.state.idle_from_ms.load(Ordering::Relaxed));
        Some(self.opened + from + timeout)
    }

    /// Asks hyper to finish (HTTP/1.1: close once idle; HTTP/2: GOAWAY) and waits
    /// up to `grace` (the shutdown grace when `None`).
    async fn close(&mut self, grace: Option<Duration>) {
        self.served.as_mut().shutdown();
        let grace = grace.unwrap_or(super::options::SHUTDOWN_GRACE);
        let _ = tokio::time::timeout(grace, &mut self.served).await;
    }
}

async fn sleep_until_opt(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// Why a connection hyper finished with ended.
fn ended(done: hyper::Result<()>, requests: u64, max: Option<u64>) -> Cause {
    let plural = if requests == 1 { "request" } else { "requests" };
    match done {
        Ok(()) if max.is_some_and(|max| requests >= max) => Cause::new(
            CauseKind::Eof,
            format!("keepalive_requests {requests}: closed with Connection: close"),
        ),
        Ok(()) => Cause::new(
            CauseKind::Eof,
            format!("the client closed the connection after {requests} {plural}"),
        ),
        Err(e) => {
            let mut source = std::error::Error::source(&e);
            while let Some(err) = source {
                if let Some(io) = err.downcast_ref::<std::io::Error>() {
                    return kaprobe::tls::io_cause(io, kaprobe::tls::Side::Server)
                        .unwrap_or_else(|| Cause::from_io(io));
                }
                source = err.source();
            }
            if e.is_timeout() {
                return Cause::timeout("the request head did not arrive in time");
            }
            Cause::new(CauseKind::Protocol, e.to_string())
        }
    }
}

impl std::fmt::Debug for Serving {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Serving").field("conn", &self.conn).finish()
    }
}
