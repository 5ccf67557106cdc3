//! Causes: why a probe failed or a connection ended, in the words a network engineer
//! uses (`refused`, `reset`, `eof`, `timeout`, `dns`, ...), with the underlying detail.

use std::fmt;
use std::io;

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
    /// The peer answered, but not with what was expected.
    Protocol,
    /// Any other I/O error.
    Io,
}

impl CauseKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CauseKind::Refused => "refused",
            CauseKind::Reset => "reset",
            CauseKind::Eof => "eof",
            CauseKind::Timeout => "timeout",
            CauseKind::Dns => "dns",
            CauseKind::Unreachable => "unreachable",
            CauseKind::Protocol => "protocol",
            CauseKind::Io => "io",
        }
    }
}

impl fmt::Display for CauseKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A failure with its kind and a human detail (the OS error text, the reply seen).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cause {
    pub kind: CauseKind,
    pub detail: String,
}

impl Cause {
    pub fn new(kind: CauseKind, detail: impl Into<String>) -> Self {
        Cause {
            kind,
            detail: detail.into(),
        }
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
            assert_eq!(cause.kind.as_str(), word, "{kind:?}");
        }
        let os = Cause::from_io(&io::Error::from_raw_os_error(104));
        assert_eq!(os.kind, CauseKind::Reset);
        assert!(os.to_string().starts_with("reset ("), "{os}");
    }
}
