//! What a session is told (the probe settings, with a part per protocol) and what
//! it tells back (phases, new connections, a probe's outcome, passive events).

use std::fmt;
use std::net::SocketAddr;
use std::str::FromStr;
use std::time::Duration;

use crate::cause::Cause;
use crate::error::{Error, Result};
use crate::sockopt::TcpOptions;
use crate::template::Template;
use crate::tls::ClientTls;

pub use kawire::h2::PingKind;

use super::grpc::config::GrpcConfig;
use super::http::config::{HttpConfig, HttpReply};
use super::http::keepalive::KeepAlive;
use super::mode::Mode;
use super::ws::config::WsConfig;

/// A request header (`-H 'Name: value'`). Its value is a secret: `Debug` hides it
/// and nothing in the suite prints it.
#[derive(Clone, PartialEq, Eq)]
pub struct RequestHeader {
    pub name: String,
    pub value: String,
}

impl fmt::Debug for RequestHeader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: <hidden>", self.name)
    }
}

impl FromStr for RequestHeader {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        // The error names the header, never its value.
        let name_only = || {
            let name = s.split([':', ' ', '\t']).next().unwrap_or("");
            Error::BadHeader(name.to_string())
        };
        let (name, value) = s.split_once(':').ok_or_else(name_only)?;
        let (name, value) = (name.trim(), value.trim());
        let token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
        if name.is_empty() || !name.chars().all(token) {
            return Err(name_only());
        }
        if value.chars().any(|c| c.is_control() && c != '\t') {
            return Err(name_only());
        }
        Ok(RequestHeader {
            name: name.to_string(),
            value: value.to_string(),
        })
    }
}

/// Everything a session needs to know about how to probe.
#[derive(Clone, Debug)]
pub struct ProbeConfig {
    pub mode: Mode,
    /// How long one probe may take, connection and handshakes included
    /// unless `connect_timeout` bounds those apart.
    pub timeout: Duration,
    /// `--connect-timeout`: how long opening a connection (TCP, a proxy's
    /// tunnel, TLS, the protocol's handshake) may take; the probe's `timeout`
    /// then counts from the open connection.
    pub connect_timeout: Option<Duration>,
    /// `kaping -v`: keep curl -v's lines of each connection and exchange.
    pub trace: bool,
    pub tcp: TcpOptions,
    /// What to send (TCP echo line, WebSocket text message).
    pub send: Template,
    /// What a reply must contain; `None` accepts the protocol's usual answer.
    pub expect: Option<Template>,
    /// TLS settings for `wss://`, `grpcs://` and `https://`.
    pub tls: ClientTls,
    /// Which address a name stands for: -4/-6, --resolve.
    pub addressing: crate::addressing::Addressing,
    /// `--proxy`, `--noproxy`; the environment is read for the rest.
    pub proxy: crate::proxy::ProxySetting,
    /// Extra request headers (WebSocket upgrade, gRPC metadata, HTTP requests).
    pub headers: Vec<RequestHeader>,
    /// `--authority`: the name the peer is asked for instead of the target's
    /// host:port: HTTP's Host, HTTP/2's :authority, and the TLS name unless `--sni`.
    pub authority: Option<String>,
    /// A new connection for every probe, with its phases timed.
    pub fresh: bool,
    /// WebSocket settings.
    pub ws: WsConfig,
    /// gRPC settings.
    pub grpc: GrpcConfig,
    /// HTTP settings.
    pub http: HttpConfig,
}

impl ProbeConfig {
    pub fn new(mode: Mode) -> Self {
        ProbeConfig {
            mode,
            timeout: Duration::from_secs(2),
            connect_timeout: None,
            trace: false,
            tcp: TcpOptions::default(),
            send: Template::new("PING").expect("constant template"),
            expect: None,
            tls: ClientTls::default(),
            addressing: crate::addressing::Addressing::default(),
            proxy: crate::proxy::ProxySetting::default(),
            headers: Vec::new(),
            authority: None,
            fresh: false,
            ws: WsConfig::default(),
            grpc: GrpcConfig::default(),
            http: HttpConfig::default(),
        }
    }
}

/// How long each step of opening a connection took.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Phases {
    /// TCP handshake (with the proxy, when there is one).
    pub connect: Duration,
    /// The proxy's CONNECT tunnel, when the target is reached through one.
    pub proxy: Option<Duration>,
    /// TLS handshake, for TLS targets.
    pub tls: Option<Duration>,
    /// The protocol's handshake: WebSocket upgrade, HTTP/2 preface and SETTINGS.
    pub handshake: Option<Duration>,
    /// The first keepalive round trip on the new connection (`--fresh`).
    pub first: Option<Duration>,
}

impl Phases {
    /// All phases together.
    pub fn total(&self) -> Duration {
        self.connect
            + self.proxy.unwrap_or_default()
            + self.tls.unwrap_or_default()
            + self.handshake.unwrap_or_default()
            + self.first.unwrap_or_default()
    }
}

/// A new connection made while probing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Connected {
    pub addr: SocketAddr,
    pub phases: Phases,
    /// With `trace`: the proxy's answer, the TLS outcome, the handshake's
    /// request and response (see [`crate::trace`]).
    pub trace: Vec<String>,
}

/// What one probe produced.
#[derive(Clone, Debug)]
pub struct ProbeOutcome {
    /// Connections the probe had to open first (its persistent one; two when a
    /// graceful GOAWAY sent it to a new one).
    pub connected: Vec<Connected>,
    /// For `--fresh` probes: how long each step took.
    pub phases: Option<Phases>,
    /// HTTP: the response's status, first-byte time and reuse.
    pub http: Option<HttpReply>,
    pub result: std::result::Result<Duration, Cause>,
}

impl ProbeOutcome {
    /// A probe that failed, after opening `connected`.
    pub fn failed(connected: Vec<Connected>, cause: Cause) -> Self {
        ProbeOutcome {
            connected,
            phases: None,
            http: None,
            result: Err(cause),
        }
    }
}

/// Something the peer did on its own.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Passive {
    /// The connection ended, and why; the session is gone.
    Lost(Cause),
    /// The server sent a ping (answered): a keepalive, a BDP estimate or a drain
    /// ping; `interval` since its last one of that kind; HTTP/2's 8 bytes. Pings
    /// less than a second apart are folded: the next event counts them.
    ServerPing {
        interval: Option<Duration>,
        kind: PingKind,
        data: Option<[u8; 8]>,
        folded: Option<Folded>,
    },
    /// An HTTP/1.1 server announced its keep-alive policy (`Keep-Alive:
    /// timeout=5, max=100`); said when it first appears on a connection or changes.
    KeepAlive(KeepAlive),
}

/// Server pings that came less than a second apart, told as one event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Folded {
    /// How many pings the event stands for, itself included (2 or more).
    pub count: u64,
    /// The time they took: since the previous event of their kind.
    pub over: Duration,
}

impl Folded {
    /// Pings a second above which a run of them is called a flood.
    pub const FLOOD_RATE: f64 = 20.0;

    /// Pings a second.
    pub fn rate(&self) -> f64 {
        self.count as f64 / self.over.as_secs_f64().max(1e-3)
    }

    pub fn is_flood(&self) -> bool {
        self.rate() >= Self::FLOOD_RATE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_parse_and_never_show_their_value() {
        let h: RequestHeader = "Authorization: Bearer XYZ".parse().unwrap();
        assert_eq!(
            (h.name.as_str(), h.value.as_str()),
            ("Authorization", "Bearer XYZ")
        );
        assert_eq!(format!("{h:?}"), "Authorization: <hidden>");
        for bad in ["NoColon XYZ", ": XYZ", "Bad Name: XYZ", "X: a\nb"] {
            let err = bad.parse::<RequestHeader>().unwrap_err().to_string();
            assert!(!err.contains("XYZ"), "{err}");
        }
    }
}
