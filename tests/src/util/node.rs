//! Node's own `http` server (no npm package needed): the server whose 5 s
//! `keepAliveTimeout` behind a 60 s balancer is the classic intermittent 502.

use super::peer::Reaped;
use std::net::SocketAddr;
use std::process::{Command, Stdio};

/// Whether `node` runs; in CI its absence fails.
pub fn have_node() -> bool {
    let ok = Command::new("node")
        .arg("--version")
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        assert!(!super::peers_required(), "node is required");
        super::skipped("node not installed");
    }
    ok
}

/// `http.createServer` on 127.0.0.1:0 with `keepAliveTimeout` in milliseconds:
/// `/` answers 200, `/down` 503.
pub struct NodeHttp {
    pub addr: SocketAddr,
    _child: Reaped,
}

const SERVER: &str = r#"
const http = require("http");
const server = http.createServer((req, res) => {
  const code = req.url === "/down" ? 503 : 200;
  res.writeHead(code, { "Content-Type": "text/plain" });
  res.end(code === 200 ? "ok\n" : "down\n");
});
server.keepAliveTimeout = Number(process.argv[1]);
server.listen(0, "127.0.0.1", () => console.log(server.address().port));
"#;

impl NodeHttp {
    pub fn start(keep_alive_timeout_ms: u64) -> Self {
        let mut cmd = Command::new("node");
        cmd.arg("-e")
            .arg(SERVER)
            .arg(keep_alive_timeout_ms.to_string());
        let (child, addr) = super::spawn_with_port(cmd, "node");
        NodeHttp {
            addr,
            _child: Reaped(child),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}
