//! `grpc.health.v1.Health/Watch`: a server-streaming call that stays open and
//! carries each serving status the server pushes; its end is a cause (the
//! call's status and message).

use std::time::{Duration, Instant};

use tonic::Streaming;
use tonic_health::pb::{HealthCheckRequest, HealthCheckResponse};

use super::{GrpcSession, ServerHeaders, metadata, status_cause};
use crate::cause::{Cause, CauseKind};
use crate::deadline::ProbeTimer;
use crate::proto::config::ProbeConfig;
use crate::proto::session::{BoxFut, Session};

/// An open Watch stream.
#[derive(Debug)]
pub struct WatchStream {
    stream: Streaming<HealthCheckResponse>,
    service: String,
}

/// The first status a Watch answered with, and how long it took.
#[derive(Clone, Debug)]
pub struct Opened {
    pub status: i32,
    pub rtt: Duration,
    pub headers: ServerHeaders,
}

/// Opens a Watch stream on the connection and waits for its first status, bounded
/// by the timer: gRPC's own operation, for `prober.with_session(true, watch::open)`
/// (which opens the connection first if need be).
pub fn open<'a>(
    session: &'a mut dyn Session,
    cfg: &'a ProbeConfig,
    timer: &'a mut ProbeTimer,
) -> BoxFut<'a, Result<(WatchStream, Opened), Cause>> {
    Box::pin(async move {
        let Some(grpc) = session.as_any_mut().downcast_mut::<GrpcSession>() else {
            return Err(Cause::new(
                CauseKind::Protocol,
                "a health Watch needs a gRPC target (grpc:// or grpcs://)",
            ));
        };
        grpc.watch(cfg, timer).await
    })
}

impl GrpcSession {
    /// Opens a Watch for the configured service and waits (bounded by the timer)
    /// for its first status, which the server sends at once.
    pub async fn watch(
        &mut self,
        cfg: &ProbeConfig,
        timer: &mut ProbeTimer,
    ) -> Result<(WatchStream, Opened), Cause> {
        let mut request = tonic::Request::new(HealthCheckRequest {
            service: cfg.grpc.service.clone(),
        });
        metadata(&mut request, cfg);
        let started = Instant::now();
        let timeout = || {
            Cause::timeout(format!(
                "no Watch status within {}",
                humantime::format_duration(cfg.timeout)
            ))
        };
        let response = match timer.within(self.health.watch(request)).await {
            None => return Err(timeout()),
            Some(Err(status)) => {
                return Err(self.conn_or(status_cause(&status, &cfg.grpc.service)));
            }
            Some(Ok(response)) => response,
        };
        let headers = ServerHeaders::from_metadata(response.metadata());
        let mut watch = WatchStream {
            stream: response.into_inner(),
            service: cfg.grpc.service.clone(),
        };
        let status = match timer.within(watch.next()).await {
            None => return Err(timeout()),
            Some(result) => result.map_err(|c| self.conn_or(c))?,
        };
        Ok((
            watch,
            Opened {
                status,
                rtt: started.elapsed(),
                headers,
            },
        ))
    }

    /// A call's failure, unless the connection's own end explains it better.
    fn conn_or(&mut self, cause: Cause) -> Cause {
        self.conn.explain(Err(cause)).unwrap_err()
    }
}

impl WatchStream {
    /// The next status the server pushes; `Err` when the stream ends, with why.
    pub async fn next(&mut self) -> Result<i32, Cause> {
        match self.stream.message().await {
            Ok(Some(reply)) => Ok(reply.status),
            Ok(None) => Err(Cause::new(
                CauseKind::Eof,
                format!("the server ended the Watch of {}", self.name()),
            )),
            Err(status) => {
                let cause = status_cause(&status, &self.service);
                Err(match status.code() {
                    tonic::Code::Unimplemented => Cause::new(
                        cause.kind,
                        format!("the server has no Health/Watch: {}", status.message()),
                    ),
                    _ => cause,
                })
            }
        }
    }

    fn name(&self) -> String {
        if self.service.is_empty() {
            "the server".to_string()
        } else {
            format!("service '{}'", self.service)
        }
    }
}

/// The next status of `stream`, or pending forever without one: a `select!` arm
/// for a connection that may or may not hold a Watch.
pub async fn next_status(stream: &mut Option<WatchStream>) -> Result<i32, Cause> {
    match stream.as_mut() {
        Some(s) => s.next().await,
        None => std::future::pending().await,
    }
}

/// Whether a Watch that failed at once did so because the server has no Watch.
pub fn unimplemented(cause: &Cause) -> bool {
    cause.kind == CauseKind::Grpc(tonic::Code::Unimplemented as i32)
}
