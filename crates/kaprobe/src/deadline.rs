//! The probe deadline: one timer per prober, armed before the probe is due.
//!
//! Registering a tokio timer that becomes the runtime's earliest wakes the driver
//! through its eventfd. A timeout created inside the round trip therefore costs a
//! system call and a spurious wake-up in the middle of the measurement (about 3 µs
//! of a 20 µs loopback RTT). Arming the timer while the interval sleep is pending
//! moves that cost out of the measured path.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use tokio::time::{Instant, Sleep};

#[derive(Debug)]
pub struct ProbeTimer {
    sleep: Pin<Box<Sleep>>,
    armed: bool,
}

impl Default for ProbeTimer {
    fn default() -> Self {
        ProbeTimer {
            sleep: Box::pin(tokio::time::sleep_until(crate::units::far_future())),
            armed: false,
        }
    }
}

impl ProbeTimer {
    /// Sets the deadline of the next probe.
    pub fn arm(&mut self, deadline: Instant) {
        self.sleep.as_mut().reset(deadline);
        self.armed = true;
    }

    /// Makes sure the deadline is `timeout` from now, give or take a tenth, arming
    /// anew if it was not armed or the probe starts late. Consumes the arming.
    pub fn ensure(&mut self, timeout: Duration) {
        let now = Instant::now();
        let late = self.sleep.deadline() < now + timeout - timeout / 10;
        if !self.armed || late {
            self.sleep.as_mut().reset(now + timeout);
        }
        self.armed = false;
    }

    /// Whether the deadline has passed: a loop that takes one unrelated message
    /// after another (each ready at once) asks between them, since `within`
    /// lets ready work through.
    pub fn expired(&self) -> bool {
        Instant::now() >= self.sleep.deadline()
    }

    /// Runs `work` until it completes (`Some`) or the deadline passes (`None`).
    /// The work is polled first, so work that is ready never times out.
    pub async fn within<F: Future>(&mut self, work: F) -> Option<F::Output> {
        tokio::pin!(work);
        tokio::select! {
            biased;
            out = &mut work => Some(out),
            () = self.sleep.as_mut() => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn deadline_cuts_slow_work_and_spares_ready_work() {
        let mut timer = ProbeTimer::default();
        timer.arm(Instant::now() + Duration::from_millis(100));
        timer.ensure(Duration::from_millis(100));
        let slow = timer.within(tokio::time::sleep(Duration::from_secs(1)));
        let started = Instant::now();
        assert_eq!(slow.await, None);
        assert_eq!(started.elapsed(), Duration::from_millis(100));
        // Past its deadline, ready work still completes.
        assert_eq!(timer.within(async { 7 }).await, Some(7));
    }

    #[tokio::test(start_paused = true)]
    async fn a_late_start_rearms() {
        let mut timer = ProbeTimer::default();
        timer.arm(Instant::now() + Duration::from_millis(100));
        tokio::time::advance(Duration::from_millis(50)).await;
        timer.ensure(Duration::from_millis(100));
        let started = Instant::now();
        assert_eq!(timer.within(std::future::pending::<()>()).await, None);
        assert_eq!(started.elapsed(), Duration::from_millis(100));
    }
}
