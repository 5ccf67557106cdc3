//! HTTP over HTTP/2: requests as streams on one [`H2Conn`] (so server PINGs and
//! GOAWAYs are seen and decoded as for gRPC), or HTTP/2 PINGs (`h2ping`).

use std::time::{Duration, Instant};

use bytes::Bytes;

use super::{HttpReply, MAX_BODY, request};
use crate::cause::{Cause, CauseKind};
use crate::deadline::ProbeTimer;
use crate::proto::h2conn::{H2Conn, h2_cause};
use crate::proto::session::on_h2_conn;
use crate::proto::session::{Probe, Session};
use crate::target::Target;
use crate::tls::Io;

#[derive(Debug)]
pub struct H2Session {
    target: Target,
    conn: H2Conn,
    requests: u64,
    reply: Option<HttpReply>,
    /// With `trace`: the last request and response heads.
    trace: Vec<String>,
}

impl H2Session {
    pub async fn handshake(
        io: Box<dyn Io>,
        target: &Target,
        timer: &mut ProbeTimer,
        fold: crate::proto::SharedFold,
    ) -> Result<Self, Cause> {
        Ok(H2Session {
            target: target.clone(),
            conn: H2Conn::handshake(io, timer, fold).await?,
            requests: 0,
            reply: None,
            trace: Vec::new(),
        })
    }

    /// A request as a stream of its own.
    async fn call(&mut self, probe: Probe<'_>) -> Result<Duration, Cause> {
        let Probe { cfg, timer, .. } = probe;
        let head = request(&self.target, cfg, true)?;
        if cfg.trace {
            self.trace = super::trace_request(&head, &self.target, cfg, "HTTP/2");
        }
        let started = Instant::now();
        let within = humantime::format_duration(cfg.timeout);
        let mut send = match timer.within(self.conn.send.clone().ready()).await {
            None => {
                return Err(Cause::timeout(format!(
                    "no HTTP/2 stream free within {within}"
                )));
            }
            Some(Err(e)) => return Err(h2_cause(&e)),
            Some(Ok(send)) => send,
        };
        self.requests += 1;
        let (response, _stream) = send.send_request(head, true).map_err(|e| h2_cause(&e))?;
        let response = match timer.within(response).await {
            None => return Err(Cause::timeout(format!("no response within {within}"))),
            Some(Err(e)) => return Err(h2_cause(&e)),
            Some(Ok(response)) => response,
        };
        let first_byte = started.elapsed();
        let status = response.status();
        if cfg.trace {
            super::trace_response(&mut self.trace, status, response.headers(), "HTTP/2");
        }
        let mut body = response.into_body();
        let mut read = 0u64;
        loop {
            let data: Option<Result<Bytes, h2::Error>> = match timer.within(body.data()).await {
                None => {
                    return Err(Cause::timeout(format!(
                        "the response body did not end within {within} ({read} bytes read)"
                    )));
                }
                Some(data) => data,
            };
            match data {
                None => break,
                Some(Err(e)) => return Err(h2_cause(&e)),
                Some(Ok(data)) => {
                    read += data.len() as u64;
                    let _ = body.flow_control().release_capacity(data.len());
                    if read > MAX_BODY {
                        return Err(Cause::new(
                            CauseKind::Protocol,
                            format!("response body longer than {MAX_BODY} bytes"),
                        ));
                    }
                }
            }
        }
        let rtt = started.elapsed();
        self.reply = Some(HttpReply {
            status: status.as_u16(),
            first_byte,
            reused: self.requests > 1,
            version: "2",
        });
        if !cfg.http.expect_status.accepts(status.as_u16()) {
            return Err(super::unexpected_status(status, cfg, &self.target));
        }
        Ok(rtt)
    }
}

impl Session for H2Session {
    on_h2_conn!();

    /// Streams are independent: a timeout or an unwanted status leaves the
    /// connection usable. A body over the cap is reset with the stream.
    fn usable_after(&self, cause: &Cause) -> bool {
        !self.conn.is_gone()
            && matches!(
                cause.kind,
                CauseKind::Timeout | CauseKind::Http(_) | CauseKind::Protocol
            )
    }

    fn take_reply(&mut self) -> Option<HttpReply> {
        self.reply.take()
    }

    fn take_trace(&mut self) -> Vec<String> {
        std::mem::take(&mut self.trace)
    }
}
