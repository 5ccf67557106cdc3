//! Modes: how a target is probed. Each protocol lists the modes it has (its
//! `MODES`, default first); this enum only names them.

use std::fmt;
use std::str::FromStr;

use crate::error::{Error, Result};
use crate::protocol::Protocol;
use crate::target::Target;

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

    /// What a keepalive of this mode is called in "missed 1/3 pongs".
    pub fn keepalive_word(self) -> &'static str {
        match self {
            // A watched stream's keepalives are HTTP/2 PINGs.
            Mode::Ping | Mode::H2Ping | Mode::Watch => "pongs",
            Mode::Health => "health checks",
            Mode::Request => "responses",
            Mode::Echo | Mode::Text | Mode::Connect => "replies",
        }
    }

    /// Picks the mode for a target: the one asked for if it fits, else the default.
    pub fn resolve(asked: Option<Mode>, target: &Target) -> Result<Mode> {
        let modes = modes(target.protocol());
        let Some(&default) = modes.first() else {
            return Err(Error::Unsupported(target.scheme));
        };
        match asked {
            None => Ok(default),
            Some(m) if modes.contains(&m) => Ok(m),
            Some(m) => Err(Error::ModeMismatch {
                mode: m.as_str().to_string(),
                scheme: target.scheme,
                expected: modes
                    .iter()
                    .map(|m| m.as_str())
                    .collect::<Vec<_>>()
                    .join(" or "),
            }),
        }
    }
}

/// The modes a protocol supports, default first.
pub fn modes(protocol: Protocol) -> &'static [Mode] {
    match protocol {
        Protocol::Tcp => super::tcp::MODES,
        Protocol::Ws => super::ws::MODES,
        Protocol::Grpc => super::grpc::MODES,
        Protocol::Http => super::http::MODES,
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
                format!("unknown mode '{s}' (expected echo, connect, ping, text, health, h2ping, request or watch)")
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_fit_their_schemes() {
        let tcp: Target = "tcp://h:1".parse().unwrap();
        assert_eq!(Mode::resolve(None, &tcp).unwrap(), Mode::Echo);
        assert_eq!(
            Mode::resolve(Some(Mode::Connect), &tcp).unwrap(),
            Mode::Connect
        );
        let ws: Target = "ws://h:1/".parse().unwrap();
        assert_eq!(Mode::resolve(None, &ws).unwrap(), Mode::Ping);
        assert!(matches!(
            Mode::resolve(Some(Mode::Echo), &ws),
            Err(Error::ModeMismatch { .. })
        ));
        let grpc: Target = "grpc://h:1".parse().unwrap();
        assert_eq!(Mode::resolve(None, &grpc).unwrap(), Mode::Health);
        assert_eq!(
            Mode::resolve(Some(Mode::H2Ping), &grpc).unwrap(),
            Mode::H2Ping
        );
        let http: Target = "https://h/".parse().unwrap();
        assert_eq!(Mode::resolve(None, &http).unwrap(), Mode::Request);
        assert_eq!(
            Mode::resolve(Some(Mode::H2Ping), &http).unwrap(),
            Mode::H2Ping
        );
        assert!("nope".parse::<Mode>().is_err());
    }
}
