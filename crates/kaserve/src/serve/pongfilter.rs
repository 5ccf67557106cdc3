//! A writer under a WebSocket server that drops the Pong frames tungstenite sends
//! on its own when a Ping arrives, unless one was let through on purpose: that is
//! how the `ignore-pings` and `delay-pongs` faults hold pongs back. Server frames
//! are unmasked, so the frame boundaries are read from the bytes going out.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::task::{Context, Poll, ready};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

const PONG: u8 = 0xA;

/// Shared with the handler: the filter passes everything until armed (after the
/// HTTP upgrade), then drops Pongs except one per permit, which the handler adds
/// before it sends a (delayed) Pong itself.
#[derive(Debug, Default)]
pub struct Gate {
    pub armed: AtomicBool,
    pub permits: AtomicU32,
}

pub type Permits = Arc<Gate>;

#[derive(Debug)]
pub struct PongFilter<S> {
    io: S,
    permits: Permits,
    /// Header bytes of the frame being read.
    head: Vec<u8>,
    /// Payload bytes of the current frame still to pass or drop.
    remaining: u64,
    dropping: bool,
    /// Header bytes of a passed frame not yet written.
    pending: Vec<u8>,
}

impl<S> PongFilter<S> {
    pub fn new(io: S, permits: Permits) -> Self {
        PongFilter {
            io,
            permits,
            head: Vec::with_capacity(14),
            remaining: 0,
            dropping: false,
            pending: Vec::new(),
        }
    }
}

/// (header length, payload length) once enough of the header is known.
fn header(head: &[u8]) -> Option<(usize, u64)> {
    let b1 = *head.get(1)?;
    let ext = match b1 & 0x7f {
        126 => 2,
        127 => 8,
        _ => 0,
    };
    let mask = if b1 & 0x80 != 0 { 4 } else { 0 };
    let len = 2 + ext + mask;
    if head.len() < 2 + ext {
        return None;
    }
    let payload = match ext {
        0 => u64::from(b1 & 0x7f),
        2 => u64::from(u16::from_be_bytes([head[2], head[3]])),
        _ => u64::from_be_bytes(head[2..10].try_into().expect("8 bytes")),
    };
    Some((len, payload))
}

impl<S: AsyncWrite + Unpin> PongFilter<S> {
    fn poll_pending(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while !self.pending.is_empty() {
            let n = ready!(Pin::new(&mut self.io).poll_write(cx, &self.pending))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.pending.drain(..n);
        }
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for PongFilter<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for PongFilter<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let me = self.get_mut();
        if !me.permits.armed.load(Ordering::Relaxed) {
            return Pin::new(&mut me.io).poll_write(cx, buf);
        }
        ready!(me.poll_pending(cx))?;
        if me.remaining > 0 {
            let n = (me.remaining.min(buf.len() as u64)) as usize;
            if me.dropping {
                me.remaining -= n as u64;
                return Poll::Ready(Ok(n));
            }
            let n = ready!(Pin::new(&mut me.io).poll_write(cx, &buf[..n]))?;
            me.remaining -= n as u64;
            return Poll::Ready(Ok(n));
        }
        // At a frame header: take its bytes, then decide the frame's fate.
        let mut used = 0;
        while used < buf.len() {
            me.head.push(buf[used]);
            used += 1;
            if let Some((len, payload)) = header(&me.head) {
                if me.head.len() == len {
                    let pong = me.head[0] & 0x0f == PONG;
                    let permitted = pong
                        && me
                            .permits
                            .permits
                            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |p| {
                                p.checked_sub(1)
                            })
                            .is_ok();
                    me.dropping = pong && !permitted;
                    me.remaining = payload;
                    let head = std::mem::take(&mut me.head);
                    if !me.dropping {
                        me.pending = head;
                    }
                    break;
                }
            }
        }
        // Best effort now; anything left goes out before the next write or flush.
        if let Poll::Ready(Err(e)) = me.poll_pending(cx) {
            return Poll::Ready(Err(e));
        }
        Poll::Ready(Ok(used))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let me = self.get_mut();
        ready!(me.poll_pending(cx))?;
        Pin::new(&mut me.io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let me = self.get_mut();
        ready!(me.poll_pending(cx))?;
        Pin::new(&mut me.io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncWriteExt;

    fn frame(opcode: u8, payload: &[u8]) -> Vec<u8> {
        let mut f = vec![0x80 | opcode];
        match payload.len() {
            n if n < 126 => f.push(n as u8),
            n => {
                f.push(126);
                f.extend_from_slice(&(n as u16).to_be_bytes());
            }
        }
        f.extend_from_slice(payload);
        f
    }

    #[tokio::test]
    async fn pongs_are_dropped_unless_permitted_wherever_writes_split() {
        let text = frame(0x1, b"hello");
        let pong = frame(PONG, b"p1");
        let big = frame(0x2, &[7u8; 300]);
        let mut wire = text.clone();
        wire.extend(&pong);
        wire.extend(&big);
        wire.extend(&pong);
        async fn filtered(wire: &[u8], step: usize, permits: &Permits) -> PongFilter<Vec<u8>> {
            let mut out = PongFilter::new(Vec::new(), permits.clone());
            for chunk in wire.chunks(step) {
                out.write_all(chunk).await.unwrap();
            }
            out.flush().await.unwrap();
            out
        }
        for step in [1, 2, 3, 5, 64, 4096] {
            let permits = Permits::default();
            permits.armed.store(true, Ordering::Relaxed);
            let out = filtered(&wire, step, &permits).await;
            let mut want = text.clone();
            want.extend(&big);
            assert_eq!(out.io, want, "step {step}");

            permits.permits.store(1, Ordering::Relaxed);
            let out = filtered(&wire, step, &permits).await;
            let mut want = text.clone();
            want.extend(&pong);
            want.extend(&big);
            assert_eq!(out.io, want, "one pong permitted, step {step}");
        }
    }
}
