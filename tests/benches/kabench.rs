//! kabench: kaping's reported RTT against minimal loops doing the same round trip
//! on the same responder, alternated, per protocol; and the whole-process time and
//! peak memory of a one-probe cron check. Prints numbers; asserts nothing.
//!
//! `cargo bench -p kaprobe-tests` (release build). `KABENCH_ROUNDS` and
//! `KABENCH_PROBES` change the size of the run.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;

/// Every probe in every loop has the same reply timeout, as kaping's default -W.
const TIMEOUT: Duration = Duration::from_secs(2);
const INTERVAL: Duration = Duration::from_millis(1);

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--rss-probe") {
        return rss_probe(Path::new(&args[2]), &args[3]);
    }
    let rounds = env_or("KABENCH_ROUNDS", 7);
    let probes = env_or("KABENCH_PROBES", 1000);
    let bins = build_release_bins();
    println!(
        "kabench: {probes} probes a run, {}ms apart, {rounds} alternated rounds, {}s reply timeout everywhere",
        INTERVAL.as_millis(),
        TIMEOUT.as_secs()
    );

    let (mut tcp_server, tcp) = kaserve(&bins, "tcp");
    let tcp_url = format!("tcp://{tcp}");
    compare(
        "tcp echo",
        rounds,
        || kaping_p50(&bins, &tcp_url, probes),
        &mut [
            ("minimal blocking loop", &mut || {
                blocking_echo_p50(tcp, probes)
            }),
            ("minimal tokio loop", &mut || tokio_echo_p50(tcp, probes)),
        ],
    );
    cron_check(&bins, &tcp_url);
    stop(&mut tcp_server);

    let (mut ws_server, ws) = kaserve(&bins, "ws");
    let ws_url = format!("ws://{ws}/");
    compare(
        "ws ping",
        rounds,
        || kaping_p50(&bins, &ws_url, probes),
        &mut [("minimal tokio-tungstenite loop", &mut || {
            ws_ping_p50(ws, probes)
        })],
    );
    cron_check(&bins, &ws_url);
    stop(&mut ws_server);
}

/// Alternates kaping with each baseline and prints per-round and median ratios.
fn compare(
    what: &str,
    rounds: usize,
    mut kaping: impl FnMut() -> f64,
    baselines: &mut [(&str, &mut dyn FnMut() -> f64)],
) {
    let mut ours = Vec::new();
    let mut theirs: Vec<Vec<f64>> = vec![Vec::new(); baselines.len()];
    for round in 1..=rounds {
        let k = kaping();
        let mut line = format!("  {what} round {round}: kaping {k:.2} µs");
        for (i, (name, run)) in baselines.iter_mut().enumerate() {
            let b = run();
            line.push_str(&format!(", {name} {b:.2} µs ({:.3})", k / b));
            theirs[i].push(b);
        }
        println!("{line}");
        ours.push(k);
    }
    let k = median(&mut ours);
    for ((name, _), samples) in baselines.iter().zip(theirs.iter_mut()) {
        let b = median(samples);
        println!(
            "{what} p50: kaping {k:.2} µs, {name} {b:.2} µs, ratio {:.3} (target <= 1.10)",
            k / b
        );
    }
}

/// Wall time and peak memory of `kaping -c 1 -q URL`, the cron case.
fn cron_check(bins: &Path, url: &str) {
    let mut walls: Vec<f64> = (0..20).map(|_| one_check(bins, url)).collect();
    let min = walls.iter().cloned().fold(f64::MAX, f64::min);
    // Peak memory is read in a fresh process whose only children are kaping runs:
    // this one has waited for cargo, whose compilers would dominate the figure.
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--rss-probe", bins.to_str().unwrap(), url])
        .output()
        .unwrap();
    let rss_kib: f64 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
    println!(
        "kaping -c 1 -q {url}: wall median {:.2} ms, min {min:.2} ms (20 runs); peak RSS {:.1} MiB",
        median(&mut walls),
        rss_kib / 1024.0
    );
}

fn one_check(bins: &Path, url: &str) -> f64 {
    let started = Instant::now();
    let status = Command::new(bins.join("kaping"))
        .args(["-c", "1", "-q", url])
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    started.elapsed().as_secs_f64() * 1000.0
}

/// Runs five checks and prints the largest resident set among them, in KiB.
fn rss_probe(bins: &Path, url: &str) {
    for _ in 0..5 {
        one_check(bins, url);
    }
    let usage =
        nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_CHILDREN).unwrap();
    println!("{}", usage.max_rss());
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

fn micros(hist: &hdrhistogram::Histogram<u64>) -> f64 {
    hist.value_at_quantile(0.5) as f64 / 1000.0
}

fn kaserve(bins: &Path, proto: &str) -> (Child, SocketAddr) {
    let mut server = Command::new(bins.join("kaserve"))
        .args([proto, "--listen", "127.0.0.1:0", "--ndjson"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("start kaserve");
    let mut first = String::new();
    BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(&first).unwrap();
    (server, v["addr"].as_str().unwrap().parse().unwrap())
}

fn stop(server: &mut Child) {
    let _ = server.kill();
    let _ = server.wait();
}

/// kaping's own p50 from its --json report.
fn kaping_p50(bins: &Path, url: &str, probes: usize) -> f64 {
    let out = Command::new(bins.join("kaping"))
        .args([
            "-c",
            &probes.to_string(),
            "-i",
            &format!("{}us", INTERVAL.as_micros()),
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

/// Blocking socket: write a line, read the reply line, SO_RCVTIMEO as the timeout.
fn blocking_echo_p50(addr: SocketAddr, probes: usize) -> f64 {
    let stream = TcpStream::connect(addr).unwrap();
    stream.set_nodelay(true).unwrap();
    stream.set_read_timeout(Some(TIMEOUT)).unwrap();
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
        next += INTERVAL;
        let started = Instant::now();
        writer.write_all(b"PING\n").unwrap();
        line.clear();
        reader.read_line(&mut line).unwrap();
        hist.record(started.elapsed().as_nanos() as u64).unwrap();
    }
    micros(&hist)
}

fn current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Current-thread tokio: wait for readiness, then read, under the timeout.
fn tokio_echo_p50(addr: SocketAddr, probes: usize) -> f64 {
    current_thread().block_on(async move {
        use tokio::io::AsyncWriteExt;
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        stream.set_nodelay(true).unwrap();
        let mut hist = hdrhistogram::Histogram::<u64>::new(3).unwrap();
        let mut buf = Vec::with_capacity(4096);
        let mut next = tokio::time::Instant::now();
        for _ in 0..probes {
            tokio::time::sleep_until(next).await;
            next += INTERVAL;
            let started = Instant::now();
            stream.write_all(b"PING\n").await.unwrap();
            buf.clear();
            let deadline = tokio::time::sleep(TIMEOUT);
            tokio::pin!(deadline);
            while !buf.contains(&b'\n') {
                tokio::select! {
                    biased;
                    ready = stream.readable() => ready.unwrap(),
                    () = &mut deadline => panic!("no reply in time"),
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
        micros(&hist)
    })
}

/// tokio-tungstenite alone: send a Ping, wait for its Pong, under the timeout.
fn ws_ping_p50(addr: SocketAddr, probes: usize) -> f64 {
    current_thread().block_on(async move {
        let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
        tcp.set_nodelay(true).unwrap();
        let (mut ws, _) = tokio_tungstenite::client_async(format!("ws://{addr}/"), tcp)
            .await
            .unwrap();
        let mut hist = hdrhistogram::Histogram::<u64>::new(3).unwrap();
        let mut next = tokio::time::Instant::now();
        for seq in 0..probes {
            tokio::time::sleep_until(next).await;
            next += INTERVAL;
            let payload = format!("bench {seq}");
            let started = Instant::now();
            ws.send(Message::Ping(payload.clone().into_bytes().into()))
                .await
                .unwrap();
            let deadline = tokio::time::sleep(TIMEOUT);
            tokio::pin!(deadline);
            loop {
                let msg = tokio::select! {
                    biased;
                    msg = ws.next() => msg.unwrap().unwrap(),
                    () = &mut deadline => panic!("no pong in time"),
                };
                if let Message::Pong(p) = msg {
                    if p == payload.as_bytes() {
                        break;
                    }
                }
            }
            hist.record(started.elapsed().as_nanos() as u64).unwrap();
        }
        micros(&hist)
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
