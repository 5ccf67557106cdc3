//! One client connection's context: who it is, the faults of its listener, its
//! entry in the server's liveness table, and the timers they set. A handler waits
//! on [`Conn::wake`] beside its reads and acts on what fired in its protocol's way.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use kaprobe::Protocol;
use kaprobe::units::tenths;

use super::clients::ClientPolicy;
use super::event::{EventSink, Happened, emit};
use super::fault::Faults;
use super::keeper::Keeper;
use super::options::ServeOptions;
use crate::liveness::Due;

/// What woke a handler.
#[derive(Debug, PartialEq, Eq)]
pub enum Wake {
    /// The client is silent past the ping interval: ping it.
    Ping,
    /// The client is silent past the timeout: close it.
    Expired(Duration),
    /// No traffic either way for the close-idle fault's time.
    CloseIdle(Duration),
    /// The blackhole-after fault's time has come, or the drop-idle fault's silence.
    Blackhole,
    /// The reset-after fault's time has come.
    Reset,
    /// The goaway-after fault's time has come.
    Goaway,
}

/// One connection's context.
#[derive(Debug)]
pub struct Conn {
    pub proto: Protocol,
    pub peer: SocketAddr,
    pub shutdown: CancellationToken,
    pub faults: Faults,
    pub opts: Arc<ServeOptions>,
    pub keeper: Option<Keeper>,
    events: EventSink,
    opened: Instant,
    activity: Activity,
    /// The one-shot fault timers that have fired.
    fired: Vec<Timer>,
}

/// The timers a connection waits on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Timer {
    Blackhole,
    Reset,
    Goaway,
    CloseIdle,
    DropIdle,
    Liveness,
}

/// A handle for noting traffic from callbacks (the HTTP/2 frame tap).
#[derive(Clone, Debug)]
pub struct Activity {
    opened: Instant,
    /// Last traffic either way, in ms since `opened`, for close-idle.
    last_ms: Arc<AtomicU64>,
    keeper: Option<Keeper>,
}

impl Activity {
    /// Something went either way.
    pub fn traffic(&self) {
        self.last_ms
            .fetch_max(self.opened.elapsed().as_millis() as u64, Ordering::Relaxed);
    }

    /// The client sent something: traffic, and a sign of life.
    pub fn heard(&self) {
        self.traffic();
        if let Some(k) = &self.keeper {
            k.seen();
        }
    }

    fn last(&self) -> Instant {
        self.opened + Duration::from_millis(self.last_ms.load(Ordering::Relaxed))
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        if let Some(k) = &self.keeper {
            k.forget();
        }
    }
}

impl Conn {
    pub(crate) fn new(
        proto: Protocol,
        peer: SocketAddr,
        opts: Arc<ServeOptions>,
        shutdown: CancellationToken,
        events: EventSink,
    ) -> Self {
        let faults = Faults::for_proto(&opts.faults, proto);
        let keeper = opts.client_policy.map(|p| Keeper::register(&opts, p));
        let now = Instant::now();
        let activity = Activity {
            opened: now,
            last_ms: Arc::new(AtomicU64::new(0)),
            keeper: keeper.clone(),
        };
        Conn {
            proto,
            peer,
            shutdown,
            faults,
            opts,
            keeper,
            events,
            opened: now,
            activity,
            fired: Vec::new(),
        }
    }

    /// Something went either way (close-idle counts both).
    pub fn traffic(&self) {
        self.activity.traffic();
    }

    /// The client sent something: traffic, and a sign of life.
    pub fn heard(&self) {
        self.activity.heard();
    }

    /// A handle for callbacks.
    pub fn activity(&self) -> Activity {
        self.activity.clone()
    }

    /// Logs a client event (idle, pinged, expired, fault).
    pub fn note(&self, event: &'static str, detail: String) {
        emit(
            &self.events,
            self.proto,
            self.peer,
            Happened::Note { event, detail },
        );
    }

    /// The client was pinged (logged with the silence that caused it).
    pub fn pinged(&self, how: &str) {
        if let Some(k) = &self.keeper {
            k.pinged();
        }
        self.note("pinged", how.to_string());
    }

    /// Waits for the next timer: liveness, then the faults. Cancel-safe: a
    /// handler calls it afresh on every turn of its loop.
    pub async fn wake(&mut self) -> Wake {
        loop {
            let f = self.faults;
            let once = |timer: Timer, after: Option<Duration>| {
                after
                    .filter(|_| !self.fired.contains(&timer))
                    .map(|d| (self.opened + d, timer))
            };
            let mut next: Vec<(Instant, Timer)> = [
                once(Timer::Blackhole, f.blackhole_after),
                once(Timer::Reset, f.reset_after),
                once(Timer::Goaway, f.goaway_after),
                f.close_idle
                    .map(|d| (self.activity.last() + d, Timer::CloseIdle)),
                f.drop_idle
                    .filter(|_| !self.fired.contains(&Timer::DropIdle))
                    .map(|d| (self.activity.last() + d, Timer::DropIdle)),
            ]
            .into_iter()
            .flatten()
            .collect();
            if let Some(k) = &self.keeper {
                match k.due() {
                    Some((Due::Wait(ms), _)) => next.push((k.at(ms), Timer::Liveness)),
                    Some(_) => next.push((Instant::now(), Timer::Liveness)),
                    None => {}
                }
            }
            let Some(&(at, timer)) = next.iter().min_by_key(|(at, _)| *at) else {
                return std::future::pending().await;
            };
            tokio::time::sleep_until(at).await;
            let once_fired = match timer {
                Timer::Blackhole => Wake::Blackhole,
                Timer::Reset => Wake::Reset,
                Timer::Goaway => Wake::Goaway,
                Timer::CloseIdle => {
                    // Traffic while asleep moved the deadline: look again.
                    let idle = f.close_idle.unwrap_or_default();
                    if self.activity.last() + idle <= Instant::now() {
                        return Wake::CloseIdle(idle);
                    }
                    continue;
                }
                Timer::DropIdle => {
                    let idle = f.drop_idle.unwrap_or_default();
                    if self.activity.last() + idle > Instant::now() {
                        continue;
                    }
                    Wake::Blackhole
                }
                Timer::Liveness => match self.keeper.as_ref().and_then(|k| k.due()) {
                    Some((Due::Ping, silent)) => {
                        self.note(
                            "idle",
                            format!("silent for {}", tenths(Duration::from_millis(silent))),
                        );
                        return Wake::Ping;
                    }
                    Some((Due::Expire, silent)) => {
                        return Wake::Expired(Duration::from_millis(silent));
                    }
                    _ => continue,
                },
            };
            self.fired.push(timer);
            return once_fired;
        }
    }

    /// Runs a write to the client within the client's liveness timeout and until
    /// shutdown: a client that stops reading holds its handler no longer than a
    /// silent one. `Err` carries why the connection ends (`None` at shutdown).
    pub async fn bounded<T>(
        &self,
        write: impl std::future::Future<Output = T>,
    ) -> Result<T, Option<kaprobe::cause::Cause>> {
        let expiry = async {
            loop {
                let Some((at, silent)) = self.keeper.as_ref().and_then(Keeper::expires_at) else {
                    return std::future::pending().await;
                };
                tokio::time::sleep_until(at).await;
                // Heard from while the write waited (HTTP/2 reads on its own): look again.
                if self
                    .keeper
                    .as_ref()
                    .and_then(Keeper::expires_at)
                    .map(|(a, _)| a)
                    == Some(at)
                {
                    return silent;
                }
            }
        };
        tokio::select! {
            biased;
            out = write => Ok(out),
            () = self.shutdown.cancelled() => Err(None),
            silent = expiry => Err(Some(self.expired_cause(silent))),
        }
    }

    /// Why an expired client was closed, for the log.
    pub fn expired_cause(&self, silent: Duration) -> kaprobe::cause::Cause {
        let policy = self.opts.client_policy.unwrap_or(ClientPolicy {
            timeout: silent,
            ping_interval: silent,
        });
        let detail = format!(
            "client timeout: silent for {} (timeout {}, pinged after {})",
            tenths(silent),
            humantime::format_duration(policy.timeout),
            humantime::format_duration(policy.ping_interval),
        );
        self.note("expired", detail.clone());
        kaprobe::cause::Cause::timeout(detail)
    }

    /// Why a close-idle fault closed the connection.
    pub fn close_idle_cause(&self, idle: Duration) -> kaprobe::cause::Cause {
        // The log line says "fault: close-idle ..."; the cause names the fault.
        let detail = format!(
            "close-idle: no traffic for {}",
            humantime::format_duration(idle)
        );
        self.note("fault", detail.clone());
        kaprobe::cause::Cause::timeout(format!("fault {detail}"))
    }

    /// Holds the connection without reading or writing until shutdown.
    pub async fn blackhole(&self) {
        let detail = match self.faults.drop_idle {
            Some(idle) if self.fired.contains(&Timer::DropIdle) => format!(
                "drop-idle {}: silent both ways, now dropped as a NAT would (no longer reading or writing)",
                humantime::format_duration(idle)
            ),
            _ => format!(
                "blackhole-after {}: no longer reading or writing",
                humantime::format_duration(self.faults.blackhole_after.unwrap_or_default())
            ),
        };
        self.note("fault", detail);
        self.shutdown.cancelled().await;
    }

    /// Why a reset-after fault ended the connection (the socket has SO_LINGER 0,
    /// so dropping it sends RST).
    pub fn reset_cause(&self) -> kaprobe::cause::Cause {
        let detail = format!(
            "reset-after {}: connection reset",
            humantime::format_duration(self.faults.reset_after.unwrap_or_default())
        );
        self.note("fault", detail.clone());
        kaprobe::cause::Cause::new(kaprobe::cause::CauseKind::Reset, format!("fault {detail}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::serve::fault::Fault;

    fn conn(policy: Option<ClientPolicy>, faults: Vec<(Option<Protocol>, Fault)>) -> Conn {
        let opts = Arc::new(ServeOptions {
            client_policy: policy,
            faults,
            ..ServeOptions::default()
        });
        let peer = SocketAddr::from(([127, 0, 0, 1], 1));
        Conn::new(Protocol::Tcp, peer, opts, CancellationToken::new(), None)
    }

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[tokio::test(start_paused = true)]
    async fn silent_clients_are_pinged_once_then_expire() {
        let policy = ClientPolicy {
            timeout: ms(1000),
            ping_interval: ms(300),
        };
        let mut c = conn(Some(policy), Vec::new());
        let t0 = Instant::now();
        assert_eq!(c.wake().await, Wake::Ping);
        assert_eq!(t0.elapsed(), ms(301), "strictly past the interval");
        c.pinged("test");
        // An answer at 500 ms re-arms the ping: next one 301 ms later.
        tokio::time::sleep_until(t0 + ms(500)).await;
        c.heard();
        assert_eq!(c.wake().await, Wake::Ping);
        assert_eq!(t0.elapsed(), ms(801));
        c.pinged("test");
        assert_eq!(c.wake().await, Wake::Expired(ms(1001)));
        assert_eq!(
            t0.elapsed(),
            ms(1501),
            "timeout counted from the last activity"
        );
        let opts = c.opts.clone();
        assert_eq!(opts.clients.len(), 1);
        drop(c);
        assert!(
            opts.clients.is_empty(),
            "a closed connection leaves the table"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_write_the_client_never_takes_ends_at_its_timeout() {
        let policy = ClientPolicy {
            timeout: ms(1000),
            ping_interval: ms(300),
        };
        let c = conn(Some(policy), Vec::new());
        let t0 = Instant::now();
        tokio::time::sleep(ms(400)).await;
        c.heard();
        let ending = c.bounded(std::future::pending::<()>()).await;
        let cause = ending
            .expect_err("the write never finishes")
            .expect("a cause");
        assert_eq!(
            t0.elapsed(),
            ms(1401),
            "strictly past the timeout after the last word"
        );
        assert!(cause.detail.contains("silent for 1.0s"), "{}", cause.detail);
        assert_eq!(c.bounded(async { 7 }).await.ok(), Some(7));
        c.shutdown.cancel();
        assert!(matches!(
            c.bounded(std::future::pending::<()>()).await,
            Err(None)
        ));
    }

    #[tokio::test(start_paused = true)]
    async fn drop_idle_counts_from_the_last_traffic_either_way() {
        let mut c = conn(None, vec![(None, Fault::DropIdle(ms(1000)))]);
        let t0 = Instant::now();
        tokio::time::sleep(ms(600)).await;
        c.traffic();
        assert_eq!(c.wake().await, Wake::Blackhole);
        assert_eq!(
            t0.elapsed(),
            ms(1600),
            "silent for 1 s after the traffic at 600 ms"
        );
        let fired = tokio::time::timeout(ms(10_000), c.wake()).await;
        assert!(fired.is_err(), "a dropped connection stays dropped");
    }

    #[tokio::test(start_paused = true)]
    async fn fault_timers_fire_once_and_traffic_defers_close_idle() {
        let faults = vec![
            (None, Fault::CloseIdle(ms(200))),
            (None, Fault::BlackholeAfter(ms(350))),
        ];
        let mut c = conn(None, faults);
        let t0 = Instant::now();
        tokio::time::sleep(ms(150)).await;
        c.traffic();
        assert_eq!(c.wake().await, Wake::Blackhole);
        assert_eq!(
            t0.elapsed(),
            ms(350),
            "traffic at 150 ms moved close-idle to 350 ms; the blackhole came first"
        );
        assert_eq!(c.wake().await, Wake::CloseIdle(ms(200)));
        assert_eq!(t0.elapsed(), ms(350));
        c.traffic();
        assert_eq!(
            c.wake().await,
            Wake::CloseIdle(ms(200)),
            "the blackhole does not fire twice"
        );
        assert_eq!(t0.elapsed(), ms(550));
    }
}
