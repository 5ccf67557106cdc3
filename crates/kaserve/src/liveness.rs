//! The liveness table: per client, when it was last heard from, how long it may stay
//! silent (timeout) and after how much silence it is pinged (ping interval). Time is
//! milliseconds on a clock the owner supplies, so the same table serves kaserve's
//! connections (a monotonic clock) and the scripted registry protocol (a logical one).

use std::collections::BTreeMap;

/// How a client stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Heard from within the ping interval.
    Active,
    /// Silent past the ping interval but within the timeout.
    Idle,
    /// Silent for more than the timeout.
    Expired,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Idle => "idle",
            Status::Expired => "expired",
        }
    }
}

/// One client's entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Client {
    pub last_seen_ms: u64,
    pub timeout_ms: u64,
    pub ping_interval_ms: u64,
    /// When it was last pinged, if since it was last seen.
    pub pinged_ms: Option<u64>,
}

impl Client {
    pub fn silent_ms(&self, now_ms: u64) -> u64 {
        now_ms.saturating_sub(self.last_seen_ms)
    }

    /// Expired strictly past the timeout; idle strictly past the ping interval.
    pub fn status(&self, now_ms: u64) -> Status {
        let silent = self.silent_ms(now_ms);
        if silent > self.timeout_ms {
            Status::Expired
        } else if silent > self.ping_interval_ms {
            Status::Idle
        } else {
            Status::Active
        }
    }
}

/// What a connection should do about its client now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Due {
    /// Nothing until this time (ms).
    Wait(u64),
    /// Silent past the ping interval and not pinged since: ping it.
    Ping,
    /// Silent past the timeout: close it.
    Expire,
}

/// Clients by id.
#[derive(Clone, Debug)]
pub struct Liveness<K: Ord> {
    clients: BTreeMap<K, Client>,
}

impl<K: Ord> Default for Liveness<K> {
    fn default() -> Self {
        Liveness {
            clients: BTreeMap::new(),
        }
    }
}

/// The id is not in the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnknownClient;

impl<K: Ord + Clone> Liveness<K> {
    /// Adds (or replaces) a client, seen now.
    pub fn register(&mut self, id: K, timeout_ms: u64, ping_interval_ms: u64, now_ms: u64) {
        self.clients.insert(
            id,
            Client {
                last_seen_ms: now_ms,
                timeout_ms,
                ping_interval_ms,
                pinged_ms: None,
            },
        );
    }

    /// The client was heard from now.
    pub fn seen(&mut self, id: &K, now_ms: u64) -> Result<(), UnknownClient> {
        let c = self.clients.get_mut(id).ok_or(UnknownClient)?;
        c.last_seen_ms = c.last_seen_ms.max(now_ms);
        c.pinged_ms = None;
        Ok(())
    }

    /// The client was pinged now.
    pub fn pinged(&mut self, id: &K, now_ms: u64) {
        if let Some(c) = self.clients.get_mut(id) {
            c.pinged_ms = Some(now_ms);
        }
    }

    pub fn get(&self, id: &K) -> Option<&Client> {
        self.clients.get(id)
    }

    pub fn remove(&mut self, id: &K) -> Option<Client> {
        self.clients.remove(id)
    }

    pub fn len(&self) -> usize {
        self.clients.len()
    }

    pub fn is_empty(&self) -> bool {
        self.clients.is_empty()
    }

    /// What to do about `id` at `now_ms`: ping once when it turns idle, expire
    /// past the timeout, else wait until the next of those moments.
    pub fn due(&self, id: &K, now_ms: u64) -> Option<Due> {
        let c = self.clients.get(id)?;
        Some(match c.status(now_ms) {
            Status::Expired => Due::Expire,
            Status::Idle if c.pinged_ms.is_none() => Due::Ping,
            Status::Idle => Due::Wait(c.last_seen_ms + c.timeout_ms + 1),
            Status::Active => {
                Due::Wait(c.last_seen_ms + (c.ping_interval_ms + 1).min(c.timeout_ms + 1))
            }
        })
    }

    /// Removes the expired clients; returns (expired, still there), each sorted.
    pub fn check(&mut self, now_ms: u64) -> (Vec<K>, Vec<K>) {
        let (expired, active): (Vec<K>, Vec<K>) = self
            .clients
            .keys()
            .cloned()
            .partition(|id| self.clients[id].status(now_ms) == Status::Expired);
        for id in &expired {
            self.clients.remove(id);
        }
        (expired, active)
    }

    /// Every client, sorted by id, with its silence and status.
    pub fn statuses(&self, now_ms: u64) -> Vec<(&K, u64, Status)> {
        self.clients
            .iter()
            .map(|(id, c)| (id, c.silent_ms(now_ms), c.status(now_ms)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_boundaries_are_strict() {
        let mut t = Liveness::default();
        t.register("a", 1000, 300, 0);
        let at = |ms| t.get(&"a").unwrap().status(ms);
        assert_eq!(at(300), Status::Active, "at the interval: still active");
        assert_eq!(at(301), Status::Idle);
        assert_eq!(at(1000), Status::Idle, "at the timeout: not expired");
        assert_eq!(at(1001), Status::Expired);
    }

    #[test]
    fn check_sorts_and_forgets_the_expired() {
        let mut t = Liveness::default();
        t.register("c", 100, 50, 0);
        t.register("a", 100, 50, 0);
        t.register("b", 1000, 50, 0);
        t.seen(&"c", 50).unwrap();
        assert_eq!(t.seen(&"z", 50), Err(UnknownClient));
        let (expired, active) = t.check(101);
        assert_eq!(expired, vec!["a"]);
        assert_eq!(active, vec!["b", "c"]);
        assert_eq!(t.len(), 2);
        assert_eq!(t.check(151), (vec!["c"], vec!["b"]));
    }

    #[test]
    fn due_pings_once_then_expires() {
        let mut t = Liveness::default();
        t.register(1u32, 1000, 300, 0);
        assert_eq!(t.due(&1, 0), Some(Due::Wait(301)));
        assert_eq!(t.due(&1, 301), Some(Due::Ping));
        t.pinged(&1, 301);
        assert_eq!(t.due(&1, 302), Some(Due::Wait(1001)));
        assert_eq!(t.due(&1, 1001), Some(Due::Expire));
        // An answer makes it active again and re-arms the ping.
        t.seen(&1, 500).unwrap();
        assert_eq!(t.due(&1, 600), Some(Due::Wait(801)));
        // A timeout shorter than the interval: no ping, just expiry.
        t.register(2, 100, 300, 0);
        assert_eq!(t.due(&2, 0), Some(Due::Wait(101)));
        assert_eq!(t.due(&2, 101), Some(Due::Expire));
        assert_eq!(t.due(&3, 0), None);
    }
}
