//! Hostile peers and careless input: what a peer sends is data, escaped before a
//! terminal sees it and kept exact in JSON.

use crate::util::hostile::{Act, HostilePeer};
use crate::util::ws::{Behaviour, MiniWs};
use crate::util::{kaping, parse_records, run};
use kawire::record::Record;

/// Clears the screen, retitles the terminal, rings the bell.
const PWNED: &str = "\u{1b}[2J\u{1b}]0;pwned\u{7}";
const ESCAPED: &str = r"\x1b[2J\x1b]0;pwned\x07";

fn assert_harmless(what: &str, text: &str) {
    assert!(
        !text.contains('\u{1b}') && !text.contains('\u{7}'),
        "{what} reached the terminal raw: {text:?}"
    );
}

#[test]
fn a_hostile_close_reason_never_reaches_a_terminal_raw() {
    let server = MiniWs::start(Behaviour::CloseWith(4000, PWNED));
    let url = server.url();

    let out = kaping(&["-c", "1", &url]);
    out.assert_no_panic();
    assert_eq!(out.code(), 1, "{}", out.stderr);
    assert_harmless("kaping's stdout", &out.stdout);
    assert_harmless("kaping's stderr", &out.stderr);
    assert!(out.stdout.contains(ESCAPED), "{}", out.stdout);
    assert!(out.stderr.contains(ESCAPED), "{}", out.stderr);

    let json = kaping(&["-c", "1", "--ndjson", &url]);
    let exact = parse_records(&json.stdout).into_iter().any(|r| match r {
        Record::Probe(p) => p.detail.as_deref() == Some(PWNED),
        _ => false,
    });
    assert!(exact, "NDJSON keeps the exact text: {}", json.stdout);

    let watch = run("kawatch", &["-i", "50ms", "--duration", "500ms", &url]);
    assert_harmless("kawatch's lines", &watch.stdout);
    assert!(watch.stdout.contains(ESCAPED), "{}", watch.stdout);

    let recorded = run(
        "kawatch",
        &["-i", "50ms", "--duration", "500ms", "--ndjson", &url],
    );
    assert!(
        recorded.stdout.contains(r"\u001b[2J"),
        "{}",
        recorded.stdout
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("hostile.ndjson");
    std::fs::write(&file, &recorded.stdout).unwrap();
    let table = run("kareport", &[file.to_str().unwrap()]);
    table.assert_no_panic();
    assert_eq!(table.code(), 1, "it never answered: {:?}", table.stderr);
    assert_harmless("kareport's table", &table.stdout);
    assert_harmless("kareport's stderr", &table.stderr);
    assert!(table.stdout.contains(ESCAPED), "{}", table.stdout);
}

#[test]
fn secrets_in_targets_are_sent_but_never_echoed() {
    let server = MiniWs::start(Behaviour::Echo);
    let url = format!("ws://user:s3cretpw@{}/feed?token=SECRET", server.addr);
    let shown = format!("ws://user:***@{}/feed?token=***", server.addr);
    let secret = |what: &str, text: &str| {
        assert!(
            !text.contains("s3cretpw") && !text.contains("SECRET"),
            "{what} shows a secret: {text}"
        );
    };
    for flags in [&[][..], &["--json"], &["--ndjson"]] {
        let mut args = vec!["-c", "1"];
        args.extend_from_slice(flags);
        args.push(&url);
        let out = kaping(&args);
        assert_eq!(out.code(), 0, "{}", out.stderr);
        secret("kaping's stdout", &out.stdout);
        secret("kaping's stderr", &out.stderr);
        assert!(out.stdout.contains(&shown), "{}", out.stdout);
    }
    // The password still went to the server, as basic authentication.
    assert_eq!(
        server.header("authorization").as_deref(),
        Some("Basic dXNlcjpzM2NyZXRwdw==")
    );
    let dir = tempfile::tempdir().unwrap();
    let metrics = dir.path().join("kawatch.prom");
    let watch = run(
        "kawatch",
        &[
            "-i",
            "50ms",
            "--duration",
            "300ms",
            "--metrics-file",
            metrics.to_str().unwrap(),
            &url,
        ],
    );
    secret("kawatch's lines", &watch.stdout);
    let text = std::fs::read_to_string(&metrics).unwrap();
    secret("kawatch's Prometheus labels", &text);
    assert!(text.contains(&shown), "{text}");
    // A target clap rejects is named without its secrets too.
    let bad = kaping(&["-c", "1", "ws://user:s3cretpw@bad host/?token=SECRET"]);
    assert_eq!(bad.code(), 2);
    secret("a usage error", &bad.stderr);
    assert!(bad.stderr.contains("ws://user:***@"), "{}", bad.stderr);
}

/// A flapping target made a label set per transition when labels carried
/// timings (`attempt 1 in 21.6ms`): 64 series in 6 s.
#[test]
fn metric_labels_and_report_keys_are_kinds_not_timings() {
    let refused = format!("tcp://{}", crate::util::closed_port());
    let dir = tempfile::tempdir().unwrap();
    let metrics = dir.path().join("kawatch.prom");
    let args = [
        "--backoff",
        "10ms..20ms",
        "--duration",
        "1500ms",
        "--metrics-file",
        metrics.to_str().unwrap(),
        "--ndjson",
        &refused,
    ];
    let watch = run("kawatch", &args);
    let records = parse_records(&watch.stdout);
    let flaps = records
        .iter()
        .filter(|r| matches!(r, Record::State(s) if s.to == "down"))
        .count();
    assert!(flaps >= 10, "it flapped: {flaps} times down");
    let text = std::fs::read_to_string(&metrics).unwrap();
    let causes: std::collections::BTreeSet<&str> = text
        .lines()
        .filter(|l| l.starts_with("kawatch_transitions"))
        .filter_map(|l| l.split("cause=\"").nth(1)?.split('"').next())
        .collect();
    assert_eq!(
        causes.into_iter().collect::<Vec<_>>(),
        ["attempt", "backoff", "refused"],
        "{text}"
    );
    let dir_file = dir.path().join("flaps.ndjson");
    std::fs::write(&dir_file, &watch.stdout).unwrap();
    let out = run("kareport", &["--json", dir_file.to_str().unwrap()]);
    let doc: kawire::record::ReportDoc = serde_json::from_str(&out.stdout).unwrap();
    let keys: Vec<&String> = doc.targets[0].transitions.keys().collect();
    assert_eq!(
        keys,
        [
            "connecting (attempt)",
            "down (refused)",
            "reconnecting (backoff)"
        ]
    );
}

/// Three clients sending 64 MiB messages took kaserve to 192 MB; a message over
/// 1 MiB now ends that client's connection instead of being held and echoed.
#[test]
fn kaserve_refuses_websocket_messages_over_a_mebibyte() {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    let server = crate::util::KaServe::ws(&[]);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let url = format!("ws://{}/", server.addr);
        let tcp = tokio::net::TcpStream::connect(server.addr).await.unwrap();
        let (mut ws, _) = tokio_tungstenite::client_async(url.as_str(), tcp)
            .await
            .unwrap();
        ws.send(Message::Text("small".into())).await.unwrap();
        let echo = ws.next().await.unwrap().unwrap();
        assert_eq!(echo.into_text().unwrap().as_str(), "small");
        let big = "x".repeat(2 << 20);
        let _ = ws.send(Message::Text(big.into())).await;
        let answer = tokio::time::timeout(std::time::Duration::from_secs(5), ws.next())
            .await
            .expect("an answer within 5 s");
        match answer {
            Some(Ok(Message::Close(frame))) => {
                let code = frame.map(|f| u16::from(f.code));
                assert!(matches!(code, Some(1009) | None), "{code:?}");
            }
            Some(Ok(Message::Text(t))) => panic!("echoed {} bytes", t.len()),
            other => assert!(other.is_none() || other.unwrap().is_err()),
        }
    });
}

/// An HTTP/2 server whose response head is larger than the 64 KiB the man page
/// states: h2's default let 16 MB through. The probe now fails, in words.
#[test]
fn an_http2_response_head_over_64_kib_is_refused() {
    let (runtime, listener, addr) = crate::util::loopback_listener();
    let server = std::thread::spawn(move || {
        runtime.block_on(async move {
            let Ok(Ok((stream, _))) =
                tokio::time::timeout(std::time::Duration::from_secs(10), listener.accept()).await
            else {
                return;
            };
            let Ok(mut conn) = h2::server::handshake(stream).await else {
                return;
            };
            let serve = async {
                while let Some(Ok((_req, mut respond))) = conn.accept().await {
                    let response = http::Response::builder()
                        .status(200)
                        .header("x-big", "b".repeat(100 * 1024))
                        .body(())
                        .unwrap();
                    let _ = respond.send_response(response, true);
                }
            };
            let _ = tokio::time::timeout(std::time::Duration::from_secs(10), serve).await;
        });
    });
    let url = format!("http://{addr}/");
    let out = kaping(&["-c", "1", "-W", "2s", "--http2", &url]);
    out.assert_no_panic();
    assert_eq!(out.code(), 1, "{}\n{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("headers over 64 KiB"), "{}", out.stdout);
    server.join().unwrap();
}

/// A flooded run's output: quick, at most `max_lines` lines.
fn assert_brief(out: &crate::util::Output, within_s: u64, max_lines: usize) {
    out.assert_no_panic();
    assert!(
        out.elapsed < std::time::Duration::from_secs(within_s),
        "took {:?}",
        out.elapsed
    );
    let lines = out.stdout.lines().count();
    assert!(lines < max_lines, "{lines} lines:\n{}", out.stdout);
}

/// The server-ping records in `ndjson`, and the pings they count.
fn server_pings(ndjson: &str) -> (usize, u64) {
    let pings: Vec<_> = parse_records(ndjson)
        .into_iter()
        .filter_map(|r| match r {
            Record::Event(e) if e.event == "server-ping" => Some(e),
            _ => None,
        })
        .collect();
    let counted = pings.iter().map(|p| p.ping_count.unwrap_or(1)).sum();
    (pings.len(), counted)
}

/// An HTTP/2 server flooding PINGs for 3 s made `kaping -c 2 -i 500ms -W 2s`
/// run 11.3 s, peak at 1.92 GB and print 7,390,084 `server ping` lines. Pings are
/// now folded: a line a second at most, counted, and named a flood.
#[test]
fn an_http2_ping_flood_is_counted_not_printed() {
    let peer = HostilePeer::start(Act::H2PingFlood(std::time::Duration::from_secs(3)));
    let url = format!("http://{}/", peer.addr);
    let args = [
        "-c", "2", "-i", "500ms", "-W", "2s", "--http2", "-m", "h2ping",
    ];
    let mut with_url = args.to_vec();
    with_url.push(&url);
    let out = kaping(&with_url);
    assert_brief(&out, 6, 20);
    assert!(out.stdout.contains("server pings in"), "{}", out.stdout);
    assert!(out.stdout.contains(": a flood"), "{}", out.stdout);
    assert_eq!(out.code(), 0, "both PINGs answered: {}", out.stdout);

    with_url.insert(0, "--ndjson");
    let json = kaping(&with_url);
    let (records, counted) = server_pings(&json.stdout);
    assert!(records > 0 && records < 10, "{records} server-ping records");
    assert!(counted > 1000, "only {counted} pings counted");

    // kawatch --duration 3s took 17.9 s and 2.14 GB.
    let watch = run(
        "kawatch",
        &[
            "-i",
            "500ms",
            "-W",
            "2s",
            "--duration",
            "2s",
            "--http2",
            "-m",
            "h2ping",
            &url,
        ],
    );
    assert_brief(&watch, 5, 30);
}

/// A WebSocket Ping flood grew kaping to 836 MB and kawatch wrote a line per
/// Ping: both now fold them into at most a line a second, counted.
#[test]
fn a_websocket_ping_flood_is_counted_not_printed() {
    let server = MiniWs::start(Behaviour::PingFlood);
    let url = server.url();
    let out = kaping(&["-c", "3", "-i", "500ms", "-W", "2s", &url]);
    assert_brief(&out, 10, 20);
    assert!(out.stdout.contains(": a flood"), "{}", out.stdout);

    let watch = run(
        "kawatch",
        &[
            "-i",
            "300ms",
            "-W",
            "2s",
            "--duration",
            "2s",
            "--ndjson",
            &url,
        ],
    );
    watch.assert_no_panic();
    let (records, counted) = server_pings(&watch.stdout);
    assert!(
        records > 0 && records <= 6,
        "{records} server-ping records in 2 s"
    );
    assert!(counted > 1000, "only {counted} pings counted");
}
