//! The prober: one target's session held between probes and re-established after a
//! break, each probe bounded by its timeout, connection included; the TCP connect
//! (to the one address addressing chose: never a silent fallback to another) and
//! TLS that every protocol shares; and what the peer does on its own between probes.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::http::HttpReply;
use crate::cause::{Cause, CauseKind};
use crate::deadline::ProbeTimer;
use crate::error::{Error, Result};
use crate::proto::config::{Connected, Passive, Phases, ProbeConfig, ProbeOutcome};
use crate::proto::mode::Mode;
use crate::proto::session::{BoxFut, OpenArgs, Probe, Session, Transport};
use crate::target::Target;

/// Probes one target, holding its session between probes and re-establishing it
/// after a break.
#[derive(Debug)]
pub struct Prober {
    target: Target,
    /// Every address the name stands for (after -4/-6 and --resolve), or the
    /// proxy's; probes go to the first, the rest are counted when it fails.
    addrs: Vec<SocketAddr>,
    /// The HTTP proxy connections tunnel through, if any.
    proxy: Option<crate::proxy::Proxy>,
    cfg: ProbeConfig,
    /// Built once for TLS targets; `None` for plain ones, which never touch TLS.
    tls: Option<Arc<rustls::ClientConfig>>,
    session: Option<Box<dyn Session>>,
    timer: ProbeTimer,
    /// Passive events seen while probing, waiting to be reported.
    events: Vec<Passive>,
    /// Whether a probe opens a new connection when there is none (kaping) or
    /// fails, leaving reconnection to the caller (kawatch's state machine).
    auto_reconnect: bool,
    /// The server pings of the current connection, folded (see [`super::pingfold::PingFold`]).
    fold: super::SharedFold,
    /// With `trace`: lines of the connection being opened (the proxy's answer).
    opening: Vec<String>,
    /// With `trace`: the last exchange's lines.
    trace: Vec<String>,
    /// When the last TLS connection's earliest certificate expires (Unix seconds).
    cert_expiry: Option<u64>,
}

impl Prober {
    /// Resolves the target's name (bounded by the probe timeout), reads TLS files,
    /// and prepares to probe. Errors here are setup errors.
    pub async fn new(target: Target, cfg: ProbeConfig) -> Result<Self> {
        let within = cfg.timeout;
        Self::new_within(target, cfg, within).await
    }

    /// As [`Prober::new`], with the name resolution bounded by `within` as well as
    /// by the probe timeout: a run's deadline covers its resolving too.
    pub async fn new_within(target: Target, cfg: ProbeConfig, within: Duration) -> Result<Self> {
        Mode::resolve(Some(cfg.mode), &target)?;
        let tls = if target.scheme.is_tls() {
            cfg.tls.server_name(&tls_host(&target, &cfg))?;
            let alpn = super::registry::protocol_info(target.protocol()).alpn;
            Some(cfg.tls.config(alpn(&cfg))?)
        } else {
            None
        };
        let proxy = cfg
            .proxy
            .choose(&target, |name| std::env::var(name).ok())
            .map_err(Error::Proxy)?;
        // Through a proxy the proxy resolves the target's name; we resolve the
        // proxy's, and -4/-6 and --resolve apply to it, as curl applies them. A
        // rule for the target would be silently ignored: refused instead.
        let resolved = match &proxy {
            Some(p) if cfg.addressing.rule(&target).is_some() => {
                return Err(Error::Proxy(format!(
                    "--resolve {}:{} cannot apply through the proxy {p}, which resolves                      the target's name itself (add --noproxy {} to connect directly)",
                    target.host_str(),
                    target.port,
                    target.host_str()
                )));
            }
            Some(p) => proxy_target(p)?,
            None => target.clone(),
        };
        let addrs =
            crate::addressing::addresses(&resolved, &cfg.addressing, within.min(cfg.timeout))
                .await?;
        Ok(Prober {
            target,
            addrs,
            proxy,
            cfg,
            tls,
            session: None,
            timer: ProbeTimer::default(),
            events: Vec::new(),
            auto_reconnect: true,
            opening: Vec::new(),
            trace: Vec::new(),
            cert_expiry: None,
            fold: Default::default(),
        })
    }

    /// A prober for the same target with the same settings and resolved
    /// addresses, and no connection: discovery opens many without asking DNS again.
    pub fn sibling(&self) -> Self {
        Prober {
            target: self.target.clone(),
            addrs: self.addrs.clone(),
            proxy: self.proxy.clone(),
            cfg: self.cfg.clone(),
            tls: self.tls.clone(),
            session: None,
            timer: ProbeTimer::default(),
            events: Vec::new(),
            auto_reconnect: self.auto_reconnect,
            opening: Vec::new(),
            trace: Vec::new(),
            cert_expiry: None,
            fold: Default::default(),
        }
    }

    /// Waits this long for a reply from now on (discovery's rungs wait as long
    /// as their connection's round trips warrant, at most the run's timeout).
    pub fn set_timeout(&mut self, timeout: Duration) {
        self.cfg.timeout = timeout;
    }

    /// Probes in `mode` from now on (discovery's connections each do one thing).
    pub fn set_mode(&mut self, mode: Mode) {
        self.cfg.mode = mode;
    }

    /// Opens later connections with this TCP keepalive (SO_KEEPALIVE) setting.
    pub fn set_tcp_keepalive(&mut self, spec: Option<crate::sockopt::KeepaliveSpec>) {
        self.cfg.tcp.keepalive = spec;
    }

    pub fn target(&self) -> &Target {
        &self.target
    }

    pub fn config(&self) -> &ProbeConfig {
        &self.cfg
    }

    /// The address probes go to: the first the name resolved to (the proxy's,
    /// through a proxy).
    pub fn addr(&self) -> SocketAddr {
        self.addrs[0]
    }

    /// The proxy in the path, if any.
    pub fn proxy(&self) -> Option<&crate::proxy::Proxy> {
        self.proxy.as_ref()
    }

    /// Where connections go, for a header line: `127.0.0.1:7070`, or
    /// `via proxy http://p:3128 at 10.0.0.1:3128`.
    pub fn route(&self) -> String {
        match &self.proxy {
            Some(proxy) => format!("via proxy {proxy} at {}", self.addr()),
            None => self.addr().to_string(),
        }
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
        if self.cfg.mode.info().connection_per_probe {
            return self
                .connect_tcp()
                .await
                .map(|(_stream, (addr, phases))| Connected {
                    addr,
                    phases,
                    trace: Vec::new(),
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
    pub async fn probe(&mut self, seq: u64) -> ProbeOutcome {
        self.timer.ensure(self.cfg.timeout);
        if self.cfg.mode.info().connection_per_probe {
            if let Some(limit) = self.cfg.connect_timeout {
                self.timer.arm(tokio::time::Instant::now() + limit);
            }
            let result = self
                .connect_tcp()
                .await
                .map(|(_stream, (_, phases))| phases.total())
                .map_err(Cause::while_connecting);
            return ProbeOutcome {
                connected: Vec::new(),
                phases: None,
                http: None,
                result,
            };
        }
        if self.cfg.fresh {
            return self.probe_fresh(seq).await;
        }
        let mut connected = Vec::new();
        // A probe the session says never reached the server (a graceful GOAWAY
        // that lands as it goes out) is tried once more on a new connection.
        for attempt in 0..2 {
            if let Some(session) = self.session.as_mut() {
                if let Some(cause) = session.take_gone() {
                    self.events.extend(session.take_events());
                    self.session = None;
                    let folded = self.take_folded();
                    self.events.extend(folded);
                    if !self.auto_reconnect {
                        return ProbeOutcome::failed(connected, cause);
                    }
                    self.events.push(Passive::Lost(cause));
                }
            }
            if self.session.is_none() && !self.auto_reconnect {
                return ProbeOutcome::failed(connected, Cause::new(CauseKind::Io, "not connected"));
            }
            if self.session.is_none() {
                // Boxed: the largest step, and rare; it keeps the probe future small.
                match Box::pin(self.open()).await {
                    Ok((session, info)) => {
                        self.session = Some(session);
                        connected.push(info);
                    }
                    Err(cause) => {
                        return ProbeOutcome::failed(connected, cause);
                    }
                }
            }
            let mut session = self.session.take().expect("session just opened");
            let (result, http) = self.exchange(session.as_mut(), seq).await;
            self.session = Some(session);
            let session = self.session.as_mut().expect("just put back");
            if let Err(cause) = &result {
                // A timeout leaves a connection usable (late replies are skipped),
                // and so does a gRPC status; anything else means it is gone.
                if !session.usable_after(cause) {
                    // An ending the session knew of besides the failure (an HTTP
                    // server's Connection: close on a 503) is said too.
                    if let Some(gone) = session.take_gone().filter(|g| g != cause) {
                        self.events.push(Passive::Lost(gone));
                    }
                    let retry = session.retry_on_new_connection(cause);
                    self.session = None;
                    if attempt == 0 && retry && self.auto_reconnect {
                        self.events.push(Passive::Lost(cause.clone()));
                        continue;
                    }
                }
            }
            return ProbeOutcome {
                connected,
                phases: None,
                http,
                result,
            };
        }
        unreachable!("the second attempt returns")
    }

    /// A probe on a connection of its own: every phase timed, then a polite close.
    async fn probe_fresh(&mut self, seq: u64) -> ProbeOutcome {
        let (
            mut session,
            Connected {
                mut phases,
                trace: opened,
                ..
            },
        ) = match Box::pin(self.open()).await {
            Ok(opened) => opened,
            Err(cause) => {
                return ProbeOutcome::failed(Vec::new(), cause);
            }
        };
        let (result, http) = self.exchange(session.as_mut(), seq).await;
        // The connection's lines (proxy, TLS, handshake) before the exchange's.
        let exchange = std::mem::take(&mut self.trace);
        self.trace = opened;
        self.trace.extend(exchange);
        session.close(&mut self.timer).await;
        let result = result.map(|first| {
            phases.first = Some(first);
            phases.total()
        });
        ProbeOutcome {
            connected: Vec::new(),
            phases: Some(phases),
            http,
            result,
        }
    }

    /// One round trip on `session`; what the peer did meanwhile is kept for
    /// [`Prober::passive`]. Returns the result and, over HTTP, the response.
    async fn exchange(
        &mut self,
        session: &mut dyn Session,
        seq: u64,
    ) -> (std::result::Result<Duration, Cause>, Option<HttpReply>) {
        let probe = Probe {
            seq,
            cfg: &self.cfg,
            timer: &mut self.timer,
        };
        let result = session.round_trip(probe).await;
        self.events.extend(session.take_events());
        self.trace = session.take_trace();
        (result, session.take_reply())
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
                if !matches!(event, Passive::Lost(_)) {
                    return event;
                }
                // The flood's last second first, then the end.
                self.session = None;
                let mut folded = self.take_folded();
                if folded.is_empty() {
                    return event;
                }
                folded.push(event);
                let first = folded.remove(0);
                self.events.extend(folded);
                first
            }
            None => std::future::pending().await,
        }
    }

    /// Runs a protocol's own operation on the connection (a gRPC Watch, a
    /// WebSocket Pong), within the timeout; with `open`, opening the connection
    /// first if there is none. Events it saw are kept for [`Prober::passive`], and
    /// a failure that ended the connection drops it.
    pub async fn with_session<T>(
        &mut self,
        open: bool,
        op: impl for<'a> FnOnce(
            &'a mut dyn Session,
            &'a ProbeConfig,
            &'a mut ProbeTimer,
        ) -> BoxFut<'a, std::result::Result<T, Cause>>,
    ) -> std::result::Result<T, Cause> {
        self.timer.ensure(self.cfg.timeout);
        if open && self.session.is_none() {
            let (session, _) = Box::pin(self.open()).await?;
            self.session = Some(session);
        }
        let Some(session) = self.session.as_mut() else {
            return Err(Cause::new(CauseKind::Io, "not connected"));
        };
        let result = op(session.as_mut(), &self.cfg, &mut self.timer).await;
        self.events.extend(session.take_events());
        if result.is_err() && session.take_gone().is_some() {
            self.session = None;
        }
        result
    }

    /// When the last TLS connection's earliest certificate expires, in seconds
    /// since 1970.
    pub fn cert_expiry(&self) -> Option<u64> {
        self.cert_expiry
    }

    /// With `trace`: the last exchange's lines (curl -v's), taken.
    pub fn take_trace(&mut self) -> Vec<String> {
        std::mem::take(&mut self.trace)
    }

    /// The text of the last probe's reply (a WebSocket message, a TCP line).
    pub fn take_text(&mut self) -> Option<String> {
        self.session.as_mut().and_then(|s| s.take_text())
    }

    /// Sends `line` with the probes from now on (`--send -`: a line a person
    /// typed); placeholders in it are filled as in --send.
    pub fn set_send(&mut self, line: &str) {
        self.cfg.send = crate::template::Template::literal(line);
    }

    /// The last answered call's `server` and `via` headers.
    pub fn take_headers(&mut self) -> Option<super::grpc::ServerHeaders> {
        self.session.as_mut().and_then(|s| s.take_headers())
    }

    /// Server pings folded into a count and not yet told, as events (at the
    /// end of a run or a connection): kept here, not in the session, so a probe
    /// cut off with the session in hand loses none.
    pub fn take_folded(&mut self) -> Vec<Passive> {
        self.fold.lock().expect("fold lock").take_unsaid()
    }

    /// Closes the connection politely (a WebSocket close frame), within a second.
    pub async fn close(&mut self) {
        if let Some(session) = self.session.take() {
            self.timer.ensure(Duration::from_secs(1));
            session.close(&mut self.timer).await;
        }
    }

    /// Opens a session within the probe's deadline, or within
    /// `--connect-timeout` when it is set (the probe's timeout then starts
    /// again from the open connection). A failure is marked as met connecting.
    async fn open(&mut self) -> std::result::Result<(Box<dyn Session>, Connected), Cause> {
        let Some(limit) = self.cfg.connect_timeout else {
            return self.open_session().await.map_err(Cause::while_connecting);
        };
        self.timer.arm(tokio::time::Instant::now() + limit);
        let opened = self.open_session().await.map_err(|cause| {
            let cause = if cause.kind == CauseKind::Timeout {
                Cause::timeout(format!(
                    "no connection within --connect-timeout {} ({})",
                    humantime::format_duration(limit),
                    cause.detail
                ))
            } else {
                cause
            };
            cause.while_connecting()
        });
        self.timer
            .arm(tokio::time::Instant::now() + self.cfg.timeout);
        opened
    }

    /// Opens a session: TCP, then TLS for TLS targets, then the protocol handshake.
    async fn open_session(&mut self) -> std::result::Result<(Box<dyn Session>, Connected), Cause> {
        self.opening.clear();
        let (tcp, (addr, mut phases)) = self.connect_tcp().await?;
        let transport = match &self.tls {
            None => Transport::Tcp(tcp),
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
                self.cert_expiry = crate::tls::earliest_expiry(stream.get_ref().1);
                if self.cfg.trace {
                    let lines = crate::tls::describe(stream.get_ref().1, !self.cfg.tls.insecure);
                    for line in lines {
                        crate::trace::note(&mut self.opening, line);
                    }
                }
                let negotiated = stream.get_ref().1.alpn_protocol().map(<[u8]>::to_vec);
                Transport::Tls {
                    io: Box::new(stream),
                    negotiated,
                }
            }
        };
        let started = Instant::now();
        let protocol = super::registry::protocol_info(self.target.protocol());
        // A new connection folds its own pings; what the last left untold is
        // told first.
        let untold = self.take_folded();
        self.events.extend(untold);
        self.fold = Default::default();
        let args = OpenArgs {
            target: &self.target,
            cfg: &self.cfg,
            timer: &mut self.timer,
            fold: self.fold.clone(),
        };
        let mut session = (protocol.open)(transport, args).await?;
        if session.handshaken() {
            phases.handshake = Some(started.elapsed());
        }
        let mut trace = std::mem::take(&mut self.opening);
        trace.extend(session.take_trace());
        Ok((
            session,
            Connected {
                addr,
                phases,
                trace,
            },
        ))
    }

    /// Connects to the address probes go to, and through the proxy's tunnel when
    /// there is one. A failure is not hidden by trying another address of the name
    /// (that would measure another path); it names the address, and the others
    /// when there are some.
    async fn connect_tcp(
        &mut self,
    ) -> std::result::Result<(tokio::net::TcpStream, (SocketAddr, Phases)), Cause> {
        let addr = self.addr();
        let started = Instant::now();
        let stream = match crate::sockopt::connect(addr, &self.cfg.tcp, &mut self.timer).await {
            Ok(stream) => stream,
            Err(mut cause) => {
                if let Some(proxy) = &self.proxy {
                    cause.detail = format!("the proxy {proxy}: {}", cause.detail);
                } else if self.addrs.len() > 1 {
                    cause.detail = format!(
                        "{}; {} has {} addresses, --each-address probes each",
                        cause.detail,
                        self.target.host_str(),
                        self.addrs.len()
                    );
                }
                return Err(cause);
            }
        };
        let mut phases = Phases {
            connect: started.elapsed(),
            ..Phases::default()
        };
        let Some(proxy) = &self.proxy else {
            return Ok((stream, (addr, phases)));
        };
        // The pinned address, when --each-address chose one; else the name, which
        // the proxy resolves.
        let authority = match self.target.addr {
            Some(std::net::IpAddr::V6(ip)) => format!("[{ip}]:{}", self.target.port),
            Some(ip) => format!("{ip}:{}", self.target.port),
            None => self.target.authority(),
        };
        let started = Instant::now();
        let (stream, answer) =
            crate::proxy::tunnel(stream, &authority, proxy, &mut self.timer).await?;
        if self.cfg.trace {
            crate::trace::note(
                &mut self.opening,
                format!("proxy {proxy}: CONNECT {authority} answered {answer}"),
            );
        }
        phases.proxy = Some(started.elapsed());
        Ok((stream, (addr, phases)))
    }
}

/// A proxy as a target to resolve (its host and port).
fn proxy_target(proxy: &crate::proxy::Proxy) -> Result<Target> {
    let host = if proxy.host.contains(':') {
        format!("[{}]", proxy.host)
    } else {
        proxy.host.clone()
    };
    format!("tcp://{host}:{}", proxy.port)
        .parse()
        .map_err(|e| Error::Proxy(format!("the proxy's host: {e}")))
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

/// Resolves a target's host to socket addresses, within `timeout`, with no
/// addressing flags.
pub async fn resolve(target: &Target, timeout: Duration) -> Result<Vec<SocketAddr>> {
    crate::addressing::addresses(target, &crate::addressing::Addressing::default(), timeout).await
}
