//! The first bytes an HTTP/1.1 server sent, kept beside the connection so that a
//! reply hyper cannot parse is named for what it is: an HTTP/2 server's SETTINGS
//! frame (a gRPC or h2c port) reads as "invalid HTTP version" to hyper.

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// An HTTP/2 frame header's length.
const FRAME_HEAD: usize = 9;

/// The first bytes read, shared with the session.
#[derive(Clone, Debug, Default)]
pub struct FirstBytes(Arc<Mutex<Vec<u8>>>);

impl FirstBytes {
    /// Whether they begin an HTTP/2 SETTINGS frame on stream 0, as every HTTP/2
    /// server's preface does.
    pub fn is_h2_settings(&self) -> bool {
        let seen = self.0.lock().expect("never poisoned");
        seen.len() >= FRAME_HEAD && seen[3] == 0x4 && seen[5..9] == [0, 0, 0, 0]
    }
}

/// A connection that keeps its first bytes read.
#[derive(Debug)]
pub struct Sniff<I> {
    inner: I,
    first: FirstBytes,
}

impl<I> Sniff<I> {
    pub fn new(inner: I) -> (Self, FirstBytes) {
        let first = FirstBytes::default();
        (
            Sniff {
                inner,
                first: first.clone(),
            },
            first,
        )
    }
}

impl<I: AsyncRead + Unpin> AsyncRead for Sniff<I> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        let mut seen = self.first.0.lock().expect("never poisoned");
        if seen.len() < FRAME_HEAD {
            let new = &buf.filled()[before..];
            let room = FRAME_HEAD - seen.len();
            seen.extend_from_slice(&new[..new.len().min(room)]);
        }
        polled
    }
}

impl<I: AsyncWrite + Unpin> AsyncWrite for Sniff<I> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }
    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

/// What to say when the server sent an HTTP/2 preface to an HTTP/1.1 request.
pub const H2_ONLY: &str = "the server speaks HTTP/2, not HTTP/1.1 (it sent an HTTP/2 SETTINGS \
     frame): a gRPC or h2c port? try --http2 (prior knowledge), or grpc://";

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test]
    async fn keeps_the_first_nine_bytes() {
        let (mut server, client) = tokio::io::duplex(64);
        let (mut sniff, first) = Sniff::new(client);
        // An empty SETTINGS frame, then more bytes.
        server
            .write_all(&[0, 0, 0, 4, 0, 0, 0, 0, 0, b'x', b'y'])
            .await
            .unwrap();
        let mut buf = [0u8; 3];
        for _ in 0..4 {
            let _ = sniff.read(&mut buf).await.unwrap();
        }
        assert!(first.is_h2_settings());
        let (mut server, client) = tokio::io::duplex(64);
        let (mut sniff, first) = Sniff::new(client);
        server.write_all(b"HTTP/1.1 200 OK\r\n").await.unwrap();
        let _ = sniff.read(&mut [0u8; 32]).await.unwrap();
        assert!(!first.is_h2_settings());
    }
}
