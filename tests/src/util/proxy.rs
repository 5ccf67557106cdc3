//! A TCP fault proxy on loopback: passes traffic to an upstream, and on command adds
//! delay (upstream to client), blackholes (keeps sockets open, forwards nothing),
//! resets (RST) or closes (FIN) the client connections it holds.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use socket2::SockRef;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;

/// How traffic is treated right now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    Pass,
    /// Hold every chunk from the upstream this long before the client gets it.
    Delay(Duration),
    /// Read and discard in both directions; nothing is closed.
    Blackhole,
    /// Discard what the client sends; the upstream still reaches the client.
    BlackholeToServer,
    /// Pass traffic, but close (FIN) a connection that has been quiet this long,
    /// as a load balancer's idle timeout does.
    CloseIdle(Duration),
    /// Pass traffic until a connection has been quiet both ways this long, then
    /// discard everything on it for good and close nothing: a NAT or stateful
    /// firewall whose entry expired.
    DropIdle(Duration),
}

/// How a held connection is ended on command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kill {
    Reset,
    Close,
}

struct Conn {
    client: std::net::TcpStream,
    stop: CancellationToken,
}

pub struct FaultProxy {
    pub addr: SocketAddr,
    fault: watch::Sender<Fault>,
    conns: Arc<Mutex<Vec<Conn>>>,
    shutdown: CancellationToken,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FaultProxy {
    pub fn start(upstream: SocketAddr) -> Self {
        let (runtime, listener, addr) = super::loopback_listener();
        let (fault, fault_rx) = watch::channel(Fault::Pass);
        let conns = Arc::new(Mutex::new(Vec::new()));
        let shutdown = CancellationToken::new();
        let (held, token) = (conns.clone(), shutdown.clone());
        let thread = std::thread::spawn(move || {
            runtime.block_on(accept_loop(listener, upstream, fault_rx, held, token));
        });
        FaultProxy {
            addr,
            fault,
            conns,
            shutdown,
            thread: Some(thread),
        }
    }

    pub fn url(&self) -> String {
        format!("tcp://{}", self.addr)
    }

    pub fn set(&self, fault: Fault) {
        self.fault.send_replace(fault);
    }

    /// Ends every held client connection with a TCP reset; new ones pass.
    pub fn reset_all(&self) {
        self.kill_all(Kill::Reset);
    }

    /// Ends every held client connection with a FIN; new ones pass.
    pub fn close_all(&self) {
        self.kill_all(Kill::Close);
    }

    fn kill_all(&self, how: Kill) {
        for conn in self.conns.lock().unwrap().drain(..) {
            if how == Kill::Reset {
                SockRef::from(&conn.client)
                    .set_linger(Some(Duration::ZERO))
                    .unwrap();
            }
            conn.stop.cancel();
            // Dropping the last handle closes the socket: RST with linger 0, else FIN.
            drop(conn.client);
        }
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.shutdown.cancel();
        self.kill_all(Kill::Close);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

async fn accept_loop(
    listener: TcpListener,
    upstream: SocketAddr,
    fault: watch::Receiver<Fault>,
    conns: Arc<Mutex<Vec<Conn>>>,
    shutdown: CancellationToken,
) {
    loop {
        let (client, _) = tokio::select! {
            () = shutdown.cancelled() => return,
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(_) => continue,
            },
        };
        let Ok(server) = TcpStream::connect(upstream).await else {
            continue;
        };
        let _ = client.set_nodelay(true);
        let _ = server.set_nodelay(true);
        // A second handle on the client socket lets kill_all set linger and close.
        let std_client = client.into_std().unwrap();
        let handle = std_client.try_clone().unwrap();
        let idle_handle = std_client.try_clone().unwrap();
        let client = TcpStream::from_std(std_client).unwrap();
        let stop = CancellationToken::new();
        conns.lock().unwrap().push(Conn {
            client: handle,
            stop: stop.clone(),
        });
        let (client_read, client_write) = client.into_split();
        let (server_read, server_write) = server.into_split();
        let quiet = Arc::new(Mutex::new(Quiet {
            since: tokio::time::Instant::now(),
            dropped: false,
        }));
        tokio::spawn(pump(
            client_read,
            server_write,
            fault.clone(),
            false,
            stop.clone(),
            quiet.clone(),
        ));
        tokio::spawn(pump(
            server_read,
            client_write,
            fault.clone(),
            true,
            stop.clone(),
            quiet.clone(),
        ));
        tokio::spawn(close_when_idle(fault.clone(), quiet, stop, idle_handle));
    }
}

/// When a connection last carried traffic either way, and whether DropIdle has
/// dropped it.
struct Quiet {
    since: tokio::time::Instant,
    dropped: bool,
}

/// Copies one direction, applying the current fault; `delayed` marks the
/// upstream-to-client direction, the one `Fault::Delay` slows.
/// Under `Fault::CloseIdle`, ends the connection once it has been quiet that long.
async fn close_when_idle(
    fault: watch::Receiver<Fault>,
    quiet: Arc<Mutex<Quiet>>,
    stop: CancellationToken,
    client: std::net::TcpStream,
) {
    loop {
        let wait = match *fault.borrow() {
            Fault::CloseIdle(idle) => {
                let since = quiet.lock().unwrap().since;
                let due = since + idle;
                if tokio::time::Instant::now() >= due {
                    // FIN now, whatever other handles the socket has.
                    let _ = client.shutdown(std::net::Shutdown::Both);
                    stop.cancel();
                    return;
                }
                due
            }
            _ => tokio::time::Instant::now() + Duration::from_millis(20),
        };
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep_until(wait) => {}
        }
    }
}

async fn pump(
    mut from: OwnedReadHalf,
    to: OwnedWriteHalf,
    fault: watch::Receiver<Fault>,
    delayed: bool,
    stop: CancellationToken,
    quiet: Arc<Mutex<Quiet>>,
) {
    let (tx, rx) = mpsc::unbounded_channel::<(tokio::time::Instant, Vec<u8>)>();
    let writer = tokio::spawn(deliver(rx, to, stop.clone()));
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = tokio::select! {
            () = stop.cancelled() => break,
            n = from.read(&mut buf) => match n {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            },
        };
        let now = tokio::time::Instant::now();
        {
            let mut q = quiet.lock().unwrap();
            if let Fault::DropIdle(idle) = *fault.borrow() {
                q.dropped |= now >= q.since + idle;
            }
            if q.dropped {
                continue;
            }
            q.since = now;
        }
        let due = match *fault.borrow() {
            Fault::Blackhole => continue,
            Fault::BlackholeToServer if !delayed => continue,
            Fault::Delay(d) if delayed => tokio::time::Instant::now() + d,
            _ => tokio::time::Instant::now(),
        };
        if tx.send((due, buf[..n].to_vec())).is_err() {
            break;
        }
    }
    drop(tx);
    let _ = writer.await;
}

async fn deliver(
    mut rx: mpsc::UnboundedReceiver<(tokio::time::Instant, Vec<u8>)>,
    mut to: OwnedWriteHalf,
    stop: CancellationToken,
) {
    loop {
        let next = tokio::select! {
            biased;
            () = stop.cancelled() => break,
            next = rx.recv() => next,
        };
        let Some((due, bytes)) = next else {
            // The source ended: pass the FIN on.
            let _ = to.shutdown().await;
            return;
        };
        tokio::select! {
            biased;
            () = stop.cancelled() => break,
            () = tokio::time::sleep_until(due) => {}
        }
        if to.write_all(&bytes).await.is_err() {
            return;
        }
    }
    // Stopped by kill_all, which decides how the socket ends (RST or FIN): no FIN here.
    to.forget();
}
