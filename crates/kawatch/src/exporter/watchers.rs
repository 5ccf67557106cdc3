//! Watch modules (what blackbox refuses, prometheus/blackbox_exporter#364): the
//! first scrape of a (target, module) starts a watcher, kawatch's state machine
//! holding one connection with keepalives and reconnecting with backoff; every
//! scrape answers what it has seen. A watcher unscraped for ten of its scrape
//! intervals (at least 30 s; 150 s before a second scrape shows the interval)
//! is closed and forgotten; at most `max` are held. Cancelling the parent token
//! (SIGTERM) closes every connection properly.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kaprobe::event::TargetId;
use kaprobe::proto::{ProbeConfig, Prober};
use kaprobe::target::Target;
use kaprobe::watch::State;
use kaprobe::watch::driver::{WatchConfig, watch};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use tokio_util::sync::CancellationToken;

use super::module::Module;
use super::watched::Seen;

/// Expiry before a second scrape shows the interval: ten of Prometheus's
/// default 15 s.
const FIRST_EXPIRY: Duration = Duration::from_secs(150);
/// The shortest expiry, however often it is scraped.
const MIN_EXPIRY: Duration = Duration::from_secs(30);

/// One held connection and what it has seen.
pub struct Watched {
    who: Arc<TargetId>,
    seen: Seen,
    stop: CancellationToken,
    /// The last scrape, and the interval between the last two.
    scraped: Mutex<(Instant, Option<Duration>)>,
    /// The module's `expire_after`, if it says.
    expire_after: Option<Duration>,
}

impl Watched {
    /// A scrape: its registry, and the scrape noted.
    pub fn scrape(&self) -> Registry {
        let mut s = self.scraped.lock().expect("lock");
        let now = Instant::now();
        s.1 = Some(now - s.0);
        s.0 = now;
        self.seen.registry(self.who.state())
    }

    /// Whether its connection is up (or degraded) now.
    pub fn up(&self) -> bool {
        self.who.state().available()
    }

    fn expired(&self, now: Instant) -> bool {
        let (last, interval) = *self.scraped.lock().expect("lock");
        now.duration_since(last) > expiry(interval, self.expire_after)
    }
}

/// How long a watcher lives unscraped: its module's `expire_after`, else ten
/// of the interval between its last two scrapes.
fn expiry(interval: Option<Duration>, expire_after: Option<Duration>) -> Duration {
    expire_after.unwrap_or_else(|| interval.map_or(FIRST_EXPIRY, |i| (i * 10).max(MIN_EXPIRY)))
}

/// Why a watcher was not made.
pub enum Refused {
    /// `--max-watchers` held already.
    Full(usize),
    /// Its name did not resolve, or its files could not be read.
    Setup(String),
}

/// The exporter's watchers, with its own counters of them.
pub struct Watchers {
    held: Mutex<HashMap<(String, String), Arc<Watched>>>,
    max: usize,
    parent: CancellationToken,
    watch: Arc<WatchConfig>,
    open: Gauge,
    started: Counter,
    expired: Counter,
    refused: Counter,
}

impl Watchers {
    pub fn new(
        max: usize,
        watch: WatchConfig,
        parent: CancellationToken,
        own: &mut Registry,
    ) -> Arc<Self> {
        let w = Arc::new(Watchers {
            held: Mutex::new(HashMap::new()),
            max,
            parent,
            watch: Arc::new(watch),
            open: Gauge::default(),
            started: Counter::default(),
            expired: Counter::default(),
            refused: Counter::default(),
        });
        own.register(
            "kawatch_exporter_watchers",
            "Watchers holding a connection",
            w.open.clone(),
        );
        own.register(
            "kawatch_exporter_watchers_started",
            "Watchers started",
            w.started.clone(),
        );
        own.register(
            "kawatch_exporter_watchers_expired",
            "Watchers closed since nobody scraped them",
            w.expired.clone(),
        );
        own.register(
            "kawatch_exporter_watchers_refused",
            "Watchers not started: --max-watchers held",
            w.refused.clone(),
        );
        let reaper = w.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            loop {
                tokio::select! {
                    _ = tick.tick() => reaper.reap(Instant::now()),
                    () = reaper.parent.cancelled() => return,
                }
            }
        });
        w
    }

    /// Closes and forgets the watchers nobody scrapes.
    fn reap(&self, now: Instant) {
        let mut held = self.held.lock().expect("lock");
        held.retain(|_, w| {
            let keep = !w.expired(now);
            if !keep {
                w.stop.cancel();
                self.expired.inc();
            }
            keep
        });
        self.open.set(held.len() as i64);
    }

    /// The watcher of (`target`, `module`), started if there is none; a new
    /// one is given up to `settle` to leave `connecting`.
    pub async fn get(
        &self,
        target: &Target,
        module: &Module,
        base: &ProbeConfig,
        settle: Duration,
    ) -> Result<Arc<Watched>, Refused> {
        let key = (target.url(), module.name.clone());
        if let Some(w) = self.held.lock().expect("lock").get(&key) {
            return Ok(w.clone());
        }
        if self.held.lock().expect("lock").len() >= self.max {
            self.refused.inc();
            return Err(Refused::Full(self.max));
        }
        let mut cfg = module.settings(base);
        cfg.mode = module.mode;
        cfg.timeout = cfg.timeout.min(module.timeout);
        let prober = Prober::new(target.clone(), cfg)
            .await
            .map_err(|e| Refused::Setup(e.to_string()))?;
        let who = TargetId::new(0, target.clone(), module.mode);
        let watched = Arc::new(Watched {
            who: who.clone(),
            seen: Seen::default(),
            stop: self.parent.child_token(),
            scraped: Mutex::new((Instant::now(), None)),
            expire_after: module.overrides.as_ref().and_then(|o| o.expire_after),
        });
        {
            // Two first scrapes at once: the one that comes second uses the
            // first's; first scrapes of other targets meanwhile may have
            // filled the last places.
            let mut held = self.held.lock().expect("lock");
            if let Some(w) = held.get(&key) {
                return Ok(w.clone());
            }
            if held.len() >= self.max {
                self.refused.inc();
                return Err(Refused::Full(self.max));
            }
            held.insert(key, watched.clone());
            self.open.set(held.len() as i64);
        }
        self.started.inc();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let settings = match &module.overrides {
            Some(o) if o.interval.is_some() || o.max_missed.is_some() => {
                let mut w = (*self.watch).clone();
                if let Some(i) = o.interval {
                    w.interval = Some(i);
                }
                if let Some(m) = o.max_missed {
                    w.policy.max_missed = m;
                }
                Arc::new(w)
            }
            _ => self.watch.clone(),
        };
        tokio::spawn(watch(
            who.clone(),
            prober,
            settings,
            tx,
            watched.stop.clone(),
        ));
        let record = watched.clone();
        tokio::spawn(async move {
            while let Some(event) = rx.recv().await {
                record.seen.observe(&event);
            }
        });
        let until = tokio::time::Instant::now() + settle;
        while who.state() == State::Connecting && tokio::time::Instant::now() < until {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        Ok(watched)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ten_scrape_intervals_at_least_thirty_seconds() {
        let secs = Duration::from_secs;
        assert_eq!(expiry(None, None), secs(150));
        assert_eq!(expiry(Some(secs(15)), None), secs(150));
        assert_eq!(expiry(Some(secs(60)), None), secs(600));
        assert_eq!(expiry(Some(secs(1)), None), MIN_EXPIRY);
        // A module's expire_after wins.
        assert_eq!(expiry(Some(secs(60)), Some(secs(2))), secs(2));
    }
}
