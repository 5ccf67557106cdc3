//! Modes: how a target is probed. Each protocol lists the modes it has (its
//! `MODES`, default first), each with its words; this enum only names them.

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

/// A mode's facts and words, on its protocol's `MODES` entry: the tools say a
/// mode only through these.
#[derive(Debug)]
pub struct ModeInfo {
    pub mode: Mode,
    /// What `-m`'s help says of it.
    pub help: &'static str,
    /// kaping's header, after "MODE mode, ": what a probe sends.
    pub describe: fn(&super::ProbeConfig) -> String,
    /// kaping's line for an answered probe: "pong from".
    pub reply_verb: &'static str,
    /// What its keepalives are called in "missed 1/3 pongs".
    pub keepalive_word: &'static str,
    /// kafind's name for it as a keepalive: "ws ping".
    pub noun: &'static str,
    /// Each probe is a new connection, timed to its opening (tcp connect).
    pub connection_per_probe: bool,
}

impl Mode {
    /// Every mode, in the order the protocols list them.
    pub fn all() -> impl Iterator<Item = Mode> {
        let mut seen = Vec::new();
        Protocol::ALL
            .iter()
            .flat_map(|p| super::protocol_info(*p).modes)
            .map(|info| info.mode)
            .filter(move |m| {
                let new = !seen.contains(m);
                seen.push(*m);
                new
            })
    }

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

    /// The mode's facts and words (the first protocol that lists it: a mode
    /// two protocols share, h2ping, is one entry).
    pub fn info(self) -> &'static ModeInfo {
        Protocol::ALL
            .iter()
            .flat_map(|p| super::protocol_info(*p).modes)
            .find(|info| info.mode == self)
            .expect("every mode is on some protocol's MODES")
    }

    /// What a keepalive of this mode is called in "missed 1/3 pongs".
    pub fn keepalive_word(self) -> &'static str {
        self.info().keepalive_word
    }

    /// Picks the mode for a target: the one asked for if it fits, else the default.
    pub fn resolve(asked: Option<Mode>, target: &Target) -> Result<Mode> {
        let modes = modes(target.protocol());
        let Some(default) = modes.first() else {
            return Err(Error::Unsupported(target.scheme));
        };
        match asked {
            None => Ok(default.mode),
            Some(m) if modes.iter().any(|i| i.mode == m) => Ok(m),
            Some(m) => Err(Error::ModeMismatch {
                mode: m.as_str().to_string(),
                scheme: target.scheme,
                expected: modes
                    .iter()
                    .map(|i| i.mode.as_str())
                    .collect::<Vec<_>>()
                    .join(" or "),
            }),
        }
    }
}

/// The modes a protocol supports, default first.
pub fn modes(protocol: Protocol) -> &'static [ModeInfo] {
    super::protocol_info(protocol).modes
}

/// `-m`'s help, made from every protocol's modes: "tcp: echo (...) or connect
/// (...); ws: ...".
pub fn modes_help() -> &'static str {
    static HELP: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        Protocol::ALL
            .iter()
            .map(|p| {
                let modes = modes(*p)
                    .iter()
                    .map(|i| format!("{} ({})", i.mode, i.help))
                    .collect::<Vec<_>>();
                let (last, rest) = modes.split_last().expect("a protocol has modes");
                let list = if rest.is_empty() {
                    last.clone()
                } else {
                    format!("{} or {last}", rest.join(", "))
                };
                format!("{p}: {list}")
            })
            .collect::<Vec<_>>()
            .join("; ")
    });
    &HELP
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Mode {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        Mode::all().find(|m| m.as_str() == s).ok_or_else(|| {
            let names: Vec<&str> = Mode::all().map(Mode::as_str).collect();
            let (last, rest) = names.split_last().expect("there are modes");
            format!(
                "unknown mode '{s}' (expected {} or {last})",
                rest.join(", ")
            )
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
