//! Protocol sessions behind one interface: resolve a target, connect, do one
//! keepalive round trip, and report what the peer does on its own between probes.
//! Each protocol lives in its own file; this module only dispatches.

pub mod tcp;
pub mod timer;

use std::fmt;
use std::net::SocketAddr;
use std::str::FromStr;
use std::time::{Duration, Instant};

use crate::cause::{Cause, CauseKind};
use crate::error::{Error, Result};
use crate::sockopt::TcpOptions;
use crate::target::{Host, Scheme, Target};
use crate::template::Template;
use timer::ProbeTimer;

/// How a target is probed. Which modes apply depends on the protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mode {
    /// TCP: one persistent connection, a line sent and its reply line awaited.
    Echo,
    /// TCP: a fresh connection per probe; the handshake time is the RTT.
    Connect,
}

impl Mode {
    pub const ALL: [Mode; 2] = [Mode::Echo, Mode::Connect];

    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Echo => "echo",
            Mode::Connect => "connect",
        }
    }

    /// The modes a scheme supports, default first.
    pub fn for_scheme(scheme: Scheme) -> &'static [Mode] {
        match scheme {
            Scheme::Tcp => &[Mode::Echo, Mode::Connect],
            Scheme::Ws | Scheme::Wss | Scheme::Grpc | Scheme::Grpcs => &[],
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
            .ok_or_else(|| format!("unknown mode '{s}' (expected echo or connect)"))
    }
}

/// Everything a session needs to know about how to probe.
#[derive(Clone, Debug)]
pub struct ProbeConfig {
    pub mode: Mode,
    /// How long one probe may wait for its reply (and a connection for its handshake).
    pub timeout: Duration,
    pub tcp: TcpOptions,
    /// What to send (TCP echo line).
    pub send: Template,
    /// What a reply must contain; `None` accepts the protocol's usual answer.
    pub expect: Option<Template>,
}

impl ProbeConfig {
    pub fn new(mode: Mode) -> Self {
        ProbeConfig {
            mode,
            timeout: Duration::from_secs(2),
            tcp: TcpOptions::default(),
            send: Template::new("PING").expect("constant template"),
            expect: None,
        }
    }
}

/// A new connection made while probing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Connected {
    pub addr: SocketAddr,
    /// Time for the TCP handshake.
    pub connect: Duration,
}

/// What one probe produced.
#[derive(Clone, Debug)]
pub struct ProbeReport {
    /// Set when the probe had to open a connection first (not in connect mode,
    /// where every probe is a connection).
    pub connected: Option<Connected>,
    pub result: std::result::Result<Duration, Cause>,
}

/// One live connection of one protocol.
#[derive(Debug)]
enum Session {
    TcpEcho(tcp::EchoSession),
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
        }
    }

    async fn passive(&mut self) -> Cause {
        match self {
            Session::TcpEcho(s) => s.passive().await,
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
    session: Option<Session>,
    timer: ProbeTimer,
}

impl Prober {
    /// Resolves the target's name (bounded by the probe timeout) and prepares to probe.
    pub async fn new(target: Target, cfg: ProbeConfig) -> Result<Self> {
        Mode::resolve(Some(cfg.mode), &target)?;
        let addrs = resolve(&target, cfg.timeout).await?;
        Ok(Prober {
            target,
            addrs,
            preferred: 0,
            cfg,
            session: None,
            timer: ProbeTimer::default(),
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
            let result = self.connect_tcp().await.map(|(stream, connected)| {
                drop(stream);
                connected.connect
            });
            return ProbeReport {
                connected: None,
                result,
            };
        }
        let mut connected = None;
        if self.session.is_none() {
            match self.open().await {
                Ok((session, info)) => {
                    self.session = Some(session);
                    connected = Some(info);
                }
                Err(cause) => {
                    return ProbeReport {
                        connected,
                        result: Err(cause),
                    };
                }
            }
        }
        let session = self.session.as_mut().expect("session just opened");
        let result = session.round_trip(seq, &self.cfg, &mut self.timer).await;
        if let Err(cause) = &result {
            // A timeout leaves the connection usable (late replies are skipped);
            // anything else means it is gone.
            if cause.kind != CauseKind::Timeout {
                self.session = None;
            }
        }
        ProbeReport { connected, result }
    }

    /// Waits for the peer to end the connection between probes; pending forever
    /// while there is no connection. The session is dropped when this returns.
    pub async fn passive(&mut self) -> Cause {
        match self.session.as_mut() {
            Some(session) => {
                let cause = session.passive().await;
                self.session = None;
                cause
            }
            None => std::future::pending().await,
        }
    }

    async fn open(&mut self) -> std::result::Result<(Session, Connected), Cause> {
        match self.cfg.mode {
            Mode::Echo => {
                let (stream, info) = self.connect_tcp().await?;
                Ok((Session::TcpEcho(tcp::EchoSession::new(stream)), info))
            }
            Mode::Connect => unreachable!("connect mode holds no session"),
        }
    }

    /// Connects to the preferred address, falling back to the others in turn.
    async fn connect_tcp(
        &mut self,
    ) -> std::result::Result<(tokio::net::TcpStream, Connected), Cause> {
        let mut last = None;
        for i in 0..self.addrs.len() {
            let idx = (self.preferred + i) % self.addrs.len();
            let addr = self.addrs[idx];
            let started = Instant::now();
            match crate::sockopt::connect(addr, &self.cfg.tcp, &mut self.timer).await {
                Ok(stream) => {
                    let connect = started.elapsed();
                    self.preferred = idx;
                    return Ok((stream, Connected { addr, connect }));
                }
                Err(cause) => last = Some(cause),
            }
        }
        Err(last.expect("at least one resolved address"))
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
        assert!(matches!(
            Mode::resolve(None, &ws),
            Err(Error::Unsupported(Scheme::Ws))
        ));
        assert!("ping".parse::<Mode>().is_err());
    }
}
