//! HTTP over http:// and https:// against kaserve http and servers nobody here
//! wrote: Python's http.server (HTTP/1.1), nginx and Node's http. Reuse counted per
//! probe, the server's idle close found (kaping sees it; kafind measures it within
//! 5%), Keep-Alive claims read, 4xx/5xx named, HTTP/2 by ALPN with h2ping, and
//! broken servers each a named failure within -W.

use std::time::Duration;

use kawire::record::{IdleTimeoutDoc, Record};

use crate::util::certs::Pki;
use crate::util::hostile::{Act, HostilePeer};
use crate::util::nginx::{Nginx, have_nginx};
use crate::util::node::{NodeHttp, have_node};
use crate::util::python::PyHttp;
use crate::util::{KaServe, events, kaping, probes, run};

fn kaserve_http(extra: &[&str]) -> KaServe {
    let mut args = vec!["http", "--listen", "127.0.0.1:0", "--ndjson"];
    args.extend_from_slice(extra);
    KaServe::start(&args)
}

/// kaping --ndjson: exit status, records, stderr.
fn ndjson(args: &[&str]) -> (i32, Vec<Record>, String) {
    let out = kaping_ndjson(args);
    (out.code(), out.records(), out.stderr)
}

fn kaping_ndjson(args: &[&str]) -> crate::util::Output {
    let mut all = args.to_vec();
    all.push("--ndjson");
    let out = kaping(&all);
    out.assert_no_panic();
    out
}

/// kafind idle-timeout --json on short ages.
fn kafind(target: &str, extra: &[&str]) -> (IdleTimeoutDoc, crate::util::Output) {
    let mut args = vec![
        "idle-timeout",
        target,
        "--json",
        "--min",
        "500ms",
        "--max",
        "4s",
        "-W",
        "400ms",
    ];
    args.extend_from_slice(extra);
    let out = run("kafind", &args);
    out.assert_no_panic();
    let doc = serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("no document ({e}):\n{}\n{}", out.stdout, out.stderr));
    (doc, out)
}

fn near(value: Option<f64>, want: f64, frac: f64) -> bool {
    value.is_some_and(|v| (v - want).abs() <= want * frac)
}

/// A server's idle close measured by kafind: never early (within 5%), and late
/// by at most 10%. On a loaded two-core machine the server's timer and the FIN's
/// arrival can only run late (CI saw kaserve's 1.5 s close at 1.55-1.61 s while
/// the other tests ran).
fn closed_near(value: Option<f64>, want: f64) -> bool {
    value.is_some_and(|v| v >= want * 0.95 && v <= want * 1.10)
}

/// Every probe ok on one connection, the first new and the rest reused.
fn assert_reused(records: &[Record], n: usize) {
    let p = probes(records);
    assert_eq!(p.len(), n, "{records:?}");
    assert!(p.iter().all(|p| p.ok && p.status == Some(200)), "{p:?}");
    let reused: Vec<_> = p.iter().map(|p| p.reused).collect();
    let mut want = vec![Some(true); n];
    want[0] = Some(false);
    assert_eq!(reused, want);
    assert!(p.iter().all(|p| p.ttfb_us.unwrap() <= p.rtt_us.unwrap()));
    assert_eq!(events(records, "connected").len(), 1);
}

#[test]
fn kaserve_http_reuse_idle_close_keep_alive_and_max_requests() {
    let server = kaserve_http(&[
        "--keepalive-timeout",
        "1s",
        "--keepalive-header",
        "--max-requests",
        "4",
        "--path-status",
        "/down=503",
    ]);
    let url = server.url();
    let (code, records, _) = ndjson(&["-c", "3", "-i", "50ms", &url]);
    assert_eq!(code, 0);
    assert_reused(&records, 3);
    let ka = events(&records, "keep-alive");
    assert_eq!(ka.len(), 1, "said once per connection: {ka:?}");
    assert_eq!(ka[0].announced_timeout_ms, Some(1000.0));
    assert_eq!(ka[0].announced_max, Some(3));

    // The fourth response says Connection: close: the connection ends there.
    let (code, records, _) = ndjson(&["-c", "6", "-i", "50ms", &url]);
    assert_eq!(code, 0);
    let lost = events(&records, "disconnected");
    assert_eq!(lost.len(), 1, "{records:?}");
    assert_eq!(lost[0].cause.as_deref(), Some("eof"));
    let detail = lost[0].detail.as_deref().unwrap();
    assert!(
        detail.contains("Connection: close on response 4"),
        "{detail}"
    );
    assert_eq!(events(&records, "connected").len(), 2);
    assert_eq!(probes(&records)[4].reused, Some(false));

    // Idle past the keep-alive timeout: the server's FIN, with the idle time and count.
    let (code, records, _) = ndjson(&["-c", "2", "-i", "1500ms", &url]);
    assert_eq!(code, 0);
    let lost = events(&records, "disconnected");
    assert_eq!(lost.len(), 1, "{records:?}");
    let detail = lost[0].detail.as_deref().unwrap();
    // The server's 1 s, seen as its FIN arrives (later on a loaded machine, and
    // always before the next request at 1.5 s).
    let idle: f64 = detail
        .strip_prefix("after ")
        .and_then(|d| d.split_once("s idle"))
        .and_then(|(n, _)| n.parse().ok())
        .unwrap_or_else(|| panic!("{detail}"));
    assert!((1.0..1.5).contains(&idle), "{detail}");
    assert!(
        detail.contains("s idle, 1 request; Keep-Alive said timeout=1"),
        "{detail}"
    );

    // A 5xx is a failed probe naming the status; --expect-status can accept it.
    let (code, records, stderr) = ndjson(&["-c", "2", "-i", "20ms", &format!("{url}down")]);
    assert_eq!(code, 1);
    let p = probes(&records);
    assert_eq!(p[0].cause.as_deref(), Some("http 503"));
    assert_eq!(p[0].status, Some(503));
    assert_eq!(p[1].reused, Some(true), "a status keeps the connection");
    assert!(
        stderr.contains("GET /down answered 503 Service Unavailable"),
        "{stderr}"
    );
    let (code, _, _) = ndjson(&["-c", "1", "--expect-status", "503", &format!("{url}down")]);
    assert_eq!(code, 0);
    let (code, records, _) = ndjson(&["-c", "1", "--method", "HEAD", "--fresh", &url]);
    assert_eq!(code, 0);
    let phases = probes(&records)[0].phases.clone().expect("--fresh phases");
    assert!(phases.connect_us > 0.0 && phases.first_us.is_some());
}

#[test]
fn kafind_measures_kaserve_http_and_tells_the_balancer_race() {
    let server = kaserve_http(&["--keepalive-timeout", "1500ms", "--keepalive-header"]);
    let (doc, out) = kafind(&server.url(), &["--lb-idle", "60s"]);
    assert_eq!(out.code(), 0, "{}", out.stderr);
    assert_eq!(doc.header.protocol, "http");
    assert_eq!(doc.mode, "request");
    assert_eq!(doc.verdict, "closed", "{doc:?}");
    assert!(closed_near(doc.timeout_ms, 1500.0), "{doc:?}");
    assert_eq!(doc.announced_timeout_ms, Some(1000.0));
    assert_eq!(doc.lb_idle_ms, Some(60_000.0));
    assert_eq!(doc.lb_race, Some(true));
    assert!(near(doc.lb_raise_by_ms, 59_500.0, 0.01), "{doc:?}");
    assert!(
        doc.summary.contains("intermittent-502 race"),
        "{}",
        doc.summary
    );

    // Without the header the claim is null; a 2 s balancer closes first.
    let quiet = kaserve_http(&["--keepalive-timeout", "3s"]);
    let (doc, out) = kafind(&quiet.url(), &["--lb-idle", "1s"]);
    assert_eq!(out.code(), 0, "{}", out.stderr);
    assert_eq!(doc.announced_timeout_ms, None);
    assert_eq!(doc.lb_race, Some(false), "{doc:?}");
    let text: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert!(text["announced_timeout_ms"].is_null());
}

#[test]
fn https_negotiates_http2_by_alpn_and_h2ping_works() {
    let pki = Pki::new();
    let pair = pki.server("server", &["localhost"]);
    let server = kaserve_http(&[
        "--tls-cert",
        pair.cert.to_str().unwrap(),
        "--tls-key",
        pair.key.to_str().unwrap(),
    ]);
    let url = format!("https://localhost:{}/", server.addr.port());
    let ca = pki.ca.to_str().unwrap();
    let (code, records, _) = ndjson(&["-c", "2", "-i", "20ms", "--ca", ca, &url]);
    assert_eq!(code, 0);
    assert_reused(&records, 2);
    assert!(
        probes(&records)
            .iter()
            .all(|p| p.http_version.as_deref() == Some("2"))
    );
    let (code, records, _) = ndjson(&["-c", "1", "--http1.1", "--ca", ca, &url]);
    assert_eq!(code, 0);
    assert_eq!(probes(&records)[0].http_version.as_deref(), Some("1.1"));
    let (code, records, _) = ndjson(&["-c", "2", "-i", "20ms", "-m", "h2ping", "--ca", ca, &url]);
    assert_eq!(code, 0, "{records:?}");
    assert!(
        probes(&records)
            .iter()
            .all(|p| p.ok && p.header.mode == "h2ping")
    );
    // Without the CA: a TLS failure, named.
    let (code, records, _) = ndjson(&["-c", "1", &url]);
    assert_eq!(code, 1);
    assert_eq!(probes(&records)[0].cause.as_deref(), Some("tls"));
    // Plain http with --http2 speaks HTTP/2 by prior knowledge.
    let plain = kaserve_http(&[]);
    let (code, records, _) = ndjson(&["-c", "1", "--http2", &plain.url()]);
    assert_eq!(code, 0);
    assert_eq!(probes(&records)[0].http_version.as_deref(), Some("2"));
}

#[test]
fn python_http_server_reuse_404_and_its_idle_close() {
    let server = PyHttp::start(1.5);
    let (code, records, _) = ndjson(&["-c", "3", "-i", "50ms", &server.url("/")]);
    assert_eq!(code, 0);
    assert_reused(&records, 3);
    let (code, records, stderr) = ndjson(&["-c", "1", &server.url("/missing")]);
    assert_eq!(code, 1);
    assert_eq!(probes(&records)[0].cause.as_deref(), Some("http 404"));
    assert!(stderr.contains("answered 404 Not Found"), "{stderr}");
    let (code, records, _) = ndjson(&["-c", "1", &server.url("/down")]);
    assert_eq!(code, 1);
    assert_eq!(probes(&records)[0].status, Some(503));
    let (doc, out) = kafind(&server.url("/"), &[]);
    assert_eq!(out.code(), 0, "{}", out.stderr);
    assert_eq!(doc.verdict, "closed", "{doc:?}");
    assert!(closed_near(doc.timeout_ms, 1500.0), "{doc:?}");
    assert_eq!(
        doc.announced_timeout_ms, None,
        "http.server sends no Keep-Alive"
    );
}

#[test]
fn nginx_keepalive_timeout_and_its_header() {
    if !have_nginx() {
        return;
    }
    let nginx = Nginx::http("2s 2s", 3, None);
    let url = format!("http://{}/", nginx.addr);
    let (code, records, _) = ndjson(&["-c", "4", "-i", "50ms", &url]);
    assert_eq!(code, 0);
    let ka = events(&records, "keep-alive");
    assert_eq!(ka[0].announced_timeout_ms, Some(2000.0), "{records:?}");
    // keepalive_requests 3: the third response says Connection: close.
    let lost = events(&records, "disconnected");
    assert_eq!(lost.len(), 1, "{records:?}");
    assert!(
        lost[0]
            .detail
            .as_deref()
            .unwrap()
            .contains("Connection: close on response 3"),
        "{lost:?}"
    );
    let (code, records, _) = ndjson(&["-c", "1", &format!("http://{}/down", nginx.addr)]);
    assert_eq!(code, 1);
    assert_eq!(probes(&records)[0].cause.as_deref(), Some("http 503"));
    let (doc, out) = kafind(&url, &["--lb-idle", "60s"]);
    assert_eq!(out.code(), 0, "{}", out.stderr);
    assert_eq!(doc.verdict, "closed", "{doc:?}");
    assert!(near(doc.timeout_ms, 2000.0, 0.05), "{doc:?}");
    assert_eq!(doc.announced_timeout_ms, Some(2000.0));
    assert_eq!(doc.lb_race, Some(true));
}

#[test]
fn nginx_over_https_with_http2_answers_h2ping() {
    if !have_nginx() {
        return;
    }
    let pki = Pki::new();
    let pair = pki.server("server", &["localhost"]);
    let nginx = Nginx::http(
        "10s",
        100,
        Some((pair.cert.to_str().unwrap(), pair.key.to_str().unwrap())),
    );
    let url = format!("https://localhost:{}/", nginx.addr.port());
    let ca = pki.ca.to_str().unwrap();
    let (code, records, _) = ndjson(&["-c", "2", "-i", "20ms", "--ca", ca, &url]);
    assert_eq!(code, 0, "{records:?}");
    assert_reused(&records, 2);
    assert_eq!(probes(&records)[0].http_version.as_deref(), Some("2"));
    let (code, records, _) = ndjson(&["-c", "3", "-i", "20ms", "-m", "h2ping", "--ca", ca, &url]);
    assert_eq!(code, 0, "{records:?}");
    assert_eq!(probes(&records).len(), 3);
}

#[test]
fn node_keep_alive_timeout_is_found_and_announced() {
    if !have_node() {
        return;
    }
    let server = NodeHttp::start(1500);
    let (code, records, _) = ndjson(&["-c", "3", "-i", "50ms", &server.url("/")]);
    assert_eq!(code, 0);
    assert_reused(&records, 3);
    let ka = events(&records, "keep-alive");
    assert_eq!(
        ka[0].announced_timeout_ms,
        Some(1000.0),
        "Node floors to seconds"
    );
    let (doc, out) = kafind(&server.url("/"), &["--lb-idle", "60s"]);
    assert_eq!(out.code(), 0, "{}", out.stderr);
    assert_eq!(doc.verdict, "closed", "{doc:?}");
    // A finding: Node 20 closes at keepAliveTimeout plus its 1 s buffer
    // (HTTP_SERVER_KEEP_ALIVE_TIMEOUT_BUFFER), while its header says timeout=1.
    assert!(
        near(doc.timeout_ms, 2500.0, 0.05) || near(doc.timeout_ms, 1500.0, 0.05),
        "{doc:?}"
    );
    assert_eq!(doc.lb_race, Some(true));
}

#[test]
fn broken_http_servers_are_named_failures_within_the_timeout() {
    let cases: Vec<(Act, &str, &str)> = vec![
        (
            Act::Send(b"hello there\r\n\r\n".to_vec()),
            "protocol",
            "not an HTTP/1.1 response",
        ),
        (
            Act::Send(
                b"HTTP/1.1 200 OK\r\nX-Pad: "
                    .iter()
                    .copied()
                    .chain(std::iter::repeat_n(b'a', 200_000))
                    .collect(),
            ),
            "protocol",
            "response head longer than",
        ),
        (Act::Endless, "protocol", "not an HTTP/1.1 response"),
        (
            Act::Send(
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n300000\r\n"
                    .iter()
                    .copied()
                    .chain(std::iter::repeat_n(b'A', 1 << 21))
                    .collect(),
            ),
            "protocol",
            "response body longer than",
        ),
        (Act::Silent, "timeout", "no response within"),
    ];
    for (act, cause, detail) in cases {
        let peer = HostilePeer::start(act);
        let out = kaping_ndjson(&["-c", "1", "-W", "500ms", &format!("http://{}/", peer.addr)]);
        let took = out.elapsed;
        assert_eq!(out.code(), 1);
        let records = out.records();
        let p = probes(&records);
        assert_eq!(p[0].cause.as_deref(), Some(cause), "{p:?}");
        assert!(p[0].detail.as_deref().unwrap().contains(detail), "{p:?}");
        assert!(took < Duration::from_millis(2500), "{took:?}");
    }
}

#[test]
fn kaserve_http_faults_reset_blackhole_and_delay() {
    // reset-after: the kept-alive connection ends with RST, and the next probe
    // opens another.
    let server = kaserve_http(&["--fault", "reset-after=300ms"]);
    let (code, records, _) = ndjson(&["-c", "2", "-i", "600ms", &server.url()]);
    assert_eq!(code, 0);
    let lost = events(&records, "disconnected");
    assert_eq!(lost.len(), 1, "{records:?}");
    assert_eq!(lost[0].cause.as_deref(), Some("reset"), "{lost:?}");
    assert_eq!(probes(&records)[1].reused, Some(false));

    // blackhole-after: the socket stays open and nothing answers: a timeout.
    let server = kaserve_http(&["--fault", "blackhole-after=300ms"]);
    let (code, records, _) = ndjson(&["-c", "2", "-i", "500ms", "-W", "400ms", &server.url()]);
    assert_eq!(code, 0, "one of two answered: loss, not failure");
    let p = probes(&records);
    assert!(p[0].ok);
    assert_eq!(p[1].cause.as_deref(), Some("timeout"), "{p:?}");

    // delay-pongs: every response that late.
    let server = kaserve_http(&["--fault", "http:delay-pongs=200ms"]);
    let (code, records, _) = ndjson(&["-c", "1", &server.url()]);
    assert_eq!(code, 0);
    let rtt = probes(&records)[0].rtt_us.unwrap();
    assert!((200_000.0..1_000_000.0).contains(&rtt), "{rtt} µs");

    // close-idle: closed after silence both ways, like a balancer.
    let server = kaserve_http(&["--fault", "close-idle=300ms"]);
    let (code, records, _) = ndjson(&["-c", "2", "-i", "600ms", &server.url()]);
    assert_eq!(code, 0);
    let lost = events(&records, "disconnected");
    assert_eq!(lost[0].cause.as_deref(), Some("eof"), "{lost:?}");
    let detail = lost[0].detail.as_deref().unwrap();
    let idle_ms: f64 = detail
        .strip_prefix("after ")
        .and_then(|d| d.split_once("ms idle, 1 request"))
        .and_then(|(ms, _)| ms.parse().ok())
        .unwrap_or_else(|| panic!("{detail}"));
    assert!((295.0..500.0).contains(&idle_ms), "{detail}");
}

#[test]
fn over_http2_the_request_cap_is_a_goaway_and_kawatch_records_statuses() {
    let server = kaserve_http(&["--max-requests", "3", "--path-status", "/down=503"]);
    let (code, records, _) = ndjson(&["-c", "5", "-i", "50ms", "--http2", &server.url()]);
    assert_eq!(code, 0);
    let lost = events(&records, "disconnected");
    assert_eq!(lost.len(), 1, "{records:?}");
    assert_eq!(
        lost[0].cause.as_deref(),
        Some("goaway NO_ERROR"),
        "{lost:?}"
    );
    assert!(
        probes(&records)
            .iter()
            .all(|p| p.http_version.as_deref() == Some("2"))
    );
    assert_eq!(events(&records, "connected").len(), 2);

    // kawatch's keepalive records carry the status, as kaping's do.
    let out = run(
        "kawatch",
        &[
            "-i",
            "100ms",
            "--duration",
            "450ms",
            "--ndjson",
            &format!("{}down", server.url()),
        ],
    );
    let records = out.records();
    let p = probes(&records);
    assert!(!p.is_empty(), "{}", out.stdout);
    assert!(
        p.iter()
            .all(|p| p.status == Some(503) && p.cause.as_deref() == Some("http 503")),
        "{p:?}"
    );
}

#[test]
fn kafind_says_when_a_server_keeps_nothing_alive() {
    let server = kaserve_http(&["--max-requests", "1"]);
    let (doc, out) = kafind(&server.url(), &[]);
    assert_eq!(out.code(), 1, "{}", out.stderr);
    assert_eq!(doc.verdict, "failed", "{doc:?}");
    let death = doc.death.expect("a cause");
    assert!(
        death.detail.contains("Connection: close on response 1"),
        "{death:?}"
    );
    assert!(
        doc.summary.contains("keeps no connection alive"),
        "{}",
        doc.summary
    );
    assert!(out.elapsed < Duration::from_secs(5), "{:?}", out.elapsed);
}

/// HTTP/1.1 says nothing to the server before its first request: a fresh probe
/// shows no handshake phase (it showed "handshake 0.025 ms"); HTTP/2's preface
/// and SETTINGS are one.
#[test]
fn http1_has_no_handshake_phase_and_http2_has_one() {
    let server = kaserve_http(&[]);
    let url = server.url();
    let phases = |extra: &[&str]| {
        let mut args = vec!["-c", "1", "--fresh"];
        args.extend_from_slice(extra);
        args.push(&url);
        let (code, records, stderr) = ndjson(&args);
        assert_eq!(code, 0, "{stderr}");
        let ph = probes(&records)[0]
            .phases
            .clone()
            .expect("a fresh probe's phases");
        (ph.handshake_us, ph.first_us)
    };
    let (handshake, first) = phases(&[]);
    assert_eq!(handshake, None, "HTTP/1.1 has no handshake");
    assert!(first.is_some());
    let (handshake, _) = phases(&["--http2"]);
    assert!(
        handshake.is_some_and(|us| us > 0.0),
        "HTTP/2's preface is timed"
    );
    let human = kaping(&["-c", "1", "--fresh", &url]);
    assert!(!human.stdout.contains("handshake"), "{}", human.stdout);
}

/// A status outside `--expect-status` is the server answering, not as asked: the
/// run is unhealthy (exit 1) even when another probe got a 200, as the man page
/// says (503, 503, 200 exited 0).
#[test]
fn a_status_outside_expect_status_makes_the_run_unhealthy() {
    let answer =
        |status: &str| format!("HTTP/1.1 {status}\r\nContent-Length: 0\r\n\r\n").into_bytes();
    let peer = HostilePeer::start(Act::Answers(vec![
        answer("503 Service Unavailable"),
        answer("503 Service Unavailable"),
        answer("200 OK"),
    ]));
    let (code, records, stderr) =
        ndjson(&["-c", "3", "-i", "20ms", &format!("http://{}/", peer.addr)]);
    let statuses: Vec<Option<u16>> = probes(&records).iter().map(|p| p.status).collect();
    assert_eq!(statuses, [Some(503), Some(503), Some(200)], "{stderr}");
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("http 503") && stderr.contains("(2 of 3 probes)"),
        "{stderr}"
    );
}

/// A response no request asked for ends the connection (hyper refuses it); it
/// was called "the keep-alive race" whatever it was, on a new connection too.
/// Now it is named for what it is. (One sent before the first request can only
/// be caught when it arrives before the request goes out: after that it reads
/// as the reply, as it does for curl.)
#[test]
fn a_response_no_request_asked_for_is_named() {
    let peer = HostilePeer::start(Act::AnswerThenUnasked(
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".to_vec(),
    ));
    let url = format!("http://{}/", peer.addr);
    let out = kaping(&["-c", "2", "-i", "400ms", "-W", "1s", &url]);
    out.assert_no_panic();
    assert!(
        out.stdout.contains("sent a response no request asked for"),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains("keep-alive race"), "{}", out.stdout);
}

/// The wrong scheme at a port says which one fits: http:// at a gRPC server
/// (grpc-go's, and kaserve's) reads its HTTP/2 SETTINGS frame, where hyper said
/// "invalid HTTP version parsed"; grpc:// at an HTTP/2 server that is not gRPC
/// reads its content-type, where tonic said "invalid compression flag: 50".
#[test]
fn the_wrong_scheme_at_a_port_says_which_fits() {
    let grpc = KaServe::on("grpc", &[]);
    let mut grpc_urls = vec![format!("http://{}/", grpc.addr)];
    // Skipped with a note where grpc-go is missing (CI requires it).
    let go = crate::util::grpcgo::have_grpc_go().then(|| crate::util::grpcgo::GrpcGo::start(&[]));
    if let Some(go) = &go {
        grpc_urls.push(go.url().replace("grpc://", "http://"));
    }
    for url in grpc_urls {
        let out = kaping(&["-c", "1", "-W", "2s", &url]);
        out.assert_no_panic();
        assert_eq!(out.code(), 1, "{}", out.stderr);
        assert!(
            out.stdout
                .contains("the server speaks HTTP/2, not HTTP/1.1")
                && out.stdout.contains("try --http2"),
            "{url}: {}",
            out.stdout
        );
    }
    let http = kaserve_http(&[]);
    let url = format!("grpc://{}", http.addr);
    let out = kaping(&["-c", "1", "-W", "2s", &url]);
    out.assert_no_panic();
    assert_eq!(out.code(), 1, "{}", out.stderr);
    assert!(
        out.stdout.contains("grpc UNKNOWN (the server answered HTTP 200 with content-type text/plain, not gRPC: an HTTP port?"),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains("compression flag"), "{}", out.stdout);
}

/// curl's `-v` against nginx over TLS: the handshake's outcome, each request
/// and response head, and never a secret (a -H value, the URL's password or
/// query values); against grpc-core, each call and its status.
#[test]
fn verbose_shows_the_handshake_and_heads_and_never_a_secret() {
    if !have_nginx() {
        return;
    }
    let pki = Pki::new();
    let pair = pki.server("server", &["localhost"]);
    let nginx = Nginx::http(
        "5s",
        100,
        Some((pair.cert.to_str().unwrap(), pair.key.to_str().unwrap())),
    );
    let url = format!(
        "https://u:pw-s3cret@localhost:{}/?token=q-s3cret",
        nginx.addr.port()
    );
    let ca = pki.ca.to_str().unwrap();
    let args = [
        "-v",
        "-c",
        "2",
        "-i",
        "20ms",
        "--ca",
        ca,
        "-H",
        "X-Api-Token: h-s3cret",
        &url,
    ];
    let out = kaping(&args);
    assert_eq!(out.code(), 0, "{}", out.stderr);
    let has = |line: &str| out.stdout.lines().any(|l| l.starts_with(line));
    for line in [
        "* TLS: TLSv1.",
        "* server certificate: subject CN=",
        "* server certificate: issuer ",
        "> GET /?token=*** HTTP/2",
        &format!("> :authority: localhost:{}", nginx.addr.port()),
        "> x-api-token: ***",
        "> authorization: ***",
        "< HTTP/2 200 OK",
        "< server: nginx",
    ] {
        assert!(has(line), "{line}\n{}", out.stdout);
    }
    assert!(out.stdout.contains("; verified"), "{}", out.stdout);
    // A head for each probe, the handshake once.
    assert_eq!(
        out.stdout.matches("< HTTP/2 200 OK").count(),
        2,
        "{}",
        out.stdout
    );
    assert_eq!(out.stdout.matches("* TLS: ").count(), 1, "{}", out.stdout);
    let all = format!("{}{}", out.stdout, out.stderr);
    assert!(!all.contains("s3cret"), "a secret shown:\n{all}");
    // HTTP/1.1: its own request line and headers.
    let out = kaping(&["-v", "-c", "1", "--http1.1", "--ca", ca, &url]);
    assert!(
        out.stdout.contains("> GET /?token=*** HTTP/1.1"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("> host: localhost:"), "{}", out.stdout);
    assert!(out.stdout.contains("* TLS: TLSv1.") && out.stdout.contains("ALPN http/1.1"));
    // Without -v, none of it.
    let out = kaping(&["-c", "1", "--ca", ca, &url]);
    assert!(!out.stdout.contains("> GET"), "{}", out.stdout);
    // gRPC against grpc-core: the call, its metadata masked, its answer.
    if !crate::util::python::have_grpcio() {
        return;
    }
    let server = crate::util::python::PyGrpc::start(&[]);
    let grpc = server.url();
    let out = kaping(&[
        "-v",
        "-c",
        "1",
        "-H",
        "x-api-token: g-s3cret",
        "--service",
        "billing",
        &grpc,
    ]);
    assert_eq!(out.code(), 1, "{}", out.stderr);
    for line in [
        "> POST /grpc.health.v1.Health/Check (service \"billing\")",
        "> x-api-token: ***",
        "< content-type: application/grpc",
        "< response: status NOT_SERVING",
    ] {
        assert!(out.stdout.contains(line), "{line}\n{}", out.stdout);
    }
    assert!(!out.stdout.contains("g-s3cret"));
}
