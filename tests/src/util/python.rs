//! Reference peers from PyPI: the Python `websockets` server and grpc-core.
//! `.ci/run` installs them and sets `KAPROBE_REQUIRE_PEERS`, which makes a missing
//! one fail its test; elsewhere such a test says SKIPPED in the test output.

use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};

use super::peer::Reaped;
use super::skipped;

/// Whether `import MODULE` works; in CI its absence is a failure, naming the pip
/// packages to install.
fn have_module(module: &str, packages: &str) -> bool {
    check_module(module, packages, super::peers_required())
}

fn check_module(module: &str, packages: &str, required: bool) -> bool {
    let ok = Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        assert!(
            !required,
            "a reference peer is required: python3 -m pip install {packages}"
        );
        skipped(&format!(
            "{packages} not installed (python3 -m pip install {packages})"
        ));
    }
    ok
}

/// The Python `websockets` server.
pub fn have_websockets() -> bool {
    have_module("websockets", "websockets")
}

/// grpc-core: `grpcio` with `grpcio-health-checking`.
pub fn have_grpcio() -> bool {
    have_module(
        "grpc, grpc_health.v1.health",
        "grpcio grpcio-health-checking",
    )
}

/// Runs a Python server script with `args`; it prints its port on its first line.
fn spawn_server(script: &str, args: &[String]) -> (Child, SocketAddr) {
    let mut cmd = Command::new("python3");
    cmd.arg("-c").arg(script).args(args);
    super::spawn_with_port(cmd, "the Python server")
}

/// A `websockets` echo server on 127.0.0.1:0 with its own keepalive settings.
pub struct PyWs {
    pub addr: SocketAddr,
    _child: Reaped,
}

const SERVER: &str = r#"
import asyncio, sys
import websockets
from websockets.asyncio.server import serve

async def echo(ws):
    try:
        async for message in ws:
            await ws.send(message)
    except websockets.exceptions.ConnectionClosed:
        pass  # the tests close connections on purpose

async def main():
    interval = float(sys.argv[1]) if sys.argv[1] != "none" else None
    timeout = float(sys.argv[2]) if sys.argv[2] != "none" else None
    async with serve(echo, "127.0.0.1", 0, ping_interval=interval, ping_timeout=timeout) as server:
        port = server.sockets[0].getsockname()[1]
        print(port, flush=True)
        await asyncio.get_running_loop().create_future()

asyncio.run(main())
"#;

impl PyWs {
    /// `ping_interval` and `ping_timeout` in seconds (`None` disables them).
    pub fn start(ping_interval: Option<f64>, ping_timeout: Option<f64>) -> Self {
        let arg = |v: Option<f64>| v.map_or("none".to_string(), |x| x.to_string());
        let (child, addr) = spawn_server(SERVER, &[arg(ping_interval), arg(ping_timeout)]);
        PyWs {
            addr,
            _child: Reaped(child),
        }
    }

    pub fn url(&self) -> String {
        format!("ws://{}/", self.addr)
    }
}

/// A grpc-core server (Python grpcio) with the standard health service: `""` and
/// `payments` SERVING, `billing` NOT_SERVING, `slow` SERVING after 3 s, and the
/// keepalive options given as
/// `name=value` channel arguments; `flip:SERVICE:SECONDS` flips a service between
/// SERVING and NOT_SERVING with `servicer.set` that often.
pub struct PyGrpc {
    pub addr: SocketAddr,
    _child: Reaped,
}

const GRPC_SERVER: &str = r#"
import sys
from concurrent import futures
import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

import threading, time
args = sys.argv[1:]
flips = [a.split(":")[1:] for a in args if a.startswith("flip:")]
options = [(k, int(v)) for k, v in (a.split("=", 1) for a in args if not a.startswith("flip:"))]
server = grpc.server(futures.ThreadPoolExecutor(max_workers=8), options=options)
class Slow(health.HealthServicer):
    def Check(self, request, context):
        if request.service == "slow":
            time.sleep(3)
        return super().Check(request, context)

servicer = Slow()
servicer.set("", health_pb2.HealthCheckResponse.SERVING)
servicer.set("slow", health_pb2.HealthCheckResponse.SERVING)
servicer.set("payments", health_pb2.HealthCheckResponse.SERVING)
servicer.set("billing", health_pb2.HealthCheckResponse.NOT_SERVING)

def flip(service, every):
    serving = True
    while True:
        time.sleep(every)
        serving = not serving
        servicer.set(service, health_pb2.HealthCheckResponse.SERVING if serving
                     else health_pb2.HealthCheckResponse.NOT_SERVING)

for service, every in flips:
    servicer.set(service, health_pb2.HealthCheckResponse.SERVING)
    threading.Thread(target=flip, args=(service, float(every)), daemon=True).start()
health_pb2_grpc.add_HealthServicer_to_server(servicer, server)
port = server.add_insecure_port("127.0.0.1:0")
server.start()
print(port, flush=True)
server.wait_for_termination()
"#;

impl PyGrpc {
    pub fn start(options: &[&str]) -> Self {
        let args: Vec<String> = options.iter().map(|o| o.to_string()).collect();
        let (child, addr) = spawn_server(GRPC_SERVER, &args);
        PyGrpc {
            addr,
            _child: Reaped(child),
        }
    }

    pub fn url(&self) -> String {
        format!("grpc://{}", self.addr)
    }
}

/// A Python `websockets` client with its own keepalive (`ping_interval`,
/// `ping_timeout` in seconds), held open for `hold` seconds; prints `open`, or
/// `closed CODE REASON` when the connection ended first.
const WS_CLIENT: &str = r#"
import asyncio, sys
from websockets.asyncio.client import connect

async def main():
    url, interval, timeout, hold = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
    async with connect(url, ping_interval=interval, ping_timeout=timeout) as ws:
        try:
            await asyncio.wait_for(ws.wait_closed(), hold)
            print("closed", ws.protocol.close_code, ws.protocol.close_reason, flush=True)
        except asyncio.TimeoutError:
            print("open", flush=True)

asyncio.run(main())
"#;

pub fn ws_client(url: &str, ping_interval: f64, ping_timeout: f64, hold: f64) -> String {
    run_client(
        WS_CLIENT,
        &[
            url.to_string(),
            ping_interval.to_string(),
            ping_timeout.to_string(),
            hold.to_string(),
        ],
    )
}

/// A grpc-core client (Python grpcio): one health Check, then an idle channel with
/// HTTP/2 keepalive PINGs every `keepalive_ms`, each to be ACKed within
/// `timeout_ms`, for `hold` seconds. Prints the Check's status. grpc-core 1.85
/// times a PING out after `grpc.http2.ping_timeout_ms` (60 s by default), and its
/// BDP probe PING, if unanswered, holds keepalive PINGs back; hence both options.
const GRPC_CLIENT: &str = r#"
import sys, time
import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

target, every, timeout, hold = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
options = [
    ("grpc.keepalive_time_ms", every),
    ("grpc.keepalive_timeout_ms", timeout),
    ("grpc.keepalive_permit_without_calls", 1),
    ("grpc.http2.max_pings_without_data", 0),
    ("grpc.http2.ping_timeout_ms", timeout),
    ("grpc.http2.bdp_probe", 0),
]
channel = grpc.insecure_channel(target, options=options)
status = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=5).status
print(status, flush=True)
time.sleep(hold)
"#;

pub fn grpc_client(target: &str, keepalive_ms: u64, timeout_ms: u64, hold: f64) -> String {
    run_client(
        GRPC_CLIENT,
        &[
            target.to_string(),
            keepalive_ms.to_string(),
            timeout_ms.to_string(),
            hold.to_string(),
        ],
    )
}

/// Runs a Python client script to its end (bounded), returning its stdout.
fn run_client(script: &str, args: &[String]) -> String {
    let child = Command::new("python3")
        .arg("-c")
        .arg(script)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start python3");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || tx.send(child.wait_with_output()));
    let out = rx
        .recv_timeout(std::time::Duration::from_secs(30))
        .expect("the Python client ends within 30 s")
        .unwrap();
    assert!(
        out.status.success(),
        "Python client failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The Python standard library's `http.server` speaking HTTP/1.1 (kept-alive
/// connections): `/` answers 200, `/down` 503, any other path 404 (its own
/// `send_error`); a connection idle `idle` seconds is closed (the handler's
/// socket timeout). A third-party server in every CI: nothing to install.
pub struct PyHttp {
    pub addr: SocketAddr,
    _child: Reaped,
}

const HTTP_SERVER: &str = r#"
import http.server, socketserver, sys
class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = float(sys.argv[1])
    def answer(self, body):
        if self.path == "/":
            code = 200
        elif self.path == "/down":
            code = 503
        else:
            self.send_error(404)
            return
        data = b"ok\n" if code == 200 else b"down\n"
        self.send_response(code)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if body:
            self.wfile.write(data)
    def do_GET(self):
        self.answer(True)
    def do_HEAD(self):
        self.answer(False)
    def log_message(self, *args):
        pass
class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
server = Server(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
"#;

impl PyHttp {
    pub fn start(idle: f64) -> Self {
        let (child, addr) = spawn_server(HTTP_SERVER, &[idle.to_string()]);
        PyHttp {
            addr,
            _child: Reaped(child),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_peer_is_skipped_out_loud_or_fails_when_required() {
        assert!(!check_module(
            "kaprobe_no_such_module",
            "(a module missing on purpose)",
            false
        ));
        let required =
            std::panic::catch_unwind(|| check_module("kaprobe_no_such_module", "nothing", true));
        assert!(required.is_err(), "a required peer that is missing fails");
    }
}
