//! A tap on an HTTP/2 byte stream. It parses frame headers going both ways, so a
//! client can see the server's PINGs and GOAWAYs (with debug data, which h2 does not
//! hand out) and a server can enforce a ping policy as grpc-core and grpc-go do.
//! It can also put one frame of our own on the wire at a frame boundary, and then
//! swallow what follows: that is how a GOAWAY carries `too_many_pings`, which h2's
//! own shutdown calls cannot say.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, ready};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::frame::{FLAG_ACK, Frame, PING};
use super::parser::Parser;

/// Called with every complete frame in one direction.
pub type Observer = Box<dyn FnMut(&Frame) + Send>;

/// A frame to put on the wire at the next frame boundary of what we write.
#[derive(Debug, Default)]
pub struct Injection {
    pending: Option<(Vec<u8>, usize)>,
    /// After the injected frame, swallow every later write.
    seal: bool,
    sealed: bool,
}

/// Shared handle for asking the tap to inject a frame.
#[derive(Clone, Debug, Default)]
pub struct Injector(Arc<Mutex<Injection>>);

impl Injector {
    /// Puts `frame` on the wire at the next boundary (after any frame still
    /// waiting); with `seal`, nothing the connection writes afterwards reaches the
    /// peer. It goes out on the connection's next write or flush, and h2 flushes
    /// whenever the connection is polled.
    pub fn inject(&self, frame: Vec<u8>, seal: bool) {
        let mut inj = self.0.lock().expect("injector lock");
        match inj.pending.as_mut() {
            Some((waiting, _)) => waiting.extend_from_slice(&frame),
            None => inj.pending = Some((frame, 0)),
        }
        inj.seal |= seal;
    }
}

/// The IO wrapper.
pub struct Tap<S> {
    io: S,
    rx: Parser,
    tx: Parser,
    on_rx: Observer,
    on_tx: Observer,
    injector: Injector,
    /// Swallow the PING ACKs h2 writes (a server that ignores or delays pings).
    drop_ping_acks: bool,
}

impl<S> std::fmt::Debug for Tap<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tap").finish_non_exhaustive()
    }
}

impl<S> Tap<S> {
    /// A tap for a client (we write the preface) or a server (we read it).
    pub fn new(io: S, server: bool, on_rx: Observer, on_tx: Observer) -> Self {
        let (rx, tx) = if server {
            (Parser::after_preface(), Parser::default())
        } else {
            (Parser::default(), Parser::after_preface())
        };
        Tap {
            io,
            rx,
            tx,
            on_rx,
            on_tx,
            injector: Injector::default(),
            drop_ping_acks: false,
        }
    }

    /// Swallows every PING ACK the connection writes; an injected one still goes.
    pub fn dropping_ping_acks(mut self) -> Self {
        self.drop_ping_acks = true;
        self
    }

    pub fn injector(&self) -> Injector {
        self.injector.clone()
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Tap<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let me = self.get_mut();
        let before = buf.filled().len();
        let res = Pin::new(&mut me.io).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = res {
            let new = &buf.filled()[before..];
            me.rx.feed(new, &mut me.on_rx);
        }
        res
    }
}

impl<S: AsyncWrite + Unpin> Tap<S> {
    /// Writes the pending injection, if any, when at a frame boundary; `Ready(true)`
    /// when the connection is sealed from now on.
    fn poll_injection(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<bool>> {
        let mut inj = self.injector.0.lock().expect("injector lock");
        if inj.sealed {
            return Poll::Ready(Ok(true));
        }
        if inj.pending.is_none() || !self.tx.at_boundary() {
            return Poll::Ready(Ok(false));
        }
        while let Some((frame, done)) = inj.pending.as_mut() {
            if *done == frame.len() {
                inj.pending = None;
                break;
            }
            match Pin::new(&mut self.io).poll_write(cx, &frame[*done..]) {
                Poll::Ready(Ok(n)) => *done += n,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
        }
        if inj.seal {
            inj.sealed = true;
        }
        Poll::Ready(Ok(inj.sealed))
    }
}

/// Whether `buf` starts with a whole PING ACK frame.
fn starts_with_ping_ack(buf: &[u8]) -> bool {
    buf.len() >= 17 && buf[..3] == [0, 0, 8] && buf[3] == PING && buf[4] & FLAG_ACK != 0
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Tap<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let me = self.get_mut();
        match me.poll_injection(cx) {
            Poll::Ready(Ok(true)) => return Poll::Ready(Ok(buf.len())),
            Poll::Ready(Ok(false)) => {}
            other => return other.map_ok(|_| 0),
        }
        if me.drop_ping_acks && me.tx.at_boundary() && starts_with_ping_ack(buf) {
            me.tx.feed(&buf[..17], &mut me.on_tx);
            return Poll::Ready(Ok(17));
        }
        let waiting = me
            .injector
            .0
            .lock()
            .expect("injector lock")
            .pending
            .is_some();
        // With a frame waiting, or ACKs to catch (each write then starts a
        // frame), write no further than the next boundary.
        let limit = if waiting || me.drop_ping_acks {
            me.tx.until_boundary(buf).min(buf.len())
        } else {
            buf.len()
        };
        let res = Pin::new(&mut me.io).poll_write(cx, &buf[..limit]);
        if let Poll::Ready(Ok(n)) = res {
            me.tx.feed(&buf[..n], &mut me.on_tx);
        }
        res
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let me = self.get_mut();
        ready!(me.poll_injection(cx))?;
        Pin::new(&mut me.io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::super::frame::*;
    use super::super::parser::KEEP;
    use super::*;

    fn frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
        let mut out = (payload.len() as u32).to_be_bytes()[1..].to_vec();
        out.push(kind);
        out.push(flags);
        out.extend_from_slice(&stream.to_be_bytes());
        out.extend_from_slice(payload);
        out
    }

    fn parse_all(parser: &mut Parser, bytes: &[u8], step: usize) -> Vec<Frame> {
        let mut seen = Vec::new();
        for chunk in bytes.chunks(step) {
            parser.feed(chunk, &mut |f| seen.push(f.clone()));
        }
        seen
    }

    #[test]
    fn frames_split_anywhere_are_parsed() {
        let mut wire = PREFACE.to_vec();
        wire.extend(frame(SETTINGS, 0, 0, &[0, 3, 0, 0, 0, 100]));
        wire.extend(frame(PING, 0, 0, b"12345678"));
        wire.extend(frame(HEADERS, 0x4, 1, &[0x82; 300]));
        wire.extend(goaway_frame(1, 0xb, b"too_many_pings"));
        for step in [1, 2, 7, 9, 64, 4096] {
            let mut p = Parser::after_preface();
            let seen = parse_all(&mut p, &wire, step);
            let kinds: Vec<u8> = seen.iter().map(|f| f.kind).collect();
            assert_eq!(kinds, vec![SETTINGS, PING, HEADERS, GOAWAY], "step {step}");
            assert_eq!(&seen[1].payload[..], b"12345678");
            assert_eq!(seen[2].stream, 1);
            assert_eq!(seen[2].len, 300);
            assert_eq!(seen[2].payload.len(), KEEP, "large payloads are cut");
            let (last, code, debug) = seen[3].goaway().unwrap();
            assert_eq!((last, code, &debug[..]), (1, 0xb, &b"too_many_pings"[..]));
            assert!(p.at_boundary());
        }
    }

    #[test]
    fn boundary_arithmetic() {
        let mut p = Parser::default();
        let ping = frame(PING, 0, 0, b"12345678");
        assert_eq!(p.until_boundary(&ping), 17);
        p.feed(&ping[..4], &mut |_| {});
        assert!(!p.at_boundary());
        assert_eq!(p.until_boundary(&ping[4..]), 5);
        p.feed(&ping[4..12], &mut |_| {});
        assert_eq!(p.until_boundary(&ping[12..]), 5);
        p.feed(&ping[12..], &mut |_| {});
        assert!(p.at_boundary());
        assert_eq!(error_name(0xb), "ENHANCE_YOUR_CALM");
        assert_eq!(error_name(0x42), "0x42");
    }

    #[tokio::test]
    async fn injection_lands_between_frames_and_seals() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let (a, mut b) = tokio::io::duplex(4096);
        let mut tap = Tap::new(a, true, Box::new(|_| {}), Box::new(|_| {}));
        let injector = tap.injector();
        let settings = frame(SETTINGS, 0, 0, &[]);
        tap.write_all(&settings[..5]).await.unwrap();
        injector.inject(goaway_frame(0, 0xb, b"calm"), true);
        // The rest of the half-written frame goes first, then ours, then nothing.
        tap.write_all(&settings[5..]).await.unwrap();
        tap.write_all(&frame(PING, 0, 0, b"abcdefgh"))
            .await
            .unwrap();
        tap.write_all(&frame(PING, 0, 0, b"ijklmnop"))
            .await
            .unwrap();
        drop(tap);
        let mut got = Vec::new();
        b.read_to_end(&mut got).await.unwrap();
        let mut want = settings.clone();
        want.extend(goaway_frame(0, 0xb, b"calm"));
        assert_eq!(got, want);
    }

    #[tokio::test]
    async fn ping_acks_are_dropped_wherever_they_sit_in_a_write() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let (a, mut b) = tokio::io::duplex(4096);
        let mut tap = Tap::new(a, true, Box::new(|_| {}), Box::new(|_| {})).dropping_ping_acks();
        let settings_ack = frame(SETTINGS, FLAG_ACK, 0, &[]);
        let ack = frame(PING, FLAG_ACK, 0, b"abcdefgh");
        let ping = frame(PING, 0, 0, b"ijklmnop");
        // One write holding a SETTINGS ACK, a PING ACK and a PING, as h2 batches.
        let mut batch = settings_ack.clone();
        batch.extend(&ack);
        batch.extend(&ping);
        tap.write_all(&batch).await.unwrap();
        tap.write_all(&ack).await.unwrap();
        let injector = tap.injector();
        injector.inject(ping_ack_frame(b"delayed!"), false);
        tap.flush().await.unwrap();
        drop(tap);
        let mut got = Vec::new();
        b.read_to_end(&mut got).await.unwrap();
        let mut want = settings_ack;
        want.extend(ping);
        want.extend(ping_ack_frame(b"delayed!"));
        assert_eq!(got, want, "only the injected ACK goes out");
    }
}
