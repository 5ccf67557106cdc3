//! An incremental HTTP/2 frame parser over one direction of a byte stream: frame
//! headers and the first bytes of each payload, in whatever pieces they arrive.

use bytes::Bytes;

use super::frame::{Frame, PREFACE};

/// Payload bytes kept for a frame; enough for PING, RST_STREAM and GOAWAY with a
/// reasonable debug text.
pub(crate) const KEEP: usize = 256;

/// An incremental frame parser over one direction of the stream.
#[derive(Debug, Default)]
pub struct Parser {
    /// Preface bytes still to skip.
    preface: usize,
    head: [u8; 9],
    head_len: usize,
    /// Payload bytes of the current frame still to come.
    remaining: usize,
    current: Option<Frame>,
    keep: Vec<u8>,
}

impl Parser {
    /// A parser for what a server reads (which starts with the client preface).
    pub fn after_preface() -> Self {
        Parser {
            preface: PREFACE.len(),
            ..Parser::default()
        }
    }

    /// Whether the bytes fed so far end exactly between frames.
    pub fn at_boundary(&self) -> bool {
        self.preface == 0 && self.head_len == 0 && self.current.is_none()
    }

    /// How many of the next bytes belong to the current preface, header or frame,
    /// given the bytes about to be written; writing no more than that keeps the
    /// writer on frame boundaries.
    pub(crate) fn until_boundary(&self, next: &[u8]) -> usize {
        if self.preface > 0 {
            return self.preface;
        }
        if self.head_len > 0 {
            return 9 - self.head_len;
        }
        if self.current.is_some() {
            return self.remaining;
        }
        if next.len() >= 9 {
            let len = u32::from_be_bytes([0, next[0], next[1], next[2]]) as usize;
            return 9 + len;
        }
        9
    }

    /// Feeds bytes; calls `on` for each frame when its payload has arrived.
    pub fn feed(&mut self, mut bytes: &[u8], on: &mut dyn FnMut(&Frame)) {
        loop {
            if self.preface > 0 {
                if bytes.is_empty() {
                    return;
                }
                let n = self.preface.min(bytes.len());
                self.preface -= n;
                bytes = &bytes[n..];
                continue;
            }
            if self.current.is_none() {
                if bytes.is_empty() {
                    return;
                }
                let n = (9 - self.head_len).min(bytes.len());
                self.head[self.head_len..self.head_len + n].copy_from_slice(&bytes[..n]);
                self.head_len += n;
                bytes = &bytes[n..];
                if self.head_len < 9 {
                    return;
                }
                let h = self.head;
                let len = u32::from_be_bytes([0, h[0], h[1], h[2]]);
                self.head_len = 0;
                self.remaining = len as usize;
                self.keep.clear();
                self.current = Some(Frame {
                    kind: h[3],
                    flags: h[4],
                    stream: u32::from_be_bytes([h[5], h[6], h[7], h[8]]) & 0x7fff_ffff,
                    len,
                    payload: Bytes::new(),
                });
            }
            // The payload, which may be empty.
            let n = self.remaining.min(bytes.len());
            let room = KEEP.saturating_sub(self.keep.len()).min(n);
            self.keep.extend_from_slice(&bytes[..room]);
            self.remaining -= n;
            bytes = &bytes[n..];
            if self.remaining > 0 {
                return;
            }
            let mut frame = self.current.take().expect("a frame in progress");
            frame.payload = Bytes::copy_from_slice(&self.keep);
            on(&frame);
        }
    }
}

#[cfg(test)]
mod hostile {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// Any bytes, in any pieces: no panic, and every frame reported is one
        /// whose header was fed.
        #[test]
        fn any_bytes_in_any_pieces(bytes in proptest::collection::vec(any::<u8>(), 0..4096), step in 1usize..64) {
            let mut parser = Parser::after_preface();
            let mut frames = 0usize;
            for piece in bytes.chunks(step) {
                parser.feed(piece, &mut |f| {
                    frames += 1;
                    assert!(f.payload.len() <= KEEP);
                    let _ = f.goaway();
                });
            }
            prop_assert!(frames * 9 <= bytes.len());
        }
    }
}
