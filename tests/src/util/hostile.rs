//! A hostile peer at the byte level: it accepts and never answers, talks without
//! end, or sends bytes of the test's choosing (a crafted HTTP/2 frame), whatever
//! the client says.

use std::net::SocketAddr;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_util::sync::CancellationToken;

/// What the peer does with each connection.
#[derive(Clone, Debug)]
pub enum Act {
    /// Accepts and holds the connection: never reads, never writes (a handshake
    /// that never finishes).
    Silent,
    /// After the client's first bytes, writes bytes with no newline, up to 64 MiB.
    Endless,
    /// After the client's first bytes, writes these, then reads and discards.
    Send(Vec<u8>),
    /// Answers the client's first line `PONG`, then only pings it: a `PING` line
    /// every 50 ms (for at most 10 s), never another answer. A hung responder
    /// whose liveness timer still runs.
    PongOnceThenPings,
    /// Answers each read of the client's bytes with the next of these, in turn
    /// (the last again once they are spent): scripted HTTP/1.1 responses.
    Answers(Vec<Vec<u8>>),
    /// Answers the client's first bytes with these, and 100 ms later sends them
    /// again, unasked (a server's 408 before an idle close, or a confused one).
    AnswerThenUnasked(Vec<u8>),
    /// HTTP/2 (prior knowledge): answers the client's SETTINGS and PINGs, and
    /// floods it with PINGs of its own for this long; never answers a request.
    H2PingFlood(std::time::Duration),
}

/// The most an endless peer writes to one connection.
const ENDLESS_CAP: usize = 64 << 20;

pub struct HostilePeer {
    pub addr: SocketAddr,
    stop: CancellationToken,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl HostilePeer {
    pub fn start(act: Act) -> Self {
        let (runtime, listener, addr) = super::loopback_listener();
        let stop = CancellationToken::new();
        let token = stop.clone();
        let thread = std::thread::spawn(move || {
            runtime.block_on(async move {
                loop {
                    let mut stream = tokio::select! {
                        () = token.cancelled() => return,
                        accepted = listener.accept() => match accepted {
                            Ok((s, _)) => s,
                            Err(_) => continue,
                        },
                    };
                    let (act, token) = (act.clone(), token.clone());
                    tokio::spawn(async move {
                        let serve = async {
                            if matches!(act, Act::Silent) {
                                return std::future::pending().await;
                            }
                            let mut buf = vec![0u8; 64 * 1024];
                            let got = stream.read(&mut buf).await?;
                            if got == 0 {
                                return Ok(());
                            }
                            match act {
                                Act::Silent => unreachable!("handled above"),
                                Act::Endless => {
                                    let chunk = vec![b'A'; 64 * 1024];
                                    for _ in 0..ENDLESS_CAP / chunk.len() {
                                        stream.write_all(&chunk).await?;
                                    }
                                }
                                Act::Send(bytes) => stream.write_all(&bytes).await?,
                                Act::Answers(answers) => {
                                    let mut next = answers.iter().chain(std::iter::repeat(
                                        answers.last().expect("an answer"),
                                    ));
                                    stream.write_all(next.next().unwrap()).await?;
                                    while stream.read(&mut buf).await? > 0 {
                                        stream.write_all(next.next().unwrap()).await?;
                                    }
                                }
                                Act::AnswerThenUnasked(bytes) => {
                                    stream.write_all(&bytes).await?;
                                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                                    stream.write_all(&bytes).await?;
                                }
                                Act::H2PingFlood(lasting) => {
                                    let first = buf[..got].to_vec();
                                    return h2_ping_flood(&mut stream, first, lasting).await;
                                }
                                Act::PongOnceThenPings => {
                                    stream.write_all(b"PONG\n").await?;
                                    for _ in 0..200 {
                                        tokio::time::sleep(std::time::Duration::from_millis(50))
                                            .await;
                                        stream.write_all(b"PING\n").await?;
                                    }
                                }
                            }
                            while stream.read(&mut buf).await? > 0 {}
                            std::io::Result::Ok(())
                        };
                        tokio::select! {
                            () = token.cancelled() => {}
                            _ = serve => {}
                        }
                    });
                }
            });
        });
        HostilePeer {
            addr,
            stop,
            thread: Some(thread),
        }
    }
}

/// The HTTP/2 side of [`Act::H2PingFlood`]: `first` holds the client's first
/// bytes (its preface and more).
async fn h2_ping_flood(
    stream: &mut tokio::net::TcpStream,
    first: Vec<u8>,
    lasting: std::time::Duration,
) -> std::io::Result<()> {
    use std::sync::{Arc, Mutex};
    const PREFACE: usize = 24;
    let (mut rd, mut wr) = stream.split();
    let acks = Arc::new(Mutex::new(Vec::<u8>::new()));
    // Our SETTINGS (none) first, as a server must.
    wr.write_all(&[0, 0, 0, 4, 0, 0, 0, 0, 0]).await?;
    let reader = {
        let acks = acks.clone();
        async move {
            let mut pending = first;
            let mut preface_seen = false;
            let mut buf = vec![0u8; 64 * 1024];
            loop {
                if !preface_seen && pending.len() >= PREFACE {
                    pending.drain(..PREFACE);
                    preface_seen = true;
                }
                while preface_seen && pending.len() >= 9 {
                    let len = usize::from(pending[0]) << 16
                        | usize::from(pending[1]) << 8
                        | usize::from(pending[2]);
                    if pending.len() < 9 + len {
                        break;
                    }
                    let (kind, flags) = (pending[3], pending[4]);
                    let payload = pending[9..9 + len].to_vec();
                    pending.drain(..9 + len);
                    let mut out = acks.lock().unwrap();
                    if kind == 4 && flags & 1 == 0 {
                        out.extend_from_slice(&[0, 0, 0, 4, 1, 0, 0, 0, 0]);
                    } else if kind == 6 && flags & 1 == 0 && len == 8 {
                        out.extend_from_slice(&[0, 0, 8, 6, 1, 0, 0, 0, 0]);
                        out.extend_from_slice(&payload);
                    }
                }
                let n = rd.read(&mut buf).await?;
                if n == 0 {
                    return std::io::Result::Ok(());
                }
                pending.extend_from_slice(&buf[..n]);
            }
        }
    };
    let writer = async move {
        let until = tokio::time::Instant::now() + lasting;
        let mut flood = Vec::new();
        for i in 0..512u64 {
            flood.extend_from_slice(&[0, 0, 8, 6, 0, 0, 0, 0, 0]);
            flood.extend_from_slice(&(0x1000 + i).to_be_bytes());
        }
        loop {
            let due = std::mem::take(&mut *acks.lock().unwrap());
            wr.write_all(&due).await?;
            if tokio::time::Instant::now() < until {
                wr.write_all(&flood).await?;
            } else {
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            }
        }
    };
    tokio::select! {
        r = reader => r,
        r = writer => r,
    }
}

impl Drop for HostilePeer {
    fn drop(&mut self) {
        self.stop.cancel();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
