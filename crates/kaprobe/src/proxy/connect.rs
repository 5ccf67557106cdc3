//! The HTTP CONNECT tunnel (RFC 9110 §9.3.6): one request, one response head, then
//! the connection is the target's. The head is read a byte at a time, so not one
//! byte of the target's that follows it is taken, and is bounded at 16 KiB. A
//! refusal becomes a cause in words: `proxy 407`, `proxy 403`, `proxy 502`.

use base64::Engine;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::Proxy;
use crate::cause::{Cause, CauseKind};
use crate::deadline::ProbeTimer;

/// The most a proxy's response head may take.
const MAX_HEAD: usize = 16 * 1024;

/// Asks `proxy`, on `stream`, for a tunnel to `authority` (`host:port`), within the
/// timer's deadline.
pub async fn tunnel(
    mut stream: TcpStream,
    authority: &str,
    proxy: &Proxy,
    timer: &mut ProbeTimer,
) -> Result<(TcpStream, String), Cause> {
    let mut request = format!("CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n");
    if let Some((user, password)) = &proxy.credentials {
        let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
        request.push_str(&format!("Proxy-Authorization: Basic {token}\r\n"));
    }
    request.push_str("\r\n");
    let exchange = async {
        stream.write_all(request.as_bytes()).await?;
        read_head(&mut stream).await
    };
    let head = match timer.within(exchange).await {
        None => {
            return Err(Cause::timeout(format!(
                "the proxy {proxy} did not answer CONNECT {authority} in time"
            )));
        }
        Some(Err(e)) => {
            let mut cause = Cause::from_io(&e);
            cause.detail = format!("the proxy {proxy}, asked for {authority}: {}", cause.detail);
            return Err(cause);
        }
        Some(Ok(head)) => head,
    };
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut response = httparse::Response::new(&mut headers);
    let status = match response.parse(&head) {
        Ok(httparse::Status::Complete(_)) => response.code.unwrap_or(0),
        _ => {
            return Err(Cause::new(
                CauseKind::Protocol,
                format!("the proxy {proxy} answered CONNECT with something other than HTTP"),
            ));
        }
    };
    if (200..300).contains(&status) {
        let answer = format!(
            "HTTP/1.{} {status} {}",
            response.version.unwrap_or(1),
            response.reason.unwrap_or("")
        );
        return Ok((stream, answer.trim_end().to_string()));
    }
    Err(refusal(status, proxy, authority))
}

/// The response head, up to and including its blank line.
async fn read_head(stream: &mut TcpStream) -> std::io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(256);
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if head.len() >= MAX_HEAD {
            return Err(std::io::Error::other("the response head is over 16 KiB"));
        }
        if stream.read(&mut byte).await? == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "it closed the connection before answering",
            ));
        }
        head.push(byte[0]);
    }
    Ok(head)
}

/// A proxy's refusal, with what it means and what to do. The status is named by
/// its standard reason, never by the proxy's own phrase: a proxy may echo our
/// `Proxy-Authorization` there.
fn refusal(status: u16, proxy: &Proxy, authority: &str) -> Cause {
    let reason = http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("");
    let what = match status {
        401 | 407 if proxy.credentials.is_some() => {
            "the proxy refused our credentials (the user:password in the proxy URL)".to_string()
        }
        407 => "the proxy wants credentials: give them as http://user:password@host:port".into(),
        403 => {
            format!("the proxy forbids a tunnel to {authority} (its access rules or allowed ports)")
        }
        400 | 405 | 501 => "the proxy does not open CONNECT tunnels".into(),
        500 | 502 | 503 | 504 => format!("the proxy could not reach {authority}"),
        _ => format!("the proxy refused a tunnel to {authority}"),
    };
    Cause::new(
        CauseKind::Proxy(status),
        format!("{what} ({proxy} answered {} {reason})", status).replace(" )", ")"),
    )
}
