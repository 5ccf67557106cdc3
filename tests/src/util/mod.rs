//! The shared harness: finds (and freshly builds) the binaries, runs them with a
//! watchdog so no test can hang, and says when a test is skipped; kaserve on a
//! free loopback port ([`server`]), records read back through the schema types
//! ([`records`]) and the reference peers live in its modules.

pub mod certs;
pub mod grpc;
pub mod grpcgo;
pub mod hostile;
pub mod kafind;
pub mod netns;
pub mod nginx;
pub mod node;
pub mod openssl;
pub mod peer;
pub mod prometheus;
pub mod proxy;
pub mod python;
mod records;
pub mod redis;
mod server;
pub mod tinyproxy;
pub mod ws;

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

use kawire::record::{PingDoc, Record};

pub use records::{events, parse_records, probes, states, summary};
pub use server::{KaServe, listening};

/// The longest any single process in a test may run before it is killed.
pub const WATCHDOG: Duration = Duration::from_secs(30);

/// The binaries the tests run; each is built before the first test runs one.
const TOOLS: [&str; 5] = ["kaping", "kawatch", "kareport", "kaserve", "kafind"];

/// Path of a workspace binary, built on first use so tests never run a stale one.
/// (`cargo test` builds binaries only for the package that owns them.)
pub fn bin(name: &str) -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    let dir = BUILT.get_or_init(|| {
        let exe = std::env::current_exe().expect("test binary path");
        // target/<profile>/deps/tests-<hash>
        let profile_dir = exe
            .parent()
            .and_then(|deps| deps.parent())
            .expect("test binary lives in target/<profile>/deps")
            .to_path_buf();
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut cmd = Command::new(cargo);
        cmd.args(["build", "--bins"]);
        for tool in TOOLS {
            cmd.args(["-p", tool]);
        }
        if profile_dir.file_name().is_some_and(|n| n == "release") {
            cmd.arg("--release");
        }
        let out = cmd
            .current_dir(crate::repo_root())
            .output()
            .expect("run cargo build");
        assert!(
            out.status.success(),
            "cargo build of the binaries failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        profile_dir
    });
    assert!(
        TOOLS.contains(&name),
        "{name} is not among the binaries the harness builds"
    );
    dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX))
}

/// Whether a missing reference peer or facility fails its test (in CI, and where
/// `.ci/run` sets `KAPROBE_REQUIRE_PEERS`) instead of skipping it.
pub fn peers_required() -> bool {
    std::env::var_os("KAPROBE_REQUIRE_PEERS").is_some() || std::env::var_os("CI").is_some()
}

/// Says on the real stderr, which the test harness does not capture, that the
/// calling test did not run, so a passing run cannot hide it.
pub fn skipped(why: &str) {
    use std::io::Write;
    let test = std::thread::current()
        .name()
        .unwrap_or("a test")
        .to_string();
    let _ = writeln!(std::io::stderr(), "SKIPPED {test}: {why}");
}

/// A peer or facility a test needs is missing: in CI that fails, naming how to
/// install it; elsewhere the test says SKIPPED. Returns `false`, for `have_*`.
pub fn missing(what: &str, install: &str) -> bool {
    assert!(!peers_required(), "{what} is required: {install}");
    skipped(&format!("{what} not installed ({install})"));
    false
}

/// A finished process.
#[derive(Debug)]
pub struct Output {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

impl Output {
    pub fn code(&self) -> i32 {
        self.status.code().expect("exited, not killed by a signal")
    }

    /// Every stdout line parsed as a record.
    pub fn records(&self) -> Vec<Record> {
        parse_records(&self.stdout)
    }

    /// The `--json` document.
    pub fn report(&self) -> PingDoc {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not a report ({e}):\n{}", self.stdout))
    }

    pub fn assert_no_panic(&self) {
        assert!(
            !self.stderr.contains("panicked"),
            "process panicked:\n{}",
            self.stderr
        );
    }
}

/// Runs a binary to completion with no stdin, killing it past the watchdog.
pub fn run(name: &str, args: &[&str]) -> Output {
    // Built before the clock starts: `elapsed` is the run's own time.
    bin(name);
    let started = Instant::now();
    let mut running = Running::spawn(name, args);
    let stdout = running.read_stdout_to_end();
    running.finish(stdout, started)
}

/// As [`run`], with `env` added to the environment.
pub fn run_env(name: &str, env: &[(&str, &std::ffi::OsStr)], args: &[&str]) -> Output {
    let mut cmd = Command::new(bin(name));
    cmd.args(args).envs(env.iter().copied());
    let started = Instant::now();
    let mut running = Running::command(cmd);
    let stdout = running.read_stdout_to_end();
    running.finish(stdout, started)
}

pub fn kaping(args: &[&str]) -> Output {
    run("kaping", args)
}

/// A child process whose stdout is read as it goes, guarded by a watchdog.
pub struct Running {
    child: Arc<Mutex<Child>>,
    stdout: Option<BufReader<ChildStdout>>,
    stderr: Option<thread::JoinHandle<String>>,
    /// What stderr has said so far.
    stderr_seen: Arc<Mutex<String>>,
    done: Arc<std::sync::atomic::AtomicBool>,
}

/// The proxy variables of the machine the tests run on: no test goes through a
/// proxy it did not start.
const PROXY_VARS: [&str; 9] = [
    "http_proxy",
    "https_proxy",
    "HTTPS_PROXY",
    "HTTP_PROXY",
    "all_proxy",
    "ALL_PROXY",
    "grpc_proxy",
    "no_proxy",
    "NO_PROXY",
];

impl Running {
    pub fn spawn(name: &str, args: &[&str]) -> Self {
        let mut cmd = Command::new(bin(name));
        for var in PROXY_VARS {
            cmd.env_remove(var);
        }
        let child = cmd
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {name}: {e}"));
        Running::new(child)
    }

    /// Runs `cmd` (stdin closed, stdout and stderr read) under the watchdog,
    /// without the machine's proxy variables (`cmd` may set its own).
    pub fn command(mut cmd: Command) -> Self {
        let set: Vec<String> = cmd
            .get_envs()
            .filter(|(_, v)| v.is_some())
            .map(|(k, _)| k.to_string_lossy().into_owned())
            .collect();
        for var in PROXY_VARS.iter().filter(|v| !set.iter().any(|s| s == *v)) {
            cmd.env_remove(var);
        }
        let child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {cmd:?}: {e}"));
        Running::new(child)
    }

    fn new(mut child: Child) -> Self {
        let stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        let mut stderr = child.stderr.take().expect("piped stderr");
        let stderr_seen = Arc::new(Mutex::new(String::new()));
        let seen = stderr_seen.clone();
        let stderr = thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stderr.read(&mut buf) {
                if n == 0 {
                    break;
                }
                seen.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
            seen.lock().unwrap().clone()
        });
        let child = Arc::new(Mutex::new(child));
        let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (watched, flag) = (child.clone(), done.clone());
        thread::spawn(move || {
            let until = Instant::now() + WATCHDOG;
            while Instant::now() < until {
                if flag.load(std::sync::atomic::Ordering::Relaxed) {
                    return;
                }
                thread::sleep(Duration::from_millis(20));
            }
            let _ = watched.lock().unwrap().kill();
        });
        Running {
            child,
            stdout: Some(stdout),
            stderr: Some(stderr),
            stderr_seen,
            done,
        }
    }

    /// What the process has written to stderr so far.
    pub fn stderr_so_far(&self) -> String {
        self.stderr_seen.lock().unwrap().clone()
    }

    pub fn pid(&self) -> u32 {
        self.child.lock().unwrap().id()
    }

    /// The next stdout line, without its newline; `None` at end of output.
    pub fn next_line(&mut self) -> Option<String> {
        let mut line = String::new();
        match self.stdout.as_mut()?.read_line(&mut line) {
            Ok(0) | Err(_) => None,
            Ok(_) => Some(line.trim_end_matches('\n').to_string()),
        }
    }

    /// Reads lines until one satisfies `pred`; returns every line read.
    pub fn lines_until(&mut self, pred: impl Fn(&str) -> bool) -> Vec<String> {
        let mut seen = Vec::new();
        while let Some(line) = self.next_line() {
            let hit = pred(&line);
            seen.push(line);
            if hit {
                return seen;
            }
        }
        panic!(
            "output ended before the expected line; saw:\n{}",
            seen.join("\n")
        );
    }

    pub fn signal(&self, sig: &str) {
        let status = Command::new("kill")
            .args([format!("-{sig}"), self.pid().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -{sig} failed");
    }

    pub fn read_stdout_to_end(&mut self) -> String {
        let mut s = String::new();
        if let Some(mut out) = self.stdout.take() {
            let _ = out.read_to_string(&mut s);
        }
        s
    }

    /// Waits for exit (the watchdog still applies) and collects what is left.
    pub fn finish(mut self, stdout_so_far: String, started: Instant) -> Output {
        let rest = self.read_stdout_to_end();
        let status = loop {
            if let Some(status) = self.child.lock().unwrap().try_wait().expect("wait") {
                break status;
            }
            thread::sleep(Duration::from_millis(5));
        };
        self.done.store(true, std::sync::atomic::Ordering::Relaxed);
        let stderr = self
            .stderr
            .take()
            .expect("once")
            .join()
            .expect("stderr reader");
        Output {
            status,
            stdout: stdout_so_far + &rest,
            stderr,
            elapsed: started.elapsed(),
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.done.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Ok(mut child) = self.child.lock() {
            if child.try_wait().ok().flatten().is_none() {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
    }
}

/// A kaserve process on a free loopback port; killed when dropped.
/// A closed pipe: runs `tool ARGS | head HEAD` in bash and returns the tool's exit
/// status, what head let through, and the tool's stderr.
pub fn through_head(tool: &str, args: &[&str], head: &str) -> (i32, String, String) {
    let quoted: Vec<String> = args.iter().map(|a| format!("'{a}'")).collect();
    let script = format!(
        "'{}' {} 2>\"$ERR\" | head {head}; echo \"status=${{PIPESTATUS[0]}}\"",
        bin(tool).display(),
        quoted.join(" ")
    );
    let err = tempfile::NamedTempFile::new().unwrap();
    let out = Command::new("bash")
        .args(["-c", &script])
        .env("ERR", err.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let (shown, status) = stdout
        .rsplit_once("status=")
        .unwrap_or_else(|| panic!("no status in {stdout:?}"));
    let status = status.trim().parse().unwrap();
    let stderr = std::fs::read_to_string(err.path()).unwrap();
    (status, shown.to_string(), stderr)
}

/// Starts a server that prints its loopback port on its first line of stdout
/// (the Python and Node peers); `who` names it when it does not.
pub fn spawn_with_port(mut cmd: Command, who: &str) -> (Child, SocketAddr) {
    let mut child = cmd
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("start {who}: {e}"));
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("piped stdout"))
        .read_line(&mut line)
        .unwrap();
    let port: u16 = line
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("no port from {who}: {line:?}"));
    (child, SocketAddr::from(([127, 0, 0, 1], port)))
}

/// A current-thread runtime and a listener on a free loopback port, for a test
/// server that runs on a thread of its own.
pub fn loopback_listener() -> (tokio::runtime::Runtime, tokio::net::TcpListener, SocketAddr) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    (runtime, listener, addr)
}

/// A loopback port with nothing listening on it.
pub fn closed_port() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    addr
}
