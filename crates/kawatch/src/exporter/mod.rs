//! `kawatch --exporter ADDR`: blackbox_exporter's multi-target contract, so the
//! Prometheus job that drives blackbox drives this: `GET
//! /probe?target=T&module=M[&debug=true]` probes once with a built-in module
//! (one per protocol and mode), its timeout the scrape's
//! (`X-Prometheus-Scrape-Timeout-Seconds` less half a second) at most the
//! module's; a `watch_` module holds a connection between scrapes (see
//! [`watchers`]); `/metrics` has the exporter's own counters; `/-/healthy`
//! answers. Both exposition formats by the Accept header.

mod allow;
mod config;
mod module;
mod probe;
mod watched;
mod watchers;

pub use allow::Allow;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};
use kaprobe::proto::ProbeConfig;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::registry::Registry;

use crate::expose::Format;
use module::Module;

/// The scrape's timeout is cut by this, so the answer arrives in time.
const OFFSET: Duration = Duration::from_millis(500);
/// The shortest timeout a probe gets, whatever the scrape says.
const MIN_TIMEOUT: Duration = Duration::from_millis(100);
/// A query string longer than this is refused.
const MAX_QUERY: usize = 4096;

/// How the exporter runs.
#[derive(Clone, Debug)]
pub struct Settings {
    pub listen: SocketAddr,
    pub allow: Allow,
    /// One-shot probes at once; more get 503.
    pub max_probes: usize,
    /// TLS, headers, proxy and addressing for every module (the shared flags).
    pub base: ProbeConfig,
    /// How watch modules keep their connection (the watch flags).
    pub watch: kaprobe::watch::driver::WatchConfig,
    /// Connections held by watch modules at most; more get 503.
    pub max_watchers: usize,
    /// Cancelled at SIGTERM: every watcher closes its connection.
    pub stop: tokio_util::sync::CancellationToken,
    /// `--config`: more modules, read again on SIGHUP and `POST /-/reload`.
    pub config: Option<std::path::PathBuf>,
}

struct Exporter {
    /// The built-in modules and those of `--config`, replaced whole on reload.
    modules: std::sync::RwLock<Arc<Vec<Module>>>,
    reloaded: prometheus_client::metrics::gauge::Gauge,
    reloaded_at: prometheus_client::metrics::gauge::Gauge,
    settings: Settings,
    probes: tokio::sync::Semaphore,
    registry: Registry,
    probed: Family<Vec<(String, String)>, Counter>,
    watchers: Arc<watchers::Watchers>,
}

/// Binds and serves until the process ends; returns the bound address.
pub async fn start(settings: Settings) -> anyhow::Result<SocketAddr> {
    let modules =
        all_modules(settings.config.as_deref()).map_err(|e| anyhow::anyhow!("--config {e}"))?;
    let mut registry = Registry::default();
    let reloaded = prometheus_client::metrics::gauge::Gauge::default();
    let reloaded_at = prometheus_client::metrics::gauge::Gauge::default();
    reloaded.set(1);
    reloaded_at.set(unix_now());
    registry.register(
        "kawatch_exporter_config_last_reload_successful",
        "Whether the last reading of --config succeeded",
        reloaded.clone(),
    );
    registry.register(
        "kawatch_exporter_config_last_reload_success_timestamp_seconds",
        "When --config was last read successfully",
        reloaded_at.clone(),
    );
    let probed = Family::<Vec<(String, String)>, Counter>::default();
    registry.register(
        "kawatch_exporter_probes",
        "One-shot probes, by module and result",
        probed.clone(),
    );
    // Modules may come and go on reload: a connection may last the longest
    // timeout any module may have.
    let longest = module::MAX_TIMEOUT;
    // A burst of scrapes (a thousand targets at once) waits for its slots
    // rather than being closed.
    let bounds = crate::serve::Bounds {
        slots: settings.max_probes + crate::serve::MAX_SCRAPES,
        waiting: settings.max_probes + crate::serve::MAX_WAITING,
        lasting: longest + Duration::from_secs(5),
    };
    let listen = settings.listen;
    let watchers = watchers::Watchers::new(
        settings.max_watchers,
        settings.watch.clone(),
        settings.stop.clone(),
        &mut registry,
    );
    let exporter = Arc::new(Exporter {
        watchers,
        modules: std::sync::RwLock::new(Arc::new(modules)),
        reloaded,
        reloaded_at,
        probes: tokio::sync::Semaphore::new(settings.max_probes),
        settings,
        registry,
        probed,
    });
    #[cfg(unix)]
    {
        let exporter = exporter.clone();
        let mut hangups = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())?;
        tokio::spawn(async move {
            while hangups.recv().await.is_some() {
                let _ = exporter.reload();
            }
        });
    }
    let handler = move |req: Request<Incoming>| {
        let exporter = exporter.clone();
        async move { exporter.answer(req).await }
    };
    crate::serve::serve(listen, "--exporter", bounds, handler).await
}

fn text(status: u16, body: impl Into<Bytes>) -> Response<Full<Bytes>> {
    Response::builder()
        .status(status)
        .header("content-type", "text/plain; charset=utf-8")
        .body(Full::new(body.into()))
        .expect("static response")
}

impl Exporter {
    async fn answer(&self, req: Request<Incoming>) -> Response<Full<Bytes>> {
        let format = Format::negotiate(req.headers().get("accept").and_then(|v| v.to_str().ok()));
        match req.uri().path() {
            "/probe" => self.probe(&req, format).await,
            "/metrics" => exposition(&self.registry, format),
            "/-/healthy" => text(200, "Healthy\n"),
            "/-/reload" if req.method() == hyper::Method::POST => match self.reload() {
                Ok(n) => text(200, format!("reloaded: {n} modules\n")),
                Err(why) => text(500, format!("{why}\n")),
            },
            _ => text(
                404,
                "see /probe?target=...&module=..., /metrics, /-/healthy\n",
            ),
        }
    }

    async fn probe(&self, req: &Request<Incoming>, format: Format) -> Response<Full<Bytes>> {
        let query = req.uri().query().unwrap_or("");
        if query.len() > MAX_QUERY {
            return text(400, format!("the query is longer than {MAX_QUERY} bytes\n"));
        }
        let param = |name: &str| {
            form_urlencoded::parse(query.as_bytes())
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.into_owned())
        };
        let Some(target) = param("target").filter(|t| !t.is_empty()) else {
            return text(400, "target parameter is missing\n");
        };
        let Some(name) = param("module").filter(|m| !m.is_empty()) else {
            return text(400, "module parameter is missing\n");
        };
        let modules = self.modules.read().expect("lock").clone();
        let Some(module) = modules.iter().find(|m| m.name == name) else {
            let known: Vec<&str> = modules.iter().map(|m| m.name.as_str()).collect();
            return text(
                400,
                format!(
                    "unknown module {} (known: {})\n",
                    kacli::term::shown(&name),
                    known.join(", ")
                ),
            );
        };
        let target = match probe::target(&target, module) {
            Ok(t) => t,
            Err(why) => return text(400, format!("{}\n", kacli::term::shown(&why))),
        };
        let scrape = req
            .headers()
            .get("x-prometheus-scrape-timeout-seconds")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|s| s.is_finite() && *s > 0.0)
            .map(|s| Duration::from_secs_f64(s.min(3600.0)));
        let timeout = scrape
            .map_or(module.timeout, |s| {
                s.saturating_sub(OFFSET).min(module.timeout)
            })
            .max(MIN_TIMEOUT);
        let debug = param("debug").is_some_and(|d| d == "true");
        if module.watch {
            return self.watched(&target, module, timeout, format, debug).await;
        }
        let Ok(_slot) = self.probes.try_acquire() else {
            return text(
                503,
                format!(
                    "at most {} probes at once (--max-probes)\n",
                    self.settings.max_probes
                ),
            );
        };
        let asked = probe::Asked {
            target,
            module,
            timeout,
            debug,
        };
        let answer = probe::probe(asked, &self.settings.base, &self.settings.allow).await;
        self.count(module, answer.success);
        if debug {
            let mut body = answer.story.join("\n");
            body.push_str("\n\nMetrics that would have been returned:\n");
            body.push_str(&crate::expose::encode(&answer.registry, Format::Classic));
            return text(200, body);
        }
        exposition(&answer.registry, format)
    }

    /// One probe more, by module and result.
    fn count(&self, module: &Module, success: bool) {
        let result = if success { "success" } else { "failure" };
        self.probed
            .get_or_create(&vec![
                ("module".to_string(), module.name.clone()),
                ("result".to_string(), result.to_string()),
            ])
            .inc();
    }
}

/// A registry as the answer, in `format`.
fn exposition(registry: &Registry, format: Format) -> Response<Full<Bytes>> {
    Response::builder()
        .header("content-type", format.content_type())
        .body(Full::new(Bytes::from(crate::expose::encode(
            registry, format,
        ))))
        .expect("static response")
}

impl Exporter {
    /// A watch module's scrape: what its watcher has seen, started if new.
    async fn watched(
        &self,
        target: &kaprobe::target::Target,
        module: &Module,
        timeout: Duration,
        format: Format,
        debug: bool,
    ) -> Response<Full<Bytes>> {
        let mut story = format!("module {} holds a connection to {target}\n", module.name);
        let host = target.host_str();
        let allowed = self.settings.allow.allows(
            &host,
            host.trim_matches(['[', ']']).parse().ok(),
            target.port,
        );
        let mut success = false;
        let registry = if !allowed {
            story.push_str(&format!("{target} is not in --allow-targets\n"));
            failed()
        } else {
            match self
                .watchers
                .get(
                    target,
                    module,
                    &self.settings.base,
                    timeout.min(Duration::from_secs(3)),
                )
                .await
            {
                Ok(watched) => {
                    success = watched.up();
                    watched.scrape()
                }
                Err(watchers::Refused::Full(max)) => {
                    return text(503, format!("at most {max} watchers (--max-watchers)\n"));
                }
                Err(watchers::Refused::Setup(why)) => {
                    story.push_str(&format!("{}\n", kacli::term::shown(&why)));
                    failed()
                }
            }
        };
        if debug {
            story.push_str("\nMetrics that would have been returned:\n");
            story.push_str(&crate::expose::encode(&registry, Format::Classic));
            return text(200, story);
        }
        self.count(module, success);
        exposition(&registry, format)
    }
}

/// A watch module's answer when no watcher could be made (not allowed, or its
/// name does not resolve): success 0.
fn failed() -> Registry {
    let mut r = Registry::default();
    gauge(
        &mut r,
        "probe_success",
        "Displays whether or not the probe was a success",
        0.0,
    );
    r
}

/// Registers a gauge of one value: what each probe's answer is made of.
fn gauge(registry: &mut Registry, name: &str, help: &str, value: f64) {
    let g =
        prometheus_client::metrics::gauge::Gauge::<f64, std::sync::atomic::AtomicU64>::default();
    g.set(value);
    registry.register(name, help, g);
}

impl Exporter {
    /// Reads `--config` again: its modules replace those in use, or, if it is
    /// bad, the old ones stay and the reason is said on stderr and in a gauge.
    fn reload(&self) -> Result<usize, String> {
        match all_modules(self.settings.config.as_deref()) {
            Ok(modules) => {
                let n = modules.len();
                *self.modules.write().expect("lock") = Arc::new(modules);
                self.reloaded.set(1);
                self.reloaded_at.set(unix_now());
                Ok(n)
            }
            Err(why) => {
                let why = format!("--config {why}; keeping the modules in use");
                eprintln!("kawatch: {}", kacli::term::shown(&why));
                self.reloaded.set(0);
                Err(why)
            }
        }
    }
}

/// The built-in modules, and those of `config` in their place where the names
/// are the same.
fn all_modules(config: Option<&std::path::Path>) -> Result<Vec<Module>, String> {
    let mut modules = module::builtin();
    if let Some(path) = config {
        for m in config::read(path)? {
            modules.retain(|b| b.name != m.name);
            modules.push(m);
        }
    }
    Ok(modules)
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}
