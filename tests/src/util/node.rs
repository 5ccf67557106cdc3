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

/// Where `.ci/run` installs the npm peers (`@grpc/grpc-js`, `grpc-health-check`):
/// a private prefix, `$KAPROBE_NPM_PREFIX`, else `target/npm-peers`.
fn npm_modules() -> std::path::PathBuf {
    let prefix = std::env::var_os("KAPROBE_NPM_PREFIX").map_or_else(
        || std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/npm-peers"),
        std::path::PathBuf::from,
    );
    prefix.join("node_modules")
}

/// Whether node and the grpc-js packages are there; in CI their absence fails.
pub fn have_grpc_js() -> bool {
    if !have_node() {
        return false;
    }
    let modules = npm_modules();
    if modules.join("@grpc/grpc-js").is_dir() && modules.join("grpc-health-check").is_dir() {
        return true;
    }
    super::missing(
        "@grpc/grpc-js",
        "npm install --prefix target/npm-peers @grpc/grpc-js@1 grpc-health-check@2",
    )
}

/// @grpc/grpc-js serving the health service (SERVING) on 127.0.0.1:0, with no
/// proxy in front and no keepalive policy of its own.
pub struct GrpcJs {
    pub addr: SocketAddr,
    _child: Reaped,
}

const GRPC_JS: &str = r#"
const grpc = require("@grpc/grpc-js");
const { HealthImplementation } = require("grpc-health-check");
const server = new grpc.Server();
new HealthImplementation({ "": "SERVING" }).addToServer(server);
server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, port) => {
  if (err) { console.error(err); process.exit(1); }
  console.log(port);
});
"#;

impl GrpcJs {
    pub fn start() -> Self {
        let mut cmd = Command::new("node");
        cmd.arg("-e").arg(GRPC_JS).env("NODE_PATH", npm_modules());
        let (child, addr) = super::spawn_with_port(cmd, "grpc-js");
        GrpcJs {
            addr,
            _child: Reaped(child),
        }
    }

    pub fn url(&self) -> String {
        format!("grpc://{}", self.addr)
    }
}
