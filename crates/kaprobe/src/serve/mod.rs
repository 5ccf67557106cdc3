//! Responders: the server side of every protocol, used by kaserve, the demo, the
//! benchmarks and the tests. They log nothing themselves; they report events.

pub mod tcp;

use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::mpsc::UnboundedSender;
use tokio_util::sync::CancellationToken;

use crate::cause::Cause;
use crate::error::{Error, Result};

/// A protocol kaserve can answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ServeProto {
    Tcp,
}

impl ServeProto {
    pub fn as_str(self) -> &'static str {
        match self {
            ServeProto::Tcp => "tcp",
        }
    }

    /// The loopback address used when no `--listen` is given.
    pub fn default_listen(self) -> SocketAddr {
        match self {
            ServeProto::Tcp => SocketAddr::from(([127, 0, 0, 1], 7070)),
        }
    }
}

impl fmt::Display for ServeProto {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Something that happened to a client of a responder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServeEvent {
    Connected {
        proto: ServeProto,
        peer: SocketAddr,
    },
    /// The connection ended; `cause` is `None` when the server closed it on shutdown.
    Closed {
        proto: ServeProto,
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
    proto: ServeProto,
    listener: TcpListener,
    shutdown: CancellationToken,
    events: EventSink,
) {
    match proto {
        ServeProto::Tcp => tcp::serve(listener, shutdown, events).await,
    }
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
    pub fn start(proto: ServeProto, addr: SocketAddr) -> Result<Self> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let listener = runtime.block_on(bind(addr))?;
        let addr = listener.local_addr()?;
        let shutdown = CancellationToken::new();
        let token = shutdown.clone();
        let thread = std::thread::Builder::new()
            .name(format!("kaserve-{proto}"))
            .spawn(move || runtime.block_on(serve(proto, listener, token, None)))?;
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
