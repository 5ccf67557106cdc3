//! Causes: why a probe failed or a connection ended, in the words a network engineer
//! uses (`refused`, `reset`, `eof`, `timeout`, `dns`, ...), with the underlying detail.

use std::fmt;
use std::io;

use kawire::{grpc, h2};

/// The kind of failure; its `Display` is the word used in output and records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CauseKind {
    /// The peer answered the connection attempt with a reset (nothing listens).
    Refused,
    /// The connection was reset (RST) or aborted.
    Reset,
    /// The peer closed the connection cleanly (FIN) when a reply was due.
    Eof,
    /// No reply within the time allowed.
    Timeout,
    /// The name did not resolve.
    Dns,
    /// No route to the host or network.
    Unreachable,
    /// The TLS handshake failed (unknown CA, expired, name mismatch, alert).
    Tls,
    /// An HTTP answer other than the upgrade or response expected, by status.
    Http(u16),
    /// A proxy refused the CONNECT tunnel, by status (407, 403, 502).
    Proxy(u16),
    /// A WebSocket close, by close code (1006: the connection died without one).
    WsClose(u16),
    /// An HTTP/2 GOAWAY, by error code (NO_ERROR is a graceful close).
    Goaway(u32),
    /// A gRPC health check answered with a status other than SERVING.
    NotServing(i32),
    /// A gRPC call failed with this status code.
    Grpc(i32),
    /// The peer answered, but not with what was expected.
    Protocol,
    /// Any other I/O error.
    Io,
}

impl fmt::Display for CauseKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CauseKind::Refused => f.write_str("refused"),
            CauseKind::Reset => f.write_str("reset"),
            CauseKind::Eof => f.write_str("eof"),
            CauseKind::Timeout => f.write_str("timeout"),
            CauseKind::Dns => f.write_str("dns"),
            CauseKind::Unreachable => f.write_str("unreachable"),
            CauseKind::Tls => f.write_str("tls"),
            CauseKind::Http(status) => write!(f, "http {status}"),
            CauseKind::Proxy(status) => write!(f, "proxy {status}"),
            CauseKind::WsClose(code) => write!(f, "ws-close {code}"),
            CauseKind::Goaway(code) => write!(f, "goaway {}", h2::error_name(*code)),
            CauseKind::NotServing(status) => {
                write!(f, "health {}", grpc::serving_status_name(*status))
            }
            CauseKind::Grpc(code) => write!(f, "grpc {}", grpc::status_name(*code)),
            CauseKind::Protocol => f.write_str("protocol"),
            CauseKind::Io => f.write_str("io"),
        }
    }
}

impl CauseKind {
    /// The kind a cause word names: the inverse of `Display`, for reading records
    /// back (statistics count by kind). A word it does not know is `io`.
    pub fn from_word(word: &str) -> CauseKind {
        let number = |prefix: &str| {
            word.strip_prefix(prefix)
                .and_then(|n| n.trim().parse().ok())
        };
        match word {
            "refused" => CauseKind::Refused,
            "reset" => CauseKind::Reset,
            "eof" => CauseKind::Eof,
            "timeout" => CauseKind::Timeout,
            "dns" => CauseKind::Dns,
            "unreachable" => CauseKind::Unreachable,
            "tls" => CauseKind::Tls,
            "protocol" => CauseKind::Protocol,
            w if w.starts_with("http ") => number("http ").map_or(CauseKind::Io, CauseKind::Http),
            w if w.starts_with("proxy ") => {
                number("proxy ").map_or(CauseKind::Io, CauseKind::Proxy)
            }
            w if w.starts_with("ws-close ") => {
                number("ws-close ").map_or(CauseKind::Io, CauseKind::WsClose)
            }
            w if w.starts_with("goaway ") => {
                CauseKind::Goaway(h2::error_code(&w[7..]).unwrap_or(0xff))
            }
            w if w.starts_with("health ") => {
                CauseKind::NotServing(grpc::serving_status(&w[7..]).unwrap_or(2))
            }
            w if w.starts_with("grpc ") => CauseKind::Grpc(grpc::status_code(&w[5..]).unwrap_or(2)),
            _ => CauseKind::Io,
        }
    }
}

/// A failure with its kind and a human detail (the OS error text, the reply seen).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cause {
    pub kind: CauseKind,
    pub detail: String,
    /// The peer's own words, exact and unescaped, where the protocol carries
    /// them apart from our explanation: a GOAWAY's debug data.
    pub peer_text: Option<String>,
    /// The failure came while opening the connection (TCP, a proxy's tunnel,
    /// TLS, the protocol's handshake), before a probe went out on it.
    pub connecting: bool,
}

impl Cause {
    pub fn new(kind: CauseKind, detail: impl Into<String>) -> Self {
        Cause {
            kind,
            detail: detail.into(),
            peer_text: None,
            connecting: false,
        }
    }

    /// The same cause, marked as one met while opening the connection.
    pub fn while_connecting(mut self) -> Self {
        self.connecting = true;
        self
    }

    /// The same cause, with what the peer said in its own words.
    pub fn with_peer_text(mut self, text: impl Into<String>) -> Self {
        self.peer_text = Some(text.into());
        self
    }

    /// Classifies an I/O error by what it means on the wire.
    pub fn from_io(err: &io::Error) -> Self {
        use io::ErrorKind as K;
        let kind = match err.kind() {
            K::ConnectionRefused => CauseKind::Refused,
            K::ConnectionReset | K::ConnectionAborted | K::BrokenPipe => CauseKind::Reset,
            K::UnexpectedEof => CauseKind::Eof,
            K::TimedOut => CauseKind::Timeout,
            K::HostUnreachable | K::NetworkUnreachable | K::NetworkDown => CauseKind::Unreachable,
            _ => CauseKind::Io,
        };
        Cause::new(kind, err.to_string())
    }

    pub fn timeout(detail: impl Into<String>) -> Self {
        Cause::new(CauseKind::Timeout, detail)
    }

    pub fn eof() -> Self {
        Cause::new(CauseKind::Eof, "peer closed the connection")
    }
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.detail.is_empty() {
            write!(f, "{}", self.kind)
        } else {
            write!(f, "{} ({})", self.kind, self.detail)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_errors_map_to_network_words() {
        let cases = [
            (io::ErrorKind::ConnectionRefused, "refused"),
            (io::ErrorKind::ConnectionReset, "reset"),
            (io::ErrorKind::BrokenPipe, "reset"),
            (io::ErrorKind::UnexpectedEof, "eof"),
            (io::ErrorKind::TimedOut, "timeout"),
            (io::ErrorKind::HostUnreachable, "unreachable"),
            (io::ErrorKind::PermissionDenied, "io"),
        ];
        for (kind, word) in cases {
            let cause = Cause::from_io(&io::Error::from(kind));
            assert_eq!(cause.kind.to_string(), word, "{kind:?}");
        }
        let os = Cause::from_io(&io::Error::from_raw_os_error(104));
        assert_eq!(os.kind, CauseKind::Reset);
        assert!(os.to_string().starts_with("reset ("), "{os}");
        assert_eq!(CauseKind::WsClose(1011).to_string(), "ws-close 1011");
        assert_eq!(CauseKind::Http(403).to_string(), "http 403");
        assert_eq!(
            CauseKind::Goaway(11).to_string(),
            "goaway ENHANCE_YOUR_CALM"
        );
        assert_eq!(CauseKind::NotServing(2).to_string(), "health NOT_SERVING");
        assert_eq!(CauseKind::Grpc(12).to_string(), "grpc UNIMPLEMENTED");
    }

    #[test]
    fn cause_words_round_trip() {
        for kind in [
            CauseKind::Refused,
            CauseKind::Timeout,
            CauseKind::WsClose(1011),
            CauseKind::Http(403),
            CauseKind::Proxy(407),
            CauseKind::Goaway(11),
            CauseKind::NotServing(3),
            CauseKind::Grpc(12),
        ] {
            assert_eq!(CauseKind::from_word(&kind.to_string()), kind);
        }
        assert_eq!(CauseKind::from_word("nonsense"), CauseKind::Io);
    }
}
