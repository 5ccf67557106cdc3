//! One gRPC client connection once HTTP/2 is up: what the frame tap observes
//! (client PINGs and their strikes, streams, a client's GOAWAY), the PINGs and
//! PING ACKs the responder sends, its idle and age GOAWAYs, the faults and the
//! client's liveness, and the calls it serves, until the connection ends.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use h2::server::{Connection, SendResponse};
use h2::{Reason, RecvStream};
use kaprobe::cause::{Cause, CauseKind};
use kaprobe::tls::Io;
use kawire::h2::{self as frames, Frame, Injector, Observer, Tap, goaway_frame};
use tokio::sync::{Notify, watch};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::ending::{goodbye, h2_server_cause};
use super::policy::GrpcPolicy;
use super::strikes::PingStrikes;
use crate::serve::conn::{Conn, Wake};
use crate::serve::options::ServeOptions;

/// What the frame tap saw, shared with the connection's loop.
#[derive(Debug)]
pub struct Observed {
    strikes: Mutex<PingStrikes>,
    /// Streams open now.
    active: AtomicUsize,
    /// The highest stream id the client opened.
    last_stream: AtomicU32,
    /// Set when a PING is one strike too many.
    violation: Notify,
    /// PING ACKs held back by the delay-pongs fault: payload and when each is due.
    delayed: Mutex<VecDeque<(Bytes, Instant)>>,
    pong_queued: Notify,
    /// A GOAWAY from the client (grpc-core says "ping_timeout" this way), to name
    /// it when the connection ends.
    client_goaway: Mutex<Option<(u32, Bytes)>>,
}

impl Observed {
    pub fn new(policy: GrpcPolicy) -> Arc<Self> {
        Arc::new(Observed {
            strikes: Mutex::new(PingStrikes::new(policy)),
            active: AtomicUsize::new(0),
            last_stream: AtomicU32::new(0),
            violation: Notify::new(),
            delayed: Mutex::default(),
            pong_queued: Notify::new(),
            client_goaway: Mutex::default(),
        })
    }

    /// The tap's observer of what the client sends.
    pub fn on_rx(self: &Arc<Self>, client: &Conn) -> Observer {
        let (seen, activity) = (self.clone(), client.activity());
        let delay_pongs = client.faults.delay_pongs;
        Box::new(move |f: &Frame| {
            activity.heard();
            match f.kind {
                frames::PING if !f.ack() => seen.client_ping(f, delay_pongs),
                frames::HEADERS => {
                    seen.last_stream.fetch_max(f.stream, Ordering::Relaxed);
                }
                frames::GOAWAY => {
                    if let Some((_, code, debug)) = f.goaway() {
                        *seen.client_goaway.lock().expect("goaway lock") = Some((code, debug));
                    }
                }
                _ => {}
            }
        })
    }

    /// The tap's observer of what the responder sends.
    pub fn on_tx(self: &Arc<Self>, client: &Conn) -> Observer {
        let (seen, activity) = (self.clone(), client.activity());
        Box::new(move |f: &Frame| {
            activity.traffic();
            if f.is(frames::HEADERS) || f.is(frames::DATA) {
                seen.strikes
                    .lock()
                    .expect("strikes lock")
                    .server_sent_data();
            }
        })
    }

    fn client_ping(&self, f: &Frame, delay_pongs: Option<Duration>) {
        let now = Instant::now();
        if let Some(delay) = delay_pongs {
            let mut queue = self.delayed.lock().expect("pong queue lock");
            queue.push_back((f.payload.clone(), now + delay));
            self.pong_queued.notify_one();
        }
        let open = self.active.load(Ordering::Relaxed);
        if self
            .strikes
            .lock()
            .expect("strikes lock")
            .on_ping(now, open)
        {
            self.violation.notify_one();
        }
    }

    /// When the first delayed PING ACK is due.
    fn pong_due(&self) -> Option<Instant> {
        let queue = self.delayed.lock().expect("pong queue lock");
        queue.front().map(|(_, at)| *at)
    }

    /// A connection that ended in EOF, reset or a protocol error after the client
    /// sent GOAWAY ended by that GOAWAY.
    pub fn name_client_goaway(&self, ending: Cause) -> Cause {
        let sent = self.client_goaway.lock().expect("goaway lock").take();
        match sent {
            Some((code, debug))
                if matches!(
                    ending.kind,
                    CauseKind::Eof | CauseKind::Protocol | CauseKind::Reset
                ) =>
            {
                Cause::new(
                    CauseKind::Goaway(code),
                    format!(
                        "the client sent GOAWAY: {}",
                        String::from_utf8_lossy(&debug)
                    ),
                )
            }
            _ => ending,
        }
    }
}

/// A served connection and everything its loop keeps.
pub struct Serving {
    pub conn: Connection<Tap<Box<dyn Io>>, Bytes>,
    pub client: Conn,
    pub seen: Arc<Observed>,
    pub injector: Injector,
    pub opts: Arc<ServeOptions>,
    pub opened: Instant,
}

/// The loop's own state.
struct Loop {
    shutdown: CancellationToken,
    policy: GrpcPolicy,
    pings: Option<h2::PingPong>,
    ping_outstanding: bool,
    active_tx: watch::Sender<usize>,
    active_rx: watch::Receiver<usize>,
    idle_since: Option<Instant>,
    age_at: Option<Instant>,
}

impl Serving {
    /// Serves until the connection ends (why) or shutdown (`None`).
    pub async fn run(mut self) -> Option<Cause> {
        let policy = self.opts.grpc.clone();
        let (active_tx, active_rx) = watch::channel(0usize);
        let mut l = Loop {
            shutdown: self.client.shutdown.clone(),
            age_at: policy.max_age.map(|age| self.opened + age),
            policy,
            pings: self.conn.ping_pong(),
            ping_outstanding: false,
            active_tx,
            active_rx,
            idle_since: Some(Instant::now()),
        };
        let far = kaprobe::units::far_future;
        loop {
            let idle_at = match (l.policy.max_idle, l.idle_since) {
                (Some(idle), Some(since)) => since + idle,
                _ => far(),
            };
            let pong_at = self.seen.pong_due();
            tokio::select! {
                () = l.shutdown.cancelled() => {
                    self.conn.graceful_shutdown();
                    self.close_within_a_second().await;
                    return None;
                }
                () = self.seen.violation.notified() => return Some(self.too_many_pings(&l.policy).await),
                wake = self.client.wake() => {
                    if let Some(ending) = self.on_wake(wake, &mut l).await {
                        return ending;
                    }
                }
                _ = std::future::poll_fn(|cx| match l.pings.as_mut() {
                    Some(pp) => pp.poll_pong(cx),
                    None => std::task::Poll::Pending,
                }), if l.ping_outstanding => l.ping_outstanding = false,
                () = self.seen.pong_queued.notified() => {}
                () = tokio::time::sleep_until(pong_at.unwrap_or_else(Instant::now)), if pong_at.is_some() => {
                    self.send_due_pong();
                }
                () = tokio::time::sleep_until(idle_at), if l.policy.max_idle.is_some() && l.idle_since.is_some() => {
                    return Some(self.goodbye("max_idle", None).await);
                }
                () = tokio::time::sleep_until(l.age_at.unwrap_or_else(far)), if l.age_at.is_some() => {
                    let grace = l.policy.age_grace;
                    return Some(self.goodbye("max_age", grace).await);
                }
                changed = l.active_rx.changed() => {
                    if changed.is_ok() {
                        l.idle_since = (*l.active_rx.borrow() == 0).then(Instant::now);
                    }
                }
                accepted = self.conn.accept() => match accepted {
                    None => return Some(Cause::eof()),
                    Some(Err(e)) => return Some(h2_server_cause(&e)),
                    Some(Ok((request, respond))) => self.spawn_call(request, respond, &l.active_tx),
                },
            }
        }
    }

    /// What a liveness or fault timer asks for; `Some` ends the connection
    /// (`Some(None)`: without a cause, as a blackhole does).
    async fn on_wake(&mut self, wake: Wake, l: &mut Loop) -> Option<Option<Cause>> {
        match wake {
            Wake::Ping => {
                if let Some(pp) = l.pings.as_mut().filter(|_| !l.ping_outstanding) {
                    l.ping_outstanding = pp.send_ping(h2::Ping::opaque()).is_ok();
                }
                self.client.pinged("HTTP/2 PING");
                None
            }
            Wake::Expired(silent) => Some(Some(self.client.expired_cause(silent))),
            Wake::CloseIdle(idle) => Some(Some(self.client.close_idle_cause(idle))),
            Wake::Blackhole => {
                self.client.blackhole().await;
                Some(None)
            }
            Wake::Reset => Some(Some(self.client.reset_cause())),
            Wake::Goaway => {
                let after = self.client.faults.goaway_after.unwrap_or_default();
                self.client.note(
                    "fault",
                    format!(
                        "goaway-after {}: graceful GOAWAY",
                        humantime::format_duration(after)
                    ),
                );
                let grace = Some(Duration::from_secs(1));
                Some(Some(self.goodbye("goaway_after", grace).await))
            }
        }
    }

    /// GOAWAY ENHANCE_YOUR_CALM with `too_many_pings`, as grpc-go sends it.
    async fn too_many_pings(&mut self, policy: &GrpcPolicy) -> Cause {
        let last = self.seen.last_stream.load(Ordering::Relaxed);
        self.injector
            .inject(goaway_frame(last, 0xb, b"too_many_pings"), true);
        self.conn.abrupt_shutdown(Reason::ENHANCE_YOUR_CALM);
        self.close_within_a_second().await;
        let pings = self.seen.strikes.lock().expect("strikes lock").pings();
        Cause::new(
            CauseKind::Goaway(0xb),
            format!(
                "too_many_pings: sent after {pings} pings (policy: {} between pings, {} strikes)",
                humantime::format_duration(policy.min_ping_interval),
                policy.max_ping_strikes
            ),
        )
    }

    async fn close_within_a_second(&mut self) {
        let closed = std::future::poll_fn(|cx| self.conn.poll_closed(cx));
        let _ = tokio::time::timeout(Duration::from_secs(1), closed).await;
    }

    async fn goodbye(&mut self, why: &str, grace: Option<Duration>) -> Cause {
        goodbye(&mut self.conn, &self.injector, &self.opts, why, grace).await
    }

    /// Puts the first delayed PING ACK on the wire (at the connection's next
    /// flush, which polling it brings).
    fn send_due_pong(&self) {
        let due = self
            .seen
            .delayed
            .lock()
            .expect("pong queue lock")
            .pop_front();
        if let Some((payload, _)) = due {
            self.injector
                .inject(frames::ping_ack_frame(&payload), false);
        }
    }

    /// Serves one call on a task of its own, counting it as an active stream.
    fn spawn_call(
        &self,
        request: http::Request<RecvStream>,
        respond: SendResponse<Bytes>,
        active_tx: &watch::Sender<usize>,
    ) {
        let open = self.seen.active.fetch_add(1, Ordering::Relaxed) + 1;
        active_tx.send_replace(open);
        let (opts, seen, active_tx) = (self.opts.clone(), self.seen.clone(), active_tx.clone());
        tokio::spawn(async move {
            super::health::unary(request, respond, &opts).await;
            let left = seen.active.fetch_sub(1, Ordering::Relaxed) - 1;
            active_tx.send_replace(left);
        });
    }
}
