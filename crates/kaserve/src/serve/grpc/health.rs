//! The one service the gRPC responder has: `grpc.health.v1.Health/Check`, a unary
//! call answered from the health table, and `Watch`, a stream that sends the
//! service's status and then each change (`--flip`); every other method is
//! UNIMPLEMENTED.

use bytes::{BufMut, Bytes, BytesMut};
use h2::RecvStream;
use h2::server::SendResponse;
use prost::Message;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::{HealthCheckRequest, HealthCheckResponse};

use crate::serve::options::ServeOptions;

/// The largest request body read.
const MAX_REQUEST: usize = 64 * 1024;

/// Answers one unary call: the health Check, or UNIMPLEMENTED.
pub async fn unary(
    request: http::Request<RecvStream>,
    mut respond: SendResponse<Bytes>,
    opts: &ServeOptions,
) {
    let watch = match request.uri().path() {
        "/grpc.health.v1.Health/Check" => false,
        "/grpc.health.v1.Health/Watch" => true,
        _ => {
            trailers_only(&mut respond, 12, "unknown method");
            return;
        }
    };
    let mut body = request.into_body();
    let mut buf = BytesMut::new();
    while let Some(chunk) = body.data().await {
        let Ok(chunk) = chunk else { return };
        let _ = body.flow_control().release_capacity(chunk.len());
        buf.extend_from_slice(&chunk);
        if buf.len() > MAX_REQUEST {
            trailers_only(&mut respond, 8, "request too large");
            return;
        }
    }
    let Some(message) = grpc_message(&buf) else {
        trailers_only(&mut respond, 13, "malformed request");
        return;
    };
    let Ok(check) = HealthCheckRequest::decode(message) else {
        trailers_only(&mut respond, 13, "malformed HealthCheckRequest");
        return;
    };
    if watch {
        return watch_service(&check.service, respond, opts).await;
    }
    let health = opts.health.read().expect("health lock").get(&check.service);
    let Some(status) = health else {
        trailers_only(&mut respond, 5, "unknown service");
        return;
    };
    let Ok(mut stream) = respond.send_response(grpc_head(), false) else {
        return;
    };
    let _ = stream.send_data(status_message(status), false);
    let mut trailers = http::HeaderMap::new();
    trailers.insert("grpc-status", http::HeaderValue::from_static("0"));
    let _ = stream.send_trailers(trailers);
}

/// Watch, as grpc-go's health server does it: the status now (SERVICE_UNKNOWN
/// for a service not in the table, and the stream stays open), then each change,
/// until the client cancels or the connection ends.
async fn watch_service(service: &str, mut respond: SendResponse<Bytes>, opts: &ServeOptions) {
    let Ok(mut stream) = respond.send_response(grpc_head(), false) else {
        return;
    };
    let mut last = None;
    loop {
        // Registered before the table is read: a change in between still wakes us.
        let changed = opts.health_changed.notified();
        tokio::pin!(changed);
        changed.as_mut().enable();
        let now = opts
            .health
            .read()
            .expect("health lock")
            .get(service)
            .unwrap_or(ServingStatus::ServiceUnknown);
        if last != Some(now) {
            if stream.send_data(status_message(now), false).is_err() {
                return;
            }
            last = Some(now);
        }
        tokio::select! {
            () = changed => {}
            _ = std::future::poll_fn(|cx| stream.poll_reset(cx)) => return,
        }
    }
}

fn grpc_head() -> http::Response<()> {
    http::Response::builder()
        .header("content-type", "application/grpc")
        .body(())
        .expect("static response")
}

/// A `HealthCheckResponse`, length-prefixed as one gRPC message.
fn status_message(status: ServingStatus) -> Bytes {
    let reply = HealthCheckResponse {
        status: status as i32,
    };
    let mut framed = BytesMut::with_capacity(5 + reply.encoded_len());
    framed.put_u8(0);
    framed.put_u32(reply.encoded_len() as u32);
    reply.encode(&mut framed).expect("a BytesMut grows");
    framed.freeze()
}

/// Flips `service` between SERVING and NOT_SERVING every `every` (it starts
/// SERVING unless `--status` said otherwise), waking every Watch, until `stop`.
pub async fn flip(
    service: String,
    every: std::time::Duration,
    opts: std::sync::Arc<ServeOptions>,
    stop: tokio_util::sync::CancellationToken,
) {
    {
        let mut table = opts.health.write().expect("health lock");
        if table.get(&service).is_none() {
            table.set(&service, ServingStatus::Serving);
        }
    }
    let mut at = tokio::time::Instant::now();
    loop {
        at += every;
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep_until(at) => {}
        }
        {
            let mut table = opts.health.write().expect("health lock");
            let next = match table.get(&service) {
                Some(ServingStatus::Serving) => ServingStatus::NotServing,
                _ => ServingStatus::Serving,
            };
            table.set(&service, next);
        }
        opts.health_changed.notify_waiters();
    }
}

/// The one message of a unary request: no compression, length-prefixed.
fn grpc_message(buf: &[u8]) -> Option<&[u8]> {
    let (&flag, rest) = buf.split_first()?;
    if flag != 0 || rest.len() < 4 {
        return None;
    }
    let len = u32::from_be_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
    rest.get(4..4 + len)
}

/// A response with no body: status and message in the headers (gRPC's
/// "Trailers-Only").
fn trailers_only(respond: &mut SendResponse<Bytes>, code: u8, message: &str) {
    let response = http::Response::builder()
        .header("content-type", "application/grpc")
        .header("grpc-status", code.to_string())
        .header("grpc-message", message)
        .body(())
        .expect("static response");
    let _ = respond.send_response(response, true);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grpc_framing() {
        assert_eq!(grpc_message(&[0, 0, 0, 0, 2, 10, 0]), Some(&[10, 0][..]));
        assert_eq!(grpc_message(&[1, 0, 0, 0, 0]), None, "compressed");
        assert_eq!(grpc_message(&[0, 0, 0, 0, 5, 1]), None, "short");
        assert_eq!(grpc_message(&[]), None);
    }
}
