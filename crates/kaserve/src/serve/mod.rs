//! Responders: the server side of every protocol, used by kaserve, kaping's demo,
//! the benchmarks and the tests. They log nothing themselves; they report events.
//! This module is the dispatcher: it binds, accepts and hands each client to its
//! protocol's handler; what the responders share lives in [`options`] and [`event`].

pub mod clients;
pub mod conn;
pub mod event;
pub mod fault;
pub mod grpc;
pub mod http;
pub mod keeper;
pub mod options;
mod pongfilter;
pub mod tcp;
pub mod ws;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;

pub use event::{EventSink, Happened, ServeEvent};
pub use kaprobe::Protocol;
use kaprobe::cause::Cause;
use kaprobe::error::{Error, Result};
pub use options::{MAX_CLIENTS, SHUTDOWN_GRACE, ServeOptions, default_listen};

use event::emit;

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
                emit(&events, proto, peer, Happened::Connected);
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
                    emit(&events, proto, peer, Happened::Closed { cause, lifetime });
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
