//! Responders: the server side of every protocol, used by kaserve, kaping's demo,
//! the benchmarks and the tests. They log nothing themselves; they report events.

pub mod conn;
pub mod fault;
pub mod grpc;
pub mod http;
mod pongfilter;
pub mod tcp;
pub mod ws;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc::UnboundedSender;
use tokio_util::sync::CancellationToken;

pub use kaprobe::Protocol;
use kaprobe::cause::Cause;
use kaprobe::error::{Error, Result};

/// The loopback address a responder binds when no `--listen` is given.
pub fn default_listen(proto: Protocol) -> SocketAddr {
    let port = match proto {
        Protocol::Tcp => 7070,
        Protocol::Ws => 7071,
        Protocol::Grpc => 7072,
        Protocol::Http => 7073,
    };
    SocketAddr::from(([127, 0, 0, 1], port))
}

/// How responders behave: TLS, the keepalive policy they enforce, the faults they
/// act out.
#[derive(Debug, Default)]
pub struct ServeOptions {
    /// Serve TLS (`wss://`, `grpcs://`, `https://`) with this config.
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// gRPC: the keepalive policy enforced on clients.
    pub grpc: grpc::GrpcPolicy,
    /// HTTP: the keep-alive policy and the status of each path.
    pub http: http::HttpPolicy,
    /// gRPC: the health status of each service.
    pub health: std::sync::RwLock<grpc::HealthTable>,
    /// gRPC: woken when a status changes, for the Watch streams.
    pub health_changed: tokio::sync::Notify,
    /// gRPC: services whose status flips between SERVING and NOT_SERVING this often.
    pub flips: Vec<(String, Duration)>,
    /// WebSocket: send a Ping this often.
    pub ping_interval: Option<Duration>,
    /// WebSocket: close with 1011 when a Pong does not come this soon after a Ping.
    pub ping_timeout: Duration,
    /// Every protocol: ping silent clients, close the ones that stay silent.
    pub client_policy: Option<conn::ClientPolicy>,
    /// The liveness table of every connected client (with `client_policy`).
    pub clients: conn::ClientTable,
    /// Faults, each for one protocol or (`None`) for all it applies to.
    pub faults: Vec<(Option<Protocol>, fault::Fault)>,
}

/// Something that happened to a client of a responder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServeEvent {
    Connected {
        proto: Protocol,
        peer: SocketAddr,
    },
    /// Something happened to a client on the way: `idle`, `pinged`, `expired`,
    /// `fault`.
    Note {
        proto: Protocol,
        peer: SocketAddr,
        event: &'static str,
        detail: String,
    },
    /// The connection ended; `cause` is `None` when the server closed it on shutdown.
    Closed {
        proto: Protocol,
        peer: SocketAddr,
        cause: Option<Cause>,
        lifetime: Duration,
    },
}

/// Where responders send their events; `None` discards them.
pub type EventSink = Option<UnboundedSender<ServeEvent>>;

pub(crate) fn emit(sink: &EventSink, event: ServeEvent) {
    if let Some(tx) = sink {
        let _ = tx.send(event);
    }
}

/// Binds a listener with a backlog fit for many clients.
pub async fn bind(addr: SocketAddr) -> Result<TcpListener> {
    let bind = || -> std::io::Result<TcpListener> {
        let socket = match addr {
            SocketAddr::V4(_) => tokio::net::TcpSocket::new_v4()?,
            SocketAddr::V6(_) => tokio::net::TcpSocket::new_v6()?,
        };
        socket.set_reuseaddr(true)?;
        socket.bind(addr)?;
        socket.listen(1024)
    };
    bind().map_err(|source| Error::Bind {
        addr: addr.to_string(),
        source,
    })
}

/// Runs the responder for `proto` on `listener` until `shutdown` fires, then closes
/// every client connection and returns.
pub async fn serve(
    proto: Protocol,
    listener: TcpListener,
    opts: Arc<ServeOptions>,
    shutdown: CancellationToken,
    events: EventSink,
) {
    match proto {
        Protocol::Tcp => {
            accept_loop(proto, listener, opts, shutdown, events, tcp::handle).await;
        }
        Protocol::Ws => {
            accept_loop(proto, listener, opts, shutdown, events, ws::handle).await;
        }
        Protocol::Grpc => {
            for (service, every) in &opts.flips {
                let stop = shutdown.child_token();
                tokio::spawn(grpc::flip(service.clone(), *every, opts.clone(), stop));
            }
            accept_loop(proto, listener, opts, shutdown, events, grpc::handle).await;
        }
        Protocol::Http => {
            accept_loop(proto, listener, opts, shutdown, events, http::handle).await;
        }
    }
}

/// How long a connection has to close politely once kaserve is stopping.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

/// The most clients a responder serves at once.
pub const MAX_CLIENTS: usize = 16_384;

/// Accepts clients until `shutdown`, runs `handler` for each (it returns why the
/// connection ended, `None` for shutdown), then waits for every handler to finish.
async fn accept_loop<F, Fut>(
    proto: Protocol,
    listener: TcpListener,
    opts: Arc<ServeOptions>,
    shutdown: CancellationToken,
    events: EventSink,
    handler: F,
) where
    F: Fn(TcpStream, conn::Conn) -> Fut,
    Fut: Future<Output = Option<Cause>> + Send + 'static,
{
    let tracker = tokio_util::task::TaskTracker::new();
    let slots = Arc::new(tokio::sync::Semaphore::new(MAX_CLIENTS));
    loop {
        // At the cap, clients wait in the backlog until one leaves.
        let slot = tokio::select! {
            () = shutdown.cancelled() => break,
            slot = slots.clone().acquire_owned() => slot.expect("the semaphore is never closed"),
        };
        tokio::select! {
            () = shutdown.cancelled() => break,
            accepted = listener.accept() => {
                let Ok((stream, peer)) = accepted else {
                    // Accept errors (EMFILE, aborted handshakes) are per-client: keep
                    // serving, but back off rather than spin on a full table.
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                };
                let _ = stream.set_nodelay(true);
                let conn = conn::Conn::new(proto, peer, opts.clone(), shutdown.clone(), events.clone());
                if conn.faults.reset_after.is_some() {
                    // Dropping the socket then sends RST, not FIN.
                    let _ = socket2::SockRef::from(&stream).set_linger(Some(Duration::ZERO));
                }
                emit(&events, ServeEvent::Connected { proto, peer });
                let events = events.clone();
                let work = handler(stream, conn);
                let stop = shutdown.clone();
                tracker.spawn(async move {
                    let _slot = slot;
                    let started = Instant::now();
                    // A client that stops reading can block a reply's write, where
                    // no handler sees the shutdown: after the grace it is dropped.
                    let cause = tokio::select! {
                        cause = work => cause,
                        () = async {
                            stop.cancelled().await;
                            tokio::time::sleep(SHUTDOWN_GRACE).await;
                        } => None,
                    };
                    let lifetime = started.elapsed();
                    emit(&events, ServeEvent::Closed { proto, peer, cause, lifetime });
                });
            }
        }
    }
    drop(listener);
    tracker.close();
    tracker.wait().await;
}

/// A responder running on its own thread and runtime, for in-process use (the demo,
/// benchmarks). It stops when dropped.
#[derive(Debug)]
pub struct Background {
    pub addr: SocketAddr,
    shutdown: CancellationToken,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Background {
    /// Starts `proto`'s responder on `addr` (port 0 picks a free port).
    pub fn start(proto: Protocol, addr: SocketAddr, opts: ServeOptions) -> Result<Self> {
        let opts = Arc::new(opts);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let listener = runtime.block_on(bind(addr))?;
        let addr = listener.local_addr()?;
        let shutdown = CancellationToken::new();
        let token = shutdown.clone();
        let thread = std::thread::Builder::new()
            .name(format!("kaserve-{proto}"))
            .spawn(move || runtime.block_on(serve(proto, listener, opts, token, None)))?;
        Ok(Background {
            addr,
            shutdown,
            thread: Some(thread),
        })
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        self.shutdown.cancel();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
