//! kaserve's fault modes, each observed from a real client (kaping, kawatch,
//! Python websockets, grpc-core) or a raw socket.

use std::time::{Duration, Instant};

use kawire::record::{Record, TargetSummary};

use crate::kaserve_peer::{client_log, with_liveness};
use crate::util::{KaServe, kaping, parse_records, probes, python, run};

fn downs(records: &[Record]) -> Vec<(String, Option<String>, Option<f64>)> {
    records
        .iter()
        .filter_map(|r| match r {
            Record::State(s) if s.to == "down" => {
                Some((s.cause.clone(), s.detail.clone(), s.lifetime_ms))
            }
            _ => None,
        })
        .collect()
}

fn watch(url: &str, extra: &[&str]) -> Vec<Record> {
    let mut args = vec!["--duration", "1200ms", "--backoff", "2s..2s", "--ndjson"];
    args.extend_from_slice(extra);
    args.push(url);
    let out = run("kawatch", &args);
    out.assert_no_panic();
    parse_records(&out.stdout)
}

#[test]
fn close_idle_ends_quiet_connections_like_a_load_balancer() {
    let tcp = KaServe::on("tcp", &["--fault", "close-idle=300ms"]);
    let down = downs(&watch(&tcp.url(), &["--interval", "off"]));
    assert_eq!(down.len(), 1, "{down:?}");
    assert_eq!(down[0].0, "eof");
    let lived = down[0].2.unwrap();
    assert!(
        (290.0..1000.0).contains(&lived),
        "closed after {lived} ms idle"
    );

    // Traffic keeps it open: keepalives every 100 ms never leave it idle.
    let busy = downs(&watch(&tcp.url(), &["--interval", "100ms"]));
    assert!(busy.is_empty(), "{busy:?}");

    // WebSocket: dropped without a close frame (1006), or closed with close-code.
    let ws = KaServe::on("ws", &["--fault", "close-idle=300ms"]);
    let down = downs(&watch(&ws.url(), &["--interval", "off"]));
    assert_eq!(down[0].0, "ws-close 1006", "{down:?}");
    let ws = KaServe::on("ws", &["--fault", "close-idle=300ms,close-code=4000"]);
    let down = downs(&watch(&ws.url(), &["--interval", "off"]));
    assert_eq!(down[0].0, "ws-close 4000", "{down:?}");
    assert_eq!(down[0].1.as_deref(), Some("idle timeout"));
}

#[test]
fn blackhole_after_stops_answering_but_keeps_the_socket() {
    let server = KaServe::on("ws", &["--fault", "blackhole-after=350ms"]);
    let out = kaping(&[
        "-c",
        "8",
        "-i",
        "100ms",
        "-W",
        "150ms",
        "--ndjson",
        &server.url(),
    ]);
    let records = out.records();
    let oks: Vec<bool> = probes(&records).iter().map(|p| p.ok).collect();
    let first_lost = oks
        .iter()
        .position(|ok| !ok)
        .expect("probes lost after the blackhole");
    assert!(first_lost >= 2, "answered before: {oks:?}");
    assert!(
        oks[first_lost..].iter().all(|ok| !ok),
        "nothing after: {oks:?}"
    );
    let causes: Vec<_> = probes(&records)
        .iter()
        .filter_map(|p| p.cause.clone())
        .collect();
    assert!(
        causes.iter().all(|c| c == "timeout"),
        "silence, not a close: {causes:?}"
    );
    assert!(server.log().iter().any(|l| l.contains("blackhole-after")));
}

/// kaping (`args`) against kaserve with `fault`, once per protocol (gRPC by
/// HTTP/2 PINGs, within the server's ping policy); each protocol's summary.
fn ping_each_protocol(fault: &str, args: &[&str]) -> Vec<(&'static str, TargetSummary)> {
    ["tcp", "ws", "grpc"]
        .into_iter()
        .map(|proto| {
            let lenient = ["--ping-min-interval", "1ms", "--permit-without-stream"];
            let mut serve = vec!["--fault", fault];
            serve.extend_from_slice(&lenient);
            let server = KaServe::on(proto, &serve);
            let url = server.url().replace("tcp://", &format!("{proto}://"));
            let mut all = args.to_vec();
            all.push("--json");
            if proto == "grpc" {
                all.extend_from_slice(&["-m", "h2ping"]);
            }
            all.push(&url);
            (proto, kaping(&all).report().targets.remove(0).summary)
        })
        .collect()
}

#[test]
fn ignore_pings_on_every_protocol() {
    for (proto, t) in ping_each_protocol("ignore-pings", &["-c", "3", "-i", "50ms", "-W", "200ms"])
    {
        assert_eq!(
            (t.transmitted, t.received),
            (3, 0),
            "{proto}: pings unanswered"
        );
        assert_eq!(
            t.failures.get("timeout"),
            Some(&3),
            "{proto}: {:?}",
            t.failures
        );
    }
}

#[test]
fn delay_pongs_on_every_protocol() {
    for (proto, t) in
        ping_each_protocol("delay-pongs=200ms", &["-c", "3", "-i", "300ms", "-W", "1s"])
    {
        assert_eq!(t.received, 3, "{proto}: every ping answered");
        let min = t.rtt.min_us.unwrap();
        assert!(
            (200_000.0..600_000.0).contains(&min),
            "{proto}: answers 200 ms late, min RTT {min} us"
        );
    }
}

#[test]
fn reset_after_and_goaway_after_end_connections_as_named() {
    let tcp = KaServe::on("tcp", &["--fault", "reset-after=300ms"]);
    // No keepalives of kawatch's own (--interval off): the connection's end is seen
    // as it happens, not through a probe that a client may retry on a new
    // connection (a graceful GOAWAY during a call is retried, as gRPC clients do).
    let down = downs(&watch(&tcp.url(), &["--interval", "off"]));
    assert_eq!(
        down.first().map(|d| d.0.as_str()),
        Some("reset"),
        "{down:?}"
    );

    let grpc = KaServe::on("grpc", &["--fault", "goaway-after=300ms"]);
    let url = grpc.url().replace("tcp://", "grpc://");
    let down = downs(&watch(&url, &["--interval", "off"]));
    let (cause, detail, _) = down.first().expect("the GOAWAY ends the connection");
    assert_eq!(cause, "goaway NO_ERROR", "{down:?}");
    assert!(
        detail.as_deref().unwrap_or("").contains("goaway_after"),
        "{detail:?}"
    );
}

#[test]
fn a_graceful_goaway_still_serves_the_calls_it_allows() {
    // Calls every 2 ms across about 20 GOAWAYs: the calls that race a GOAWAY are
    // either served (started before the client saw it) or refused and retried on
    // a new connection; none is left unanswered until its timeout. (Before the
    // server served calls during its goodbye, about one run in three lost one.)
    let server = KaServe::on("grpc", &["--fault", "goaway-after=100ms"]);
    let url = server.url().replace("tcp://", "grpc://");
    for _ in 0..2 {
        let report = kaping(&["-c", "600", "-i", "2ms", "-W", "500ms", "--json", &url]).report();
        let t = &report.targets[0].summary;
        assert_eq!((t.transmitted, t.received), (600, 600), "{:?}", t.failures);
        assert!(
            t.disconnects
                .get("goaway NO_ERROR")
                .is_some_and(|n| *n >= 5),
            "{:?}",
            t.disconnects
        );
    }
}

#[test]
fn faults_are_checked_against_the_responders() {
    for (args, says) in [
        (
            &["tcp", "--fault", "goaway-after=1s"][..],
            "applies to grpc only",
        ),
        (
            &["tcp", "--fault", "ws:close-idle=1s"],
            "not among the responders",
        ),
        (&["ws", "--fault", "close-code=1006"], "cannot be sent"),
        (&["ws", "--fault", "explode"], "unknown fault"),
        (&["stdio", "tcp"], "stdio runs alone"),
    ] {
        let out = run("kaserve", args);
        assert_eq!(out.code(), 2, "{args:?}");
        let first = out.stderr.lines().next().unwrap_or_default();
        assert!(first.contains(says), "{args:?}: {}", out.stderr);
    }
}

/// kaserve's `closed` records, as (peer, cause, detail, lifetime ms), once there
/// is at least one (waiting up to 5 s: the log trails the client's exit).
fn closes(server: &KaServe) -> Vec<(String, String, String, f64)> {
    let until = Instant::now() + Duration::from_secs(5);
    loop {
        let closed: Vec<_> = client_log(server)
            .into_iter()
            .filter(|(_, event, ..)| event == "closed")
            .map(|(peer, _, cause, detail, lifetime)| {
                (
                    peer,
                    cause.unwrap_or_default(),
                    detail.unwrap_or_default(),
                    lifetime.unwrap_or_default(),
                )
            })
            .collect();
        if !closed.is_empty() || Instant::now() >= until {
            return closed;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn python_websockets_clients_see_ignored_and_delayed_pongs() {
    if !python::have_websockets() {
        return;
    }
    // websockets pings every 200 ms and fails the connection when a pong is more
    // than 300 ms late.
    let ignoring = KaServe::on("ws", &["--fault", "ignore-pings"]);
    let said = python::ws_client(&ignoring.url(), 0.2, 0.3, 3.0);
    // websockets fails the connection: it sends close 1011 and drops the TCP
    // connection without waiting, so it saw no close frame itself (1006).
    assert_eq!(said.trim(), "closed 1006", "{said}");
    let closed = closes(&ignoring);
    assert_eq!(closed.len(), 1, "{closed:?}");
    assert_eq!(
        (closed[0].1.as_str(), closed[0].2.as_str()),
        ("ws-close 1011", "keepalive ping timeout"),
        "kaserve logs the client's reason"
    );
    assert!(closed[0].3 < 1500.0, "{closed:?}");
    let delaying = KaServe::on("ws", &["--fault", "delay-pongs=100ms"]);
    let said = python::ws_client(&delaying.url(), 0.2, 0.3, 1.5);
    assert_eq!(said.trim(), "open", "100 ms late is within its 300 ms");
    // Server-side liveness: websockets answers kaserve's Pings by itself, so a
    // client that sends nothing (no pings of its own) stays active.
    let live = with_liveness("ws");
    let said = python::ws_client(&live.url(), 1000.0, 1000.0, 1.8);
    assert_eq!(said.trim(), "open", "{:?}", live.log());
    assert!(live.log().iter().any(|l| l.contains(r#""event":"pinged""#)));
}

#[test]
fn grpc_core_client_keepalive_sees_ignored_and_delayed_ping_acks() {
    if !python::have_grpcio() {
        return;
    }
    let lenient = ["--ping-min-interval", "1ms", "--permit-without-stream"];
    let mut args = vec!["--fault", "ignore-pings"];
    args.extend_from_slice(&lenient);
    let ignoring = KaServe::on("grpc", &args);
    let target = ignoring.addr.to_string();
    let said = python::grpc_client(&target, 200, 300, 2.0);
    assert_eq!(said.trim(), "1", "SERVING before the keepalive trouble");
    // grpc-core gives up on the transport when an ACK is 300 ms late, with a
    // GOAWAY ENHANCE_YOUR_CALM "ping_timeout": the connection ends while the
    // client still runs (2 s), and kaserve names why.
    let closed = closes(&ignoring);
    assert!(!closed.is_empty(), "{:?}", ignoring.log());
    let (_, cause, detail, lived) = &closed[0];
    assert!(
        *lived < 1500.0,
        "grpc-core gave up after {lived} ms: {closed:?}"
    );
    assert_eq!(cause, "goaway ENHANCE_YOUR_CALM", "{closed:?}");
    assert!(detail.contains("ping_timeout"), "{detail}");

    let mut args = vec!["--fault", "delay-pongs=100ms"];
    args.extend_from_slice(&lenient);
    let delaying = KaServe::on("grpc", &args);
    let said = python::grpc_client(&delaying.addr.to_string(), 200, 300, 2.0);
    assert_eq!(said.trim(), "1");
    // The connection lasted as long as the client: ACKs 100 ms late were in time.
    let closed = closes(&delaying);
    assert_eq!(closed.len(), 1, "{closed:?}");
    assert!(closed[0].3 >= 1900.0, "{closed:?}");
}
