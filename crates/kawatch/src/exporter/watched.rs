//! One watcher's record: what its watch driver's events add up to, kept in
//! metrics that only go up (so two Prometheus servers of an HA pair can scrape
//! one watcher without disturbing it), exposed per scrape as `probe_watch_*`.

use std::sync::Mutex;
use std::time::Instant;

use kaprobe::CauseKind;
use kaprobe::event::{TargetEvent, What};
use kaprobe::watch::State;
use kaprobe::watch::Why;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use super::gauge;

type Labels = Vec<(String, String)>;

/// What a watcher has seen.
pub struct Seen {
    keepalives: Counter,
    timeouts: Counter,
    rtt: Histogram,
    disconnects: Family<Labels, Counter>,
    server_pings: Family<Labels, Counter>,
    /// When the current connection came up.
    up_since: Mutex<Option<Instant>>,
    last_close_code: Mutex<Option<u32>>,
}

impl Default for Seen {
    fn default() -> Self {
        Seen {
            keepalives: Counter::default(),
            timeouts: Counter::default(),
            // 50 µs to about 13 s, as kawatch --metrics.
            rtt: Histogram::new(exponential_buckets(0.000_05, 2.0, 19)),
            disconnects: Family::default(),
            server_pings: Family::default(),
            up_since: Mutex::new(None),
            last_close_code: Mutex::new(None),
        }
    }
}

/// A cause's kind without its number: the closed set labels key on.
fn cause_word(kind: CauseKind) -> String {
    let word = kind.to_string();
    word.split(' ').next().unwrap_or("io").to_string()
}

impl Seen {
    /// Adds an event of the watcher's driver.
    pub fn observe(&self, event: &TargetEvent) {
        match &event.what {
            What::Probe(done) => {
                self.keepalives.inc();
                match &done.result {
                    Ok(rtt) => self.rtt.observe(rtt.as_secs_f64()),
                    Err(c) if c.kind == CauseKind::Timeout => {
                        self.timeouts.inc();
                    }
                    Err(_) => {}
                }
            }
            What::ServerPing { kind, folded, .. } => {
                let n = folded.as_ref().map_or(1, |f| f.count.max(1));
                self.server_pings
                    .get_or_create(&vec![("kind".into(), format!("{kind:?}").to_lowercase())])
                    .inc_by(n);
            }
            What::Transition(t) => {
                let mut up = self.up_since.lock().expect("lock");
                if t.to == State::Up && t.from == State::Connecting {
                    *up = Some(Instant::now());
                }
                if t.to.available() {
                    return;
                }
                *up = None;
                let was_up = t.from.available();
                let cause = match &t.why {
                    Why::Lost(c) => {
                        if let CauseKind::WsClose(code) = c.kind {
                            *self.last_close_code.lock().expect("lock") = Some(u32::from(code));
                        }
                        if let CauseKind::Goaway(code) = c.kind {
                            *self.last_close_code.lock().expect("lock") = Some(code);
                        }
                        cause_word(c.kind)
                    }
                    Why::Missed { .. } => "timeout".to_string(),
                    _ => t.kind(),
                };
                if was_up && t.to == State::Down {
                    self.disconnects
                        .get_or_create(&vec![("cause".into(), cause)])
                        .inc();
                }
            }
            _ => {}
        }
    }

    /// A registry for one scrape: the state `now`, and the counters so far.
    pub fn registry(&self, state: State) -> Registry {
        let mut r = Registry::default();
        gauge(
            &mut r,
            "probe_success",
            "Displays whether or not the probe was a success (1 while the watched connection is up)",
            f64::from(u8::from(state.available())),
        );
        let states = Family::<Labels, Gauge>::default();
        for s in State::ALL {
            states
                .get_or_create(&vec![("state".into(), s.to_string())])
                .set(i64::from(s == state));
        }
        r.register(
            "probe_watch_state",
            "1 for the watched connection's state",
            states,
        );
        let age = self
            .up_since
            .lock()
            .expect("lock")
            .map_or(0.0, |t| t.elapsed().as_secs_f64());
        gauge(
            &mut r,
            "probe_watch_connection_age_seconds",
            "Age of the watched connection (0 while there is none)",
            age,
        );
        r.register(
            "probe_watch_keepalives",
            "Keepalives sent",
            self.keepalives.clone(),
        );
        r.register(
            "probe_watch_timeouts",
            "Keepalives without an answer in time",
            self.timeouts.clone(),
        );
        r.register(
            "probe_watch_disconnects",
            "Connections lost, by cause (eof, reset, timeout, ws-close, goaway, tls, refused, ...)",
            self.disconnects.clone(),
        );
        r.register(
            "probe_watch_rtt_seconds",
            "Keepalive round-trip time",
            self.rtt.clone(),
        );
        r.register(
            "probe_watch_server_pings",
            "Pings the server sent, by kind",
            self.server_pings.clone(),
        );
        if let Some(code) = *self.last_close_code.lock().expect("lock") {
            gauge(
                &mut r,
                "probe_watch_last_close_code",
                "The last WebSocket close code or HTTP/2 GOAWAY error code",
                f64::from(code),
            );
        }
        r
    }
}
