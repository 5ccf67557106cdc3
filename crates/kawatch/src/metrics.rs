//! Prometheus output: counters, gauges and an RTT histogram per target (labels
//! target, protocol, mode), kept from the watch events, served on `/metrics` and
//! written atomically to a file for node_exporter's textfile collector.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;
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
use prometheus_client::encoding::{EncodeLabelSet, LabelSetEncoder};
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
    #[prometheus(flatten)]
    addr: Addr,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabels {
    target: String,
    protocol: String,
    mode: String,
    #[prometheus(flatten)]
    addr: Addr,
    state: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CauseLabels {
    target: String,
    protocol: String,
    mode: String,
    #[prometheus(flatten)]
    addr: Addr,
    to: String,
    cause: String,
}

/// A pinned target's address (`--each-address`) as an `addr` label; other
/// targets carry no such label (not an empty one).
#[derive(Clone, Debug, Hash, PartialEq, Eq)]
struct Addr(Option<String>);

impl EncodeLabelSet for Addr {
    fn encode(&self, encoder: &mut LabelSetEncoder) -> std::fmt::Result {
        match &self.0 {
            Some(addr) => [("addr", addr.as_str())].encode(encoder),
            None => Ok(()),
        }
    }
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
                addr: Addr(t.addr.map(|a| a.to_string())),
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

    /// The exposition in `format`, connection ages as of now.
    pub fn encode(&self, format: crate::expose::Format) -> String {
        {
            let up = self.up_since.lock().expect("metrics lock");
            for (idx, l) in self.labels.iter().enumerate() {
                let age = up.get(&idx).map_or(0.0, |t| t.elapsed().as_secs_f64());
                self.age.get_or_create(l).set(age);
            }
        }
        crate::expose::encode(&self.registry, format)
    }

    /// Writes the exposition to `path` through a new temporary file beside it and
    /// a rename, so a collector never reads half of it. The temporary file is
    /// created exclusively under a random name (a planted link is never
    /// followed), and a `path` that exists and is not a regular file (a device,
    /// a FIFO, a folder, a link) is refused rather than replaced.
    pub fn write_file(&self, path: &Path) -> anyhow::Result<()> {
        use std::io::Write;
        if let Ok(meta) = std::fs::symlink_metadata(path) {
            if !meta.file_type().is_file() {
                anyhow::bail!(
                    "--metrics-file {}: not a regular file; kawatch replaces its file on every write",
                    path.display()
                );
            }
        }
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let mut tmp = tempfile::Builder::new()
            .prefix(".kawatch-")
            .suffix(".tmp")
            .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644))
            .tempfile_in(dir)
            .with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
        // node_exporter's textfile collector reads the classic format.
        tmp.write_all(self.encode(crate::expose::Format::Classic).as_bytes())
            .and_then(|()| tmp.flush())
            .with_context(|| format!("cannot write {}", tmp.path().display()))?;
        tmp.persist(path)
            .map_err(|e| e.error)
            .with_context(|| format!("cannot replace {}", path.display()))?;
        Ok(())
    }
}

/// Binds `addr` (a setup error if it cannot) and serves `/metrics` until the
/// process ends, as [`crate::serve::serve`] serves.
pub async fn serve(addr: SocketAddr, metrics: Arc<Metrics>) -> anyhow::Result<SocketAddr> {
    let handler = move |req: hyper::Request<hyper::body::Incoming>| {
        let metrics = metrics.clone();
        async move {
            let response = if req.uri().path() == "/metrics" {
                let accept = req.headers().get("accept").and_then(|v| v.to_str().ok());
                let format = crate::expose::Format::negotiate(accept);
                hyper::Response::builder()
                    .header("content-type", format.content_type())
                    .body(Full::new(Bytes::from(metrics.encode(format))))
            } else {
                hyper::Response::builder()
                    .status(404)
                    .body(Full::new(Bytes::from_static(b"see /metrics\n")))
            };
            response.expect("static response")
        }
    };
    crate::serve::serve(addr, "--metrics", crate::serve::METRICS, handler).await
}
