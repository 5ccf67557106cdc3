//! An h2 client connection as a tower service, so tonic's generated clients (the
//! health client) run over a connection whose PING handle and frames we also hold.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use h2::client::SendRequest;
use http_body::{Body, Frame};

/// Requests go out on one HTTP/2 connection.
#[derive(Clone, Debug)]
pub struct H2Channel {
    send: SendRequest<Bytes>,
}

impl H2Channel {
    pub fn new(send: SendRequest<Bytes>) -> Self {
        H2Channel { send }
    }
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

impl tower_service::Service<http::Request<tonic::body::Body>> for H2Channel {
    type Response = http::Response<H2Body>;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.send.poll_ready(cx).map_err(|e| boxed(&e))
    }

    fn call(&mut self, req: http::Request<tonic::body::Body>) -> Self::Future {
        let mut send = self.send.clone();
        Box::pin(async move {
            let (parts, mut body) = req.into_parts();
            let head = http::Request::from_parts(parts, ());
            let (response, mut stream) = send.send_request(head, false).map_err(|e| boxed(&e))?;
            // Unary requests are one small message: send the body, then wait.
            loop {
                let frame = std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await;
                match frame {
                    None => {
                        stream
                            .send_data(Bytes::new(), true)
                            .map_err(|e| boxed(&e))?;
                        break;
                    }
                    Some(Err(status)) => return Err(Box::new(status) as BoxError),
                    Some(Ok(frame)) => match frame.into_data() {
                        Ok(data) => stream.send_data(data, false).map_err(|e| boxed(&e))?,
                        Err(frame) => {
                            if let Ok(trailers) = frame.into_trailers() {
                                stream.send_trailers(trailers).map_err(|e| boxed(&e))?;
                                break;
                            }
                        }
                    },
                }
            }
            let response = response.await.map_err(|e| boxed(&e))?;
            if let Some(status) = not_grpc(&response) {
                return Err(Box::new(status) as BoxError);
            }
            Ok(response.map(|recv| H2Body {
                recv,
                data_done: false,
                done: false,
            }))
        })
    }
}

/// A 200 response that is not gRPC (no `application/grpc` content type, no
/// `grpc-status`): an HTTP server answered. gRPC's HTTP mapping makes it
/// UNKNOWN; tonic would try to decode the page and report a compression flag.
fn not_grpc<B>(response: &http::Response<B>) -> Option<tonic::Status> {
    let headers = response.headers();
    let kind = headers
        .get(http::header::CONTENT_TYPE)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let grpc = kind
        .as_deref()
        .is_some_and(|k| k.starts_with("application/grpc"));
    if grpc || headers.contains_key("grpc-status") || response.status() != http::StatusCode::OK {
        return None;
    }
    let kind = match kind {
        Some(k) => format!("content-type {}", k.chars().take(64).collect::<String>()),
        None => "no content-type".to_string(),
    };
    Some(tonic::Status::unknown(format!(
        "the server answered HTTP 200 with {kind}, not gRPC: an HTTP port? (try http:// or https://)"
    )))
}

/// An h2 failure as the gRPC status grpc-go's client gives it (REFUSED_STREAM is
/// UNAVAILABLE, CANCEL is CANCELLED, ENHANCE_YOUR_CALM and FLOW_CONTROL_ERROR are
/// RESOURCE_EXHAUSTED, a dead connection or a GOAWAY UNAVAILABLE, the rest
/// INTERNAL), with its words; tonic would call them all UNKNOWN with h2's `Display`.
fn status_of(err: &h2::Error) -> tonic::Status {
    use tonic::Code;
    let code = if err.is_io() || (err.is_go_away() && err.is_remote()) {
        Code::Unavailable
    } else {
        match err.reason() {
            Some(h2::Reason::REFUSED_STREAM) => Code::Unavailable,
            Some(h2::Reason::CANCEL) => Code::Cancelled,
            Some(h2::Reason::ENHANCE_YOUR_CALM | h2::Reason::FLOW_CONTROL_ERROR) => {
                Code::ResourceExhausted
            }
            Some(h2::Reason::INADEQUATE_SECURITY) => Code::PermissionDenied,
            _ => Code::Internal,
        }
    };
    tonic::Status::new(
        code,
        crate::proto::h2conn::h2_words(err, crate::tls::Side::Client),
    )
}

fn boxed(err: &h2::Error) -> BoxError {
    Box::new(status_of(err))
}

/// A response body read from an h2 stream, releasing flow-control capacity as it
/// goes.
#[derive(Debug)]
pub struct H2Body {
    recv: h2::RecvStream,
    data_done: bool,
    /// Trailers (or their absence) were handed out; nothing follows.
    done: bool,
}

impl Body for H2Body {
    type Data = Bytes;
    type Error = tonic::Status;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, tonic::Status>>> {
        if self.done {
            return Poll::Ready(None);
        }
        if !self.data_done {
            match self.recv.poll_data(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Some(Ok(data))) => {
                    let _ = self.recv.flow_control().release_capacity(data.len());
                    return Poll::Ready(Some(Ok(Frame::data(data))));
                }
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(status_of(&e)))),
                Poll::Ready(None) => self.data_done = true,
            }
        }
        let trailers = std::task::ready!(self.recv.poll_trailers(cx));
        self.done = true;
        match trailers {
            Ok(Some(trailers)) => Poll::Ready(Some(Ok(Frame::trailers(trailers)))),
            Ok(None) => Poll::Ready(None),
            Err(e) => Poll::Ready(Some(Err(status_of(&e)))),
        }
    }

    fn is_end_stream(&self) -> bool {
        self.done
    }
}
