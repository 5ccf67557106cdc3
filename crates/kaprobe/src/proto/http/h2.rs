//! HTTP over HTTP/2: requests as streams on one [`H2Conn`] (so server PINGs and
//! GOAWAYs are seen and decoded as for gRPC), or HTTP/2 PINGs (`h2ping`).

use std::time::{Duration, Instant};

use bytes::Bytes;

use super::{HttpReply, MAX_BODY, request};
use crate::cause::{Cause, CauseKind};
use crate::proto::h2conn::{H2Conn, h2_cause};
use crate::proto::timer::ProbeTimer;
use crate::proto::{Mode, Passive, ProbeConfig};
use crate::target::Target;
use crate::tls::Io;

#[derive(Debug)]
pub struct H2Session {
    conn: H2Conn,
    requests: u64,
    pub(super) reply: Option<HttpReply>,
}

impl H2Session {
    pub async fn handshake(io: Box<dyn Io>, timer: &mut ProbeTimer) -> Result<Self, Cause> {
        Ok(H2Session {
            conn: H2Conn::handshake(io, timer).await?,
            requests: 0,
            reply: None,
        })
    }

    pub async fn round_trip(
        &mut self,
        target: &Target,
        cfg: &ProbeConfig,
        timer: &mut ProbeTimer,
    ) -> Result<Duration, Cause> {
        let result = match cfg.mode {
            Mode::H2Ping => self.conn.h2_ping(cfg.timeout, timer).await,
            _ => self.request(target, cfg, timer).await,
        };
        self.conn.explain(result)
    }

    async fn request(
        &mut self,
        target: &Target,
        cfg: &ProbeConfig,
        timer: &mut ProbeTimer,
    ) -> Result<Duration, Cause> {
        let head = request(target, cfg, true)?;
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
            return Err(super::unexpected_status(status, cfg, target));
        }
        Ok(rtt)
    }

    /// Streams are independent: a timeout or an unwanted status leaves the
    /// connection usable. A body over the cap is reset with the stream.
    pub fn usable_after(&self, cause: &Cause) -> bool {
        !self.conn.is_gone()
            && matches!(
                cause.kind,
                CauseKind::Timeout | CauseKind::Http(_) | CauseKind::Protocol
            )
    }

    pub async fn passive(&mut self) -> Passive {
        self.conn.passive().await
    }

    pub fn take_gone(&mut self) -> Option<Cause> {
        self.conn.take_gone()
    }

    pub fn take_events(&mut self) -> Vec<Passive> {
        self.conn.take_events()
    }
}
