//! The ping-strike count grpc-go and grpc-core servers keep: client PINGs closer
//! than the policy allows earn strikes, data from the server forgives, one strike
//! too many ends the connection with `too_many_pings`.

use std::time::Duration;

use tokio::time::Instant;

use super::policy::GrpcPolicy;

/// grpc-go and grpc-core: without active streams, pings closer than this strike.
const PING_WITHOUT_STREAMS: Duration = Duration::from_secs(2 * 60 * 60);

/// Counts strikes as grpc-go's `handlePing` does.
#[derive(Debug)]
pub struct PingStrikes {
    policy: GrpcPolicy,
    last: Option<Instant>,
    strikes: u32,
    /// Set when the server sends HEADERS or DATA: the next PING is forgiven.
    reset: bool,
    pings: u64,
}

impl PingStrikes {
    pub fn new(policy: GrpcPolicy) -> Self {
        PingStrikes {
            policy,
            last: None,
            strikes: 0,
            reset: false,
            pings: 0,
        }
    }

    /// The server sent data or headers.
    pub fn server_sent_data(&mut self) {
        self.reset = true;
    }

    /// A client PING arrived at `now` with `active` streams open; `true` when it
    /// is one strike too many.
    pub fn on_ping(&mut self, now: Instant, active: usize) -> bool {
        self.pings += 1;
        let last = self.last.replace(now);
        if std::mem::take(&mut self.reset) {
            self.strikes = 0;
            return false;
        }
        let allowed = if active == 0 && !self.policy.permit_without_stream {
            PING_WITHOUT_STREAMS
        } else {
            self.policy.min_ping_interval
        };
        if last.is_some_and(|last| now < last + allowed) {
            self.strikes += 1;
        }
        self.strikes > self.policy.max_ping_strikes
    }

    pub fn pings(&self) -> u64 {
        self.pings
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(min: u64, permit: bool) -> GrpcPolicy {
        GrpcPolicy {
            min_ping_interval: Duration::from_secs(min),
            permit_without_stream: permit,
            ..GrpcPolicy::default()
        }
    }

    #[tokio::test(start_paused = true)]
    async fn pings_too_close_strike_out_on_the_third_strike() {
        let mut s = PingStrikes::new(policy(10, true));
        let t0 = Instant::now();
        let at = |secs: u64| t0 + Duration::from_secs(secs);
        assert!(!s.on_ping(at(0), 1), "the first ping is free");
        assert!(!s.on_ping(at(20), 1), "far enough apart");
        assert!(!s.on_ping(at(21), 1), "strike 1");
        assert!(!s.on_ping(at(22), 1), "strike 2");
        assert!(s.on_ping(at(23), 1), "strike 3 is one too many");
    }

    #[tokio::test(start_paused = true)]
    async fn data_from_the_server_forgives() {
        let mut s = PingStrikes::new(policy(10, true));
        let t0 = Instant::now();
        let at = |secs: u64| t0 + Duration::from_secs(secs);
        s.on_ping(at(0), 1);
        s.on_ping(at(1), 1);
        s.on_ping(at(2), 1);
        s.server_sent_data();
        assert!(!s.on_ping(at(3), 1), "reset, not a strike");
        assert!(!s.on_ping(at(4), 1));
        assert!(!s.on_ping(at(5), 1));
        assert!(s.on_ping(at(6), 1));
    }

    #[tokio::test(start_paused = true)]
    async fn without_streams_two_hours_apply_unless_permitted() {
        let t0 = Instant::now();
        let at = |secs: u64| t0 + Duration::from_secs(secs);
        let mut strict = PingStrikes::new(policy(10, false));
        strict.on_ping(at(0), 0);
        strict.on_ping(at(60), 0);
        strict.on_ping(at(120), 0);
        assert!(
            strict.on_ping(at(180), 0),
            "a minute apart is too often idle"
        );
        let mut lenient = PingStrikes::new(policy(10, true));
        for i in 0..10 {
            assert!(!lenient.on_ping(at(60 * i), 0));
        }
    }
}
