//! A peer's pings folded into at most one event a second per kind: a flood of
//! PINGs becomes a count and a span, not an event, a line and a record per ping
//! (an HTTP/2 server's PING flood made 7.4 million lines in 3 s).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::config::{Folded, Passive, PingKind};

/// At most one event per kind in this long.
pub const FOLD_WINDOW: Duration = Duration::from_secs(1);

/// A connection's fold, shared by its session (which feeds it) and its prober
/// (which tells what is left of it when the run or the connection ends, even
/// when a probe was cut off with the session in hand).
pub type SharedFold = Arc<Mutex<PingFold>>;

/// Feeds a ping to a shared fold; the event to report, if any.
pub fn fold_ping(
    fold: &SharedFold,
    kind: PingKind,
    at: Instant,
    data: Option<[u8; 8]>,
) -> Option<Passive> {
    fold.lock().expect("fold lock").ping(kind, at, data)
}

/// Folds a connection's server pings, kind by kind.
#[derive(Debug, Default)]
pub struct PingFold {
    kinds: [KindFold; 3],
}

#[derive(Debug, Default, Clone, Copy)]
struct KindFold {
    /// The previous ping of this kind, for the interval to the next.
    last: Option<Instant>,
    /// When an event of this kind was last given.
    said: Option<Instant>,
    /// Pings since then, not yet in an event.
    folded: u64,
    /// The interval before the newest ping, and its data.
    interval: Option<Duration>,
    data: Option<[u8; 8]>,
}

impl PingFold {
    /// A ping of `kind` at `at`: the event to report, or `None` when it is
    /// folded into the next one of its kind (which then counts it).
    pub fn ping(&mut self, kind: PingKind, at: Instant, data: Option<[u8; 8]>) -> Option<Passive> {
        let k = &mut self.kinds[kind as usize];
        let interval = k.last.map(|last| at.saturating_duration_since(last));
        k.last = Some(at);
        k.interval = interval;
        k.data = data;
        if let Some(said) = k.said {
            if at.saturating_duration_since(said) < FOLD_WINDOW {
                k.folded += 1;
                return None;
            }
        }
        let folded = match (k.said, k.folded) {
            (Some(said), n) if n > 0 => Some(Folded {
                count: n + 1,
                over: at.saturating_duration_since(said),
            }),
            _ => None,
        };
        k.folded = 0;
        k.said = Some(at);
        Some(Passive::ServerPing {
            interval,
            kind,
            data,
            folded,
        })
    }
}

impl PingFold {
    /// The pings folded and not yet in an event, one event per kind (at the
    /// end of a run or a connection, so a flood shorter than a second is told).
    pub fn take_unsaid(&mut self) -> Vec<Passive> {
        let mut out = Vec::new();
        for (i, k) in self.kinds.iter_mut().enumerate() {
            if k.folded == 0 {
                continue;
            }
            let (Some(said), Some(last)) = (k.said, k.last) else {
                continue;
            };
            out.push(Passive::ServerPing {
                interval: k.interval,
                kind: [PingKind::Keepalive, PingKind::Bdp, PingKind::Drain][i],
                data: k.data,
                folded: Some(Folded {
                    count: k.folded,
                    over: last.saturating_duration_since(said),
                }),
            });
            k.folded = 0;
            k.said = Some(last);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(p: &Passive) -> u64 {
        match p {
            Passive::ServerPing { folded, .. } => folded.map_or(1, |f| f.count),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_flood_is_one_event_a_second_that_counts_every_ping() {
        let mut fold = PingFold::default();
        let start = Instant::now();
        let mut events = Vec::new();
        // 10,000 pings 250 µs apart: 2.5 s.
        for i in 0..10_000u32 {
            let at = start + Duration::from_micros(250) * i;
            events.extend(fold.ping(PingKind::Keepalive, at, None));
        }
        assert_eq!(events.len(), 3, "{events:?}");
        assert_eq!(count(&events[0]), 1);
        // Each later event stands for the pings since the one before, itself included.
        assert_eq!(count(&events[1]), 4000);
        assert_eq!(count(&events[2]), 4000);
        let Passive::ServerPing {
            interval, folded, ..
        } = &events[1]
        else {
            unreachable!()
        };
        assert_eq!(*interval, Some(Duration::from_micros(250)));
        assert_eq!(folded.unwrap().over, Duration::from_secs(1));
        // The 2,000 of the last half second are told when asked.
        let rest = fold.take_unsaid();
        assert_eq!(rest.len(), 1);
        assert_eq!(count(&rest[0]), 1999);
        assert!(fold.take_unsaid().is_empty());
    }

    #[test]
    fn pings_a_second_or_more_apart_are_each_an_event_and_kinds_fold_apart() {
        let mut fold = PingFold::default();
        let start = Instant::now();
        for i in 0..5u32 {
            let at = start + Duration::from_secs(2) * i;
            let ev = fold
                .ping(PingKind::Keepalive, at, None)
                .expect("not folded");
            assert_eq!(count(&ev), 1);
            // A BDP ping at the same moment is its own kind's first.
            if i == 0 {
                assert!(fold.ping(PingKind::Bdp, at, None).is_some());
            }
        }
    }
}
