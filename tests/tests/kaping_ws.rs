//! kaping over ws:// and wss:// against kaserve, a minimal tokio-tungstenite server
//! and the Python websockets reference server: Ping/Pong and text round trips,
//! server pings, close codes, swallowed pings, TLS failures, refused upgrades,
//! headers, phases.

use std::time::{Duration, Instant};

use crate::util::certs::Pki;
use crate::util::proxy::{Fault, FaultProxy};
use crate::util::python::{PyWs, have_websockets};
use crate::util::ws::{Behaviour, MiniWs};
use crate::util::{KaServe, Running, events, kaping, parse_records, probes, summary};

fn ws_url(addr: std::net::SocketAddr) -> String {
    format!("ws://{addr}/")
}

#[test]
fn ping_mode_matches_pongs_and_times_the_upgrade() {
    let server = KaServe::ws(&[]);
    let out = kaping(&["-c", "3", "-i", "20ms", "--ndjson", &server.url()]);
    assert_eq!(out.code(), 0, "{}", out.stderr);
    let records = out.records();
    let probes = probes(&records);
    assert_eq!(probes.len(), 3);
    assert!(
        probes
            .iter()
            .all(|p| p.ok && p.header.mode == "ping" && p.header.protocol == "ws")
    );
    let connected = events(&records, "connected");
    assert_eq!(connected.len(), 1);
    let phases = connected[0].phases.as_ref().expect("phases on connect");
    assert!(phases.connect_us > 0.0);
    assert!(phases.handshake_us.unwrap() > 0.0, "upgrade timed");
    assert_eq!(phases.tls_us, None, "plain ws has no TLS phase");
}

#[test]
fn injected_delay_is_reported() {
    let server = KaServe::ws(&[]);
    let proxy = FaultProxy::start(server.addr);
    proxy.set(Fault::Delay(Duration::from_millis(50)));
    let out = kaping(&["-c", "4", "-i", "10ms", "--json", &ws_url(proxy.addr)]);
    assert_eq!(out.code(), 0, "{}", out.stderr);
    let rtt = &out.report().targets[0].summary.rtt;
    let (min, p50) = (rtt.min_us.unwrap(), rtt.p50_us.unwrap());
    assert!(min >= 50_000.0, "never faster than the delay: {min}");
    assert!(p50 <= 55_000.0, "median within 5 ms of 50 ms: {p50}");
}

#[test]
fn text_mode_with_a_template_and_a_pattern() {
    let server = KaServe::ws(&[]);
    let url = server.url();
    let send = r#"{"op":"ping","id":{seq}}"#;
    let out = kaping(&[
        "-c",
        "3",
        "-i",
        "10ms",
        "--mode",
        "text",
        "--send",
        send,
        "--expect",
        r#""id":{seq}"#,
        "--ndjson",
        &url,
    ]);
    assert_eq!(out.code(), 0, "{}", out.stderr);
    let records = out.records();
    assert!(
        probes(&records)
            .iter()
            .all(|p| p.ok && p.header.mode == "text")
    );
    // A pattern the replies never match: each probe times out, none hangs.
    let out = kaping(&[
        "-c",
        "2",
        "-i",
        "10ms",
        "-W",
        "200ms",
        "--mode",
        "text",
        "--send",
        send,
        "--expect",
        "nope-{seq}",
        "--json",
        &url,
    ]);
    assert_eq!(out.code(), 1);
    let t = &out.report().targets[0].summary;
    assert_eq!(t.failures.get("timeout"), Some(&2), "{t:?}");
}

/// Pings 100 ms apart are answered and recorded: the first on its own, the
/// rest folded into a record a second that counts them, with the last interval.
#[test]
fn server_pings_are_answered_and_recorded_with_their_interval() {
    let server = KaServe::ws(&["--ping-interval", "100ms", "--ping-timeout", "1s"]);
    let out = kaping(&["-c", "16", "-i", "100ms", "--ndjson", &server.url()]);
    assert_eq!(out.code(), 0, "{}", out.stderr);
    let records = out.records();
    let pings = events(&records, "server-ping");
    assert!(
        (2..=4).contains(&pings.len()),
        "{} server-ping records in 1.6 s",
        pings.len()
    );
    assert_eq!(pings[0].ping_count, None, "the first is told alone");
    for p in pings.iter().skip(1) {
        let ms = p.interval_ms.expect("interval after the first");
        assert!((70.0..=160.0).contains(&ms), "interval {ms} ms");
    }
    let counted: u64 = pings.iter().map(|p| p.ping_count.unwrap_or(1)).sum();
    assert!(counted >= 10, "{counted} pings counted in 1.6 s");
    // Answered: kaserve never closed us for a missing pong.
    assert!(events(&records, "disconnected").is_empty());
}

/// Drops kaping's traffic to the server after the first reply, so the server's
/// pings go unanswered; reports how the connection ended, then lets traffic flow.
fn keepalive_timeout_through(proxy: &FaultProxy) -> Vec<kawire::record::Record> {
    let url = ws_url(proxy.addr);
    let mut ping = Running::spawn("kaping", &["-c", "2", "-i", "1500ms", "--ndjson", &url]);
    let started = Instant::now();
    let mut seen = ping.lines_until(|l| l.contains(r#""seq":1"#));
    proxy.set(Fault::BlackholeToServer);
    seen.extend(ping.lines_until(|l| l.contains(r#""event":"disconnected""#)));
    proxy.set(Fault::Pass);
    let out = ping.finish(String::new(), started);
    seen.extend(out.stdout.lines().map(str::to_string));
    parse_records(&seen.join("\n"))
}

#[test]
fn a_1011_close_is_reported_with_code_and_reason() {
    let server = KaServe::ws(&["--ping-interval", "100ms", "--ping-timeout", "100ms"]);
    let proxy = FaultProxy::start(server.addr);
    let records = keepalive_timeout_through(&proxy);
    let lost = events(&records, "disconnected");
    assert_eq!(lost[0].cause.as_deref(), Some("ws-close 1011"), "{lost:?}");
    assert_eq!(lost[0].detail.as_deref(), Some("keepalive ping timeout"));
    // The next probe reconnected.
    assert!(probes(&records).iter().all(|p| p.ok));
    assert_eq!(events(&records, "connected").len(), 2);
}

#[test]
fn python_websockets_keepalive_timeout_is_reported_as_1011() {
    if !have_websockets() {
        return;
    }
    let server = PyWs::start(Some(0.1), Some(0.1));
    let proxy = FaultProxy::start(server.addr);
    let records = keepalive_timeout_through(&proxy);
    let lost = events(&records, "disconnected");
    assert_eq!(lost[0].cause.as_deref(), Some("ws-close 1011"), "{lost:?}");
    assert_eq!(lost[0].detail.as_deref(), Some("keepalive ping timeout"));
}

#[test]
fn python_websockets_pings_and_echo() {
    if !have_websockets() {
        return;
    }
    let server = PyWs::start(Some(0.1), Some(5.0));
    let out = kaping(&["-c", "5", "-i", "100ms", "--ndjson", &server.url()]);
    assert_eq!(out.code(), 0, "{}", out.stderr);
    let records = out.records();
    assert_eq!(summary(&records).summary.received, 5);
    let pings = events(&records, "server-ping");
    assert!(pings.len() >= 2, "websockets pings every 100 ms: {pings:?}");
    let text = kaping(&[
        "-c",
        "2",
        "-i",
        "10ms",
        "--mode",
        "text",
        "--send",
        "hello {seq}",
        "--expect",
        "hello {seq}",
        "--json",
        &server.url(),
    ]);
    assert_eq!(text.code(), 0, "{}", text.stderr);
    assert_eq!(text.report().targets[0].summary.received, 2);
}

#[test]
fn a_server_that_swallows_pings_causes_timeouts_not_a_hang() {
    let server = MiniWs::start(Behaviour::Swallow);
    let out = kaping(&[
        "-c",
        "3",
        "-i",
        "10ms",
        "-W",
        "150ms",
        "--json",
        &server.url(),
    ]);
    assert_eq!(out.code(), 1);
    assert!(out.elapsed < Duration::from_secs(3), "{:?}", out.elapsed);
    let t = &out.report().targets[0].summary;
    assert_eq!((t.transmitted, t.received), (3, 0));
    assert_eq!(t.failures.get("timeout"), Some(&3));
    assert!(
        out.stderr.contains("last: timeout (no pong within 150ms)"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_refused_upgrade_is_reported_with_its_status() {
    let server = MiniWs::start(Behaviour::Refuse(403));
    let out = kaping(&[
        "-c",
        "1",
        "-H",
        "Authorization: Bearer s3cr3t-XYZ",
        &server.url(),
    ]);
    assert_eq!(out.code(), 1);
    assert!(
        out.stdout
            .contains("seq=1 http 403 (upgrade refused: 403 Forbidden)"),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains("s3cr3t") && !out.stderr.contains("s3cr3t"));
}

#[test]
fn headers_reach_the_server_and_never_appear_in_output() {
    let server = MiniWs::start(Behaviour::Echo);
    let secret = "Bearer s3cr3t-XYZ";
    let header = format!("Authorization: {secret}");
    for format in [None, Some("--json"), Some("--ndjson")] {
        let mut args = vec![
            "-c",
            "1",
            "-H",
            &header,
            "-H",
            "X-Trace: 7",
            "--subprotocol",
            "chat",
        ];
        args.extend(format);
        let url = server.url();
        args.push(&url);
        let out = kaping(&args);
        assert_eq!(out.code(), 0, "{}", out.stderr);
        assert!(!out.stdout.contains("s3cr3t"), "{}", out.stdout);
        assert!(!out.stderr.contains("s3cr3t"), "{}", out.stderr);
    }
    assert_eq!(server.header("authorization").as_deref(), Some(secret));
    assert_eq!(server.header("x-trace").as_deref(), Some("7"));
    assert_eq!(
        server.header("sec-websocket-protocol").as_deref(),
        Some("chat")
    );
}

#[test]
fn fresh_connections_report_each_phase() {
    let pki = Pki::new();
    let pair = pki.server("server", &["127.0.0.1"]);
    let (cert, key) = (pair.cert.to_str().unwrap(), pair.key.to_str().unwrap());
    let server = KaServe::ws(&["--tls-cert", cert, "--tls-key", key]);
    assert!(server.url().starts_with("wss://"));
    let ca = pki.ca.to_str().unwrap();
    let out = kaping(&[
        "-c",
        "2",
        "-i",
        "10ms",
        "--fresh",
        "--ca",
        ca,
        "--ndjson",
        &server.url(),
    ]);
    assert_eq!(out.code(), 0, "{}", out.stderr);
    let records = out.records();
    for p in probes(&records) {
        let ph = p.phases.as_ref().expect("phases with --fresh");
        let (tls, handshake, first) = (
            ph.tls_us.unwrap(),
            ph.handshake_us.unwrap(),
            ph.first_us.unwrap(),
        );
        assert!(ph.connect_us > 0.0 && tls > 0.0 && handshake > 0.0 && first > 0.0);
        let total = ph.connect_us + tls + handshake + first;
        assert!(
            (p.rtt_us.unwrap() - total).abs() < 1.0,
            "rtt is the sum of the phases"
        );
    }
    assert!(
        events(&records, "connected").is_empty(),
        "no persistent connection"
    );
}

fn tls_failure(server: &KaServe, extra: &[&str]) -> crate::util::Output {
    let mut args = vec!["-c", "1", "-W", "1s"];
    args.extend_from_slice(extra);
    let url = server.url();
    args.push(&url);
    kaping(&args)
}

#[test]
fn tls_failures_are_each_named() {
    let pki = Pki::new();
    let ca = pki.ca.to_str().unwrap().to_string();
    let serve = |pair: crate::util::certs::Pair| {
        KaServe::ws(&[
            "--tls-cert",
            pair.cert.to_str().unwrap(),
            "--tls-key",
            pair.key.to_str().unwrap(),
        ])
    };
    let good = serve(pki.server("good", &["127.0.0.1", "localhost"]));
    let ok = tls_failure(&good, &["--ca", &ca]);
    assert_eq!(ok.code(), 0, "{}", ok.stderr);

    let unknown = tls_failure(&good, &[]);
    assert_eq!(unknown.code(), 1);
    assert!(
        unknown
            .stdout
            .contains("tls (unknown CA: the server's certificate is issued by CN=kaprobe test CA"),
        "{}",
        unknown.stdout
    );

    let other = serve(pki.server("other", &["other.example"]));
    let mismatch = tls_failure(&other, &["--ca", &ca]);
    assert_eq!(mismatch.code(), 1);
    assert!(
        mismatch
            .stdout
            .contains("tls (name mismatch: the certificate is for other.example"),
        "{}",
        mismatch.stdout
    );
    let by_sni = tls_failure(&other, &["--ca", &ca, "--sni", "other.example"]);
    assert_eq!(
        by_sni.code(),
        0,
        "--sni names the certificate: {}",
        by_sni.stdout
    );

    let expired = serve(pki.expired_server("expired"));
    let out = tls_failure(&expired, &["--ca", &ca]);
    assert_eq!(out.code(), 1);
    assert!(
        out.stdout
            .contains("tls (the server's certificate expired: valid until 2020-01-01"),
        "{}",
        out.stdout
    );

    let stranger = serve(pki.stranger("stranger"));
    let insecure = tls_failure(&stranger, &["--insecure"]);
    assert_eq!(insecure.code(), 0, "{}", insecure.stdout);
    assert!(
        insecure
            .stderr
            .contains("--insecure: TLS certificates are not verified")
    );

    let missing = tls_failure(&good, &["--ca", "/nonexistent/ca.pem"]);
    assert_eq!(missing.code(), 2);
    assert!(
        missing.stderr.contains("/nonexistent/ca.pem"),
        "{}",
        missing.stderr
    );
}

#[test]
fn mutual_tls() {
    let pki = Pki::new();
    let pair = pki.server("server", &["127.0.0.1"]);
    let ca = pki.ca.to_str().unwrap();
    let server = KaServe::ws(&[
        "--tls-cert",
        pair.cert.to_str().unwrap(),
        "--tls-key",
        pair.key.to_str().unwrap(),
        "--tls-client-ca",
        ca,
    ]);
    let without = tls_failure(&server, &["--ca", ca]);
    assert_eq!(without.code(), 1);
    assert!(
        without.stdout.contains("requires a client certificate"),
        "{}",
        without.stdout
    );
    let client = pki.client("client");
    let with = tls_failure(
        &server,
        &[
            "--ca",
            ca,
            "--cert",
            client.cert.to_str().unwrap(),
            "--key",
            client.key.to_str().unwrap(),
        ],
    );
    assert_eq!(with.code(), 0, "{}", with.stdout);
}

#[test]
fn the_demo_includes_websocket_grpc_and_http() {
    let out = kaping(&["--demo", "-c", "1", "-i", "10ms"]);
    assert_eq!(out.code(), 0, "{}", out.stderr);
    let has = |text: &str| assert!(out.stdout.contains(text), "{text}: {}", out.stdout);
    has("ping mode, WebSocket Ping frames");
    has("pong from ws://");
    has("SERVING from grpc://");
    has("h2ping mode");
    has("request mode, GET on a kept-alive connection");
    assert!(
        out.stdout
            .lines()
            .any(|l| l.contains("from http://") && l.contains("/health: seq=1")),
        "{}",
        out.stdout
    );
}

/// websocat's interactive use: `--send -` sends each line read from stdin as it
/// comes, a probe each, prints the reply's text (escaped), and ends at the end
/// of input with the summary; against Python `websockets`' echo server.
#[test]
fn lines_from_stdin_are_sent_as_typed_and_their_replies_shown() {
    if !have_websockets() {
        return;
    }
    use std::io::{BufRead, BufReader, Write};
    use std::process::{Command, Stdio};
    let server = PyWs::start(None, None);
    let mut child = Command::new(crate::util::bin("kaping"))
        .args(["--send", "-", &server.url()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let watchdog = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(20));
        let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
    });
    let mut stdin = child.stdin.take().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut until = |seq: &str| -> String {
        for line in lines.by_ref() {
            let line = line.unwrap();
            if line.contains(seq) {
                return line;
            }
        }
        panic!("no line with {seq}");
    };
    // Each reply comes before the next line is typed: the line went at once.
    stdin.write_all(b"{\"op\":\"subscribe\"}\n").unwrap();
    let first = until("seq=1");
    assert!(first.ends_with(": {\"op\":\"subscribe\"}"), "{first}");
    stdin.write_all(b"\x1b[2Jgone\n").unwrap();
    let second = until("seq=2");
    assert!(second.ends_with(": \\x1b[2Jgone"), "escaped: {second}");
    drop(stdin);
    let summary = until("probes transmitted");
    assert!(
        summary.starts_with("2 probes transmitted, 2 received"),
        "{summary}"
    );
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    drop(watchdog);
    // One target, a text or echo one.
    let out = kaping(&["--send", "-", "--mode", "ping", &server.url()]);
    assert_eq!(out.code(), 2);
    assert!(
        out.stderr.contains("--send - reads the lines"),
        "{}",
        out.stderr
    );
}
