//! HTTP/1.1 on one kept-alive connection through hyper's client connection API:
//! a request per probe, the body drained up to the cap, and the connection's end
//! (the server's `Connection: close`, its FIN or RST while idle, a close that
//! races a request) told with its idle time, request count and `Keep-Alive` claim.

use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::sync::oneshot;

use super::sniff::{FirstBytes, H2_ONLY, Sniff};
use super::{
    HttpReply, KeepAlive, MAX_BODY, MAX_HEAD, SAID_CLOSE, context, idle_since, keepalive, request,
};
use crate::cause::{Cause, CauseKind};
use crate::deadline::ProbeTimer;
use crate::proto::config::Passive;
use crate::proto::session::round_trip_by;
use crate::proto::session::{BoxFut, Probe, Session};
use crate::target::Target;
use crate::tls::Io;
use crate::units::short;

type Done = oneshot::Receiver<Result<(), hyper::Error>>;

#[derive(Debug)]
pub struct H1Session {
    target: Target,
    send: http1::SendRequest<Empty<Bytes>>,
    done: Option<Done>,
    opened: Instant,
    /// When the last response ended; `None` while a request is out (or before
    /// the first).
    idle_from: Option<Instant>,
    requests: u64,
    announced: Option<KeepAlive>,
    /// The server said `Connection: close` on this response.
    said_close: Option<u64>,
    seen: Vec<Passive>,
    gone: Option<Cause>,
    reply: Option<HttpReply>,
    /// The server's first bytes, to name an HTTP/2-only server.
    first: FirstBytes,
    /// With `trace`: the last request and response heads.
    trace: Vec<String>,
}

impl H1Session {
    /// HTTP/1.1 needs no handshake of its own: the connection's driver starts.
    pub async fn handshake(
        io: Box<dyn Io>,
        target: &Target,
        timer: &mut ProbeTimer,
    ) -> Result<Self, Cause> {
        let mut builder = http1::Builder::new();
        builder.max_buf_size(MAX_HEAD.max(8192));
        let (io, first) = Sniff::new(io);
        let (send, conn) = match timer.within(builder.handshake(TokioIo::new(io))).await {
            None => return Err(Cause::timeout("HTTP/1.1 connection not ready in time")),
            Some(Err(e)) => return Err(hyper_cause(&e)),
            Some(Ok(pair)) => pair,
        };
        let (tx, done) = oneshot::channel();
        tokio::spawn(async move {
            let _ = tx.send(conn.await);
        });
        let now = Instant::now();
        Ok(H1Session {
            target: target.clone(),
            send,
            done: Some(done),
            opened: now,
            idle_from: Some(now),
            requests: 0,
            announced: None,
            said_close: None,
            seen: Vec::new(),
            gone: None,
            reply: None,
            first,
            trace: Vec::new(),
        })
    }

    async fn exchange(&mut self, probe: Probe<'_>) -> Result<Duration, Cause> {
        let Probe { cfg, timer, .. } = probe;
        let idle = self.idle_from.take().map(|at| at.elapsed());
        let before = self.requests;
        let head = request(&self.target, cfg, false)?;
        if cfg.trace {
            self.trace = super::trace_request(&head, &self.target, cfg, "HTTP/1.1");
        }
        let req = head.map(|()| Empty::new());
        let started = Instant::now();
        if timer
            .within(self.send.ready())
            .await
            .is_some_and(|r| r.is_err())
        {
            return Err(self.raced(idle, before).await);
        }
        self.requests += 1;
        let response = match timer.within(self.send.send_request(req)).await {
            None => {
                return Err(Cause::timeout(format!(
                    "no response within {}",
                    humantime::format_duration(cfg.timeout)
                )));
            }
            Some(Err(e)) if e.is_canceled() || e.is_incomplete_message() => {
                return Err(self.raced(idle, before).await);
            }
            Some(Err(e)) => return Err(self.ended(&e)),
            Some(Ok(response)) => response,
        };
        let first_byte = started.elapsed();
        let status = response.status();
        if cfg.trace {
            super::trace_response(&mut self.trace, status, response.headers(), "HTTP/1.1");
        }
        self.read_connection_headers(&response);
        let mut body = response.into_body();
        let mut read = 0u64;
        loop {
            match timer.within(body.frame()).await {
                None => {
                    return Err(Cause::timeout(format!(
                        "the response body did not end within {} ({read} bytes read)",
                        humantime::format_duration(cfg.timeout)
                    )));
                }
                Some(None) => break,
                Some(Some(Err(e))) => return Err(self.ended(&e)),
                Some(Some(Ok(frame))) => {
                    if let Some(data) = frame.data_ref() {
                        read += data.len() as u64;
                        if read > MAX_BODY {
                            return Err(Cause::new(
                                CauseKind::Protocol,
                                format!("response body longer than {MAX_BODY} bytes"),
                            ));
                        }
                    }
                }
            }
        }
        let rtt = started.elapsed();
        self.idle_from = Some(Instant::now());
        self.reply = Some(HttpReply {
            status: status.as_u16(),
            first_byte,
            reused: self.requests > 1,
            version: "1.1",
        });
        if let Some(n) = self.said_close {
            self.gone = Some(Cause::new(
                CauseKind::Eof,
                format!(
                    "{SAID_CLOSE} on response {n}, connection age {}",
                    short(self.opened.elapsed())
                ),
            ));
        }
        if !cfg.http.expect_status.accepts(status.as_u16()) {
            return Err(super::unexpected_status(status, cfg, &self.target));
        }
        Ok(rtt)
    }

    /// The server closed the kept-alive connection as the request went out: the
    /// race a load balancer loses when it reuses a connection the server is
    /// closing.
    async fn raced(&mut self, idle: Option<Duration>, before: u64) -> Cause {
        // Why the connection's driver stopped, if it says within a moment:
        // hyper ends a connection that receives bytes while no request is out.
        let ended = match self.done.take() {
            Some(rx) => tokio::time::timeout(Duration::from_millis(50), rx)
                .await
                .ok()
                .and_then(Result::ok),
            None => None,
        };
        let unasked =
            matches!(&ended, Some(Err(e)) if e.to_string().contains("unexpected message"));
        if let Some(cause) = self.h2_only() {
            self.gone = Some(cause.clone());
            return cause;
        }
        let detail = if unasked {
            format!(
                "the server sent bytes no request asked for ({}): a response before the \
                 request, or one for a request it never got",
                context(idle, before, self.announced)
            )
        } else if before == 0 {
            format!(
                "the server closed the new connection as the first request went out ({})",
                context(idle, before, self.announced)
            )
        } else {
            format!(
                "the server closed the kept-alive connection as the request went out ({}): the keep-alive race",
                context(idle, before, self.announced)
            )
        };
        let cause = Cause::new(CauseKind::Eof, detail);
        self.gone = Some(cause.clone());
        cause
    }

    /// The connection ended with an error during request `self.requests`.
    fn ended(&mut self, e: &hyper::Error) -> Cause {
        if let Some(cause) = self.h2_only() {
            self.gone = Some(cause.clone());
            return cause;
        }
        let mut cause = hyper_cause(e);
        cause.detail = format!(
            "{} (request {} on this connection)",
            cause.detail, self.requests
        );
        self.gone = Some(cause.clone());
        cause
    }

    /// What a response says of the connection: a `Keep-Alive` policy (said once
    /// per connection, and again if the timeout changes: `max` counts down with
    /// every response), and `Connection: close` (or HTTP/1.0) ending it.
    fn read_connection_headers<B>(&mut self, response: &http::Response<B>) {
        if let Some(ka) = response
            .headers()
            .get("keep-alive")
            .and_then(|v| v.to_str().ok())
            .and_then(KeepAlive::parse)
        {
            if self.announced.map(|a| a.timeout) != Some(ka.timeout) {
                self.seen.push(Passive::KeepAlive(ka));
            }
            self.announced = Some(ka);
        }
        let close = response
            .headers()
            .get_all(http::header::CONNECTION)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .any(keepalive::says_close);
        if close || response.version() == http::Version::HTTP_10 {
            self.said_close = Some(self.requests);
        }
    }

    fn is_gone(&self) -> bool {
        self.gone.is_some() || self.said_close.is_some() || self.done.is_none()
    }

    /// Waits between requests for the server to end the connection.
    async fn listen(&mut self) -> Passive {
        if !self.seen.is_empty() {
            return self.seen.remove(0);
        }
        if let Some(cause) = self.gone.take() {
            return Passive::Lost(cause);
        }
        let Some(done) = self.done.as_mut() else {
            return std::future::pending().await;
        };
        let result = done.await;
        self.done = None;
        Passive::Lost(self.end_cause(result.unwrap_or(Ok(()))))
    }

    /// Why the connection is over, if it ended since we last looked.
    fn gone_now(&mut self) -> Option<Cause> {
        if self.gone.is_none() {
            if let Some(result) = self.done.as_mut().and_then(|rx| rx.try_recv().ok()) {
                self.done = None;
                self.gone = Some(self.end_cause(result));
            }
        }
        self.gone.take()
    }

    /// The server answered in HTTP/2: nothing hyper says of it helps.
    fn h2_only(&self) -> Option<Cause> {
        self.first
            .is_h2_settings()
            .then(|| Cause::new(CauseKind::Protocol, H2_ONLY))
    }

    fn end_cause(&self, result: Result<(), hyper::Error>) -> Cause {
        if let Some(cause) = self.h2_only() {
            return cause;
        }
        let idle = idle_since(self.idle_from);
        let where_ = context(idle, self.requests, self.announced);
        match result {
            Ok(()) => Cause::new(CauseKind::Eof, where_),
            Err(e) => {
                let cause = hyper_cause(&e);
                Cause::new(cause.kind, format!("{}, {where_}", cause.detail))
            }
        }
    }
}

impl Session for H1Session {
    round_trip_by!(exchange);

    /// hyper's HTTP/1.1 connection starts without a word to the server.
    fn handshaken(&self) -> bool {
        false
    }

    fn passive(&mut self) -> BoxFut<'_, Passive> {
        Box::pin(self.listen())
    }

    /// An unwanted status leaves the connection usable; a timeout does not (the
    /// late response would answer the next request).
    fn usable_after(&self, cause: &Cause) -> bool {
        !self.is_gone() && matches!(cause.kind, CauseKind::Http(_))
    }

    fn take_gone(&mut self) -> Option<Cause> {
        self.gone_now()
    }

    fn take_events(&mut self) -> Vec<Passive> {
        std::mem::take(&mut self.seen)
    }

    fn take_reply(&mut self) -> Option<HttpReply> {
        self.reply.take()
    }

    fn take_trace(&mut self) -> Vec<String> {
        std::mem::take(&mut self.trace)
    }
}

/// A hyper error in the suite's words: the I/O error under it when there is one.
fn hyper_cause(e: &hyper::Error) -> Cause {
    let mut source = std::error::Error::source(e);
    while let Some(err) = source {
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            return crate::tls::io_cause(io, crate::tls::Side::Client)
                .unwrap_or_else(|| Cause::from_io(io));
        }
        source = err.source();
    }
    if e.is_incomplete_message() {
        return Cause::new(
            CauseKind::Eof,
            "the server closed the connection before the response ended",
        );
    }
    // hyper ends a connection that receives bytes while no request is out.
    if e.to_string().contains("unexpected message") {
        return Cause::new(
            CauseKind::Eof,
            "the server sent a response no request asked for, which ends the connection \
             (a 408 before an idle close, or a response before the request)",
        );
    }
    if e.is_parse_too_large() {
        return Cause::new(
            CauseKind::Protocol,
            format!("response head longer than {MAX_HEAD} bytes"),
        );
    }
    if e.is_parse() || e.is_parse_status() {
        return Cause::new(
            CauseKind::Protocol,
            format!("not an HTTP/1.1 response: {e}"),
        );
    }
    Cause::new(CauseKind::Protocol, e.to_string())
}
