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
                            if stream.read(&mut buf).await? == 0 {
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

impl Drop for HostilePeer {
    fn drop(&mut self) {
        self.stop.cancel();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
