//! Prometheus output: counters, gauges and an RTT histogram per target (labels
//! target, protocol, mode), kept from the watch events, served on `/metrics` and
//! written atomically to a file for node_exporter's textfile collector.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use anyhow::Context;
use http_body_util::Full;
use hyper::body::Bytes;
use kaprobe::event::{TargetEvent, What};
use kaprobe::proto::Mode;
use kaprobe::target::Target;
use kaprobe::watch::State;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Labels {
    target: String,
    protocol: String,
    mode: String,
    /// A pinned target's address (`--each-address`), else empty (no label).
    addr: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabels {
    target: String,
    protocol: String,
    mode: String,
    addr: String,
    state: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CauseLabels {
    target: String,
    protocol: String,
    mode: String,
    addr: String,
    to: String,
    cause: String,
}

fn rtt_histogram() -> Histogram {
    // 50 µs to about 13 s.
    Histogram::new(exponential_buckets(0.000_05, 2.0, 19))
}

pub struct Metrics {
    registry: Registry,
    labels: Vec<Labels>,
    keepalives: Family<Labels, Counter>,
    replies: Family<Labels, Counter>,
    timeouts: Family<Labels, Counter>,
    rtt: Family<Labels, Histogram, fn() -> Histogram>,
    state: Family<StateLabels, Gauge>,
    transitions: Family<CauseLabels, Counter>,
    age: Family<Labels, Gauge<f64, AtomicU64>>,
    /// When each target's connection came up, for its age at scrape time.
    up_since: Mutex<HashMap<usize, Instant>>,
}

impl Metrics {
    pub fn new(targets: &[(Target, Mode)]) -> Self {
        let mut registry = Registry::default();
        let keepalives = Family::<Labels, Counter>::default();
        let replies = Family::<Labels, Counter>::default();
        let timeouts = Family::<Labels, Counter>::default();
        let rtt = Family::<Labels, Histogram, fn() -> Histogram>::new_with_constructor(
            rtt_histogram as fn() -> Histogram,
        );
        let state = Family::<StateLabels, Gauge>::default();
        let transitions = Family::<CauseLabels, Counter>::default();
        let age = Family::<Labels, Gauge<f64, AtomicU64>>::default();
        registry.register("kawatch_keepalives", "Keepalives sent", keepalives.clone());
        registry.register("kawatch_replies", "Keepalives answered", replies.clone());
        registry.register(
            "kawatch_timeouts",
            "Keepalives without a reply in time",
            timeouts.clone(),
        );
        registry.register(
            "kawatch_rtt_seconds",
            "Keepalive round-trip time",
            rtt.clone(),
        );
        registry.register(
            "kawatch_state",
            "1 for the state each target is in, 0 for the others",
            state.clone(),
        );
        registry.register(
            "kawatch_transitions",
            "State transitions, by new state and cause",
            transitions.clone(),
        );
        registry.register(
            "kawatch_connection_age_seconds",
            "Age of the current connection (0 when none)",
            age.clone(),
        );
        let labels: Vec<Labels> = targets
            .iter()
            .map(|(t, m)| Labels {
                target: t.url(),
                protocol: t.protocol().to_string(),
                mode: m.to_string(),
                addr: t.addr.map(|a| a.to_string()).unwrap_or_default(),
            })
            .collect();
        let metrics = Metrics {
            registry,
            labels,
            keepalives,
            replies,
            timeouts,
            rtt,
            state,
            transitions,
            age,
            up_since: Mutex::new(HashMap::new()),
        };
        // Every series exists from the start, at zero.
        for (idx, l) in metrics.labels.iter().enumerate() {
            metrics.set_state(idx, State::Connecting);
            metrics.age.get_or_create(l).set(0.0);
            let _ = metrics.keepalives.get_or_create(l);
            let _ = metrics.replies.get_or_create(l);
            let _ = metrics.timeouts.get_or_create(l);
            let _ = metrics.rtt.get_or_create(l);
        }
        metrics
    }

    fn set_state(&self, idx: usize, now: State) {
        let l = &self.labels[idx];
        for state in State::ALL {
            let labels = StateLabels {
                target: l.target.clone(),
                protocol: l.protocol.clone(),
                mode: l.mode.clone(),
                addr: l.addr.clone(),
                state: state.to_string(),
            };
            self.state
                .get_or_create(&labels)
                .set(i64::from(state == now));
        }
    }

    pub fn observe(&self, event: &TargetEvent) {
        let target = &event.who.index;
        match &event.what {
            What::Probe(done) => {
                let l = &self.labels[*target];
                self.keepalives.get_or_create(l).inc();
                match &done.result {
                    Ok(rtt) => {
                        self.replies.get_or_create(l).inc();
                        self.rtt.get_or_create(l).observe(rtt.as_secs_f64());
                    }
                    Err(cause) if cause.kind == kaprobe::CauseKind::Timeout => {
                        self.timeouts.get_or_create(l).inc();
                    }
                    Err(_) => {}
                }
            }
            What::Transition(transition) => {
                self.set_state(*target, transition.to);
                let l = &self.labels[*target];
                let labels = CauseLabels {
                    target: l.target.clone(),
                    protocol: l.protocol.clone(),
                    mode: l.mode.clone(),
                    addr: l.addr.clone(),
                    to: transition.to.to_string(),
                    cause: transition.kind(),
                };
                self.transitions.get_or_create(&labels).inc();
                let mut up = self.up_since.lock().expect("metrics lock");
                if transition.to == State::Up && transition.from == State::Connecting {
                    up.insert(*target, Instant::now());
                } else if !transition.to.available() {
                    up.remove(target);
                }
            }
            _ => {}
        }
    }

    /// The text exposition, connection ages as of now.
    pub fn encode(&self) -> String {
        {
            let up = self.up_since.lock().expect("metrics lock");
            for (idx, l) in self.labels.iter().enumerate() {
                let age = up.get(&idx).map_or(0.0, |t| t.elapsed().as_secs_f64());
                self.age.get_or_create(l).set(age);
            }
        }
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry)
            .expect("writing to a String cannot fail");
        out
    }

    /// Writes the exposition to `path` through a temporary file and a rename, so
    /// a collector never reads half of it.
    pub fn write_file(&self, path: &Path) -> anyhow::Result<()> {
        let tmp = temp_path(path);
        std::fs::write(&tmp, self.encode())
            .with_context(|| format!("cannot write {}", tmp.display()))?;
        std::fs::rename(&tmp, path).with_context(|| format!("cannot replace {}", path.display()))
    }
}

fn temp_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".{}.tmp", std::process::id()));
    path.with_file_name(name)
}

/// Scrapes served at once; more wait in the kernel's backlog, holding no
/// descriptor of ours, so the endpoint never takes descriptors from the probes.
pub const MAX_SCRAPES: usize = 8;
/// How long a scraper has to send its request headers.
pub const HEADER_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(3);
/// How long one connection may last, however it behaves.
const CONNECTION_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Binds `addr` (a setup error if it cannot) and serves `/metrics` until the
/// process ends: at most [`MAX_SCRAPES`] connections at once, each with
/// [`HEADER_TIMEOUT`] to send its request; accept errors back off.
pub async fn serve(addr: SocketAddr, metrics: Arc<Metrics>) -> anyhow::Result<SocketAddr> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr} for --metrics"))?;
    let bound = listener.local_addr()?;
    let slots = Arc::new(tokio::sync::Semaphore::new(MAX_SCRAPES));
    tokio::spawn(async move {
        loop {
            let Ok(slot) = slots.clone().acquire_owned().await else {
                return;
            };
            let stream = match listener.accept().await {
                Ok((stream, _)) => stream,
                Err(_) => {
                    // EMFILE and the like: wait rather than spin.
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    continue;
                }
            };
            let metrics = metrics.clone();
            tokio::spawn(async move {
                let _slot = slot;
                let _ = tokio::time::timeout(CONNECTION_TIMEOUT, scrape(stream, metrics)).await;
            });
        }
    });
    Ok(bound)
}

/// Serves one scraper's connection: `/metrics`, or 404.
async fn scrape(stream: tokio::net::TcpStream, metrics: Arc<Metrics>) {
    let service = hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
        let metrics = metrics.clone();
        async move {
            let response = if req.uri().path() == "/metrics" {
                hyper::Response::builder()
                    .header(
                        "content-type",
                        "application/openmetrics-text; version=1.0.0; charset=utf-8",
                    )
                    .body(Full::new(Bytes::from(metrics.encode())))
            } else {
                hyper::Response::builder()
                    .status(404)
                    .body(Full::new(Bytes::from_static(b"see /metrics\n")))
            };
            Ok::<_, Infallible>(response.expect("static response"))
        }
    });
    let io = hyper_util::rt::TokioIo::new(stream);
    let _ = hyper::server::conn::http1::Builder::new()
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(HEADER_TIMEOUT)
        .serve_connection(io, service)
        .await;
}
