//! Reference peers from PyPI: the Python `websockets` server. CI installs it
//! (`.ci/run`); elsewhere the tests that need it say so and pass only if it is
//! missing and `CI` is not set.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};

/// Whether `import websockets` works; in CI its absence is a failure.
pub fn have_websockets() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import websockets"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI needs the Python websockets package: python3 -m pip install websockets"
        );
        eprintln!("note: Python websockets not installed; reference-server test not run");
    }
    ok
}

/// A `websockets` echo server on 127.0.0.1:0 with its own keepalive settings.
pub struct PyWs {
    pub addr: SocketAddr,
    child: Child,
}

const SERVER: &str = r#"
import asyncio, sys
from websockets.asyncio.server import serve

async def echo(ws):
    async for message in ws:
        await ws.send(message)

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
        let mut child = Command::new("python3")
            .args(["-c", SERVER, &arg(ping_interval), &arg(ping_timeout)])
            .stdout(Stdio::piped())
            .spawn()
            .expect("start python3");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port: u16 = line
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("no port from websockets: {line:?}"));
        PyWs {
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            child,
        }
    }

    pub fn url(&self) -> String {
        format!("ws://{}/", self.addr)
    }
}

impl Drop for PyWs {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
