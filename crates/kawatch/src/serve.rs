//! The HTTP endpoints' server (`--metrics`, `--exporter`): scrapes are served
//! ahead of idle sockets, every connection and request is bounded.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};
use tokio_util::sync::CancellationToken;

/// Scrapes of `/metrics` served at once.
pub const MAX_SCRAPES: usize = 8;

/// How many requests are served at once, how many connections may wait for
/// their request, and how long a connection may last.
#[derive(Clone, Copy, Debug)]
pub struct Bounds {
    pub slots: usize,
    pub waiting: usize,
    pub lasting: Duration,
}

/// `/metrics`' bounds.
pub const METRICS: Bounds = Bounds {
    slots: MAX_SCRAPES,
    waiting: MAX_WAITING,
    lasting: CONNECTION_TIMEOUT,
};
/// Connections waiting for their request's first bytes; past this many the
/// oldest is closed, so sockets that never speak cannot hold the endpoint.
pub const MAX_WAITING: usize = 64;
/// How long a scraper has to send its request headers.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(3);
/// How long one connection may last, however it behaves (a scrape of
/// `/metrics`; the exporter's allow its probes' longest timeout).
pub const CONNECTION_TIMEOUT: Duration = Duration::from_secs(10);

/// Binds `addr` (a setup error if it cannot; `flag` names it) and serves
/// requests with `handler` until the process ends. A connection takes one of
/// `bounds.slots` serving slots only once its request has begun to arrive, so
/// a scrape is answered ahead of idle sockets; at most `bounds.waiting` wait,
/// each at most [`HEADER_TIMEOUT`], and a connection lasts at most
/// `bounds.lasting`.
/// Descriptors held: at most the sum of the two. Accept errors back off.
pub async fn serve<H, F>(
    addr: SocketAddr,
    flag: &str,
    bounds: Bounds,
    handler: H,
) -> anyhow::Result<SocketAddr>
where
    H: Fn(Request<Incoming>) -> F + Clone + Send + Sync + 'static,
    F: Future<Output = Response<Full<Bytes>>> + Send + 'static,
{
    let listener = listen(addr).with_context(|| format!("cannot listen on {addr} for {flag}"))?;
    let bound = listener.local_addr()?;
    let slots = Arc::new(tokio::sync::Semaphore::new(bounds.slots));
    tokio::spawn(async move {
        // One token per waiting connection, oldest first; cancelled when it
        // stops waiting (served, timed out or made way).
        let mut waiting = std::collections::VecDeque::<CancellationToken>::new();
        loop {
            let stream = match listener.accept().await {
                Ok((stream, _)) => stream,
                Err(_) => {
                    // EMFILE and the like: wait rather than spin.
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            };
            waiting.retain(|t| !t.is_cancelled());
            if waiting.len() >= bounds.waiting {
                if let Some(oldest) = waiting.pop_front() {
                    oldest.cancel();
                }
            }
            let token = CancellationToken::new();
            waiting.push_back(token.clone());
            let (handler, slots) = (handler.clone(), slots.clone());
            tokio::spawn(async move {
                let ready = async {
                    // A byte of the request, not mere readiness: tokio may
                    // report a new socket readable before anything arrived.
                    let mut first = [0u8; 1];
                    match stream.peek(&mut first).await {
                        Ok(n) if n > 0 => slots.acquire_owned().await.ok(),
                        _ => None,
                    }
                };
                let slot = tokio::select! {
                    slot = tokio::time::timeout(HEADER_TIMEOUT, ready) => slot.ok().flatten(),
                    () = token.cancelled() => None,
                };
                token.cancel();
                let Some(_slot) = slot else {
                    return;
                };
                let _ = tokio::time::timeout(bounds.lasting, connection(stream, handler)).await;
            });
        }
    });
    Ok(bound)
}

/// A listener with a backlog for a burst: Prometheus scrapes a thousand targets
/// of one exporter at once, and connections past tokio's backlog of 1024 (or
/// past a slow accept) have their SYNs dropped and retried a second later.
fn listen(addr: SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    // The kernel caps it at net.core.somaxconn (4096 by default since 5.4).
    socket.listen(4096)
}

/// Serves one scraper's connection with `handler`.
async fn connection<H, F>(stream: tokio::net::TcpStream, handler: H)
where
    H: Fn(Request<Incoming>) -> F + Clone + Send + Sync + 'static,
    F: Future<Output = Response<Full<Bytes>>> + Send + 'static,
{
    let service = hyper::service::service_fn(move |req: Request<Incoming>| {
        let answer = handler(req);
        async move { Ok::<_, Infallible>(answer.await) }
    });
    let io = hyper_util::rt::TokioIo::new(stream);
    let _ = hyper::server::conn::http1::Builder::new()
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(HEADER_TIMEOUT)
        .serve_connection(io, service)
        .await;
}
