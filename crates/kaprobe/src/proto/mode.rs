//! Modes: how a target is probed. Each protocol lists the modes it has (its
//! `MODES`, default first), each with its words; this enum only names them.

use std::fmt;
use std::str::FromStr;

/// How a target is probed. Which modes apply depends on the protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mode {
    /// TCP: one persistent connection, a line sent and its reply line awaited.
    Echo,
    /// TCP: a fresh connection per probe; the handshake time is the RTT.
    Connect,
    /// WebSocket: Ping frames, each matched to its Pong by sequence number.
    Ping,
    /// WebSocket: an application message from a template, its reply by pattern.
    Text,
    /// gRPC: `grpc.health.v1.Health/Check`; SERVING is a reply, anything else a failure.
    Health,
    /// gRPC and HTTP/2: an HTTP/2 PING frame and its acknowledgement.
    H2Ping,
    /// HTTP: a request on a kept-alive connection; an expected status is a reply.
    Request,
    /// gRPC: `grpc.health.v1.Health/Watch`; kaping waits for its first status,
    /// kawatch holds the stream and takes each status pushed as a transition.
    Watch,
}

impl Mode {
    /// Every mode, in the order `-m`'s error lists them.
    pub const ALL: [Mode; 8] = [
        Mode::Echo,
        Mode::Connect,
        Mode::Ping,
        Mode::Text,
        Mode::Health,
        Mode::H2Ping,
        Mode::Request,
        Mode::Watch,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Echo => "echo",
            Mode::Connect => "connect",
            Mode::Ping => "ping",
            Mode::Text => "text",
            Mode::Health => "health",
            Mode::H2Ping => "h2ping",
            Mode::Request => "request",
            Mode::Watch => "watch",
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Mode {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        Mode::ALL
            .into_iter()
            .find(|m| m.as_str() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = Mode::ALL.map(Mode::as_str).to_vec();
                let (last, rest) = names.split_last().expect("there are modes");
                format!(
                    "unknown mode '{s}' (expected {} or {last})",
                    rest.join(", ")
                )
            })
    }
}
