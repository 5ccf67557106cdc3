//! The gRPC responder, on h2 directly: `grpc.health.v1.Health/Check` with a status
//! per service name, and the keepalive policy grpc-go and grpc-core servers enforce
//! (tonic does not): a minimum interval between client PINGs, stricter without
//! active streams unless permitted, a strike count, then GOAWAY ENHANCE_YOUR_CALM
//! with debug data `too_many_pings`; and max connection idle and age, each ending
//! in a graceful GOAWAY (`max_idle`, `max_age`) with a grace period. With a client
//! policy it PINGs silent clients and closes those that stay silent; faults drop
//! or delay its PING ACKs, send GOAWAY on a timer, close idle connections, go quiet
//! or reset.

use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::{BufMut, Bytes, BytesMut};
use h2::server::SendResponse;
use h2::{Reason, RecvStream};
use prost::Message;
use tokio::net::TcpStream;
use tokio::sync::{Notify, watch};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::{HealthCheckRequest, HealthCheckResponse};

use super::ServeOptions;
use super::conn::{Conn, Wake};
use kaprobe::cause::{Cause, CauseKind};
use kaprobe::tls::Io;
use kawire::h2::{self as frames, Frame, Tap, goaway_frame};

const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// grpc-go and grpc-core: without active streams, pings closer than this strike.
const PING_WITHOUT_STREAMS: Duration = Duration::from_secs(2 * 60 * 60);
const MAX_REQUEST: usize = 64 * 1024;

/// The keepalive policy a server enforces on its clients.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GrpcPolicy {
    /// Client PINGs closer together than this earn a strike (grpc-go `MinTime`).
    pub min_ping_interval: Duration,
    /// Whether PINGs without active streams are held to `min_ping_interval` rather
    /// than to two hours (grpc-go `PermitWithoutStream`).
    pub permit_without_stream: bool,
    /// Strikes allowed; one more ends the connection (grpc-go and grpc-core: 2).
    pub max_ping_strikes: u32,
    /// GOAWAY after this long without active streams.
    pub max_idle: Option<Duration>,
    /// GOAWAY after this long, whatever is happening.
    pub max_age: Option<Duration>,
    /// After the age GOAWAY, how long streams may finish before the connection closes.
    pub age_grace: Option<Duration>,
}

impl Default for GrpcPolicy {
    fn default() -> Self {
        GrpcPolicy {
            min_ping_interval: Duration::from_secs(5 * 60),
            permit_without_stream: false,
            max_ping_strikes: 2,
            max_idle: None,
            max_age: None,
            age_grace: None,
        }
    }
}

/// Health status per service name; `""` is the server as a whole.
#[derive(Clone, Debug)]
pub struct HealthTable(BTreeMap<String, ServingStatus>);

impl Default for HealthTable {
    fn default() -> Self {
        HealthTable(BTreeMap::from([(String::new(), ServingStatus::Serving)]))
    }
}

impl HealthTable {
    pub fn set(&mut self, service: &str, status: ServingStatus) {
        self.0.insert(service.to_string(), status);
    }

    pub fn get(&self, service: &str) -> Option<ServingStatus> {
        self.0.get(service).copied()
    }
}

/// Counts strikes as grpc-go's `handlePing` does.
#[derive(Debug)]
pub struct PingStrikes {
    policy: GrpcPolicy,
    last: Option<Instant>,
    strikes: u32,
    /// Set when the server sends HEADERS or DATA: the next PING is forgiven.
    reset: bool,
    pings: u64,
}

impl PingStrikes {
    pub fn new(policy: GrpcPolicy) -> Self {
        PingStrikes {
            policy,
            last: None,
            strikes: 0,
            reset: false,
            pings: 0,
        }
    }

    /// The server sent data or headers.
    pub fn server_sent_data(&mut self) {
        self.reset = true;
    }

    /// A client PING arrived at `now` with `active` streams open; `true` when it
    /// is one strike too many.
    pub fn on_ping(&mut self, now: Instant, active: usize) -> bool {
        self.pings += 1;
        let last = self.last.replace(now);
        if std::mem::take(&mut self.reset) {
            self.strikes = 0;
            return false;
        }
        let allowed = if active == 0 && !self.policy.permit_without_stream {
            PING_WITHOUT_STREAMS
        } else {
            self.policy.min_ping_interval
        };
        if last.is_some_and(|last| now < last + allowed) {
            self.strikes += 1;
        }
        self.strikes > self.policy.max_ping_strikes
    }

    pub fn pings(&self) -> u64 {
        self.pings
    }
}

/// Serves one client connection until it ends (why) or shutdown (`None`).
pub async fn handle(stream: TcpStream, mut client: Conn) -> Option<Cause> {
    let opts = client.opts.clone();
    let shutdown: CancellationToken = client.shutdown.clone();
    let io: Box<dyn Io> = match &opts.tls {
        None => Box::new(stream),
        Some(config) => {
            let accept = tokio_rustls::TlsAcceptor::from(config.clone()).accept(stream);
            match tokio::time::timeout(HANDSHAKE_TIMEOUT, accept).await {
                Ok(Ok(tls)) => Box::new(tls),
                Ok(Err(e)) => return Some(kaprobe::tls::server_handshake_cause(&e)),
                Err(_) => return Some(Cause::timeout("TLS handshake not finished in time")),
            }
        }
    };
    let policy = opts.grpc.clone();
    let strikes = Arc::new(Mutex::new(PingStrikes::new(policy.clone())));
    let active = Arc::new(AtomicUsize::new(0));
    let last_stream = Arc::new(AtomicU32::new(0));
    let violation = Arc::new(Notify::new());
    // PING ACKs held back by the delay-pongs fault: payload and when each is due.
    let delayed: Arc<Mutex<VecDeque<(Bytes, Instant)>>> = Arc::default();
    let pong_queued = Arc::new(Notify::new());
    let delay_pongs = client.faults.delay_pongs;
    // A GOAWAY from the client (grpc-core says "ping_timeout" this way), to name it
    // when the connection ends.
    let client_goaway: Arc<Mutex<Option<(u32, Bytes)>>> = Arc::default();
    let on_rx = {
        let client_goaway = client_goaway.clone();
        let (strikes, active, last_stream, violation) = (
            strikes.clone(),
            active.clone(),
            last_stream.clone(),
            violation.clone(),
        );
        let (activity, delayed, pong_queued) =
            (client.activity(), delayed.clone(), pong_queued.clone());
        Box::new(move |f: &Frame| match f.kind {
            frames::PING if !f.ack() => {
                activity.heard();
                let now = Instant::now();
                if let Some(delay) = delay_pongs {
                    let mut queue = delayed.lock().expect("pong queue lock");
                    queue.push_back((f.payload.clone(), now + delay));
                    pong_queued.notify_one();
                }
                let open = active.load(Ordering::Relaxed);
                if strikes.lock().expect("strikes lock").on_ping(now, open) {
                    violation.notify_one();
                }
            }
            frames::HEADERS => {
                activity.heard();
                last_stream.fetch_max(f.stream, Ordering::Relaxed);
            }
            frames::GOAWAY => {
                activity.heard();
                if let Some((_, code, debug)) = f.goaway() {
                    *client_goaway.lock().expect("goaway lock") = Some((code, debug));
                }
            }
            _ => activity.heard(),
        })
    };
    let on_tx = {
        let strikes = strikes.clone();
        let activity = client.activity();
        Box::new(move |f: &Frame| {
            activity.traffic();
            if f.is(frames::HEADERS) || f.is(frames::DATA) {
                strikes.lock().expect("strikes lock").server_sent_data();
            }
        })
    };
    let tap = Tap::new(io, true, on_rx, on_tx);
    let tap = if client.faults.holds_pongs() {
        tap.dropping_ping_acks()
    } else {
        tap
    };
    let injector = tap.injector();
    let opened = Instant::now();
    let mut conn = tokio::select! {
        () = shutdown.cancelled() => return None,
        done = tokio::time::timeout(HANDSHAKE_TIMEOUT, h2::server::handshake(tap)) => match done {
            Ok(Ok(conn)) => conn,
            Ok(Err(e)) => return Some(h2_server_cause(&e)),
            Err(_) => return Some(Cause::timeout("HTTP/2 handshake not finished in time")),
        },
    };

    let mut pings = conn.ping_pong();
    let mut ping_outstanding = false;
    let (active_tx, mut active_rx) = watch::channel(0usize);
    let mut idle_since = Some(Instant::now());
    let age_at = policy.max_age.map(|age| opened + age);
    let far = kaprobe::units::far_future;
    let ending: Cause = loop {
        let idle_at = match (policy.max_idle, idle_since) {
            (Some(idle), Some(since)) => since + idle,
            _ => far(),
        };
        let pong_at = delayed
            .lock()
            .expect("pong queue lock")
            .front()
            .map(|(_, at)| *at);
        tokio::select! {
            () = shutdown.cancelled() => {
                conn.graceful_shutdown();
                let _ = tokio::time::timeout(Duration::from_secs(1), std::future::poll_fn(|cx| conn.poll_closed(cx))).await;
                return None;
            }
            () = violation.notified() => {
                let last = last_stream.load(Ordering::Relaxed);
                injector.inject(goaway_frame(last, 0xb, b"too_many_pings"), true);
                conn.abrupt_shutdown(Reason::ENHANCE_YOUR_CALM);
                let _ = tokio::time::timeout(Duration::from_secs(1), std::future::poll_fn(|cx| conn.poll_closed(cx))).await;
                let pings = strikes.lock().expect("strikes lock").pings();
                break Cause::new(
                    CauseKind::Goaway(0xb),
                    format!("too_many_pings: sent after {pings} pings (policy: {} between pings, {} strikes)",
                        humantime::format_duration(policy.min_ping_interval), policy.max_ping_strikes),
                );
            }
            wake = client.wake() => match wake {
                Wake::Ping => {
                    if let Some(pp) = pings.as_mut().filter(|_| !ping_outstanding) {
                        ping_outstanding = pp.send_ping(h2::Ping::opaque()).is_ok();
                    }
                    client.pinged("HTTP/2 PING");
                }
                Wake::Expired(silent) => break client.expired_cause(silent),
                Wake::CloseIdle(idle) => break client.close_idle_cause(idle),
                Wake::Blackhole => {
                    client.blackhole().await;
                    return None;
                }
                Wake::Reset => break client.reset_cause(),
                Wake::Goaway => {
                    client.note("fault", format!(
                        "goaway-after {}: graceful GOAWAY",
                        humantime::format_duration(client.faults.goaway_after.unwrap_or_default())
                    ));
                    break goodbye(&mut conn, &injector, &opts, "goaway_after", Some(Duration::from_secs(1))).await;
                }
            },
            _ = std::future::poll_fn(|cx| match pings.as_mut() {
                Some(pp) => pp.poll_pong(cx),
                None => std::task::Poll::Pending,
            }), if ping_outstanding => {
                ping_outstanding = false;
            }
            () = pong_queued.notified() => {}
            () = tokio::time::sleep_until(pong_at.unwrap_or_else(Instant::now)), if pong_at.is_some() => {
                let due = delayed.lock().expect("pong queue lock").pop_front();
                if let Some((payload, _)) = due {
                    // Written at the connection's next flush, which polling it brings.
                    injector.inject(frames::ping_ack_frame(&payload), false);
                }
            }
            () = tokio::time::sleep_until(idle_at), if policy.max_idle.is_some() && idle_since.is_some() => {
                break goodbye(&mut conn, &injector, &opts, "max_idle", None).await;
            }
            () = tokio::time::sleep_until(age_at.unwrap_or_else(far)), if age_at.is_some() => {
                break goodbye(&mut conn, &injector, &opts, "max_age", policy.age_grace).await;
            }
            changed = active_rx.changed() => {
                if changed.is_ok() {
                    idle_since = (*active_rx.borrow() == 0).then(Instant::now);
                }
            }
            accepted = conn.accept() => match accepted {
                None => break Cause::eof(),
                Some(Err(e)) => break h2_server_cause(&e),
                Some(Ok((request, respond))) => {
                    let open = active.fetch_add(1, Ordering::Relaxed) + 1;
                    active_tx.send_replace(open);
                    let (opts, active, active_tx) = (opts.clone(), active.clone(), active_tx.clone());
                    tokio::spawn(async move {
                        unary(request, respond, &opts).await;
                        let left = active.fetch_sub(1, Ordering::Relaxed) - 1;
                        active_tx.send_replace(left);
                    });
                }
            },
        }
    };
    if let Some((code, debug)) = client_goaway.lock().expect("goaway lock").take() {
        if matches!(
            ending.kind,
            CauseKind::Eof | CauseKind::Protocol | CauseKind::Reset
        ) {
            return Some(Cause::new(
                CauseKind::Goaway(code),
                format!(
                    "the client sent GOAWAY: {}",
                    String::from_utf8_lossy(&debug)
                ),
            ));
        }
    }
    Some(ending)
}

/// A graceful GOAWAY carrying `why`, then serves the calls still allowed (those
/// in flight, and any the client started before it saw the GOAWAY) until the
/// connection closes, or `grace` (if given) runs out.
async fn goodbye(
    conn: &mut h2::server::Connection<Tap<Box<dyn Io>>, Bytes>,
    injector: &frames::Injector,
    opts: &Arc<ServeOptions>,
    why: &str,
    grace: Option<Duration>,
) -> Cause {
    injector.inject(goaway_frame(0x7fff_ffff, 0, why.as_bytes()), false);
    conn.graceful_shutdown();
    let serving = async {
        while let Some(Ok((request, respond))) = conn.accept().await {
            let opts = opts.clone();
            tokio::spawn(async move { unary(request, respond, &opts).await });
        }
    };
    match grace {
        Some(grace) => {
            let _ = tokio::time::timeout(grace, serving).await;
        }
        None => serving.await,
    }
    Cause::new(CauseKind::Goaway(0), format!("graceful close: {why}"))
}

fn h2_server_cause(err: &h2::Error) -> Cause {
    match err.get_io() {
        Some(io) => kaprobe::tls::io_cause(io, kaprobe::tls::Side::Server)
            .unwrap_or_else(|| Cause::from_io(io)),
        None => Cause::new(CauseKind::Protocol, err.to_string()),
    }
}

/// Answers one unary call: the health Check, or UNIMPLEMENTED.
async fn unary(
    request: http::Request<RecvStream>,
    mut respond: SendResponse<Bytes>,
    opts: &ServeOptions,
) {
    if request.uri().path() != "/grpc.health.v1.Health/Check" {
        trailers_only(&mut respond, 12, "unknown method");
        return;
    }
    let mut body = request.into_body();
    let mut buf = BytesMut::new();
    while let Some(chunk) = body.data().await {
        let Ok(chunk) = chunk else { return };
        let _ = body.flow_control().release_capacity(chunk.len());
        buf.extend_from_slice(&chunk);
        if buf.len() > MAX_REQUEST {
            trailers_only(&mut respond, 8, "request too large");
            return;
        }
    }
    let Some(message) = grpc_message(&buf) else {
        trailers_only(&mut respond, 13, "malformed request");
        return;
    };
    let Ok(check) = HealthCheckRequest::decode(message) else {
        trailers_only(&mut respond, 13, "malformed HealthCheckRequest");
        return;
    };
    let health = opts.health.read().expect("health lock").get(&check.service);
    let Some(status) = health else {
        trailers_only(&mut respond, 5, "unknown service");
        return;
    };
    let reply = HealthCheckResponse {
        status: status as i32,
    };
    let mut framed = BytesMut::with_capacity(5 + reply.encoded_len());
    framed.put_u8(0);
    framed.put_u32(reply.encoded_len() as u32);
    reply.encode(&mut framed).expect("a BytesMut grows");
    let head = http::Response::builder()
        .header("content-type", "application/grpc")
        .body(())
        .expect("static response");
    let Ok(mut stream) = respond.send_response(head, false) else {
        return;
    };
    let _ = stream.send_data(framed.freeze(), false);
    let mut trailers = http::HeaderMap::new();
    trailers.insert("grpc-status", http::HeaderValue::from_static("0"));
    let _ = stream.send_trailers(trailers);
}

/// The one message of a unary request: no compression, length-prefixed.
fn grpc_message(buf: &[u8]) -> Option<&[u8]> {
    let (&flag, rest) = buf.split_first()?;
    if flag != 0 || rest.len() < 4 {
        return None;
    }
    let len = u32::from_be_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
    rest.get(4..4 + len)
}

/// A response with no body: status and message in the headers (gRPC's
/// "Trailers-Only").
fn trailers_only(respond: &mut SendResponse<Bytes>, code: u8, message: &str) {
    let response = http::Response::builder()
        .header("content-type", "application/grpc")
        .header("grpc-status", code.to_string())
        .header("grpc-message", message)
        .body(())
        .expect("static response");
    let _ = respond.send_response(response, true);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(min: u64, permit: bool) -> GrpcPolicy {
        GrpcPolicy {
            min_ping_interval: Duration::from_secs(min),
            permit_without_stream: permit,
            ..GrpcPolicy::default()
        }
    }

    #[tokio::test(start_paused = true)]
    async fn pings_too_close_strike_out_on_the_third_strike() {
        let mut s = PingStrikes::new(policy(10, true));
        let t0 = Instant::now();
        let at = |secs: u64| t0 + Duration::from_secs(secs);
        assert!(!s.on_ping(at(0), 1), "the first ping is free");
        assert!(!s.on_ping(at(20), 1), "far enough apart");
        assert!(!s.on_ping(at(21), 1), "strike 1");
        assert!(!s.on_ping(at(22), 1), "strike 2");
        assert!(s.on_ping(at(23), 1), "strike 3 is one too many");
    }

    #[tokio::test(start_paused = true)]
    async fn data_from_the_server_forgives() {
        let mut s = PingStrikes::new(policy(10, true));
        let t0 = Instant::now();
        let at = |secs: u64| t0 + Duration::from_secs(secs);
        s.on_ping(at(0), 1);
        s.on_ping(at(1), 1);
        s.on_ping(at(2), 1);
        s.server_sent_data();
        assert!(!s.on_ping(at(3), 1), "reset, not a strike");
        assert!(!s.on_ping(at(4), 1));
        assert!(!s.on_ping(at(5), 1));
        assert!(s.on_ping(at(6), 1));
    }

    #[tokio::test(start_paused = true)]
    async fn without_streams_two_hours_apply_unless_permitted() {
        let t0 = Instant::now();
        let at = |secs: u64| t0 + Duration::from_secs(secs);
        let mut strict = PingStrikes::new(policy(10, false));
        strict.on_ping(at(0), 0);
        strict.on_ping(at(60), 0);
        strict.on_ping(at(120), 0);
        assert!(
            strict.on_ping(at(180), 0),
            "a minute apart is too often idle"
        );
        let mut lenient = PingStrikes::new(policy(10, true));
        for i in 0..10 {
            assert!(!lenient.on_ping(at(60 * i), 0));
        }
    }

    #[test]
    fn grpc_framing() {
        assert_eq!(grpc_message(&[0, 0, 0, 0, 2, 10, 0]), Some(&[10, 0][..]));
        assert_eq!(grpc_message(&[1, 0, 0, 0, 0]), None, "compressed");
        assert_eq!(grpc_message(&[0, 0, 0, 0, 5, 1]), None, "short");
        assert_eq!(grpc_message(&[]), None);
    }
}
