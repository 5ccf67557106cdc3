//! kaserve run as a process on a free loopback port: its address and scheme from
//! its first record, its log read as it is written, stopped by a signal.

use std::io::BufRead;
use std::net::SocketAddr;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use kawire::record::ServeRecord;

use super::{Output, Running, bin};

/// The address and URL scheme (tcp, ws, wss, ...) in kaserve's first `--ndjson`
/// line, its listening record.
pub fn listening(first: &str) -> (SocketAddr, String) {
    match serde_json::from_str::<ServeRecord>(first) {
        Ok(ServeRecord::Listening {
            addr, proto, tls, ..
        }) => {
            let scheme = if tls { format!("{proto}s") } else { proto };
            (addr.parse().expect("socket address"), scheme)
        }
        other => panic!("expected a listening record, got {other:?} from {first:?}"),
    }
}

pub struct KaServe {
    pub addr: SocketAddr,
    /// The URL scheme clients use: tcp, ws or wss.
    pub scheme: String,
    proc: Option<Running>,
    log: Arc<Mutex<Vec<String>>>,
    reader: Option<thread::JoinHandle<()>>,
}

impl KaServe {
    pub fn tcp() -> Self {
        Self::start(&["tcp", "--listen", "127.0.0.1:0", "--ndjson"])
    }

    /// kaserve ws with extra flags (keepalive policy, TLS files).
    pub fn ws(extra: &[&str]) -> Self {
        Self::on("ws", extra)
    }

    /// kaserve `proto` on a free loopback port, logging records, with `extra`
    /// flags (policies, faults, TLS files).
    pub fn on(proto: &str, extra: &[&str]) -> Self {
        let mut args = vec![proto, "--listen", "127.0.0.1:0", "--ndjson"];
        args.extend_from_slice(extra);
        Self::start(&args)
    }

    pub fn start(args: &[&str]) -> Self {
        Self::from(Running::spawn("kaserve", args))
    }

    /// kaserve with `env` added to its environment.
    pub fn start_env(env: &[(&str, &std::ffi::OsStr)], args: &[&str]) -> Self {
        let mut cmd = Command::new(bin("kaserve"));
        cmd.args(args).envs(env.iter().copied());
        Self::from(Running::command(cmd))
    }

    /// kaserve with at most `nofile` open descriptors (`ulimit -n`).
    pub fn limited(nofile: u32, args: &[&str]) -> Self {
        let mut cmd = Command::new("sh");
        cmd.args(["-c", "ulimit -n \"$0\" && exec \"$@\"", &nofile.to_string()])
            .arg(bin("kaserve"))
            .args(args);
        Self::from(Running::command(cmd))
    }

    fn from(mut proc: Running) -> Self {
        let first = proc.next_line().expect("kaserve printed nothing");
        let (addr, scheme) = listening(&first);
        let log = Arc::new(Mutex::new(vec![first]));
        let mut stdout = proc.stdout.take().expect("stdout");
        let sink = log.clone();
        let reader = thread::spawn(move || {
            let mut line = String::new();
            while matches!(stdout.read_line(&mut line), Ok(n) if n > 0) {
                sink.lock().unwrap().push(line.trim_end().to_string());
                line.clear();
            }
        });
        KaServe {
            addr,
            scheme,
            proc: Some(proc),
            log,
            reader: Some(reader),
        }
    }

    /// `tcp://ADDR`, `ws://ADDR/` or `wss://ADDR/`
    pub fn url(&self) -> String {
        match self.scheme.as_str() {
            "tcp" => format!("tcp://{}", self.addr),
            scheme => format!("{scheme}://{}/", self.addr),
        }
    }

    /// The CPU time kaserve has used so far (user and system), from /proc.
    pub fn cpu_time(&self) -> Duration {
        let pid = self.proc.as_ref().expect("running").pid();
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("read /proc stat");
        // Fields after the parenthesised name; utime and stime are the 14th and 15th.
        let rest = &stat[stat.rfind(')').expect("comm") + 2..];
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
        // USER_HZ is 100 on Linux.
        Duration::from_millis(ticks * 10)
    }

    /// kaserve's process id.
    pub fn pid(&self) -> u32 {
        self.proc.as_ref().expect("running").pid()
    }

    /// kaserve's log lines so far.
    pub fn log(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }

    /// Sends a signal and waits for kaserve to exit; returns its output.
    pub fn stop(mut self, sig: &str) -> Output {
        let proc = self.proc.take().expect("running");
        proc.signal(sig);
        let started = Instant::now();
        let out = proc.finish(String::new(), started);
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
        Output {
            stdout: self.log().join("\n"),
            ..out
        }
    }
}
