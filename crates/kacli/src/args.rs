//! The flags every tool that opens sessions shares (mode, message, TLS, headers,
//! socket options), the thresholds kaping and kareport share, and the step from
//! those flags to kaprobe's probe settings.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use kaprobe::addressing::{Addressing, Family, ResolveRule};
use kaprobe::proto::http::{HttpConfig, Method, StatusSet, Version};
use kaprobe::proto::{Mode, ProbeConfig, RequestHeader};
use kaprobe::sockopt::{KeepaliveSpec, TcpOptions};
use kaprobe::target::Target;
use kaprobe::template::Template;
use kaprobe::tls::{CaSource, ClientTls};

use crate::parse::{
    parse_duration, parse_header_text, parse_keepalive, parse_method, parse_mode, parse_percent,
    parse_positive_duration, parse_resolve, parse_stat, parse_status_set, parse_template,
};

/// How to reach and probe a target, whatever the tool.
#[derive(Clone, Debug, Args)]
pub struct ProbeArgs {
    // The help is made from every protocol's modes and their words.
    #[arg(short = 'm', long, value_name = "MODE", value_parser = parse_mode, help = kaprobe::proto::modes_help())]
    pub mode: Option<Mode>,

    /// Line (tcp echo) or message (ws text) each probe sends; {seq} and {ts_ms} are
    /// replaced. kaping --send - sends each line read from stdin as it comes (a
    /// ws target in text mode) and prints each reply, as websocat does
    #[arg(long, value_name = "TEXT", default_value = "PING", value_parser = parse_template)]
    pub send: Template,

    /// Text a reply must contain ({seq} allowed) [default: PONG, +PONG or the line sent]
    #[arg(long, value_name = "PATTERN", value_parser = parse_template)]
    pub expect: Option<Template>,

    /// gRPC health: the service to ask about (empty: the server as a whole)
    #[arg(long, value_name = "NAME", default_value = "")]
    pub service: String,

    /// gRPC and HTTP: the :authority or Host to send (and the TLS name, unless --sni)
    /// instead of host:port
    #[arg(long, value_name = "HOST[:PORT]", value_parser = parse_header_text)]
    pub authority: Option<String>,

    /// Request header (WebSocket upgrade, HTTP request) or metadata (gRPC),
    /// repeatable; values are never printed
    // Parsed later, not by clap: clap would echo a rejected value, and header
    // values are secrets.
    #[arg(short = 'H', long = "header", value_name = "NAME: VALUE")]
    pub headers: Vec<String>,

    /// HTTP: the request method, GET or HEAD
    #[arg(long, value_name = "METHOD", default_value = "GET", value_parser = parse_method)]
    pub method: Method,

    /// HTTP: the statuses that count as a reply, e.g. 200 or 200,204,3xx [default: 2xx,3xx]
    #[arg(long, value_name = "LIST", value_parser = parse_status_set)]
    pub expect_status: Option<StatusSet>,

    /// HTTP: speak HTTP/1.1 only (offer only http/1.1 in ALPN)
    #[arg(long = "http1.1", conflicts_with = "http2")]
    pub http1_1: bool,

    /// HTTP: speak HTTP/2 (ALPN h2 on https, prior knowledge on http)
    #[arg(long = "http2")]
    pub http2: bool,

    /// WebSocket subprotocol to ask for (Sec-WebSocket-Protocol)
    #[arg(long, value_name = "NAME", value_parser = parse_header_text)]
    pub subprotocol: Option<String>,

    /// Trust the certificates in this PEM file instead of the built-in roots (a
    /// self-signed server certificate in it is trusted as itself, as curl does);
    /// `system` adds the OS store (SSL_CERT_FILE, SSL_CERT_DIR); repeatable
    #[arg(long, value_name = "FILE|system")]
    pub ca: Vec<CaSource>,

    /// Client certificate chain (PEM) for mutual TLS; goes with --key
    #[arg(long, value_name = "FILE", requires = "key")]
    pub cert: Option<PathBuf>,

    /// Client private key (PEM) for mutual TLS; goes with --cert
    #[arg(long, value_name = "FILE", requires = "cert")]
    pub key: Option<PathBuf>,

    /// Name to send in SNI and verify the certificate against, instead of the host
    #[arg(long, value_name = "NAME")]
    pub sni: Option<String>,

    /// Do not verify TLS certificates (said on stderr)
    #[arg(short = 'k', long)]
    pub insecure: bool,

    /// Use IPv4 addresses only (through a proxy: for the proxy's own address,
    /// since the proxy resolves the target)
    #[arg(short = '4', conflicts_with = "ipv6")]
    pub ipv4: bool,

    /// Use IPv6 addresses only (through a proxy: for the proxy's own address)
    #[arg(short = '6')]
    pub ipv6: bool,

    /// Connect to ADDR for HOST:PORT, as curl's --resolve: TLS, SNI, Host and
    /// :authority keep HOST; repeatable. Through a proxy a rule may name the
    /// proxy; one for the target is refused, since the proxy resolves it
    #[arg(long, value_name = "HOST:PORT:ADDR", value_parser = parse_resolve)]
    pub resolve: Vec<ResolveRule>,

    /// Probe every address the name resolves to, each as a target of its own,
    /// shown as `name (addr)` (a name behind several balancer nodes)
    #[arg(long)]
    pub each_address: bool,

    /// Connect through this HTTP proxy (CONNECT tunnel), for every protocol; its
    /// user:password is sent as Proxy-Authorization and never printed [default:
    /// http_proxy, https_proxy, grpc_proxy, all_proxy as curl and gRPC read them]
    // Parsed later, not by clap: clap would echo a rejected value, which may hold
    // a password.
    #[arg(long, value_name = "http://[USER:PASS@]HOST:PORT")]
    pub proxy: Option<String>,

    /// Hosts to reach directly, not through a proxy: a comma list of names
    /// (a domain covers its subdomains), addresses and CIDR ranges, or '*' for all;
    /// replaces no_proxy
    #[arg(long, value_name = "LIST")]
    pub noproxy: Option<String>,

    /// How long opening a connection (TCP, a proxy's tunnel, TLS, the
    /// protocol's handshake) may take, as curl's; the probe's timeout then
    /// counts from the open connection [default: the probe's timeout covers both]
    #[arg(long, value_name = "DURATION", value_parser = parse_positive_duration)]
    pub connect_timeout: Option<Duration>,

    /// Kernel TCP keepalive on probe connections, e.g. 30s,5s,3
    #[arg(long, value_name = "IDLE[,INTERVAL[,COUNT]]", value_parser = parse_keepalive)]
    pub tcp_keepalive: Option<KeepaliveSpec>,

    /// TCP_USER_TIMEOUT on probe connections: how long sent data may go unacknowledged
    #[arg(long, value_name = "DURATION", value_parser = parse_positive_duration)]
    pub tcp_user_timeout: Option<Duration>,
}

impl ProbeArgs {
    /// The probe settings these flags describe; `mode` and `timeout` are the
    /// caller's. Fails on a malformed header, naming it but never its value.
    pub fn probe_config(&self, timeout: Duration) -> anyhow::Result<ProbeConfig> {
        let mut probe = ProbeConfig::new(Mode::Echo);
        probe.timeout = timeout;
        probe.connect_timeout = self.connect_timeout;
        probe.send = self.send.clone();
        probe.expect = self.expect.clone();
        probe.tcp = TcpOptions {
            keepalive: self.tcp_keepalive,
            user_timeout: self.tcp_user_timeout,
        };
        probe.tls = ClientTls {
            ca: self.ca.clone(),
            cert: self.cert.clone(),
            key: self.key.clone(),
            sni: self.sni.clone(),
            insecure: self.insecure,
        };
        probe.addressing = Addressing {
            family: match (self.ipv4, self.ipv6) {
                (true, _) => Some(Family::V4),
                (_, true) => Some(Family::V6),
                _ => None,
            },
            resolve: self.resolve.clone(),
            each_address: self.each_address,
        };
        probe.proxy = kaprobe::proxy::ProxySetting {
            proxy: self
                .proxy
                .as_deref()
                .map(str::parse)
                .transpose()
                .map_err(|e: String| anyhow::anyhow!("--proxy: {e}"))?,
            noproxy: self.noproxy.clone(),
        };
        probe.headers = self
            .headers
            .iter()
            .map(|h| h.parse::<RequestHeader>())
            .collect::<Result<_, _>>()?;
        probe.ws.subprotocol = self.subprotocol.clone();
        probe.grpc.service = self.service.clone();
        probe.authority = self.authority.clone();
        probe.http = HttpConfig {
            method: self.method,
            expect_status: self.expect_status.clone().unwrap_or_default(),
            version: match (self.http1_1, self.http2) {
                (true, _) => Some(Version::Http1),
                (_, true) => Some(Version::Http2),
                _ => None,
            },
        };
        Ok(probe)
    }

    /// Each target with its mode: the one asked for if it fits, else the default.
    pub fn modes(&self, targets: Vec<Target>) -> anyhow::Result<Vec<(Target, Mode)>> {
        targets
            .into_iter()
            .map(|t| Ok((Mode::resolve(self.mode, &t)?, t)))
            .map(|r: anyhow::Result<(Mode, Target)>| r.map(|(m, t)| (t, m)))
            .collect()
    }

    /// Says on stderr, once, what changes TLS for a TLS target: verification off
    /// (`--insecure`), and session secrets written to `SSLKEYLOGFILE`.
    pub fn tls_notes(&self, tool: &str, targets: &[(Target, Mode)]) {
        if !targets.iter().any(|(t, _)| t.scheme.is_tls()) {
            return;
        }
        if self.insecure {
            eprintln!("{tool}: warning: --insecure: TLS certificates are not verified");
        }
        crate::tls::keylog_note(tool);
    }
}

/// The health thresholds kaping and kareport share; breaching one exits 1.
#[derive(Clone, Debug, Args)]
pub struct ThresholdArgs {
    /// Exit 1 when the loss exceeds PCT (0%, 1.5%)
    #[arg(long, value_name = "PCT", value_parser = parse_percent)]
    pub max_loss: Option<kaprobe::threshold::Percent>,

    /// Exit 1 when the RTT statistic chosen by --rtt-stat exceeds DURATION
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub max_rtt: Option<Duration>,

    /// Statistic --max-rtt applies to: min, avg, max, mdev, p50, p90, p95, p99, p99.9, jitter
    #[arg(long, value_name = "STAT", default_value = "p99", value_parser = parse_stat)]
    pub rtt_stat: kaprobe::stats::Stat,
}

impl ThresholdArgs {
    pub fn thresholds(&self) -> kaprobe::threshold::Thresholds {
        kaprobe::threshold::Thresholds {
            max_loss: self.max_loss,
            max_rtt: self.max_rtt,
            rtt_stat: self.rtt_stat,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct Probe {
        #[command(flatten)]
        probe: ProbeArgs,
    }

    #[test]
    fn flags_become_probe_settings() {
        let p = Probe::try_parse_from([
            "t",
            "-H",
            "X-Token: s3cret",
            "--service",
            "payments",
            "--ca",
            "ca.pem",
            "-k",
        ])
        .unwrap()
        .probe;
        let cfg = p.probe_config(Duration::from_secs(3)).unwrap();
        assert_eq!(cfg.timeout, Duration::from_secs(3));
        assert_eq!(cfg.headers[0].value, "s3cret");
        assert_eq!(cfg.grpc.service, "payments");
        assert!(cfg.tls.insecure);
        assert!(
            !format!("{cfg:?}").contains("s3cret"),
            "Debug hides header values"
        );
        let bad = Probe::try_parse_from(["t", "-H", "Authorization Bearer s3cret"]).unwrap();
        let err = bad
            .probe
            .probe_config(Duration::from_secs(1))
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "invalid header 'Authorization' (expected 'Name: value')"
        );
    }
}
