//! Sentences both kaping and kawatch print: what a server's PING was for.

use std::collections::HashSet;

use kaprobe::proto::{Folded, PingKind};

/// Says each server keepalive ping and drain ping, and a target's first BDP ping
/// only: a bandwidth estimate follows every response's data, and is no keepalive.
#[derive(Debug, Default)]
pub struct PingWords {
    bdp_said: HashSet<usize>,
}

impl PingWords {
    /// The line for a server ping, with `interval` already in the binary's units;
    /// `None` when it is a BDP ping already said for this target. Folded pings
    /// are told by their count: at most a line a second per kind.
    pub fn line(
        &mut self,
        target: usize,
        kind: PingKind,
        interval: Option<String>,
        folded: Option<Folded>,
    ) -> Option<String> {
        if let Some(f) = folded {
            if kind == PingKind::Bdp && !self.bdp_said.insert(target) && !f.is_flood() {
                return None;
            }
            let what = match kind {
                PingKind::Keepalive => "server pings",
                PingKind::Bdp => "server BDP pings",
                PingKind::Drain => "server drain pings",
            };
            let tail = if f.is_flood() {
                format!(" ({} a second): a flood", grouped(f.rate().round() as u64))
            } else {
                interval.map_or(String::new(), |i| format!(", the last {i} apart"))
            };
            return Some(format!(
                "{} {what} in {:.1} s{tail}",
                grouped(f.count),
                f.over.as_secs_f64()
            ));
        }
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

/// `412118` as `412,118`.
pub fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bdp_pings_are_said_once_per_target() {
        let mut w = PingWords::default();
        let line =
            |w: &mut PingWords, t, k, i: Option<&str>| w.line(t, k, i.map(String::from), None);
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

    #[test]
    fn folded_pings_are_counted_and_a_flood_is_named() {
        let mut w = PingWords::default();
        let flood = Folded {
            count: 412_118,
            over: std::time::Duration::from_secs(1),
        };
        assert_eq!(
            w.line(0, PingKind::Keepalive, Some("2µs".into()), Some(flood))
                .unwrap(),
            "412,118 server pings in 1.0 s (412,118 a second): a flood"
        );
        let few = Folded {
            count: 3,
            over: std::time::Duration::from_millis(1500),
        };
        assert_eq!(
            w.line(0, PingKind::Keepalive, Some("0.5 s".into()), Some(few))
                .unwrap(),
            "3 server pings in 1.5 s, the last 0.5 s apart"
        );
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1000), "1,000");
        assert_eq!(grouped(7_390_084), "7,390,084");
    }
}
