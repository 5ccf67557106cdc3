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
        self.send.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, req: http::Request<tonic::body::Body>) -> Self::Future {
        let mut send = self.send.clone();
        Box::pin(async move {
            let (parts, mut body) = req.into_parts();
            let head = http::Request::from_parts(parts, ());
            let (response, mut stream) = send.send_request(head, false)?;
            // Unary requests are one small message: send the body, then wait.
            loop {
                let frame = std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await;
                match frame {
                    None => {
                        stream.send_data(Bytes::new(), true)?;
                        break;
                    }
                    Some(Err(status)) => return Err(Box::new(status) as BoxError),
                    Some(Ok(frame)) => match frame.into_data() {
                        Ok(data) => stream.send_data(data, false)?,
                        Err(frame) => {
                            if let Ok(trailers) = frame.into_trailers() {
                                stream.send_trailers(trailers)?;
                                break;
                            }
                        }
                    },
                }
            }
            let response = response.await?;
            Ok(response.map(|recv| H2Body {
                recv,
                data_done: false,
                done: false,
            }))
        })
    }
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
    type Error = h2::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, h2::Error>>> {
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
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(e))),
                Poll::Ready(None) => self.data_done = true,
            }
        }
        let trailers = std::task::ready!(self.recv.poll_trailers(cx));
        self.done = true;
        match trailers {
            Ok(Some(trailers)) => Poll::Ready(Some(Ok(Frame::trailers(trailers)))),
            Ok(None) => Poll::Ready(None),
            Err(e) => Poll::Ready(Some(Err(e))),
        }
    }

    fn is_end_stream(&self) -> bool {
        self.done
    }
}
