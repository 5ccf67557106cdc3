//! What a layers run means: which mechanisms kept their connection alive, how
//! soon each would notice a dead peer at its settings, and the cheapest one that
//! does both. Pure logic.

use std::time::Duration;

use crate::cause::Cause;
use crate::proto::Mode;

/// A way of keeping a connection alive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mechanism {
    /// Nothing: the control.
    None,
    /// The kernel's: SO_KEEPALIVE probes every interval, no application bytes.
    TcpKeepalive,
    /// WebSocket: unsolicited Pong frames, which nothing answers (some proxies
    /// count them as traffic).
    WsPong,
    /// An application keepalive in this mode (tcp echo, ws ping or text, grpc
    /// h2ping or health, http request).
    App(Mode),
}

impl Mechanism {
    pub fn name(self) -> &'static str {
        match self {
            Mechanism::None => "none",
            Mechanism::TcpKeepalive => "tcp-keepalive",
            Mechanism::WsPong => "pong",
            Mechanism::App(m) => m.as_str(),
        }
    }

    /// Cheaper first: kernel probes, then control frames, then messages, then calls.
    fn cost(self) -> u8 {
        match self {
            Mechanism::None => 0,
            Mechanism::TcpKeepalive => 1,
            Mechanism::WsPong => 2,
            Mechanism::App(Mode::Ping | Mode::H2Ping) => 2,
            Mechanism::App(Mode::Echo | Mode::Text) => 3,
            Mechanism::App(Mode::Health | Mode::Watch) => 4,
            Mechanism::App(_) => 5,
        }
    }
}

/// Whether a mechanism kept its connection alive for the run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kept {
    Yes,
    No,
    /// The control lived too: the path killed nothing in the time given.
    Unknown,
}

impl Kept {
    pub fn as_str(self) -> &'static str {
        match self {
            Kept::Yes => "yes",
            Kept::No => "no",
            Kept::Unknown => "unknown",
        }
    }
}

/// One mechanism's connection, as it ended.
#[derive(Clone, Debug)]
pub struct MechanismResult {
    pub mechanism: Mechanism,
    pub interval: Duration,
    /// Whether it lived to the end and answered the final probe.
    pub alive: bool,
    /// How it died, and after how long.
    pub cause: Option<Cause>,
    pub died_after: Option<Duration>,
    /// How long it takes, at its settings, to notice a dead peer (`None`: never).
    pub detect_within: Option<Duration>,
    /// Could not be tested (setup failed before the run).
    pub failed: bool,
    /// `--measure-detection`: how long after the peer went dead this mechanism
    /// declared it so; `None` when it did not within the run.
    pub detected_after: Option<Duration>,
}

/// What each mechanism's settings take to notice a dead peer.
#[derive(Clone, Copy, Debug)]
pub struct Detection {
    pub timeout: Duration,
    pub missed: u32,
    /// TCP keepalive probes before the kernel gives up.
    pub tcp_count: u32,
    pub user_timeout: Option<Duration>,
}

impl Detection {
    /// Application pings at a fixed rate, as kawatch sends them: `interval x
    /// missed + timeout` from the last reply (a peer that dies just after one is
    /// missed by the next `missed` pings, the last timing out); with `missed` 1,
    /// gRPC's keepalive rule `interval + timeout`. TCP keepalive: `idle + intvl x
    /// cnt` (idle and intvl the interval), or the user timeout past idle when that
    /// is sooner. Nothing: never.
    pub fn within(&self, m: Mechanism, interval: Duration) -> Option<Duration> {
        match m {
            Mechanism::None => None,
            Mechanism::TcpKeepalive => {
                let probes = interval + interval * self.tcp_count;
                Some(match self.user_timeout {
                    Some(u) => probes.min(interval + u),
                    None => probes,
                })
            }
            Mechanism::App(_) => Some(interval * self.missed + self.timeout),
            // Nothing answers a Pong: only a write the kernel gives up on tells.
            Mechanism::WsPong => self.user_timeout.map(|u| interval + u),
        }
    }
}

/// Sets each result's `kept_alive` against the control's.
pub fn kept(results: &[MechanismResult], r: &MechanismResult) -> Kept {
    let control_alive = results
        .iter()
        .any(|c| c.mechanism == Mechanism::None && c.alive);
    match (r.alive, control_alive) {
        (true, true) if r.mechanism != Mechanism::None => Kept::Unknown,
        (true, _) => Kept::Yes,
        (false, _) => Kept::No,
    }
}

/// The cheapest mechanism that kept its connection alive and notices a dead
/// peer within `detect_within`.
pub fn recommend(results: &[MechanismResult], detect_within: Duration) -> Option<Mechanism> {
    results
        .iter()
        .filter(|r| r.mechanism != Mechanism::None && kept(results, r) == Kept::Yes)
        .filter(|r| r.detect_within.is_some_and(|d| d <= detect_within))
        .min_by_key(|r| r.mechanism.cost())
        .map(|r| r.mechanism)
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: fn(u64) -> Duration = Duration::from_secs;

    fn r(m: Mechanism, alive: bool, detect: Option<Duration>) -> MechanismResult {
        MechanismResult {
            mechanism: m,
            interval: S(10),
            alive,
            cause: None,
            died_after: None,
            detect_within: detect,
            failed: false,
            detected_after: None,
        }
    }

    #[test]
    fn detection_bounds_follow_each_layer() {
        let d = Detection {
            timeout: S(2),
            missed: 3,
            tcp_count: 3,
            user_timeout: None,
        };
        assert_eq!(d.within(Mechanism::App(Mode::Ping), S(10)), Some(S(32)));
        assert_eq!(d.within(Mechanism::TcpKeepalive, S(10)), Some(S(40)));
        assert_eq!(d.within(Mechanism::None, S(10)), None);
        let d = Detection {
            user_timeout: Some(S(5)),
            ..d
        };
        assert_eq!(d.within(Mechanism::TcpKeepalive, S(10)), Some(S(15)));
    }

    #[test]
    fn the_cheapest_survivor_that_detects_in_time_is_recommended() {
        // Behind nginx (proxy_read_timeout): kernel probes do not count as traffic.
        let nginx = vec![
            r(Mechanism::None, false, None),
            r(Mechanism::TcpKeepalive, false, Some(S(40))),
            r(Mechanism::App(Mode::Ping), true, Some(S(22))),
            r(Mechanism::App(Mode::Text), true, Some(S(22))),
        ];
        assert_eq!(kept(&nginx, &nginx[1]), Kept::No);
        assert_eq!(recommend(&nginx, S(30)), Some(Mechanism::App(Mode::Ping)));
        // Behind a NAT: kernel probes refresh the flow, and are cheapest, but
        // detect too slowly for a 30 s requirement.
        let nat = vec![
            r(Mechanism::None, false, None),
            r(Mechanism::TcpKeepalive, true, Some(S(40))),
            r(Mechanism::App(Mode::Echo), true, Some(S(22))),
        ];
        assert_eq!(recommend(&nat, S(30)), Some(Mechanism::App(Mode::Echo)));
        assert_eq!(recommend(&nat, S(60)), Some(Mechanism::TcpKeepalive));
        // A path that killed nothing: nothing is known to be needed.
        let quiet = vec![
            r(Mechanism::None, true, None),
            r(Mechanism::App(Mode::Echo), true, Some(S(22))),
        ];
        assert_eq!(kept(&quiet, &quiet[1]), Kept::Unknown);
        assert_eq!(kept(&quiet, &quiet[0]), Kept::Yes);
        assert_eq!(recommend(&quiet, S(30)), None);
    }
}
