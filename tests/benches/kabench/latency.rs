//! Round trips: kaping's reported p50 against minimal loops doing the same round
//! trip on the same responder (blocking socket, tokio, tokio-tungstenite, tonic, h2),
//! alternated.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;

use super::*;

/// Per-protocol RTT against minimal loops, and the cron checks.
pub fn round_trips(bins: &Path, rounds: usize, probes: usize) {
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

/// Alternates kaping with each baseline and prints per-round and median ratios.
pub fn compare(
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

/// kaping's own p50 from its --json report.
pub fn kaping_p50(bins: &Path, url: &str, probes: usize, extra: &[&str]) -> f64 {
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
pub fn blocking_echo_p50(addr: SocketAddr, probes: usize) -> f64 {
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

pub fn current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Current-thread tokio: wait for readiness, then read, under the timeout.
pub fn tokio_echo_p50(addr: SocketAddr, probes: usize) -> f64 {
    current_thread().block_on(async move {
        use tokio::io::AsyncWriteExt;
        let mut stream = nodelay(addr).await;
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
pub fn ws_ping_p50(addr: SocketAddr, probes: usize) -> f64 {
    current_thread().block_on(async move {
        let tcp = nodelay(addr).await;
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
pub fn tonic_health_p50(addr: SocketAddr, probes: usize) -> f64 {
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
pub fn h2_ping_p50(addr: SocketAddr, probes: usize) -> f64 {
    current_thread().block_on(async move {
        let tcp = nodelay(addr).await;
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

/// A loopback connection with Nagle off, as kaping's.
async fn nodelay(addr: SocketAddr) -> tokio::net::TcpStream {
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    tcp.set_nodelay(true).unwrap();
    tcp
}
