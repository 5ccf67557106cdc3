//! Protocol sessions behind one interface: resolve a target, connect (TCP, TLS, the
//! protocol's handshake, each timed), do one keepalive round trip, and report what
//! the peer does on its own between probes. Each protocol lives in its own file;
//! this module only dispatches.

pub mod grpc;
pub mod h2channel;
pub mod h2tap;
pub mod tcp;
pub mod timer;
pub mod ws;

use std::fmt;
use std::net::SocketAddr;
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::cause::{Cause, CauseKind};
use crate::error::{Error, Result};
use crate::sockopt::TcpOptions;
use crate::target::{Host, Scheme, Target};
use crate::template::Template;
use crate::tls::{ClientTls, Io};
use timer::ProbeTimer;

/// How a target is probed. Which modes apply depends on the protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mode {
    /// TCP: one persistent connection, a line sent and its reply line awaited.
    Echo,
    /// TCP: a fresh connection per probe; the handshake time is the RTT.
    Connect,
    /// WebSocket: Ping frames, each matched to its Pong by sequence number.
    Ping,
    /// WebSocket: an application message from a template, its reply by pattern.
    Text,
    /// gRPC: `grpc.health.v1.Health/Check`; SERVING is a reply, anything else a failure.
    Health,
    /// gRPC: an HTTP/2 PING frame and its acknowledgement.
    H2Ping,
}

impl Mode {
    pub const ALL: [Mode; 6] = [
        Mode::Echo,
        Mode::Connect,
        Mode::Ping,
        Mode::Text,
        Mode::Health,
        Mode::H2Ping,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Echo => "echo",
            Mode::Connect => "connect",
            Mode::Ping => "ping",
            Mode::Text => "text",
            Mode::Health => "health",
            Mode::H2Ping => "h2ping",
        }
    }

    /// The modes a scheme supports, default first.
    pub fn for_scheme(scheme: Scheme) -> &'static [Mode] {
        match scheme {
            Scheme::Tcp => &[Mode::Echo, Mode::Connect],
            Scheme::Ws | Scheme::Wss => &[Mode::Ping, Mode::Text],
            Scheme::Grpc | Scheme::Grpcs => &[Mode::Health, Mode::H2Ping],
        }
    }

    /// Picks the mode for a target: the one asked for if it fits, else the default.
    pub fn resolve(asked: Option<Mode>, target: &Target) -> Result<Mode> {
        let modes = Mode::for_scheme(target.scheme);
        let Some(&default) = modes.first() else {
            return Err(Error::Unsupported(target.scheme));
        };
        match asked {
            None => Ok(default),
            Some(m) if modes.contains(&m) => Ok(m),
            Some(m) => Err(Error::ModeMismatch {
                mode: m.as_str().to_string(),
                scheme: target.scheme,
                expected: modes
                    .iter()
                    .map(|m| m.as_str())
                    .collect::<Vec<_>>()
                    .join(" or "),
            }),
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Mode {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        Mode::ALL
            .into_iter()
            .find(|m| m.as_str() == s)
            .ok_or_else(|| {
                format!("unknown mode '{s}' (expected echo, connect, ping, text, health or h2ping)")
            })
    }
}

/// A request header (`-H 'Name: value'`). Its value is a secret: `Debug` hides it
/// and nothing in the suite prints it.
#[derive(Clone, PartialEq, Eq)]
pub struct Header {
    pub name: String,
    pub value: String,
}

impl fmt::Debug for Header {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: <hidden>", self.name)
    }
}

impl FromStr for Header {
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
        Ok(Header {
            name: name.to_string(),
            value: value.to_string(),
        })
    }
}

/// Everything a session needs to know about how to probe.
#[derive(Clone, Debug)]
pub struct ProbeConfig {
    pub mode: Mode,
    /// How long one probe may take, connection and handshakes included.
    pub timeout: Duration,
    pub tcp: TcpOptions,
    /// What to send (TCP echo line, WebSocket text message).
    pub send: Template,
    /// What a reply must contain; `None` accepts the protocol's usual answer.
    pub expect: Option<Template>,
    /// TLS settings for `wss://` and `grpcs://`.
    pub tls: ClientTls,
    /// Extra request headers (WebSocket upgrade, gRPC metadata).
    pub headers: Vec<Header>,
    /// WebSocket subprotocol to ask for.
    pub subprotocol: Option<String>,
    /// A new connection for every probe, with its phases timed.
    pub fresh: bool,
    /// gRPC health: the service to ask about (`""` is the whole server).
    pub service: String,
    /// gRPC: the `:authority` to send instead of the target's host:port.
    pub authority: Option<String>,
}

impl ProbeConfig {
    pub fn new(mode: Mode) -> Self {
        ProbeConfig {
            mode,
            timeout: Duration::from_secs(2),
            tcp: TcpOptions::default(),
            send: Template::new("PING").expect("constant template"),
            expect: None,
            tls: ClientTls::default(),
            headers: Vec::new(),
            subprotocol: None,
            fresh: false,
            service: String::new(),
            authority: None,
        }
    }
}

/// How long each step of opening a connection took.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Phases {
    /// TCP handshake.
    pub connect: Duration,
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
}

/// What one probe produced.
#[derive(Clone, Debug)]
pub struct ProbeReport {
    /// Connections the probe had to open first (its persistent one; two when a
    /// graceful GOAWAY sent it to a new one).
    pub connected: Vec<Connected>,
    /// For `--fresh` probes: how long each step took.
    pub phases: Option<Phases>,
    pub result: std::result::Result<Duration, Cause>,
}

/// Something the peer did on its own.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Passive {
    /// The connection ended, and why; the session is gone.
    Lost(Cause),
    /// The server sent a keepalive ping (answered); `interval` since its last one.
    ServerPing { interval: Option<Duration> },
}

/// One live connection of one protocol.
#[derive(Debug)]
enum Session {
    TcpEcho(tcp::EchoSession),
    Ws(Box<ws::WsSession>),
    Grpc(Box<grpc::GrpcSession>),
}

impl Session {
    async fn round_trip(
        &mut self,
        seq: u64,
        cfg: &ProbeConfig,
        timer: &mut ProbeTimer,
    ) -> std::result::Result<Duration, Cause> {
        match self {
            Session::TcpEcho(s) => s.round_trip(seq, cfg, timer).await,
            Session::Ws(s) => s.round_trip(seq, cfg, timer).await,
            // Boxed: a tonic call is a large future, and only gRPC should carry it.
            Session::Grpc(s) => Box::pin(s.round_trip(seq, cfg, timer)).await,
        }
    }

    /// Whether the connection can carry the next probe after a failed one.
    fn usable_after(&self, cause: &Cause) -> bool {
        match self {
            Session::TcpEcho(_) | Session::Ws(_) => cause.kind == CauseKind::Timeout,
            Session::Grpc(s) => s.usable_after(cause),
        }
    }

    async fn passive(&mut self) -> Passive {
        match self {
            Session::TcpEcho(s) => s.passive().await,
            Session::Ws(s) => s.passive().await,
            Session::Grpc(s) => s.passive().await,
        }
    }

    /// Why the connection is already over, when the session can tell without
    /// reading from it.
    fn take_gone(&mut self) -> Option<Cause> {
        match self {
            Session::TcpEcho(_) | Session::Ws(_) => None,
            Session::Grpc(s) => s.take_gone(),
        }
    }

    fn take_events(&mut self) -> Vec<Passive> {
        match self {
            Session::TcpEcho(_) => Vec::new(),
            Session::Ws(s) => s.take_events(),
            Session::Grpc(s) => s.take_events(),
        }
    }

    async fn close(self, timer: &mut ProbeTimer) {
        match self {
            Session::TcpEcho(_) | Session::Grpc(_) => {}
            Session::Ws(s) => (*s).close(timer).await,
        }
    }
}

/// Probes one target, holding its session between probes and re-establishing it
/// after a break.
#[derive(Debug)]
pub struct Prober {
    target: Target,
    addrs: Vec<SocketAddr>,
    /// Index into `addrs` of the address that last accepted a connection.
    preferred: usize,
    cfg: ProbeConfig,
    /// Built once for TLS targets; `None` for plain ones, which never touch TLS.
    tls: Option<Arc<rustls::ClientConfig>>,
    session: Option<Session>,
    timer: ProbeTimer,
    /// Passive events seen while probing, waiting to be reported.
    events: Vec<Passive>,
    /// Whether a probe opens a new connection when there is none (kaping) or
    /// fails, leaving reconnection to the caller (kawatch's state machine).
    auto_reconnect: bool,
}

impl Prober {
    /// Resolves the target's name (bounded by the probe timeout), reads TLS files,
    /// and prepares to probe. Errors here are setup errors.
    pub async fn new(target: Target, cfg: ProbeConfig) -> Result<Self> {
        Mode::resolve(Some(cfg.mode), &target)?;
        let tls = if target.scheme.is_tls() {
            let alpn: &[&[u8]] = match target.scheme {
                Scheme::Grpcs => &[b"h2"],
                _ => &[b"http/1.1"],
            };
            cfg.tls.server_name(&tls_host(&target, &cfg))?;
            Some(cfg.tls.config(alpn)?)
        } else {
            None
        };
        let addrs = resolve(&target, cfg.timeout).await?;
        Ok(Prober {
            target,
            addrs,
            preferred: 0,
            cfg,
            tls,
            session: None,
            timer: ProbeTimer::default(),
            events: Vec::new(),
            auto_reconnect: true,
        })
    }

    pub fn target(&self) -> &Target {
        &self.target
    }

    pub fn config(&self) -> &ProbeConfig {
        &self.cfg
    }

    /// The address probes go to (the first that accepted, else the first resolved).
    pub fn addr(&self) -> SocketAddr {
        self.addrs[self.preferred]
    }

    pub fn is_connected(&self) -> bool {
        self.session.is_some()
    }

    /// With `false`, a probe never opens a connection: without one (or with one the
    /// server has sent away) it fails, and the caller decides when to [`connect`].
    ///
    /// [`connect`]: Prober::connect
    pub fn set_auto_reconnect(&mut self, on: bool) {
        self.auto_reconnect = on;
    }

    /// Opens the connection (TCP, TLS, the protocol's handshake) unless it is open,
    /// within the probe timeout.
    pub async fn connect(&mut self) -> std::result::Result<Connected, Cause> {
        self.timer.ensure(self.cfg.timeout);
        if self.cfg.mode == Mode::Connect {
            return self
                .connect_tcp()
                .await
                .map(|(_stream, (addr, connect))| Connected {
                    addr,
                    phases: Phases {
                        connect,
                        ..Phases::default()
                    },
                });
        }
        let (session, info) = Box::pin(self.open()).await?;
        self.session = Some(session);
        Ok(info)
    }

    /// Drops the connection without ceremony.
    pub fn disconnect(&mut self) {
        self.session = None;
    }

    /// Pre-arms the deadline of a probe that will be sent at `send_at`. Optional:
    /// it keeps timer registration out of the timed round trip (see `timer`).
    pub fn arm(&mut self, send_at: tokio::time::Instant) {
        self.timer.arm(send_at + self.cfg.timeout);
    }

    /// Sends probe `seq` and waits for its reply, connecting first if needed. The
    /// whole probe, connection included, is bounded by the timeout.
    pub async fn probe(&mut self, seq: u64) -> ProbeReport {
        self.timer.ensure(self.cfg.timeout);
        if self.cfg.mode == Mode::Connect {
            let result = self
                .connect_tcp()
                .await
                .map(|(_stream, addr_and_time)| addr_and_time.1);
            return ProbeReport {
                connected: Vec::new(),
                phases: None,
                result,
            };
        }
        if self.cfg.fresh {
            return self.probe_fresh(seq).await;
        }
        let mut connected = Vec::new();
        // A graceful GOAWAY that lands as the probe goes out refuses it before it
        // reaches the server; like a gRPC client's transparent retry, it is tried
        // once more on a new connection.
        for attempt in 0..2 {
            if let Some(session) = self.session.as_mut() {
                if let Some(cause) = session.take_gone() {
                    self.events.extend(session.take_events());
                    self.session = None;
                    if !self.auto_reconnect {
                        return ProbeReport {
                            connected,
                            phases: None,
                            result: Err(cause),
                        };
                    }
                    self.events.push(Passive::Lost(cause));
                }
            }
            if self.session.is_none() && !self.auto_reconnect {
                return ProbeReport {
                    connected,
                    phases: None,
                    result: Err(Cause::new(CauseKind::Io, "not connected")),
                };
            }
            if self.session.is_none() {
                // Boxed: the largest step, and rare; it keeps the probe future small.
                match Box::pin(self.open()).await {
                    Ok((session, info)) => {
                        self.session = Some(session);
                        connected.push(info);
                    }
                    Err(cause) => {
                        return ProbeReport {
                            connected,
                            phases: None,
                            result: Err(cause),
                        };
                    }
                }
            }
            let session = self.session.as_mut().expect("session just opened");
            let result = session.round_trip(seq, &self.cfg, &mut self.timer).await;
            self.events.extend(session.take_events());
            if let Err(cause) = &result {
                // A timeout leaves a connection usable (late replies are skipped),
                // and so does a gRPC status; anything else means it is gone.
                if !session.usable_after(cause) {
                    self.session = None;
                    if attempt == 0 && cause.kind == CauseKind::Goaway(0) && self.auto_reconnect {
                        self.events.push(Passive::Lost(cause.clone()));
                        continue;
                    }
                }
            }
            return ProbeReport {
                connected,
                phases: None,
                result,
            };
        }
        unreachable!("the second attempt returns")
    }

    /// A probe on a connection of its own: every phase timed, then a polite close.
    async fn probe_fresh(&mut self, seq: u64) -> ProbeReport {
        let (mut session, Connected { mut phases, .. }) = match Box::pin(self.open()).await {
            Ok(opened) => opened,
            Err(cause) => {
                return ProbeReport {
                    connected: Vec::new(),
                    phases: None,
                    result: Err(cause),
                };
            }
        };
        let result = session.round_trip(seq, &self.cfg, &mut self.timer).await;
        self.events.extend(session.take_events());
        session.close(&mut self.timer).await;
        let result = result.map(|first| {
            phases.first = Some(first);
            phases.total()
        });
        ProbeReport {
            connected: Vec::new(),
            phases: Some(phases),
            result,
        }
    }

    /// Passive events seen while probing (server pings during a round trip, a
    /// connection found gone before one), oldest first.
    pub fn take_events(&mut self) -> Vec<Passive> {
        std::mem::take(&mut self.events)
    }

    /// Waits for the peer to do something between probes: passive events seen
    /// during the last probe first, then the live connection; pending forever while
    /// there is none. After `Passive::Lost` the session is gone.
    pub async fn passive(&mut self) -> Passive {
        if !self.events.is_empty() {
            return self.events.remove(0);
        }
        match self.session.as_mut() {
            Some(session) => {
                let event = session.passive().await;
                if matches!(event, Passive::Lost(_)) {
                    self.session = None;
                }
                event
            }
            None => std::future::pending().await,
        }
    }

    /// Closes the connection politely (a WebSocket close frame), within a second.
    pub async fn close(&mut self) {
        if let Some(session) = self.session.take() {
            self.timer.ensure(Duration::from_secs(1));
            session.close(&mut self.timer).await;
        }
    }

    /// Opens a session: TCP, then TLS for TLS targets, then the protocol handshake.
    async fn open(&mut self) -> std::result::Result<(Session, Connected), Cause> {
        let (tcp, (addr, connect)) = self.connect_tcp().await?;
        let mut phases = Phases {
            connect,
            ..Phases::default()
        };
        if self.cfg.mode == Mode::Echo {
            let session = Session::TcpEcho(tcp::EchoSession::new(tcp));
            return Ok((session, Connected { addr, phases }));
        }
        let io: Box<dyn Io> = match &self.tls {
            None => Box::new(tcp),
            Some(config) => {
                let name = self
                    .cfg
                    .tls
                    .server_name(&tls_host(&self.target, &self.cfg))
                    .expect("checked when the prober was made");
                let started = Instant::now();
                // Handshakes are boxed: they are large futures that only their
                // protocol should carry, and only while they run.
                let handshake = Box::pin(crate::tls::connect(tcp, config.clone(), name));
                let stream = self
                    .timer
                    .within(handshake)
                    .await
                    .ok_or_else(|| Cause::timeout("TLS handshake not finished in time"))??;
                phases.tls = Some(started.elapsed());
                Box::new(stream)
            }
        };
        let started = Instant::now();
        let session = match self.cfg.mode {
            Mode::Ping | Mode::Text => Session::Ws(Box::new(
                Box::pin(ws::handshake(io, &self.target, &self.cfg, &mut self.timer)).await?,
            )),
            Mode::Health | Mode::H2Ping => Session::Grpc(Box::new(
                Box::pin(grpc::handshake(
                    io,
                    &self.target,
                    &self.cfg,
                    &mut self.timer,
                ))
                .await?,
            )),
            Mode::Echo | Mode::Connect => unreachable!("TCP modes return above"),
        };
        phases.handshake = Some(started.elapsed());
        Ok((session, Connected { addr, phases }))
    }

    /// Connects to the preferred address, falling back to the others in turn.
    async fn connect_tcp(
        &mut self,
    ) -> std::result::Result<(tokio::net::TcpStream, (SocketAddr, Duration)), Cause> {
        let mut last = None;
        for i in 0..self.addrs.len() {
            let idx = (self.preferred + i) % self.addrs.len();
            let addr = self.addrs[idx];
            let started = Instant::now();
            match crate::sockopt::connect(addr, &self.cfg.tcp, &mut self.timer).await {
                Ok(stream) => {
                    self.preferred = idx;
                    return Ok((stream, (addr, started.elapsed())));
                }
                Err(cause) => last = Some(cause),
            }
        }
        Err(last.expect("at least one resolved address"))
    }
}

/// The name TLS verifies: `--sni`, else the `--authority` host, else the target's.
fn tls_host(target: &Target, cfg: &ProbeConfig) -> String {
    match &cfg.authority {
        Some(authority) => authority
            .rsplit_once(':')
            .filter(|(_, port)| port.parse::<u16>().is_ok())
            .map_or(authority.as_str(), |(host, _)| host)
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string(),
        None => target.host_str(),
    }
}

/// Resolves a target's host to socket addresses, within `timeout`.
pub async fn resolve(target: &Target, timeout: Duration) -> Result<Vec<SocketAddr>> {
    if let Host::Ip(ip) = target.host {
        return Ok(vec![SocketAddr::new(ip, target.port)]);
    }
    let host = target.host_str();
    let lookup = tokio::net::lookup_host(target.authority());
    let addrs: Vec<SocketAddr> = match tokio::time::timeout(timeout, lookup).await {
        Ok(Ok(addrs)) => addrs.collect(),
        Ok(Err(e)) => {
            return Err(Error::Resolve {
                host,
                detail: e.to_string(),
            });
        }
        Err(_) => {
            return Err(Error::Resolve {
                host,
                detail: format!("no answer within {}", humantime::format_duration(timeout)),
            });
        }
    };
    if addrs.is_empty() {
        return Err(Error::Resolve {
            host,
            detail: "no addresses".into(),
        });
    }
    Ok(addrs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_fit_their_schemes() {
        let tcp: Target = "tcp://h:1".parse().unwrap();
        assert_eq!(Mode::resolve(None, &tcp).unwrap(), Mode::Echo);
        assert_eq!(
            Mode::resolve(Some(Mode::Connect), &tcp).unwrap(),
            Mode::Connect
        );
        let ws: Target = "ws://h:1/".parse().unwrap();
        assert_eq!(Mode::resolve(None, &ws).unwrap(), Mode::Ping);
        assert!(matches!(
            Mode::resolve(Some(Mode::Echo), &ws),
            Err(Error::ModeMismatch { .. })
        ));
        let grpc: Target = "grpc://h:1".parse().unwrap();
        assert_eq!(Mode::resolve(None, &grpc).unwrap(), Mode::Health);
        assert_eq!(
            Mode::resolve(Some(Mode::H2Ping), &grpc).unwrap(),
            Mode::H2Ping
        );
        assert!("nope".parse::<Mode>().is_err());
    }

    #[test]
    fn headers_parse_and_never_show_their_value() {
        let h: Header = "Authorization: Bearer XYZ".parse().unwrap();
        assert_eq!(
            (h.name.as_str(), h.value.as_str()),
            ("Authorization", "Bearer XYZ")
        );
        assert_eq!(format!("{h:?}"), "Authorization: <hidden>");
        for bad in ["NoColon XYZ", ": XYZ", "Bad Name: XYZ", "X: a\nb"] {
            let err = bad.parse::<Header>().unwrap_err().to_string();
            assert!(!err.contains("XYZ"), "{err}");
        }
    }
}
