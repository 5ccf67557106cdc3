//! What a peer's HTTP/2 PING is for, told by its 8 opaque bytes where an
//! implementation fixes them, and else by when it comes: a keepalive, a
//! bandwidth-delay-product (BDP) estimate that follows our DATA, or the ping
//! before a graceful GOAWAY's second half.

use std::fmt;
use std::time::Duration;

/// grpc-go's BDP estimator (`internal/transport/bdp_estimator.go`, `bdpPing`).
pub const GRPC_GO_BDP: [u8; 8] = [2, 4, 16, 16, 9, 14, 7, 7];
/// grpc-go's graceful-shutdown ping (`http2_server.go`, `goAwayPing`).
pub const GRPC_GO_DRAIN: [u8; 8] = [1, 6, 1, 8, 0, 3, 3, 9];
/// grpc-go's keepalive ping: zeros (`http2_server.go`, `keepalive`'s `&ping{}`).
pub const GRPC_GO_KEEPALIVE: [u8; 8] = [0; 8];
/// grpc-java's server keepalive ping (`NettyServerHandler.KEEPALIVE_PING`, 0xDEAD).
pub const GRPC_JAVA_KEEPALIVE: [u8; 8] = 0xDEAD_u64.to_be_bytes();
/// grpc-java's graceful-shutdown ping (`NettyServerHandler.GRACEFUL_SHUTDOWN_PING`).
pub const GRPC_JAVA_DRAIN: [u8; 8] = 0x97AC_EF001_u64.to_be_bytes();
/// grpc-java's BDP ping (`AbstractNettyHandler.BDP_MEASUREMENT_PING`, 1234).
pub const GRPC_JAVA_BDP: [u8; 8] = 1234_u64.to_be_bytes();

/// A server PING with an unknown payload this soon after our DATA is taken for a
/// BDP ping: estimators ping as the data arrives, keepalive timers do not.
pub const AFTER_DATA: Duration = Duration::from_millis(100);

/// What a PING is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PingKind {
    /// Liveness: the peer checks the connection is still there.
    Keepalive,
    /// Bandwidth estimation: follows data, says nothing about keepalive policy.
    Bdp,
    /// Graceful shutdown: between a GOAWAY's two halves.
    Drain,
}

impl PingKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PingKind::Keepalive => "keepalive",
            PingKind::Bdp => "bdp",
            PingKind::Drain => "drain",
        }
    }

    pub fn from_word(word: &str) -> Option<PingKind> {
        [PingKind::Keepalive, PingKind::Bdp, PingKind::Drain]
            .into_iter()
            .find(|k| k.as_str() == word)
    }
}

impl fmt::Display for PingKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A classified PING: its kind, and the implementation its bytes name, if any.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PingClass {
    pub kind: PingKind,
    pub from: Option<&'static str>,
}

/// Classifies a peer's PING by its payload and by `since_data`, the time since we
/// last sent DATA on the connection (None: never).
pub fn classify(data: &[u8], since_data: Option<Duration>) -> PingClass {
    let known = |kind, from| PingClass {
        kind,
        from: Some(from),
    };
    match data {
        d if d == GRPC_GO_BDP => known(PingKind::Bdp, "grpc-go"),
        d if d == GRPC_GO_DRAIN => known(PingKind::Drain, "grpc-go"),
        d if d == GRPC_JAVA_BDP => known(PingKind::Bdp, "grpc-java"),
        d if d == GRPC_JAVA_DRAIN => known(PingKind::Drain, "grpc-java"),
        d if d == GRPC_JAVA_KEEPALIVE => known(PingKind::Keepalive, "grpc-java"),
        // Zeros are grpc-go's keepalive, but other stacks send zeros too.
        _ => PingClass {
            kind: match since_data {
                Some(since) if since <= AFTER_DATA => PingKind::Bdp,
                _ => PingKind::Keepalive,
            },
            from: None,
        },
    }
}

/// The 8 bytes as hex, for records (`02041010090e0707` is grpc-go's BDP ping).
pub fn hex(data: &[u8]) -> String {
    data.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_name_their_purpose_and_timing_decides_the_rest() {
        let ms = Duration::from_millis;
        let c = classify(&GRPC_GO_BDP, None);
        assert_eq!((c.kind, c.from), (PingKind::Bdp, Some("grpc-go")));
        let c = classify(&GRPC_GO_DRAIN, Some(ms(1)));
        assert_eq!((c.kind, c.from), (PingKind::Drain, Some("grpc-go")));
        assert_eq!(classify(&GRPC_JAVA_BDP, None).kind, PingKind::Bdp);
        assert_eq!(classify(&GRPC_JAVA_DRAIN, None).kind, PingKind::Drain);
        assert_eq!(
            classify(&[0, 0, 0, 0, 0, 0, 0xde, 0xad], None).kind,
            PingKind::Keepalive
        );
        // Zeros (grpc-go's keepalive) and random ids (grpc-core): by timing.
        assert_eq!(classify(&GRPC_GO_KEEPALIVE, None).kind, PingKind::Keepalive);
        assert_eq!(
            classify(&GRPC_GO_KEEPALIVE, Some(ms(5))).kind,
            PingKind::Bdp
        );
        assert_eq!(
            classify(b"\x9a\x12\x00\x7f\x01\x02\x03\x04", Some(ms(500))).kind,
            PingKind::Keepalive
        );
        assert_eq!(
            classify(b"\x9a\x12\x00\x7f\x01\x02\x03\x04", Some(ms(40))).kind,
            PingKind::Bdp
        );
        assert_eq!(hex(&GRPC_GO_BDP), "02041010090e0707");
        assert_eq!(PingKind::from_word("drain"), Some(PingKind::Drain));
    }
}
