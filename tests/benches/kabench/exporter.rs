//! kawatch --exporter against blackbox_exporter: a thousand one-shot probes
//! scraped at once through each (tcp connect and gRPC health, the modules both
//! have): wall time, CPU and peak memory, as ratios; then ten thousand watchers
//! holding connections with a keepalive every 15 s: memory per watcher, CPU,
//! and the time to answer one watcher's scrape and /metrics.

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::*;

/// A process's peak and current resident memory, KiB.
fn memory(pid: u32) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (field("VmHWM:"), field("VmRSS:"))
}

/// One GET over its own connection; its status.
fn get(addr: SocketAddr, path: &str) -> u16 {
    let Ok(mut s) = std::net::TcpStream::connect(addr) else {
        return 0;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(30)));
    let _ = write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    );
    let mut r = String::new();
    let _ = s.read_to_string(&mut r);
    r.split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}

/// `n` GETs at once (a thread each, as a thousand scrapes arrive at once);
/// the wall time and how many answered 200.
fn burst(addr: SocketAddr, paths: Vec<String>) -> (Duration, usize) {
    let started = Instant::now();
    let handles: Vec<_> = paths
        .into_iter()
        .map(|p| std::thread::spawn(move || get(addr, &p)))
        .collect();
    let statuses: Vec<u16> = handles.into_iter().map(|h| h.join().unwrap_or(0)).collect();
    let ok = statuses.iter().filter(|s| **s == 200).count();
    if ok < statuses.len() {
        let mut other: Vec<u16> = statuses.into_iter().filter(|s| *s != 200).collect();
        other.sort_unstable();
        other.dedup();
        println!("  (statuses other than 200: {other:?}; 0 is no answer)");
    }
    (started.elapsed(), ok)
}

fn wait_listening(addr: SocketAddr) {
    let until = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(addr).is_err() {
        assert!(Instant::now() < until, "{addr} did not listen");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start_kawatch(bins: &Path, extra: &[&str]) -> (Child, SocketAddr) {
    let addr: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let child = Command::new(bins.join("kawatch"))
        .arg("--exporter")
        .arg(addr.to_string())
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_listening(addr);
    (child, addr)
}

fn start_blackbox() -> Option<(Child, SocketAddr, tempfile::TempDir)> {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("blackbox.yml");
    std::fs::write(
        &config,
        "modules:\n  tcp_connect:\n    prober: tcp\n    timeout: 5s\n  grpc:\n    prober: grpc\n    timeout: 5s\n    grpc:\n      tls: false\n      preferred_ip_protocol: ip4\n",
    )
    .unwrap();
    let addr: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let child = Command::new("prometheus-blackbox-exporter")
        .arg(format!("--config.file={}", config.display()))
        .arg(format!("--web.listen-address={addr}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    wait_listening(addr);
    Some((child, addr, dir))
}

/// One exporter's burst of `n` probes of `target` with `module`: wall time,
/// CPU seconds, peak RSS (KiB), answers.
fn exporter_burst(
    pid: u32,
    addr: SocketAddr,
    target: &str,
    module: &str,
    n: usize,
) -> (f64, f64, f64, usize) {
    // Warm up: one probe, so the first burst does not count start-up.
    get(addr, &format!("/probe?target={target}&module={module}"));
    let before = cpu_seconds(pid);
    let paths = (0..n)
        .map(|_| format!("/probe?target={target}&module={module}"))
        .collect();
    let (wall, ok) = burst(addr, paths);
    let cpu = cpu_seconds(pid) - before;
    (wall.as_secs_f64(), cpu, memory(pid).0, ok)
}

pub fn exporter_vs_blackbox(bins: &Path, n: usize) {
    let (mut tcp, tcp_addr) = kaserve(bins, &["tcp"]);
    let (mut grpc, grpc_addr) = kaserve(bins, &["grpc"]);
    let Some((mut bb, bb_addr, _dir)) = start_blackbox() else {
        println!(
            "exporter: blackbox_exporter not installed (apt-get install prometheus-blackbox-exporter); skipped"
        );
        return;
    };
    let (mut ours, ours_addr) = start_kawatch(bins, &["--max-probes", &(n + 10).to_string()]);
    for (what, target, theirs, mine) in [
        (
            "tcp connect",
            tcp_addr.to_string(),
            "tcp_connect",
            "tcp_connect",
        ),
        ("grpc health", grpc_addr.to_string(), "grpc", "grpc_health"),
    ] {
        let b = exporter_burst(bb.id(), bb_addr, &target, theirs, n);
        let k = exporter_burst(ours.id(), ours_addr, &target, mine, n);
        println!(
            "exporter {what} x{n} at once: wall {:.2}s vs blackbox {:.2}s ({:.2}x); CPU {:.2}s vs {:.2}s ({:.2}x, target <= 0.5); peak RSS {:.1} MiB vs {:.1} MiB ({:.2}x, target <= 0.5); answered {}/{n} vs {}/{n}",
            k.0,
            b.0,
            k.0 / b.0,
            k.1,
            b.1,
            k.1 / b.1.max(0.001),
            k.2 / 1024.0,
            b.2 / 1024.0,
            k.2 / b.2,
            k.3,
            b.3
        );
    }
    stop(&mut ours);
    stop(&mut bb);
    stop(&mut tcp);
    stop(&mut grpc);
}

/// `n` watchers (distinct loopback addresses, one kaserve on 0.0.0.0), a
/// keepalive every 15 s: RSS per watcher, CPU over 10 s, and the time to answer
/// one watcher's scrape and /metrics (medians of 50).
pub fn exporter_watchers(bins: &Path, n: usize) {
    let port = free_port();
    let mut server = Command::new(bins.join("kaserve"))
        .args(["tcp", "--listen", &format!("0.0.0.0:{port}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_listening(format!("127.0.0.1:{port}").parse().unwrap());
    let (mut ours, addr) = start_kawatch(
        bins,
        &[
            "-i",
            "15s",
            "--max-watchers",
            &(n + 10).to_string(),
            "--max-probes",
            "2000",
        ],
    );
    let idle = memory(ours.id()).1;
    let target = |i: usize| {
        format!(
            "127.{}.{}.{}:{port}",
            1 + i / 65_536,
            (i / 256) % 256,
            i % 256
        )
    };
    let started = Instant::now();
    for chunk in (0..n).collect::<Vec<_>>().chunks(500) {
        let paths = chunk
            .iter()
            .map(|i| format!("/probe?target={}&module=watch_tcp_echo", target(*i)))
            .collect();
        let (_, ok) = burst(addr, paths);
        assert_eq!(ok, chunk.len(), "watchers started");
    }
    let all_up = started.elapsed();
    let before = cpu_seconds(ours.id());
    std::thread::sleep(Duration::from_secs(10));
    let cpu = (cpu_seconds(ours.id()) - before) / 10.0;
    let rss = memory(ours.id()).1 - idle;
    let mut scrape: Vec<f64> = (0..50)
        .map(|i| {
            let t = Instant::now();
            assert_eq!(
                get(
                    addr,
                    &format!("/probe?target={}&module=watch_tcp_echo", target(i * 7))
                ),
                200
            );
            t.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    let mut metrics: Vec<f64> = (0..50)
        .map(|_| {
            let t = Instant::now();
            assert_eq!(get(addr, "/metrics"), 200);
            t.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    println!(
        "exporter x{n} watchers (started in {:.1}s): RSS {:.1} KiB per watcher, CPU {:.1}% of a core, a watcher's scrape {:.3} ms, /metrics {:.3} ms (medians of 50, with the connection)",
        all_up.as_secs_f64(),
        rss / n as f64,
        cpu * 100.0,
        median(&mut scrape),
        median(&mut metrics)
    );
    stop(&mut ours);
    stop(&mut server);
}
