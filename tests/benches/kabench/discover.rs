//! kafind idle-timeout: wall time to a verdict against kaserve with idle timeouts
//! of 2 s and 10 s, closed actively and dropped silently, as ratios to T; and the
//! sockets and memory of a `--max 30m` run while its ladder is open.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::*;

/// NAT-TCP-test's fixed run: a one-minute grid up to 2 h 10 min, whatever T is.
const PEER_FIGURE_S: f64 = 2.0 * 3600.0 + 10.0 * 60.0;

pub fn discovery(bins: &Path) {
    for t in [2u64, 10] {
        for (fault, want) in [("close-idle", "closed"), ("drop-idle", "silent")] {
            let spec = format!("{fault}={t}s");
            let (mut server, addr) = kaserve(bins, &["tcp", "--fault", &spec]);
            let target = format!("tcp://{addr}");
            let started = Instant::now();
            let out = Command::new(bins.join("kafind"))
                .args([
                    "idle-timeout",
                    &target,
                    "--min",
                    "1s",
                    "--max",
                    "30s",
                    "-W",
                    "500ms",
                    "--json",
                ])
                .output()
                .expect("run kafind");
            let wall = started.elapsed().as_secs_f64();
            stop(&mut server);
            let doc: serde_json::Value =
                serde_json::from_slice(&out.stdout).expect("kafind --json");
            let verdict = doc["verdict"].as_str().unwrap_or("?");
            let (low, high) = (doc["low_ms"].as_f64(), doc["high_ms"].as_f64());
            let width = match (low, high) {
                (Some(l), Some(h)) => format!("{:.1}%", (h - l) / h * 100.0),
                _ => "-".into(),
            };
            let target_ratio = if want == "closed" {
                format!("T + 1 s = {:.2}", 1.0 + 1.0 / t as f64)
            } else {
                format!("2 T + 1 s = {:.2}", 2.0 + 1.0 / t as f64)
            };
            println!(
                "kafind {fault} T={t}s: verdict {verdict} (want {want}), timeout {:.0} ms, bracket width {width}, wall {wall:.2} s = {:.2} x T (target <= {target_ratio}); NAT-TCP-test takes {:.0} x T",
                doc["timeout_ms"].as_f64().unwrap_or(f64::NAN),
                wall / t as f64,
                PEER_FIGURE_S / t as f64
            );
        }
    }
    open_ladder(bins);
}

/// A `--max 30m` run against a server with no idle timeout: every rung is open at
/// once early on. Samples kafind's open sockets and peak RSS for 15 s.
fn open_ladder(bins: &Path) {
    let (mut server, addr) = kaserve(bins, &["tcp"]);
    let mut kafind = Command::new(bins.join("kafind"))
        .args([
            "idle-timeout",
            &format!("tcp://{addr}"),
            "--max",
            "30m",
            "--json",
        ])
        .stdout(Stdio::null())
        .spawn()
        .expect("start kafind");
    let pid = kafind.id();
    let mut peak_sockets = 0;
    let until = Instant::now() + Duration::from_secs(15);
    while Instant::now() < until {
        let sockets = tcp_sockets(pid);
        peak_sockets = peak_sockets.max(sockets);
        std::thread::sleep(Duration::from_millis(50));
    }
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let hwm_kib: f64 = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(f64::NAN);
    let _ = kafind.kill();
    let _ = kafind.wait();
    stop(&mut server);
    println!(
        "kafind --max 30m, first 15 s: at most {peak_sockets} TCP sockets open at once (target <= 64, the control's included), peak RSS {:.1} MiB (target < 20)",
        hwm_kib / 1024.0
    );
}

/// The TCP sockets process `pid` holds: its descriptors' socket inodes that its
/// network namespace lists as TCP (the resolver's unix sockets are no connection).
fn tcp_sockets(pid: u32) -> usize {
    let tcp: std::collections::HashSet<String> = ["tcp", "tcp6"]
        .iter()
        .filter_map(|f| std::fs::read_to_string(format!("/proc/{pid}/net/{f}")).ok())
        .flat_map(|text| {
            text.lines()
                .skip(1)
                .filter_map(|l| l.split_whitespace().nth(9).map(String::from))
                .collect::<Vec<_>>()
        })
        .collect();
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|d| {
            d.filter_map(Result::ok)
                .filter_map(|e| std::fs::read_link(e.path()).ok())
                .filter_map(|l| {
                    l.to_string_lossy()
                        .strip_prefix("socket:[")
                        .and_then(|r| r.strip_suffix(']'))
                        .map(String::from)
                })
                .filter(|inode| tcp.contains(inode))
                .count()
        })
        .unwrap_or(0)
}
