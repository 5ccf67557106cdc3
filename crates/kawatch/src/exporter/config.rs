//! `--config FILE`: more modules, in YAML shaped like blackbox_exporter's
//! `modules:` (a name each, with its protocol and mode, timeout, keepalive
//! interval, missed count and unscraped lifetime (`expire_after`) for watchers,
//! headers (values never shown), TLS,
//! proxy, send/expect, gRPC service, HTTP method and expected status). Read at
//! start and again on SIGHUP and `POST /-/reload`; a bad file keeps the modules
//! in use and says why.
//!
//! ```yaml
//! modules:
//!   payments:
//!     protocol: grpc
//!     mode: health
//!     timeout: 3s
//!     grpc: { service: payments }
//!   feed_held:
//!     protocol: ws
//!     watch: true
//!     interval: 20s
//!     headers: { Authorization: "Bearer ..." }
//!     tls: { ca: /etc/ssl/internal-ca.pem }
//! ```

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use kaprobe::proto::{Mode, ProbeConfig, RequestHeader};
use kaprobe::protocol::Protocol;
use kaprobe::template::Template;
use serde::Deserialize;

use super::module::{DEFAULT_TIMEOUT, MAX_TIMEOUT, Module};

/// The largest config file read.
const MAX_FILE: u64 = 1 << 20;
/// The most modules a file may define.
const MAX_MODULES: usize = 1000;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    modules: BTreeMap<String, Raw>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    #[serde(alias = "prober")]
    protocol: String,
    mode: Option<String>,
    timeout: Option<String>,
    #[serde(default)]
    watch: bool,
    interval: Option<String>,
    max_missed: Option<u32>,
    expire_after: Option<String>,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    tls: Option<RawTls>,
    proxy: Option<String>,
    send: Option<String>,
    expect: Option<String>,
    grpc: Option<RawGrpc>,
    http: Option<RawHttp>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTls {
    ca: Option<String>,
    cert: Option<String>,
    key: Option<String>,
    server_name: Option<String>,
    #[serde(default)]
    insecure: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGrpc {
    service: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHttp {
    method: Option<String>,
    expect_status: Option<String>,
}

/// What a configured module changes of the shared settings.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    headers: Vec<RequestHeader>,
    tls: Option<kaprobe::tls::ClientTls>,
    proxy: Option<kaprobe::proxy::Proxy>,
    send: Option<Template>,
    expect: Option<Template>,
    service: Option<String>,
    method: Option<kaprobe::proto::http::Method>,
    expect_status: Option<kaprobe::proto::http::StatusSet>,
    /// Watchers: keepalive interval and missed count.
    pub interval: Option<Duration>,
    pub max_missed: Option<u32>,
    /// Watchers: how long one lives unscraped (default: ten scrape intervals).
    pub expire_after: Option<Duration>,
}

impl Overrides {
    /// The shared settings with this module's changes.
    pub fn apply(&self, base: &ProbeConfig) -> ProbeConfig {
        let mut cfg = base.clone();
        cfg.headers.extend(self.headers.iter().cloned());
        if let Some(tls) = &self.tls {
            cfg.tls = tls.clone();
        }
        if let Some(proxy) = &self.proxy {
            cfg.proxy.proxy = Some(proxy.clone());
        }
        if let Some(send) = &self.send {
            cfg.send = send.clone();
        }
        if self.expect.is_some() {
            cfg.expect = self.expect.clone();
        }
        if let Some(service) = &self.service {
            cfg.grpc.service = service.clone();
        }
        if let Some(method) = self.method {
            cfg.http.method = method;
        }
        if let Some(set) = &self.expect_status {
            cfg.http.expect_status = set.clone();
        }
        cfg
    }
}

fn duration(what: &str, text: &str) -> Result<Duration, String> {
    let d = humantime::parse_duration(text).map_err(|e| format!("{what}: '{text}': {e}"))?;
    if d.is_zero() || d > Duration::from_secs(366 * 86_400) {
        return Err(format!("{what}: '{text}' is not between 1ms and 366 days"));
    }
    Ok(d)
}

/// The modules a file's text defines.
pub fn parse(text: &str) -> Result<Vec<Module>, String> {
    let file: File = serde_saphyr::from_str(text).map_err(|e| e.to_string())?;
    if file.modules.len() > MAX_MODULES {
        return Err(format!("at most {MAX_MODULES} modules"));
    }
    file.modules
        .into_iter()
        .map(|(name, raw)| module(&name, raw).map_err(|e| format!("module {name}: {e}")))
        .collect()
}

fn module(name: &str, raw: Raw) -> Result<Module, String> {
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return Err("a name of letters, digits, _ and -".into());
    }
    let protocol: Protocol = raw.protocol.parse()?;
    let modes = kaprobe::proto::modes(protocol);
    let mode = match &raw.mode {
        None => modes.first().map(|m| m.mode).ok_or("no mode")?,
        Some(m) => {
            let mode: Mode = m.parse()?;
            if !modes.iter().any(|i| i.mode == mode) {
                return Err(format!("mode {m} does not apply to {protocol}"));
            }
            mode
        }
    };
    if raw.watch && mode.info().connection_per_probe {
        return Err(format!("mode {mode} holds no connection to watch"));
    }
    let headers = raw
        .headers
        .iter()
        .map(|(k, v)| {
            format!("{k}: {v}")
                .parse::<RequestHeader>()
                .map_err(|e| e.to_string())
        })
        .collect::<Result<Vec<_>, _>>()?;
    let tls = raw.tls.map(|t| kaprobe::tls::ClientTls {
        ca: t
            .ca
            .iter()
            .map(|c| c.parse().expect("infallible"))
            .collect(),
        cert: t.cert.map(Into::into),
        key: t.key.map(Into::into),
        sni: t.server_name,
        insecure: t.insecure,
    });
    let template = |what: &str, t: Option<String>| {
        t.map(|t| Template::new(&t).map_err(|e| format!("{what}: {e}")))
            .transpose()
    };
    let http = raw.http.unwrap_or_default();
    let overrides = Overrides {
        headers,
        tls,
        proxy: raw
            .proxy
            .map(|p| p.parse().map_err(|e: String| format!("proxy: {e}")))
            .transpose()?,
        send: template("send", raw.send)?,
        expect: template("expect", raw.expect)?,
        service: raw.grpc.and_then(|g| g.service),
        method: http
            .method
            .map(|m| m.parse::<kaprobe::proto::http::Method>())
            .transpose()?,
        expect_status: http
            .expect_status
            .map(|s| s.parse::<kaprobe::proto::http::StatusSet>())
            .transpose()?,
        interval: raw.interval.map(|i| duration("interval", &i)).transpose()?,
        max_missed: raw.max_missed,
        expire_after: raw
            .expire_after
            .map(|e| duration("expire_after", &e))
            .transpose()?,
    };
    Ok(Module {
        name: name.to_string(),
        protocol,
        mode,
        timeout: match raw.timeout {
            None => DEFAULT_TIMEOUT,
            Some(t) => {
                let d = duration("timeout", &t)?;
                if d > MAX_TIMEOUT {
                    return Err(format!("timeout: '{t}' is over 5 minutes"));
                }
                d
            }
        },
        watch: raw.watch,
        overrides: Some(overrides),
    })
}

/// Reads `path` (at most 1 MiB) into modules.
pub fn read(path: &Path) -> Result<Vec<Module>, String> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut text = String::new();
    file.take(MAX_FILE + 1)
        .read_to_string(&mut text)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    if text.len() as u64 > MAX_FILE {
        return Err(format!("{}: larger than 1 MiB", path.display()));
    }
    parse(&text).map_err(|e| format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modules_as_blackbox_shapes_them() {
        let modules = parse(
            "modules:\n  payments:\n    protocol: grpc\n    timeout: 3s\n    grpc: { service: payments }\n    headers: { X-Token: s3cret }\n  feed:\n    prober: ws\n    mode: ping\n    watch: true\n    interval: 20s\n",
        )
        .unwrap();
        let payments = modules.iter().find(|m| m.name == "payments").unwrap();
        assert_eq!(
            (payments.protocol, payments.mode),
            (Protocol::Grpc, Mode::Health)
        );
        assert_eq!(payments.timeout, Duration::from_secs(3));
        let cfg = payments
            .overrides
            .as_ref()
            .unwrap()
            .apply(&ProbeConfig::new(Mode::Echo));
        assert_eq!(cfg.grpc.service, "payments");
        assert_eq!(cfg.headers[0].value, "s3cret");
        let feed = modules.iter().find(|m| m.name == "feed").unwrap();
        assert!(feed.watch);
        assert_eq!(
            feed.overrides.as_ref().unwrap().interval,
            Some(Duration::from_secs(20))
        );
    }

    #[test]
    fn the_shipped_example_reads() {
        let text = include_str!("../../../../docs/prometheus/kawatch.yml");
        let modules = parse(text).unwrap();
        assert_eq!(modules.len(), 3);
        assert!(modules.iter().any(|m| m.name == "feed_held" && m.watch));
    }

    #[test]
    fn mistakes_are_named() {
        for (text, says) in [
            (
                "modules:\n  a:\n    protocol: ftp\n",
                "unknown protocol 'ftp'",
            ),
            (
                "modules:\n  a:\n    protocol: tcp\n    mode: ping\n",
                "does not apply",
            ),
            (
                "modules:\n  a:\n    protocol: tcp\n    mode: connect\n    watch: true\n",
                "holds no connection",
            ),
            (
                "modules:\n  a:\n    protocol: tcp\n    timout: 1s\n",
                "timout",
            ),
            (
                "modules:\n  a:\n    protocol: tcp\n    timeout: 0s\n",
                "timeout",
            ),
            (
                "modules:\n  'a b':\n    protocol: tcp\n",
                "a name of letters",
            ),
            ("modules: [", ""),
        ] {
            let err = parse(text).unwrap_err();
            assert!(err.contains(says), "{text}: {err}");
        }
    }
}
