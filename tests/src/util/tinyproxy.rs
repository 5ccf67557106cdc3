//! tinyproxy (Debian's), an HTTP CONNECT proxy nobody here wrote: its `Timeout`
//! ends idle tunnels, `BasicAuth` answers 407 without credentials. `.ci/run`
//! installs it; elsewhere a test without it says SKIPPED.

use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::process::{Command, Stdio};

use super::peer::{Reaped, wait_listening};

/// Whether tinyproxy is installed; in CI its absence fails.
pub fn have_tinyproxy() -> bool {
    bin().is_some() || super::missing("tinyproxy", "apt-get install -y tinyproxy")
}

fn bin() -> Option<PathBuf> {
    [
        "/usr/bin/tinyproxy",
        "/usr/sbin/tinyproxy",
        "/usr/local/bin/tinyproxy",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|p| p.exists())
}

/// tinyproxy on a free loopback port, stopped when dropped.
pub struct TinyProxy {
    pub addr: SocketAddr,
    _child: Reaped,
    _dir: tempfile::TempDir,
}

impl TinyProxy {
    /// Idle tunnels end after `idle_secs`; with `auth` (user, password) a request
    /// without them is answered 407.
    pub fn start(idle_secs: u32, auth: Option<(&str, &str)>) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let mut conf = format!(
            "Port {port}\nListen 127.0.0.1\nTimeout {idle_secs}\nMaxClients 64\n\
             Allow 127.0.0.1\nLogLevel Info\n"
        );
        if let Some((user, password)) = auth {
            conf.push_str(&format!("BasicAuth {user} {password}\n"));
        }
        let path = dir.path().join("tinyproxy.conf");
        std::fs::write(&path, conf).expect("write tinyproxy.conf");
        let child = Command::new(bin().expect("checked by have_tinyproxy"))
            .arg("-d")
            .arg("-c")
            .arg(&path)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start tinyproxy");
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        wait_listening(addr, "tinyproxy");
        TinyProxy {
            addr,
            _child: Reaped(child),
            _dir: dir,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}
