//! Sentences both kaping and kawatch print: what a server's PING was for.

use std::collections::HashSet;

use kaprobe::proto::PingKind;

/// Says each server keepalive ping and drain ping, and a target's first BDP ping
/// only: a bandwidth estimate follows every response's data, and is no keepalive.
#[derive(Debug, Default)]
pub struct PingWords {
    bdp_said: HashSet<usize>,
}

impl PingWords {
    /// The line for a server ping, with `interval` already in the binary's units;
    /// `None` when it is a BDP ping already said for this target.
    pub fn line(
        &mut self,
        target: usize,
        kind: PingKind,
        interval: Option<String>,
    ) -> Option<String> {
        match kind {
            PingKind::Keepalive => Some(match interval {
                Some(i) => format!("server ping, {i} after the previous one"),
                None => "server ping".to_string(),
            }),
            PingKind::Bdp if self.bdp_said.insert(target) => Some(
                "server BDP ping: a bandwidth estimate after our data, not a keepalive \
                 (recorded, not shown again)"
                    .to_string(),
            ),
            PingKind::Bdp => None,
            PingKind::Drain => {
                Some("server drain ping: a graceful GOAWAY is under way".to_string())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bdp_pings_are_said_once_per_target() {
        let mut w = PingWords::default();
        let line = |w: &mut PingWords, t, k, i: Option<&str>| w.line(t, k, i.map(String::from));
        assert_eq!(
            line(&mut w, 0, PingKind::Keepalive, Some("2s")).unwrap(),
            "server ping, 2s after the previous one"
        );
        assert!(
            line(&mut w, 0, PingKind::Bdp, None)
                .unwrap()
                .contains("not a keepalive")
        );
        assert_eq!(line(&mut w, 0, PingKind::Bdp, Some("500ms")), None);
        assert!(
            line(&mut w, 1, PingKind::Bdp, None).is_some(),
            "another target's first"
        );
        assert!(
            line(&mut w, 0, PingKind::Drain, None)
                .unwrap()
                .contains("GOAWAY")
        );
    }
}
