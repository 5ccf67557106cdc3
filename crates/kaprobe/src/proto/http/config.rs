//! HTTP's settings (method, expected statuses, version) and what a response tells
//! back; nothing here reaches for the rest of the suite, so the probe settings can
//! hold them.

use std::str::FromStr;
use std::time::Duration;

use super::status::StatusSet;
use crate::proto::mode::Mode;

/// The request method.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Method {
    #[default]
    Get,
    Head,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Head => "HEAD",
        }
    }
}

impl FromStr for Method {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_uppercase().as_str() {
            "GET" => Ok(Method::Get),
            "HEAD" => Ok(Method::Head),
            _ => Err(format!("unknown method '{s}' (expected GET or HEAD)")),
        }
    }
}

/// An HTTP version to force, as curl's `--http1.1` and `--http2`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    Http1,
    Http2,
}

/// HTTP settings.
#[derive(Clone, Debug, Default)]
pub struct HttpConfig {
    pub method: Method,
    /// Statuses that count as a reply.
    pub expect_status: StatusSet,
    /// The version to speak; `None` lets ALPN choose on https and speaks
    /// HTTP/1.1 on http (h2ping always speaks HTTP/2).
    pub version: Option<Version>,
}

impl HttpConfig {
    /// Whether this configuration must speak HTTP/2.
    pub(super) fn needs_h2(&self, mode: Mode) -> bool {
        self.version == Some(Version::Http2) || mode == Mode::H2Ping
    }
}

/// One response, as a probe reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HttpReply {
    pub status: u16,
    /// From sending the request to the response's head.
    pub first_byte: Duration,
    /// Whether the request went on a connection that had carried one before.
    pub reused: bool,
    /// `1.1` or `2`.
    pub version: &'static str,
}
