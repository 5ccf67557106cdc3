//! grpc-go (Debian's golang-go and golang-google-grpc-dev, 1.33) as a reference
//! peer: `tests/peers/grpcgo/main.go`, built offline in GOPATH mode once per test
//! run. `.ci/run` installs both packages; elsewhere a test without them says
//! SKIPPED.

use super::peer::Reaped;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

const GOPATH: &str = "/usr/share/gocode";

/// The built peer, or why there is none.
fn binary() -> &'static Result<PathBuf, String> {
    static BUILT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    BUILT.get_or_init(|| {
        if !Path::new(GOPATH)
            .join("src/google.golang.org/grpc")
            .exists()
        {
            return Err(
                "grpc-go not installed (apt-get install -y golang-go golang-google-grpc-dev)"
                    .into(),
            );
        }
        let dir = std::env::temp_dir().join("kaprobe-grpcgo");
        // Built under a name of its own, then renamed into place: test binaries
        // running at once each build, and none sees another's half-written file.
        let out = dir.join(format!("grpcgo-peer.{}", std::process::id()));
        let done = dir.join("grpcgo-peer");
        let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("peers/grpcgo/main.go");
        let status = Command::new("go")
            .args(["build", "-o"])
            .arg(&out)
            .arg(&source)
            .env("GO111MODULE", "off")
            .env("GOPATH", GOPATH)
            .env("GOPROXY", "off")
            .env("GOFLAGS", "")
            .env("GOCACHE", dir.join("cache"))
            .status();
        match status {
            Ok(s) if s.success() => std::fs::rename(&out, &done)
                .map(|()| done)
                .map_err(|e| format!("place the grpc-go peer: {e}")),
            Ok(s) => Err(format!("go build failed ({s})")),
            Err(e) => Err(format!(
                "go not installed ({e}): apt-get install -y golang-go"
            )),
        }
    })
}

/// Whether the grpc-go peer can run; in CI its absence fails.
pub fn have_grpc_go() -> bool {
    match binary() {
        Ok(_) => true,
        Err(why) => {
            assert!(!super::peers_required(), "grpc-go is required: {why}");
            super::skipped(why);
            false
        }
    }
}

/// A grpc-go health server on 127.0.0.1:0 (flags: `-min-time`,
/// `-permit-without-stream`, `-server-ping`, `-flip SVC=STATUS@DUR`); it exits
/// when dropped (its stdin closes).
pub struct GrpcGo {
    pub addr: SocketAddr,
    _child: Reaped,
}

impl GrpcGo {
    pub fn start(args: &[&str]) -> Self {
        let bin = binary().as_ref().expect("checked by have_grpc_go");
        let mut child = Command::new(bin)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the grpc-go peer");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("piped"))
            .read_line(&mut line)
            .expect("the peer's first line");
        let addr = line
            .trim()
            .strip_prefix("LISTENING ")
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| panic!("no address from the grpc-go peer: {line:?}"));
        GrpcGo {
            addr,
            _child: Reaped(child),
        }
    }

    pub fn url(&self) -> String {
        format!("grpc://{}", self.addr)
    }
}
