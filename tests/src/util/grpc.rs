//! A tonic gRPC server in the harness: tonic-health's service (or a server without
//! it), recording the metadata of every call.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio_util::sync::CancellationToken;
use tonic::server::NamedService;
use tonic_health::ServingStatus;

pub struct TonicServer {
    pub addr: SocketAddr,
    /// Metadata of every call, lower-case names.
    pub metadata: Arc<Mutex<Vec<(String, String)>>>,
    stop: CancellationToken,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// tonic-health's service registered under another name: the server then has no
/// `grpc.health.v1.Health` at all.
#[derive(Clone)]
struct Elsewhere<S>(S);

impl<S> NamedService for Elsewhere<S> {
    const NAME: &'static str = "kaprobe.test.NotHealth";
}

impl<S, R> tower_service::Service<R> for Elsewhere<S>
where
    S: tower_service::Service<R>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), S::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, req: R) -> S::Future {
        self.0.call(req)
    }
}

impl TonicServer {
    /// A health service with these statuses (`""` is the server), or with
    /// `health: false`, a server without one.
    pub fn start(statuses: &[(&str, ServingStatus)], health: bool) -> Self {
        let (runtime, listener, addr) = super::loopback_listener();
        let metadata = Arc::new(Mutex::new(Vec::new()));
        let stop = CancellationToken::new();
        let statuses: Vec<(String, ServingStatus)> = statuses
            .iter()
            .map(|(s, st)| (s.to_string(), *st))
            .collect();
        let (seen, token) = (metadata.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            runtime.block_on(async move {
                let (reporter, service) = tonic_health::server::health_reporter();
                for (name, status) in &statuses {
                    reporter.set_service_status(name, *status).await;
                }
                let record = move |req: tonic::Request<()>| {
                    let mut seen = seen.lock().unwrap();
                    for kv in req.metadata().iter() {
                        if let tonic::metadata::KeyAndValueRef::Ascii(k, v) = kv {
                            seen.push((
                                k.as_str().to_string(),
                                v.to_str().unwrap_or("").to_string(),
                            ));
                        }
                    }
                    Ok(req)
                };
                let incoming = tokio_stream_from(listener);
                let builder = tonic::transport::Server::builder()
                    .layer(tonic::service::InterceptorLayer::new(record));
                let shutdown = token.cancelled_owned();
                let mut builder = builder;
                let router = if health {
                    builder.add_service(service)
                } else {
                    builder.add_service(Elsewhere(service))
                };
                let _ = router
                    .serve_with_incoming_shutdown(incoming, shutdown)
                    .await;
            });
        });
        TonicServer {
            addr,
            metadata,
            stop,
            thread: Some(thread),
        }
    }

    pub fn url(&self) -> String {
        format!("grpc://{}", self.addr)
    }

    pub fn metadata(&self, name: &str) -> Option<String> {
        self.metadata
            .lock()
            .unwrap()
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    }
}

/// The listener as the stream of connections tonic wants.
fn tokio_stream_from(
    listener: tokio::net::TcpListener,
) -> impl futures_util::Stream<Item = std::io::Result<tokio::net::TcpStream>> {
    futures_util::stream::unfold(listener, |listener| async move {
        let next = listener.accept().await.map(|(s, _)| s);
        Some((next, listener))
    })
}

impl Drop for TonicServer {
    fn drop(&mut self) {
        self.stop.cancel();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
