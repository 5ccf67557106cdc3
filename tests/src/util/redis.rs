//! redis-server (Debian's) with an idle `timeout`: a server that checks its idle
//! clients about once a second, on a clock of whole seconds, so its closes of
//! connections idle for T spread from T to T + 1 s and more.

use std::net::SocketAddr;
use std::process::{Command, Stdio};

use super::peer::{Reaped, wait_listening};

/// Whether redis-server runs; in CI its absence fails.
pub fn have_redis() -> bool {
    let ok = Command::new("redis-server")
        .arg("--version")
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    ok || super::missing("redis-server", "apt-get install redis-server")
}

pub struct Redis {
    pub addr: SocketAddr,
    _child: Reaped,
}

impl Redis {
    /// redis-server on a free loopback port, nothing saved, closing clients idle
    /// for `timeout_s` seconds.
    pub fn start(timeout_s: u32) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
            .args(["--timeout", &timeout_s.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start redis-server");
        let child = Reaped(child);
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        wait_listening(addr, "redis-server");
        Redis {
            addr,
            _child: child,
        }
    }
}
