//! The one event type the library reports to kaping, kawatch and kafind: who (a
//! target's shared identity, which also holds its current watch state), when (the
//! wall clock, taken when it happened) and what. Renderers, metrics and records all
//! read this one stream.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::{Duration, SystemTime};

use crate::cause::Cause;
use crate::proto::http::{HttpReply, KeepAlive};
use crate::proto::{Connected, Folded, Mode, Passive, Phases, PingKind, Prober};
use crate::target::Target;
use crate::watch::{State, Transition};

/// A target of a run, as every event about it names it.
#[derive(Debug)]
pub struct TargetId {
    /// Its place among the run's targets (tables and metrics keep that order).
    pub index: usize,
    pub target: Target,
    pub mode: Mode,
    /// Its watch state: written by its watch driver alone, read by anyone.
    state: AtomicU8,
}

impl TargetId {
    pub fn new(index: usize, target: Target, mode: Mode) -> Arc<Self> {
        Arc::new(TargetId {
            index,
            target,
            mode,
            state: AtomicU8::new(State::Connecting as u8),
        })
    }

    /// The identities of a run's probers, in order.
    pub fn of(probers: &[Prober]) -> Vec<Arc<Self>> {
        probers
            .iter()
            .enumerate()
            .map(|(i, p)| TargetId::new(i, p.target().clone(), p.config().mode))
            .collect()
    }

    /// Where its watched connection is now.
    pub fn state(&self) -> State {
        State::ALL[usize::from(self.state.load(Ordering::Relaxed))]
    }

    pub(crate) fn set_state(&self, state: State) {
        self.state.store(state as u8, Ordering::Relaxed);
    }
}

impl fmt::Display for TargetId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.target.fmt(f)
    }
}

/// Something that happened to a target.
#[derive(Clone, Debug)]
pub struct TargetEvent {
    pub who: Arc<TargetId>,
    /// When it happened, by the wall clock (a probe: when it was sent).
    pub at: SystemTime,
    pub what: What,
}

/// What happened.
#[derive(Clone, Debug)]
pub enum What {
    /// A connection was (re-)established.
    Connected(Connected),
    /// A probe (a keepalive) finished.
    Probe(ProbeDone),
    /// The peer ended the connection.
    Disconnected(Cause),
    /// The server sent a ping; `interval` since its previous one of that kind.
    ServerPing {
        interval: Option<Duration>,
        kind: PingKind,
        data: Option<[u8; 8]>,
        /// Pings less than a second apart, counted in this one event.
        folded: Option<Folded>,
    },
    /// An HTTP/1.1 server announced its keep-alive policy.
    KeepAlive(KeepAlive),
    /// A watched connection changed state.
    Transition(Transition),
    /// The next probe came due while probe `seq` still waited for its reply
    /// (kaping -O, as ping's: "no answer yet").
    Outstanding { seq: u64 },
}

/// A finished probe.
#[derive(Clone, Debug)]
pub struct ProbeDone {
    pub seq: u64,
    /// Phase times of a probe on a fresh connection.
    pub phases: Option<Phases>,
    /// HTTP: the response's status, first-byte time and reuse.
    pub http: Option<HttpReply>,
    /// The reply's text, kept when the probes are lines read from stdin.
    pub reply: Option<String>,
    /// With `trace` (kaping -v): curl -v's lines of the exchange.
    pub trace: Vec<String>,
    pub result: Result<Duration, Cause>,
}

impl From<Passive> for What {
    fn from(passive: Passive) -> Self {
        match passive {
            Passive::Lost(cause) => What::Disconnected(cause),
            Passive::ServerPing {
                interval,
                kind,
                data,
                folded,
            } => What::ServerPing {
                interval,
                kind,
                data,
                folded,
            },
            Passive::KeepAlive(keep_alive) => What::KeepAlive(keep_alive),
        }
    }
}

impl TargetEvent {
    /// An event that happens now.
    pub fn now(who: &Arc<TargetId>, what: impl Into<What>) -> Self {
        TargetEvent {
            who: who.clone(),
            at: SystemTime::now(),
            what: what.into(),
        }
    }
}
