//! The one name of a protocol everywhere in the suite: what a target speaks, what a
//! responder answers, what records carry as `protocol`. A scheme is a protocol
//! plus, for `wss`, `grpcs` and `https`, TLS.

use std::fmt;
use std::str::FromStr;

/// A protocol the suite probes and serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Protocol {
    Tcp,
    Ws,
    Grpc,
    Http,
}

impl Protocol {
    pub const ALL: [Protocol; 4] = [Protocol::Tcp, Protocol::Ws, Protocol::Grpc, Protocol::Http];

    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Tcp => "tcp",
            Protocol::Ws => "ws",
            Protocol::Grpc => "grpc",
            Protocol::Http => "http",
        }
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Protocol {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Protocol::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| format!("unknown protocol '{s}' (expected tcp, ws, grpc or http)"))
    }
}
