//! Schemes: how a target is reached, a protocol plus, for `wss`, `grpcs` and
//! `https`, TLS; each with its default port and whether a path means something.

use std::fmt;

use crate::protocol::Protocol;

/// How a target is reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scheme {
    Tcp,
    Ws,
    Wss,
    Grpc,
    Grpcs,
    Http,
    Https,
}

impl Scheme {
    pub const ALL: [Scheme; 7] = [
        Scheme::Tcp,
        Scheme::Ws,
        Scheme::Wss,
        Scheme::Grpc,
        Scheme::Grpcs,
        Scheme::Http,
        Scheme::Https,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Tcp => "tcp",
            Scheme::Ws => "ws",
            Scheme::Wss => "wss",
            Scheme::Grpc => "grpc",
            Scheme::Grpcs => "grpcs",
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }

    /// The port used when the URL names none; TCP has no default.
    pub fn default_port(self) -> Option<u16> {
        match self {
            Scheme::Tcp => None,
            Scheme::Ws | Scheme::Grpc | Scheme::Http => Some(80),
            Scheme::Wss | Scheme::Grpcs | Scheme::Https => Some(443),
        }
    }

    /// The protocol spoken, TLS or not (`wss` is `ws`, `grpcs` is `grpc`).
    pub fn protocol(self) -> Protocol {
        match self {
            Scheme::Tcp => Protocol::Tcp,
            Scheme::Ws | Scheme::Wss => Protocol::Ws,
            Scheme::Grpc | Scheme::Grpcs => Protocol::Grpc,
            Scheme::Http | Scheme::Https => Protocol::Http,
        }
    }

    /// Whether the transport is wrapped in TLS.
    pub fn is_tls(self) -> bool {
        matches!(self, Scheme::Wss | Scheme::Grpcs | Scheme::Https)
    }

    /// Whether a path after the authority means something for this scheme.
    pub(crate) fn takes_path(self) -> bool {
        matches!(
            self,
            Scheme::Ws | Scheme::Wss | Scheme::Http | Scheme::Https
        )
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
