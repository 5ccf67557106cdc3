//! kabench: kaping's reported RTT against minimal loops doing the same round trip
//! on the same responder, alternated, per protocol; and the whole-process time and
//! peak memory of a one-probe cron check. Prints numbers; asserts nothing.
//!
//! `cargo bench -p kaprobe-tests` (release build). `KABENCH_ROUNDS` and
//! `KABENCH_PROBES` change the size of the run (0 rounds skips the round trips),
//! `KABENCH_CONNECTIONS` the kawatch scale test (0 skips it),
//! `KABENCH_REPORT_RECORDS` the kareport throughput test (0 skips it; it compares
//! with `jq`, which the machine must have: `apt-get install jq`).

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
        return rss_probe(&args[2..]);
    }
    let rounds = env_or("KABENCH_ROUNDS", 7);
    let probes = env_or("KABENCH_PROBES", 1000);
    let bins = build_release_bins();
    println!(
        "kabench: {probes} probes a run, {}ms apart, {rounds} alternated rounds, {}s reply timeout everywhere",
        INTERVAL.as_millis(),
        TIMEOUT.as_secs()
    );

    if rounds > 0 {
        round_trips(&bins, rounds, probes);
    }
    let connections = env_or("KABENCH_CONNECTIONS", 10_000);
    if connections > 0 {
        raise_fd_limit();
        for proto in ["ws", "tcp"] {
            scale(&bins, proto, connections);
        }
    }
    let records = env_or("KABENCH_REPORT_RECORDS", 1_000_000);
    if records > 0 {
        report_throughput(&bins, records);
    }
}

/// kareport over `n` generated probe records (8 targets, 2% lost) against jq
/// computing only the mean RTT of the same file; and kareport's peak memory at
/// `n` and at a tenth of it, which should not differ.
fn report_throughput(bins: &Path, n: usize) {
    if Command::new("jq").arg("--version").output().is_err() {
        println!("kareport: jq not installed (apt-get install jq); comparison skipped");
    }
    let dir = std::env::temp_dir().join(format!("kabench-report-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let big = dir.join("big.ndjson");
    let small = dir.join("small.ndjson");
    write_records(&big, n);
    write_records(&small, n / 10);
    let bytes = std::fs::metadata(&big).unwrap().len() as f64;
    let time = |cmd: &mut Command| -> f64 {
        let started = Instant::now();
        let out = cmd.stdout(Stdio::null()).status().unwrap();
        assert!(out.success(), "{cmd:?}");
        started.elapsed().as_secs_f64()
    };
    let kareport = bins.join("kareport");
    let mut ours: Vec<f64> = (0..3)
        .map(|_| time(Command::new(&kareport).args(["--json"]).arg(&big)))
        .collect();
    let ours = median(&mut ours);
    let jq_program = r#"reduce (inputs | select(.type=="probe") | .rtt_us // empty) as $x ({n:0,s:0}; .n+=1 | .s+=$x) | .s/.n"#;
    let jq = Command::new("jq")
        .arg("--version")
        .output()
        .is_ok()
        .then(|| time(Command::new("jq").args(["-n", jq_program]).arg(&big)));
    let rss_big = peak_rss(&[kareport.to_str().unwrap(), "--json", big.to_str().unwrap()]);
    let rss_small = peak_rss(&[
        kareport.to_str().unwrap(),
        "--json",
        small.to_str().unwrap(),
    ]);
    let mut line = format!(
        "kareport, {n} probe records ({:.0} MB), all statistics: {:.2} s, {:.0} records/s, {:.0} MB/s",
        bytes / 1e6,
        ours,
        n as f64 / ours,
        bytes / 1e6 / ours
    );
    if let Some(jq) = jq {
        line.push_str(&format!(
            "; jq mean RTT only: {jq:.2} s, {:.0} records/s; kareport {:.1}x jq's throughput (target >= 5)",
            n as f64 / jq,
            jq / ours
        ));
    }
    line.push_str(&format!(
        "; peak RSS {:.1} MiB for {n} records, {:.1} MiB for {} (flat: memory does not grow with records)",
        rss_big / 1024.0,
        rss_small / 1024.0,
        n / 10
    ));
    println!("{line}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Probe records as kaping writes them: 8 targets, 2% timeouts, RTTs 20 µs to 2 ms.
fn write_records(path: &Path, n: usize) {
    use std::io::BufWriter;
    let mut out = BufWriter::new(std::fs::File::create(path).unwrap());
    let mut rng = 0x2545_f491_4f6c_dd1du64;
    for i in 0..n {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let target = format!("tcp://10.0.0.{}:7070", i % 8);
        let ts = format!(
            "2026-11-21T{:02}:{:02}:{:02}.{:06}Z",
            (i / 100_000) % 24,
            (i / 1000) % 60,
            i % 60,
            i % 1_000_000
        );
        let head = format!(
            r#"{{"type":"probe","v":1,"ts":"{ts}","run":"r{}","target":"{target}","protocol":"tcp","mode":"echo","seq":{i},"#,
            i / 100_000
        );
        if i % 50 == 0 {
            writeln!(
                out,
                r#"{head}"ok":false,"cause":"timeout","detail":"no reply within 2s"}}"#
            )
            .unwrap();
        } else {
            let rtt = 20.0 + (rng % 1_980_000) as f64 / 1000.0;
            writeln!(out, r#"{head}"ok":true,"rtt_us":{rtt:.3}}}"#).unwrap();
        }
    }
}

/// Per-protocol RTT against minimal loops, and the cron checks.
fn round_trips(bins: &Path, rounds: usize, probes: usize) {
    let bins = bins.to_path_buf();
    let (mut tcp_server, tcp) = kaserve(&bins, &["tcp"]);
    let tcp_url = format!("tcp://{tcp}");
    compare(
        "tcp echo",
        rounds,
        || kaping_p50(&bins, &tcp_url, probes, &[]),
        &mut [
            ("minimal blocking loop", &mut || {
                blocking_echo_p50(tcp, probes)
            }),
            ("minimal tokio loop", &mut || tokio_echo_p50(tcp, probes)),
        ],
    );
    cron_check(&bins, &tcp_url);
    stop(&mut tcp_server);

    let (mut ws_server, ws) = kaserve(&bins, &["ws"]);
    let ws_url = format!("ws://{ws}/");
    compare(
        "ws ping",
        rounds,
        || kaping_p50(&bins, &ws_url, probes, &[]),
        &mut [("minimal tokio-tungstenite loop", &mut || {
            ws_ping_p50(ws, probes)
        })],
    );
    cron_check(&bins, &ws_url);
    stop(&mut ws_server);

    // PINGs every millisecond are within this server's policy.
    let policy = [
        "grpc",
        "--permit-without-stream",
        "--ping-min-interval",
        "1us",
    ];
    let (mut grpc_server, grpc) = kaserve(&bins, &policy);
    let grpc_url = format!("grpc://{grpc}");
    compare(
        "grpc health",
        rounds,
        || kaping_p50(&bins, &grpc_url, probes, &[]),
        &mut [("minimal tonic-health loop", &mut || {
            tonic_health_p50(grpc, probes)
        })],
    );
    compare(
        "grpc h2ping",
        rounds,
        || kaping_p50(&bins, &grpc_url, probes, &["--mode", "h2ping"]),
        &mut [("minimal h2 PING loop", &mut || h2_ping_p50(grpc, probes))],
    );
    cron_check(&bins, &grpc_url);
    cron_against_min_health(&bins, &grpc_url, grpc);
    stop(&mut grpc_server);
}

/// Children inherit it: kawatch, kaserve and the minimal program each hold
/// `KABENCH_CONNECTIONS` sockets.
fn raise_fd_limit() {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    let (_, hard) = getrlimit(Resource::RLIMIT_NOFILE).unwrap();
    setrlimit(Resource::RLIMIT_NOFILE, hard, hard).unwrap();
}

/// kawatch holding `n` connections with a keepalive every second, against the
/// minimal program doing the same: CPU share and resident memory per connection,
/// measured over 10 s once every connection is up.
fn scale(bins: &Path, proto: &str, n: usize) {
    let (mut server, addr) = kaserve(bins, &[proto]);
    let url = match proto {
        "ws" => format!("ws://{addr}/"),
        _ => format!("tcp://{addr}"),
    };
    let dir = std::env::temp_dir().join(format!("kabench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("targets.txt");
    std::fs::write(&file, format!("{url}\n").repeat(n)).unwrap();
    let mut watch = Command::new(bins.join("kawatch"))
        .args([
            "-i",
            "1s",
            "-W",
            "3s",
            "--backoff",
            "100ms..1s",
            "--targets-file",
        ])
        .arg(&file)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let out = BufReader::new(watch.stdout.take().unwrap());
    let (up_tx, up_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut up = 0usize;
        for line in out.lines().map_while(Result::ok) {
            if line.contains("connecting -> up") {
                up += 1;
                if up == n {
                    let _ = up_tx.send(());
                }
            }
        }
    });
    up_rx
        .recv_timeout(Duration::from_secs(300))
        .expect("every connection up");
    let connect_time = started.elapsed();
    let (k_cpu, k_rss) = measure(watch.id());
    let _ = watch.kill();
    let _ = watch.wait();

    let mut min = Command::new(bins.join("min-watch"))
        .args([proto, &addr.to_string(), &n.to_string()])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut ready = String::new();
    BufReader::new(min.stdout.take().unwrap())
        .read_line(&mut ready)
        .unwrap();
    assert_eq!(ready.trim(), "ready");
    let (m_cpu, m_rss) = measure(min.id());
    let _ = min.kill();
    let _ = min.wait();
    stop(&mut server);
    let _ = std::fs::remove_dir_all(&dir);
    println!(
        "kawatch {proto} x{n} (all up in {:.1}s): CPU {:.1}% vs minimal {:.1}% ({:.2}x, target <= 1.5); RSS {:.1} KiB vs {:.1} KiB per connection ({:.2}x, target <= 1.5)",
        connect_time.as_secs_f64(),
        k_cpu * 100.0,
        m_cpu * 100.0,
        k_cpu / m_cpu,
        k_rss / n as f64,
        m_rss / n as f64,
        k_rss / m_rss
    );
}

/// CPU share (of one core) over a 10 s window, and resident memory at its end, in KiB.
fn measure(pid: u32) -> (f64, f64) {
    let ticks = nix::unistd::sysconf(nix::unistd::SysconfVar::CLK_TCK)
        .unwrap()
        .unwrap_or(100) as f64;
    let cpu = |pid: u32| -> f64 {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
        // Fields after the command name, which ends with ')'.
        let fields: Vec<&str> = stat
            .rsplit_once(')')
            .unwrap()
            .1
            .split_whitespace()
            .collect();
        (fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap()) / ticks
    };
    let window = Duration::from_secs(10);
    let before = cpu(pid);
    std::thread::sleep(window);
    let share = (cpu(pid) - before) / window.as_secs_f64();
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let rss = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse::<f64>().ok())
        .unwrap();
    (share, rss)
}

/// `kaping -c 1 -q grpc://` against the same check by a minimal tonic-health
/// program, alternated.
fn cron_against_min_health(bins: &Path, url: &str, addr: SocketAddr) {
    let min = bins.join("min-health");
    let min_url = format!("http://{addr}");
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    for _ in 0..20 {
        ours.push(one_check(bins, url));
        let started = Instant::now();
        let status = Command::new(&min).arg(&min_url).status().unwrap();
        assert!(status.success(), "min-health failed");
        theirs.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    let (k, m) = (median(&mut ours), median(&mut theirs));
    let kaping_rss = peak_rss(&[bins.join("kaping").to_str().unwrap(), "-c", "1", "-q", url]);
    let min_rss = peak_rss(&[min.to_str().unwrap(), &min_url]);
    println!(
        "grpc cron check, 20 alternated runs: kaping {k:.2} ms, minimal tonic-health client {m:.2} ms, ratio {:.3} (target <= 1.2); peak RSS kaping {:.1} MiB (target <= 5), minimal client {:.1} MiB",
        k / m,
        kaping_rss / 1024.0,
        min_rss / 1024.0
    );
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
    let rss_kib = peak_rss(&[bins.join("kaping").to_str().unwrap(), "-c", "1", "-q", url]);
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

/// The largest resident set, in KiB, of five runs of `command`. Read in a fresh
/// process whose only children are those runs: this one has waited for cargo, whose
/// compilers would dominate the figure.
fn peak_rss(command: &[&str]) -> f64 {
    let out = Command::new(std::env::current_exe().unwrap())
        .arg("--rss-probe")
        .args(command)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
}

/// Runs `command` five times and prints the largest resident set among them, in KiB.
fn rss_probe(command: &[String]) {
    for _ in 0..5 {
        let status = Command::new(&command[0])
            .args(&command[1..])
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "{command:?}");
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

fn kaserve(bins: &Path, args: &[&str]) -> (Child, SocketAddr) {
    let mut server = Command::new(bins.join("kaserve"))
        .args(args)
        .args(["--listen", "127.0.0.1:0", "--ndjson"])
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
fn kaping_p50(bins: &Path, url: &str, probes: usize, extra: &[&str]) -> f64 {
    let out = Command::new(bins.join("kaping"))
        .args(extra)
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

/// tonic's own channel and health client: a Check, under the timeout.
fn tonic_health_p50(addr: SocketAddr, probes: usize) -> f64 {
    use tonic_health::pb::HealthCheckRequest;
    use tonic_health::pb::health_client::HealthClient;
    current_thread().block_on(async move {
        let channel = tonic::transport::Endpoint::from_shared(format!("http://{addr}"))
            .unwrap()
            .connect()
            .await
            .unwrap();
        let mut client = HealthClient::new(channel);
        let mut hist = hdrhistogram::Histogram::<u64>::new(3).unwrap();
        let mut next = tokio::time::Instant::now();
        for _ in 0..probes {
            tokio::time::sleep_until(next).await;
            next += INTERVAL;
            let started = Instant::now();
            let reply = tokio::time::timeout(TIMEOUT, client.check(HealthCheckRequest::default()))
                .await
                .expect("a reply in time")
                .expect("SERVING");
            assert_eq!(reply.get_ref().status, 1);
            hist.record(started.elapsed().as_nanos() as u64).unwrap();
        }
        micros(&hist)
    })
}

/// h2 alone: a PING and its acknowledgement, under the timeout.
fn h2_ping_p50(addr: SocketAddr, probes: usize) -> f64 {
    current_thread().block_on(async move {
        let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
        tcp.set_nodelay(true).unwrap();
        let (_send, mut conn) = h2::client::handshake(tcp).await.unwrap();
        let mut ping = conn.ping_pong().unwrap();
        tokio::spawn(async move {
            let _ = conn.await;
        });
        let mut hist = hdrhistogram::Histogram::<u64>::new(3).unwrap();
        let mut next = tokio::time::Instant::now();
        for _ in 0..probes {
            tokio::time::sleep_until(next).await;
            next += INTERVAL;
            let started = Instant::now();
            tokio::time::timeout(TIMEOUT, ping.ping(h2::Ping::opaque()))
                .await
                .expect("a PONG in time")
                .unwrap();
            hist.record(started.elapsed().as_nanos() as u64).unwrap();
        }
        micros(&hist)
    })
}

fn build_release_bins() -> PathBuf {
    let root = kaprobe_tests::repo_root();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    // Separate builds: one with the tests package would unify tonic's transport
    // features into kaping's build.
    let builds: [&[&str]; 2] = [
        &[
            "-p", "kaping", "-p", "kaserve", "-p", "kawatch", "-p", "kareport",
        ],
        &[
            "-p",
            "kaprobe-tests",
            "--bin",
            "min-health",
            "--bin",
            "min-watch",
        ],
    ];
    for packages in builds {
        let status = Command::new(&cargo)
            .args(["build", "--release", "--bins"])
            .args(packages)
            .current_dir(&root)
            .status()
            .expect("cargo build");
        assert!(status.success());
    }
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| root.join("target"));
    target.join("release")
}
