//! A one-shot probe for `/probe`: a fresh registry per request, as blackbox
//! does, with blackbox's names where the meaning is the same (`probe_success`,
//! `probe_duration_seconds`, `probe_ip_protocol`, `probe_http_status_code`,
//! `probe_grpc_healthcheck_response`) and the keepalive's own: the round trip as
//! `probe_keepalive_rtt_seconds` and each phase as
//! `probe_<protocol>_duration_seconds{phase}`. With `debug`, the probe's story
//! in words (curl -v's lines included), as blackbox's `debug=true` gives.

use std::sync::atomic::AtomicU64;
use std::time::{Duration, Instant};

use kaprobe::CauseKind;
use kaprobe::proto::{ProbeConfig, Prober};
use kaprobe::target::Target;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use super::allow::Allow;
use super::gauge;
use super::module::Module;

type FloatGauge = Gauge<f64, AtomicU64>;

/// What a probe request asks.
pub struct Asked<'a> {
    pub target: Target,
    pub module: &'a Module,
    /// The scrape's timeout less an offset, capped by the module's.
    pub timeout: Duration,
    pub debug: bool,
}

/// A probe's metrics, whether it succeeded, and, with `debug`, its story.
pub struct Answer {
    pub registry: Registry,
    pub success: bool,
    pub story: Vec<String>,
}

/// The target as a module takes it: `host:port` speaks the module's protocol,
/// as blackbox takes targets; a URL must be one of the module's protocol.
pub fn target(text: &str, module: &Module) -> Result<Target, String> {
    let url = if text.contains("://") {
        text.to_string()
    } else {
        format!("{}://{text}", module.protocol.as_str())
    };
    let target: Target = url.parse().map_err(|e| format!("target: {e}"))?;
    if target.protocol() != module.protocol {
        return Err(format!(
            "module {} probes {} targets, not {}",
            module.name,
            module.protocol,
            target.protocol()
        ));
    }
    Ok(target)
}

/// Probes once; never fails: a failure is `probe_success 0` and its story.
pub async fn probe(asked: Asked<'_>, base: &ProbeConfig, allow: &Allow) -> Answer {
    let started = Instant::now();
    let Asked {
        target,
        module,
        timeout,
        debug,
    } = asked;
    let mut registry = Registry::default();
    let mut story = Vec::new();
    let mut say = |line: String| {
        if debug {
            story.push(line);
        }
    };
    say(format!(
        "module {} ({} {}), target {target}, timeout {}",
        module.name,
        module.protocol,
        module.mode,
        humantime::format_duration(timeout)
    ));
    let mut cfg = module.settings(base);
    cfg.mode = module.mode;
    cfg.timeout = timeout;
    // A connection of its own, every phase timed.
    cfg.fresh = !module.mode.info().connection_per_probe;
    cfg.trace = debug;
    let phases = Family::<Vec<(String, String)>, FloatGauge>::default();
    let mut success = false;
    let prober = tokio::time::timeout(timeout, Prober::new(target.clone(), cfg)).await;
    let resolved = started.elapsed();
    match prober {
        Err(_) => say(format!("no address for {} in time", target.host_str())),
        Ok(Err(e)) => say(format!("{e}")),
        Ok(Ok(mut prober)) => {
            let addr = prober.addr();
            say(format!(
                "resolved {} to {addr} in {resolved:?}",
                target.host_str()
            ));
            if !allow.allows(&target.host_str(), Some(addr.ip()), target.port) {
                say(format!("{target} ({addr}) is not in --allow-targets"));
            } else {
                gauge(
                    &mut registry,
                    "probe_ip_protocol",
                    "The IP protocol of the probe's address (4 or 6)",
                    if addr.is_ipv4() { 4.0 } else { 6.0 },
                );
                let set = |phase: &str, d: Duration| {
                    phases
                        .get_or_create(&vec![("phase".to_string(), phase.to_string())])
                        .set(d.as_secs_f64());
                };
                set("resolve", resolved);
                let outcome = prober.probe(1).await;
                for line in prober.take_trace() {
                    say(kacli::term::shown(&line));
                }
                if let Some(p) = &outcome.phases {
                    set("connect", p.connect);
                    for (name, d) in [
                        ("proxy", p.proxy),
                        ("tls", p.tls),
                        ("handshake", p.handshake),
                        ("first", p.first),
                    ] {
                        if let Some(d) = d {
                            set(name, d);
                        }
                    }
                }
                let rtt = outcome.phases.as_ref().and_then(|p| p.first);
                match &outcome.result {
                    Ok(total) => {
                        success = true;
                        say(format!("probe succeeded in {total:?}"));
                        if outcome.phases.is_none() {
                            set("connect", *total);
                        }
                        let rtt = rtt.unwrap_or(*total);
                        gauge(
                            &mut registry,
                            "probe_keepalive_rtt_seconds",
                            "The keepalive's round trip on the probe's connection",
                            rtt.as_secs_f64(),
                        );
                    }
                    Err(cause) => say(format!(
                        "probe failed: {}",
                        kacli::term::shown(&cause.to_string())
                    )),
                }
                if let Some(expiry) = prober.cert_expiry() {
                    gauge(
                        &mut registry,
                        "probe_ssl_earliest_cert_expiry",
                        "Returns last SSL chain expiry in unixtime",
                        expiry as f64,
                    );
                }
                if let Some(http) = outcome.http {
                    gauge(
                        &mut registry,
                        "probe_http_status_code",
                        "The response's HTTP status code",
                        f64::from(http.status),
                    );
                }
                if module.protocol == kaprobe::protocol::Protocol::Grpc
                    && module.mode != kaprobe::proto::Mode::H2Ping
                {
                    let status = match &outcome.result {
                        Ok(_) => Some(1),
                        Err(c) => match c.kind {
                            CauseKind::NotServing(s) => Some(s),
                            _ => None,
                        },
                    };
                    if let Some(status) = status {
                        let family = Family::<Vec<(String, String)>, FloatGauge>::default();
                        for code in 0..=3 {
                            let name = kawire::grpc::serving_status_name(code);
                            family
                                .get_or_create(&vec![("serving_status".to_string(), name)])
                                .set(f64::from(u8::from(code == status)));
                        }
                        registry.register(
                            "probe_grpc_healthcheck_response",
                            "Response HealthCheck response",
                            family,
                        );
                    }
                }
            }
        }
    }
    registry.register(
        format!("probe_{}_duration_seconds", module.protocol),
        "Duration of the probe's phases: resolve, connect, proxy, tls, handshake, first (the first round trip)",
        phases,
    );
    gauge(
        &mut registry,
        "probe_success",
        "Displays whether or not the probe was a success",
        f64::from(u8::from(success)),
    );
    gauge(
        &mut registry,
        "probe_duration_seconds",
        "Returns how long the probe took to complete in seconds",
        started.elapsed().as_secs_f64(),
    );
    gauge(
        &mut registry,
        "probe_timeout_seconds",
        "The probe's timeout: the scrape's less an offset, at most the module's",
        timeout.as_secs_f64(),
    );
    Answer {
        registry,
        success,
        story,
    }
}
