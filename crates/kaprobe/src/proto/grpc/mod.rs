//! gRPC sessions: one HTTP/2 connection ([`H2Conn`], with its frame tap) carrying
//! both `grpc.health.v1.Health/Check` calls (tonic's health client over
//! [`H2Channel`]) and HTTP/2 PING frames.

use std::time::{Duration, Instant};

use tonic::metadata::{MetadataKey, MetadataValue};
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

use super::config::ProbeConfig;
use super::h2conn::{H2Conn, H2PING};
use super::mode::Mode;
use super::session::{ModeInfo, OpenArgs, Probe, ProtocolInfo, Session};
use super::session::{boxed, on_h2_conn};
use crate::deadline::ProbeTimer;
use channel::H2Channel;

pub mod channel;
pub(super) mod config;
pub mod watch;
use crate::cause::{Cause, CauseKind};
use crate::target::Target;
use crate::tls::Io;
pub use config::{GrpcConfig, ServerHeaders};

/// The modes of a gRPC target, default first.
pub const MODES: &[ModeInfo] = &[
    ModeInfo {
        mode: Mode::Health,
        help: "Health/Check",
        describe: |cfg| format!("grpc.health.v1.Health/Check for {}", service_name(cfg)),
        reply_verb: "SERVING from",
        keepalive_word: "health checks",
        noun: "a health check",
        connection_per_probe: false,
    },
    H2PING,
    ModeInfo {
        mode: Mode::Watch,
        help: "Health/Watch: kaping its first status, kawatch every status pushed",
        describe: |cfg| {
            format!(
                "the first status of grpc.health.v1.Health/Watch for {}",
                service_name(cfg)
            )
        },
        reply_verb: "SERVING from",
        // A watched stream's keepalives are HTTP/2 PINGs.
        keepalive_word: "pongs",
        noun: "a health Watch",
        connection_per_probe: false,
    },
];

/// What `grpcs://` offers in ALPN.
pub const ALPN: &[&[u8]] = &[b"h2"];

pub static PROTOCOL: ProtocolInfo = ProtocolInfo {
    modes: MODES,
    keepalives: &[Mode::H2Ping, Mode::Health],
    alpn: |_| ALPN,
    open: |stream, args| Box::pin(async move { boxed(handshake(stream.into_io(), args).await) }),
};

/// How kaping's header names the service asked about.
fn service_name(cfg: &ProbeConfig) -> String {
    match cfg.grpc.service.as_str() {
        "" => "the server".to_string(),
        service => format!("'{service}'"),
    }
}

#[derive(Debug)]
pub struct GrpcSession {
    conn: H2Conn,
    health: HealthClient<H2Channel>,
    /// The last call's `server` and `via` headers.
    headers: Option<ServerHeaders>,
    /// With `trace`: the last call's request and response.
    trace: Vec<String>,
}

/// Puts the user's headers (`-H`) on a call as metadata.
fn metadata<T>(request: &mut tonic::Request<T>, cfg: &ProbeConfig) {
    for header in &cfg.headers {
        let key = MetadataKey::from_bytes(header.name.to_ascii_lowercase().as_bytes());
        let value = MetadataValue::try_from(header.value.as_str());
        if let (Ok(key), Ok(value)) = (key, value) {
            request.metadata_mut().append(key, value);
        }
    }
}

/// Opens HTTP/2 on an open (TCP or TLS) stream, ready for health checks and PINGs.
async fn handshake(io: Box<dyn Io>, args: OpenArgs<'_>) -> Result<GrpcSession, Cause> {
    let OpenArgs {
        target,
        cfg,
        timer,
        fold,
    } = args;
    let conn = H2Conn::handshake(io, timer, fold).await?;
    Ok(GrpcSession {
        health: HealthClient::with_origin(H2Channel::new(conn.send.clone()), origin(target, cfg)),
        conn,
        headers: None,
        trace: Vec::new(),
    })
}

fn origin(target: &Target, cfg: &ProbeConfig) -> http::Uri {
    let scheme = if target.scheme.is_tls() {
        "https"
    } else {
        "http"
    };
    let authority = cfg.authority.clone().unwrap_or_else(|| target.authority());
    format!("{scheme}://{authority}")
        .parse()
        .unwrap_or_else(|_| http::Uri::from_static("http://localhost"))
}

impl Session for GrpcSession {
    on_h2_conn!();

    /// A timeout, a status or a gRPC error leaves the connection usable.
    fn usable_after(&self, cause: &Cause) -> bool {
        !self.conn.is_gone()
            && matches!(
                cause.kind,
                CauseKind::Timeout | CauseKind::NotServing(_) | CauseKind::Grpc(_)
            )
    }

    /// The last answered call's `server` and `via` headers.
    fn take_headers(&mut self) -> Option<ServerHeaders> {
        self.headers.take()
    }

    fn take_trace(&mut self) -> Vec<String> {
        std::mem::take(&mut self.trace)
    }
}

impl GrpcSession {
    /// A health check, or a one-shot Watch.
    async fn call(&mut self, probe: Probe<'_>) -> Result<Duration, Cause> {
        let Probe { cfg, timer, .. } = probe;
        match cfg.mode {
            Mode::Watch => self.watch_once(cfg, timer).await,
            _ => self.health_check(cfg, timer).await,
        }
    }

    /// A one-shot check over Watch: its first status, then the stream is cancelled.
    async fn watch_once(
        &mut self,
        cfg: &ProbeConfig,
        timer: &mut ProbeTimer,
    ) -> Result<Duration, Cause> {
        let (_stream, opened) = Box::pin(self.watch(cfg, timer)).await?;
        self.headers = Some(opened.headers);
        serving(opened.status, cfg).map(|()| opened.rtt)
    }

    /// `-v`'s lines of a call's answer: its metadata, then what it said.
    fn trace_answer(&mut self, metadata: &tonic::metadata::MetadataMap, line: String) {
        crate::trace::got_headers(&mut self.trace, &metadata.clone().into_headers());
        crate::trace::got(&mut self.trace, line);
    }

    async fn health_check(
        &mut self,
        cfg: &ProbeConfig,
        timer: &mut ProbeTimer,
    ) -> Result<Duration, Cause> {
        let mut request = tonic::Request::new(HealthCheckRequest {
            service: cfg.grpc.service.clone(),
        });
        // The server learns the deadline too (grpc-timeout), as grpc_health_probe sends it.
        request.set_timeout(cfg.timeout);
        metadata(&mut request, cfg);
        if cfg.trace {
            self.trace.clear();
            crate::trace::sent(
                &mut self.trace,
                format!(
                    "POST /grpc.health.v1.Health/Check (service {:?})",
                    cfg.grpc.service
                ),
            );
            crate::trace::sent_headers(
                &mut self.trace,
                &request.metadata().clone().into_headers(),
                &cfg.headers,
            );
        }
        let started = Instant::now();
        let reply = match timer.within(self.health.check(request)).await {
            None => {
                return Err(Cause::timeout(format!(
                    "no health reply within {}",
                    humantime::format_duration(cfg.timeout)
                )));
            }
            Some(reply) => reply,
        };
        let rtt = started.elapsed();
        match reply {
            Ok(response) => {
                if cfg.trace {
                    let status = ServingStatus::try_from(response.get_ref().status)
                        .map_or("?", |s| s.as_str_name());
                    self.trace_answer(response.metadata(), format!("response: status {status}"));
                }
                self.headers = Some(ServerHeaders::from_metadata(response.metadata()));
                serving(response.get_ref().status, cfg).map(|()| rtt)
            }
            Err(status) => {
                if cfg.trace {
                    let line = format!("status {:?}: {}", status.code(), status.message());
                    self.trace_answer(status.metadata(), line);
                }
                Err(status_cause(&status, &cfg.grpc.service))
            }
        }
    }
}

/// SERVING is a reply; any other status a failure that names the service.
pub fn serving(status: i32, cfg: &ProbeConfig) -> Result<(), Cause> {
    if status == ServingStatus::Serving as i32 {
        return Ok(());
    }
    let service = if cfg.grpc.service.is_empty() {
        "the server".to_string()
    } else {
        format!("service '{}'", cfg.grpc.service)
    };
    Err(Cause::new(
        CauseKind::NotServing(status),
        format!("{service} is not serving"),
    ))
}

fn status_cause(status: &tonic::Status, service: &str) -> Cause {
    let code = status.code() as i32;
    let message = status.message();
    let detail = match status.code() {
        tonic::Code::Unimplemented => {
            format!("the server has no health service (grpc.health.v1.Health): {message}")
        }
        tonic::Code::NotFound => format!("unknown service '{service}': {message}"),
        _ => message.to_string(),
    };
    Cause::new(
        CauseKind::Grpc(code),
        detail.trim_end_matches(": ").to_string(),
    )
}
