//! What every reference peer's handle shares: its process, killed and reaped when
//! the handle drops, and the bounded wait for it to listen.

use std::net::{SocketAddr, TcpStream};
use std::process::Child;
use std::time::{Duration, Instant};

/// A peer's process, killed and reaped on drop so that no test leaves one behind.
#[derive(Debug)]
pub struct Reaped(pub Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Waits until `who` accepts connections on `addr`; fails the test past 5 s.
pub fn wait_listening(addr: SocketAddr, who: &str) {
    let until = Instant::now() + Duration::from_secs(5);
    while TcpStream::connect(addr).is_err() {
        assert!(Instant::now() < until, "{who} did not listen on {addr}");
        std::thread::sleep(Duration::from_millis(20));
    }
}
