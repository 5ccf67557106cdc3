//! The protocols the suite speaks, and what each says of itself: the one place a
//! protocol is named (a match arm each), and what the tools ask of a mode.

use super::mode::Mode;
use super::session::{ModeInfo, ProtocolInfo};
use super::{grpc, http, tcp, ws};
use crate::error::{Error, Result};
use crate::protocol::Protocol;
use crate::target::Target;

/// A protocol's modes, ALPN offer and opening.
pub fn protocol_info(protocol: Protocol) -> &'static ProtocolInfo {
    match protocol {
        Protocol::Tcp => &tcp::PROTOCOL,
        Protocol::Ws => &ws::PROTOCOL,
        Protocol::Grpc => &grpc::PROTOCOL,
        Protocol::Http => &http::PROTOCOL,
    }
}

impl Mode {
    /// The mode's facts and words (the first protocol that lists it: a mode
    /// two protocols share, h2ping, is one entry).
    pub fn info(self) -> &'static ModeInfo {
        Protocol::ALL
            .iter()
            .flat_map(|p| protocol_info(*p).modes)
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
    protocol_info(protocol).modes
}

/// `-m`'s help, made from every protocol's modes: "tcp: echo (...) or connect
/// (...); ws: ...".
pub fn modes_help() -> &'static str {
    static HELP: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| help_for(|_| true));
    &HELP
}

/// `-m`'s help for a tool that holds connections (kawatch): the modes a
/// connection can be kept alive with, without tcp's connect.
pub fn holding_modes_help() -> &'static str {
    static HELP: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| help_for(|i| !i.connection_per_probe));
    &HELP
}

fn help_for(keep: impl Fn(&ModeInfo) -> bool) -> String {
    Protocol::ALL
        .iter()
        .map(|p| {
            let modes = modes(*p)
                .iter()
                .filter(|i| keep(i))
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
