//! kabench: kaping's reported RTT against a minimal hand loop doing the same round
//! trip on the same responder, alternated, and the whole-process time of a one-probe
//! cron check. Prints numbers; asserts nothing.
//!
//! `cargo bench -p kaprobe-tests` (release build). `KABENCH_ROUNDS` and
//! `KABENCH_PROBES` change the size of the run.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn main() {
    let rounds = env_or("KABENCH_ROUNDS", 7);
    let probes = env_or("KABENCH_PROBES", 1000);
    let bins = build_release_bins();
    let mut server = Command::new(bins.join("kaserve"))
        .args(["tcp", "--listen", "127.0.0.1:0", "--ndjson"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("start kaserve");
    let mut first = String::new();
    BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(&first).unwrap();
    let addr: SocketAddr = v["addr"].as_str().unwrap().parse().unwrap();
    let url = format!("tcp://{addr}");
    let interval = Duration::from_millis(1);

    println!(
        "kabench: tcp echo, {probes} probes a run, 1ms apart, {rounds} alternated rounds, responder {addr}"
    );
    let (mut kaping_p50s, mut hand_p50s, mut async_p50s) = (Vec::new(), Vec::new(), Vec::new());
    for round in 1..=rounds {
        let k = kaping_p50(&bins, &url, probes, interval);
        let h = hand_loop_p50(addr, probes, interval);
        let a = async_loop_p50(addr, probes, interval);
        println!(
            "  round {round}: kaping p50 {k:.2} µs, blocking loop {h:.2} µs (ratio {:.3}), tokio loop {a:.2} µs (ratio {:.3})",
            k / h,
            k / a
        );
        kaping_p50s.push(k);
        hand_p50s.push(h);
        async_p50s.push(a);
    }
    let (k, h, a) = (
        median(&mut kaping_p50s),
        median(&mut hand_p50s),
        median(&mut async_p50s),
    );
    println!(
        "tcp echo p50: kaping {k:.2} µs; minimal blocking loop {h:.2} µs, ratio {:.3}; minimal tokio loop {a:.2} µs, ratio {:.3} (target <= 1.10)",
        k / h,
        k / a
    );

    let mut walls: Vec<f64> = (0..20)
        .map(|_| {
            let started = Instant::now();
            let status = Command::new(bins.join("kaping"))
                .args(["-c", "1", "-q", &url])
                .stdout(Stdio::null())
                .status()
                .unwrap();
            assert!(status.success());
            started.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    let min = walls.iter().cloned().fold(f64::MAX, f64::min);
    println!(
        "kaping -c 1 -q tcp:// wall time: median {:.2} ms, min {min:.2} ms (20 runs)",
        median(&mut walls)
    );
    let _ = server.kill();
    let _ = server.wait();
}

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn median(xs: &mut [f64]) -> f64 {
    xs.sort_by(|a, b| a.total_cmp(b));
    xs[xs.len() / 2]
}

/// kaping's own p50 from its --json report.
fn kaping_p50(bins: &std::path::Path, url: &str, probes: usize, interval: Duration) -> f64 {
    let out = Command::new(bins.join("kaping"))
        .args([
            "-c",
            &probes.to_string(),
            "-i",
            &format!("{}us", interval.as_micros()),
            "--json",
            url,
        ])
        .output()
        .expect("run kaping");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    report["targets"][0]["rtt"]["p50_us"].as_f64().unwrap()
}

/// The minimal blocking loop: write a line, read the reply line, with a 2 s
/// SO_RCVTIMEO as the reply timeout.
fn hand_loop_p50(addr: SocketAddr, probes: usize, interval: Duration) -> f64 {
    let stream = TcpStream::connect(addr).unwrap();
    stream.set_nodelay(true).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(2)))
        .unwrap();
    let mut writer = stream.try_clone().unwrap();
    let mut reader = BufReader::new(stream);
    let mut hist = hdrhistogram::Histogram::<u64>::new(3).unwrap();
    let mut line = String::new();
    let mut next = Instant::now();
    for _ in 0..probes {
        let now = Instant::now();
        if next > now {
            std::thread::sleep(next - now);
        }
        next += interval;
        let started = Instant::now();
        writer.write_all(b"PING\n").unwrap();
        line.clear();
        reader.read_line(&mut line).unwrap();
        hist.record(started.elapsed().as_nanos() as u64).unwrap();
    }
    hist.value_at_quantile(0.5) as f64 / 1000.0
}

/// The minimal async loop: a current-thread tokio runtime, one connection, wait
/// for readiness then read, as an async client must, under a 2 s reply timeout as
/// every probe has (kaping's default -W).
fn async_loop_p50(addr: SocketAddr, probes: usize, interval: Duration) -> f64 {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        use tokio::io::AsyncWriteExt;
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        stream.set_nodelay(true).unwrap();
        let mut hist = hdrhistogram::Histogram::<u64>::new(3).unwrap();
        let mut buf = Vec::with_capacity(4096);
        let mut next = tokio::time::Instant::now();
        for _ in 0..probes {
            tokio::time::sleep_until(next).await;
            next += interval;
            let started = Instant::now();
            stream.write_all(b"PING\n").await.unwrap();
            buf.clear();
            let deadline = tokio::time::sleep(Duration::from_secs(2));
            tokio::pin!(deadline);
            while !buf.contains(&b'\n') {
                tokio::select! {
                    biased;
                    ready = stream.readable() => ready.unwrap(),
                    () = &mut deadline => panic!("no reply within 2s"),
                }
                match stream.try_read_buf(&mut buf) {
                    Ok(0) => panic!("responder closed"),
                    Ok(_) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                    Err(e) => panic!("{e}"),
                }
            }
            hist.record(started.elapsed().as_nanos() as u64).unwrap();
        }
        hist.value_at_quantile(0.5) as f64 / 1000.0
    })
}

fn build_release_bins() -> PathBuf {
    let root = kaprobe_tests::repo_root();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .args([
            "build",
            "--release",
            "--bins",
            "-p",
            "kaping",
            "-p",
            "kaserve",
        ])
        .current_dir(&root)
        .status()
        .expect("cargo build");
    assert!(status.success());
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| root.join("target"));
    target.join("release")
}
