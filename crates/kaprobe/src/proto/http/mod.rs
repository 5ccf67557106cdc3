//! HTTP sessions over `http://` and `https://`: one kept-alive connection, a request
//! per probe (HTTP/1.1 through hyper's client connection API, HTTP/2 through h2 with
//! the frame tap gRPC uses), the body read and discarded up to a cap, the status
//! checked, reuse counted; and what the server does on its own between requests:
//! `Keep-Alive` claims, `Connection: close`, a FIN or RST on an idle connection,
//! told with the connection's age, idle time and request count. HTTP/2 is chosen by
//! ALPN on https (or forced); `h2ping` works against any HTTP/2 server.

pub(super) mod config;
mod h1;
mod h2;
pub(super) mod keepalive;
mod sniff;
mod status;

pub use config::{HttpConfig, HttpReply, Method, Version};
pub use keepalive::KeepAlive;
pub use status::StatusSet;

use std::fmt;
use std::time::{Duration, Instant};

use super::config::ProbeConfig;
use super::h2conn::H2PING;
use super::mode::Mode;
use super::session::{BoxFut, ModeInfo, OpenArgs, ProtocolInfo, Session, Transport};
use crate::cause::{Cause, CauseKind};
use crate::target::Target;
use crate::units::short;

/// The modes of an HTTP target, default first.
pub const MODES: &[ModeInfo] = &[
    ModeInfo {
        mode: Mode::Request,
        help: "a request per probe on a kept-alive connection",
        describe: |cfg| {
            format!(
                "{} on a kept-alive connection, expecting {}",
                cfg.http.method.as_str(),
                cfg.http.expect_status
            )
        },
        reply_verb: "response from",
        keepalive_word: "responses",
        noun: "a request",
        connection_per_probe: false,
    },
    H2PING,
];

pub static PROTOCOL: ProtocolInfo = ProtocolInfo {
    modes: MODES,
    keepalives: &[Mode::Request],
    alpn,
    open,
};

/// The largest response body a probe reads (then discards); a longer one fails the
/// probe rather than hold it up.
pub const MAX_BODY: u64 = 1024 * 1024;

/// The largest response head (status line and headers) accepted.
pub const MAX_HEAD: usize = 64 * 1024;

/// How the end of a connection the server closed with `Connection: close` (its
/// request cap, nginx's `keepalive_requests`) begins: such an end says nothing
/// about the path.
pub const SAID_CLOSE: &str = "the server said Connection: close";

/// Whether `cause` is a server's `Connection: close` rather than a failure.
pub fn said_close(cause: &Cause) -> bool {
    cause.kind == CauseKind::Eof && cause.detail.starts_with(SAID_CLOSE)
}

/// What an https connection offers in ALPN.
pub fn alpn(cfg: &ProbeConfig) -> &'static [&'static [u8]] {
    if cfg.http.needs_h2(cfg.mode) {
        &[b"h2"]
    } else if cfg.http.version == Some(Version::Http1) {
        &[b"http/1.1"]
    } else {
        &[b"h2", b"http/1.1"]
    }
}

/// Opens the connection's HTTP on an open stream: HTTP/2 when ALPN chose `h2` (or
/// it is forced on plain http), else HTTP/1.1.
fn open(stream: Transport, args: OpenArgs<'_>) -> BoxFut<'_, Result<Box<dyn Session>, Cause>> {
    Box::pin(async move {
        let OpenArgs {
            target,
            cfg,
            timer,
            fold,
        } = args;
        let negotiated = stream.negotiated().map(<[u8]>::to_vec);
        let negotiated = negotiated.as_deref();
        let h2 = if target.scheme.is_tls() {
            negotiated == Some(b"h2")
        } else {
            cfg.http.needs_h2(cfg.mode)
        };
        if cfg.http.needs_h2(cfg.mode) && !h2 {
            let chose = negotiated.map_or("nothing".to_string(), |p| {
                String::from_utf8_lossy(p).into_owned()
            });
            let why = if cfg.mode == Mode::H2Ping {
                "h2ping needs HTTP/2"
            } else {
                "--http2 asks for it"
            };
            return Err(Cause::new(
                CauseKind::Protocol,
                format!("the server did not agree to HTTP/2 in ALPN (it chose {chose}); {why}"),
            ));
        }
        let io = stream.into_io();
        Ok(if h2 {
            Box::new(h2::H2Session::handshake(io, target, timer, fold).await?) as Box<dyn Session>
        } else {
            Box::new(h1::H1Session::handshake(io, target, timer).await?)
        })
    })
}

/// The request a probe sends: the target's path, its Host (or `--authority`), the
/// URL's credentials, `-H` headers. HTTP/2 wants the absolute URI.
fn request(target: &Target, cfg: &ProbeConfig, absolute: bool) -> Result<http::Request<()>, Cause> {
    let authority = cfg.authority.clone().unwrap_or_else(|| {
        if target.scheme.default_port() == Some(target.port) {
            target.host.to_string()
        } else {
            target.authority()
        }
    });
    let uri = if absolute {
        let scheme = if target.scheme.is_tls() {
            "https"
        } else {
            "http"
        };
        format!("{scheme}://{authority}{}", target.path)
    } else {
        target.path.clone()
    };
    let bad = |e: &dyn fmt::Display| {
        Cause::new(
            CauseKind::Protocol,
            format!("cannot build the request: {e}"),
        )
    };
    let mut builder = http::Request::builder()
        .method(cfg.http.method.as_str())
        .uri(uri);
    let user_host = cfg
        .headers
        .iter()
        .any(|h| h.name.eq_ignore_ascii_case("host"));
    if !absolute && !user_host {
        builder = builder.header(http::header::HOST, authority);
    }
    let mut req = builder.body(()).map_err(|e| bad(&e))?;
    let headers = req.headers_mut();
    headers.insert(
        http::header::USER_AGENT,
        http::HeaderValue::from_static(concat!("kaprobe/", env!("CARGO_PKG_VERSION"))),
    );
    headers.insert(http::header::ACCEPT, http::HeaderValue::from_static("*/*"));
    for header in &cfg.headers {
        // Names and values were validated when the config was built; HTTP/2 has no
        // Host (its :authority says it).
        if absolute && header.name.eq_ignore_ascii_case("host") {
            continue;
        }
        if let (Ok(name), Ok(value)) = (
            http::HeaderName::from_bytes(header.name.as_bytes()),
            http::HeaderValue::from_str(&header.value),
        ) {
            headers.append(name, value);
        }
    }
    if let Some(auth) = target.basic_auth() {
        if !headers.contains_key(http::header::AUTHORIZATION) {
            if let Ok(value) = http::HeaderValue::from_str(&auth) {
                headers.insert(http::header::AUTHORIZATION, value);
            }
        }
    }
    Ok(req)
}

/// curl -v's lines of a request head (the path's query values masked).
fn trace_request(
    head: &http::Request<()>,
    target: &Target,
    cfg: &ProbeConfig,
    version: &str,
) -> Vec<String> {
    let mut lines = Vec::new();
    let path = crate::target::redact(&target.path);
    crate::trace::sent(&mut lines, format!("{} {path} {version}", head.method()));
    if version == "HTTP/2" {
        let authority = cfg.authority.clone().unwrap_or_else(|| target.authority());
        crate::trace::sent(&mut lines, format!(":authority: {authority}"));
    }
    crate::trace::sent_headers(&mut lines, head.headers(), &cfg.headers);
    lines
}

/// curl -v's lines of a response head (cookies masked).
fn trace_response(
    lines: &mut Vec<String>,
    status: http::StatusCode,
    headers: &http::HeaderMap,
    version: &str,
) {
    crate::trace::got(
        lines,
        format!(
            "{version} {} {}",
            status.as_u16(),
            status.canonical_reason().unwrap_or("")
        )
        .trim_end(),
    );
    crate::trace::got_headers(lines, headers);
}

/// A status the user did not expect, as a failed probe.
fn unexpected_status(status: http::StatusCode, cfg: &ProbeConfig, target: &Target) -> Cause {
    Cause::new(
        CauseKind::Http(status.as_u16()),
        format!(
            "{} {} answered {} {}",
            cfg.http.method.as_str(),
            crate::target::redact(&target.path),
            status.as_u16(),
            status.canonical_reason().unwrap_or("")
        )
        .trim_end()
        .to_string(),
    )
}

/// Where a connection stood when it ended: `after 5.0s idle, 12 requests`, with
/// what the server had announced.
fn context(idle: Option<Duration>, requests: u64, announced: Option<KeepAlive>) -> String {
    let mut s = match idle {
        Some(idle) => format!("after {} idle", short(idle)),
        None => "during a request".to_string(),
    };
    let plural = if requests == 1 { "request" } else { "requests" };
    s.push_str(&format!(", {requests} {plural}"));
    if let Some(ka) = announced {
        s.push_str(&format!("; Keep-Alive said {ka}"));
    }
    s
}

/// The idle time of a connection whose last response ended at `since`.
fn idle_since(since: Option<Instant>) -> Option<Duration> {
    since.map(|at| at.elapsed())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_carry_host_path_and_credentials_not_shown() {
        let target: Target = "http://u:pw@h:8080/health?x=1".parse().unwrap();
        let mut cfg = ProbeConfig::new(Mode::Request);
        let req = request(&target, &cfg, false).unwrap();
        assert_eq!(req.uri(), "/health?x=1");
        assert_eq!(req.headers()["host"], "h:8080");
        assert_eq!(req.headers()["authorization"], "Basic dTpwdw==");
        let default_port: Target = "https://h/".parse().unwrap();
        let h2 = request(&default_port, &cfg, true).unwrap();
        assert_eq!(h2.uri(), "https://h/");
        assert!(h2.headers().get("host").is_none());
        cfg.authority = Some("api.example:443".into());
        cfg.http.method = Method::Head;
        cfg.headers = vec!["Host: other".parse().unwrap()];
        let req = request(&target, &cfg, false).unwrap();
        assert_eq!(req.method(), "HEAD");
        assert_eq!(req.headers().get_all("host").iter().count(), 1);
        assert_eq!(req.headers()["host"], "other");
    }

    #[test]
    fn endings_are_told_in_context() {
        let ka = KeepAlive::parse("timeout=5, max=100");
        assert_eq!(
            context(Some(Duration::from_millis(5020)), 12, None),
            "after 5s idle, 12 requests"
        );
        assert_eq!(
            context(Some(Duration::from_millis(2000)), 1, ka),
            "after 2s idle, 1 request; Keep-Alive said timeout=5, max=100"
        );
        assert_eq!(context(None, 3, None), "during a request, 3 requests");
    }
}
