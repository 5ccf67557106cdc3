//! HTTP/2 frames on the wire: the frame types and flags the suite reads, the frame
//! header and the start of its payload, the frames it writes itself (GOAWAY with
//! debug data, PING ACK), and RFC 9113's error-code names.

use bytes::Bytes;

pub const DATA: u8 = 0x0;
pub const HEADERS: u8 = 0x1;
pub const RST_STREAM: u8 = 0x3;
pub const SETTINGS: u8 = 0x4;
pub const PING: u8 = 0x6;
pub const GOAWAY: u8 = 0x7;
pub const FLAG_ACK: u8 = 0x1;
pub const FLAG_END_STREAM: u8 = 0x1;

/// The client connection preface, which precedes the first frame a server reads.
pub const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// One frame seen on the wire: its header, and the start of its payload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    pub kind: u8,
    pub flags: u8,
    pub stream: u32,
    pub len: u32,
    /// The first bytes of the payload (all of it for small control frames).
    pub payload: Bytes,
}

impl Frame {
    pub fn is(&self, kind: u8) -> bool {
        self.kind == kind
    }

    pub fn ack(&self) -> bool {
        self.flags & FLAG_ACK != 0
    }

    /// For GOAWAY: (last stream id, error code, debug data).
    pub fn goaway(&self) -> Option<(u32, u32, Bytes)> {
        if self.kind != GOAWAY || self.payload.len() < 8 {
            return None;
        }
        let p = &self.payload;
        let last = u32::from_be_bytes([p[0], p[1], p[2], p[3]]) & 0x7fff_ffff;
        let code = u32::from_be_bytes([p[4], p[5], p[6], p[7]]);
        Some((last, code, self.payload.slice(8..)))
    }
}

/// Builds a GOAWAY frame.
pub fn goaway_frame(last_stream: u32, code: u32, debug: &[u8]) -> Vec<u8> {
    let len = 8 + debug.len();
    let mut out = Vec::with_capacity(9 + len);
    out.extend_from_slice(&(len as u32).to_be_bytes()[1..]);
    out.extend_from_slice(&[GOAWAY, 0, 0, 0, 0, 0]);
    out.extend_from_slice(&(last_stream & 0x7fff_ffff).to_be_bytes());
    out.extend_from_slice(&code.to_be_bytes());
    out.extend_from_slice(debug);
    out
}

/// Builds a PING ACK carrying `payload` (the 8 bytes of the PING it answers).
pub fn ping_ack_frame(payload: &[u8]) -> Vec<u8> {
    let mut out = vec![0, 0, 8, PING, FLAG_ACK, 0, 0, 0, 0];
    let mut opaque = [0u8; 8];
    let n = payload.len().min(8);
    opaque[..n].copy_from_slice(&payload[..n]);
    out.extend_from_slice(&opaque);
    out
}

/// The name of an HTTP/2 error code, as RFC 9113 writes it.
pub fn error_name(code: u32) -> String {
    let name = match code {
        0x0 => "NO_ERROR",
        0x1 => "PROTOCOL_ERROR",
        0x2 => "INTERNAL_ERROR",
        0x3 => "FLOW_CONTROL_ERROR",
        0x4 => "SETTINGS_TIMEOUT",
        0x5 => "STREAM_CLOSED",
        0x6 => "FRAME_SIZE_ERROR",
        0x7 => "REFUSED_STREAM",
        0x8 => "CANCEL",
        0x9 => "COMPRESSION_ERROR",
        0xa => "CONNECT_ERROR",
        0xb => "ENHANCE_YOUR_CALM",
        0xc => "INADEQUATE_SECURITY",
        0xd => "HTTP_1_1_REQUIRED",
        other => return format!("0x{other:x}"),
    };
    name.to_string()
}

/// The code of an HTTP/2 error name (`ENHANCE_YOUR_CALM` is 0xb); the inverse of
/// [`error_name`] for the codes RFC 9113 names.
pub fn error_code(name: &str) -> Option<u32> {
    (0..=0xd).find(|c| error_name(*c) == name)
}
