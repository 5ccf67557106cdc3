//! kaserve as a full peer: server-side liveness on every protocol (a silent client
//! is pinged, then closed within interval + timeout; a client that answers stays),
//! and each fault mode observed from a real client (kaping, kawatch) or a raw socket.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use kawire::record::{Record, ServeRecord, TargetSummary};

use crate::util::{KaServe, kaping, parse_records, probes, python, run, summary};

const TIMEOUT_MS: u64 = 600;
const INTERVAL_MS: u64 = 200;
/// Scheduling slack on a loaded 2-core machine.
const MARGIN: Duration = Duration::from_millis(700);

fn with_liveness(proto: &str) -> KaServe {
    KaServe::start(&[
        proto,
        "--listen",
        "127.0.0.1:0",
        "--ndjson",
        "--client-timeout",
        "600ms",
        "--client-ping-interval",
        "200ms",
    ])
}

fn with_fault(proto: &str, extra: &[&str]) -> KaServe {
    let mut args = vec![proto, "--listen", "127.0.0.1:0", "--ndjson"];
    args.extend_from_slice(extra);
    KaServe::start(&args)
}

/// kaserve's client records, as (peer, event, cause, detail, lifetime ms).
type ClientLog = (String, String, Option<String>, Option<String>, Option<f64>);

fn client_log(server: &KaServe) -> Vec<ClientLog> {
    server
        .log()
        .iter()
        .filter_map(|l| serde_json::from_str::<ServeRecord>(l).ok())
        .filter_map(|r| match r {
            ServeRecord::Client {
                peer,
                event,
                cause,
                detail,
                lifetime_ms,
                ..
            } => Some((peer, event, cause, detail, lifetime_ms)),
            _ => None,
        })
        .collect()
}

/// kaserve's client records for `peer`, as (event, cause, detail).
fn client_events(server: &KaServe, peer: &str) -> Vec<(String, Option<String>, Option<String>)> {
    client_log(server)
        .into_iter()
        .filter(|(p, ..)| p == peer)
        .map(|(_, event, cause, detail, _)| (event, cause, detail))
        .collect()
}

/// Waits (bounded) until kaserve logs `event` for `peer`.
fn wait_for(
    server: &KaServe,
    peer: &str,
    event: &str,
) -> Vec<(String, Option<String>, Option<String>)> {
    let until = Instant::now() + Duration::from_secs(10);
    loop {
        let events = client_events(server, peer);
        if events.iter().any(|(e, _, _)| e == event) {
            return events;
        }
        assert!(
            Instant::now() < until,
            "no {event} for {peer}: {:?}",
            server.log()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn names(events: &[(String, Option<String>, Option<String>)]) -> Vec<&str> {
    events.iter().map(|(e, _, _)| e.as_str()).collect()
}

/// Reads until EOF; returns the bytes and when EOF came.
fn read_to_eof(mut stream: &TcpStream) -> (Vec<u8>, Instant) {
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut all = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return (all, Instant::now()),
            Ok(n) => all.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {
                return (all, Instant::now());
            }
            Err(e) => panic!("no EOF within 10 s: {e}"),
        }
    }
}

fn assert_closed_in_time(connected: Instant, closed: Instant) {
    let lived = closed - connected;
    let floor = Duration::from_millis(TIMEOUT_MS);
    let ceiling = Duration::from_millis(INTERVAL_MS + TIMEOUT_MS) + MARGIN;
    assert!(
        lived >= floor && lived <= ceiling,
        "closed after {lived:?}, expected within [{floor:?}, {ceiling:?}]"
    );
}

/// A silent client closed in time, after kaserve logged it idle, pinged and
/// expired; returns kaserve's events for it.
fn assert_expired(
    server: &KaServe,
    silent: &TcpStream,
    connected: Instant,
    closed: Instant,
) -> Vec<(String, Option<String>, Option<String>)> {
    assert_closed_in_time(connected, closed);
    let peer = silent.local_addr().unwrap().to_string();
    let events = wait_for(server, &peer, "closed");
    assert_eq!(
        names(&events),
        ["connected", "idle", "pinged", "expired", "closed"]
    );
    events
}

/// kawatch with no keepalives of its own (`--interval off`) against `url` stays
/// up for 1.8 s, answering kaserve's pings; returns its NDJSON.
fn idle_kawatch_stays_up(url: &str) -> String {
    let out = run(
        "kawatch",
        &["--interval", "off", "--duration", "1800ms", "--ndjson", url],
    );
    let records = out.records();
    let watch = summary(&records).watch.clone().unwrap();
    assert_eq!(
        (watch.outages, watch.state.as_str()),
        (0, "up"),
        "{}",
        out.stdout
    );
    out.stdout
}

#[test]
fn tcp_silent_client_is_pinged_then_closed_and_an_answering_one_stays() {
    let server = with_liveness("tcp");
    let silent = TcpStream::connect(server.addr).unwrap();
    let connected = Instant::now();
    let (bytes, closed) = read_to_eof(&silent);
    assert_eq!(
        String::from_utf8_lossy(&bytes),
        "PING\n",
        "pinged once, in its protocol's way"
    );
    let events = assert_expired(&server, &silent, connected, closed);
    let (_, cause, detail) = events.last().unwrap();
    assert_eq!(cause.as_deref(), Some("timeout"));
    assert!(
        detail.as_deref().unwrap().contains("client timeout"),
        "{detail:?}"
    );

    // A client that answers each PING is still there three timeouts later.
    let answering = TcpStream::connect(server.addr).unwrap();
    answering
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut reader = BufReader::new(answering.try_clone().unwrap());
    let mut writer = answering.try_clone().unwrap();
    let until = Instant::now() + Duration::from_millis(3 * TIMEOUT_MS);
    let mut pings = 0;
    while Instant::now() < until {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        assert_eq!(line, "PING\n");
        pings += 1;
        writer.write_all(b"PONG\n").unwrap();
    }
    assert!(pings >= 3, "{pings}");
    writer.write_all(b"still here\n").unwrap();
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    assert_eq!(line, "still here\n", "open, and the PONGs were not echoed");
    let peer = answering.local_addr().unwrap().to_string();
    assert!(!names(&client_events(&server, &peer)).contains(&"expired"));

    // kawatch with no keepalives of its own answers kaserve's PING lines too.
    let stdout = idle_kawatch_stays_up(&server.url());
    assert!(
        stdout.contains(r#""event":"server-ping""#),
        "kawatch saw the server's pings: {stdout}"
    );
}

#[test]
fn ws_silent_client_is_pinged_then_closed_and_kawatch_answering_stays_up() {
    let server = with_liveness("ws");
    // A client that upgrades and then never answers.
    let mut silent = TcpStream::connect(server.addr).unwrap();
    let connected = Instant::now();
    silent
        .write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
        .unwrap();
    let (bytes, closed) = read_to_eof(&silent);
    assert!(
        bytes.starts_with(b"HTTP/1.1 101"),
        "{}",
        String::from_utf8_lossy(&bytes)
    );
    let frames = &bytes[bytes.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4..];
    assert_eq!(frames[0], 0x89, "a Ping frame first: {frames:?}");
    assert!(
        frames.windows(2).any(|w| w == [0x88, 19]),
        "then a close frame"
    );
    assert!(
        frames.windows(2).any(|w| w == [0x03, 0xf3]),
        "with code 1011"
    );
    assert_expired(&server, &silent, connected, closed);

    // kawatch sends no keepalives of its own (--interval off) but answers Pings.
    idle_kawatch_stays_up(&server.url());
    let pinged = server
        .log()
        .iter()
        .filter(|l| l.contains(r#""event":"pinged""#))
        .count();
    assert!(pinged >= 4, "kaserve pinged the quiet client: {pinged}");
}

/// The (type, flags) of each HTTP/2 frame a server wrote, by kaprobe's parser.
fn h2_frames(bytes: &[u8]) -> Vec<(u8, u8)> {
    let mut out = Vec::new();
    kawire::h2::Parser::default().feed(bytes, &mut |f| out.push((f.kind, f.flags)));
    out
}

#[test]
fn grpc_silent_client_is_pinged_then_closed_and_kawatch_answering_stays_up() {
    let server = with_liveness("grpc");
    let mut silent = TcpStream::connect(server.addr).unwrap();
    let connected = Instant::now();
    silent.write_all(kawire::h2::PREFACE).unwrap();
    silent.write_all(&[0, 0, 0, 4, 0, 0, 0, 0, 0]).unwrap();
    let (bytes, closed) = read_to_eof(&silent);
    let frames = h2_frames(&bytes);
    assert!(
        frames.contains(&(6, 0)),
        "an HTTP/2 PING (not an ACK): {frames:?}"
    );
    assert_expired(&server, &silent, connected, closed);
    idle_kawatch_stays_up(&server.url().replace("tcp://", "grpc://"));
}

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
    let tcp = with_fault("tcp", &["--fault", "close-idle=300ms"]);
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
    let ws = with_fault("ws", &["--fault", "close-idle=300ms"]);
    let down = downs(&watch(&ws.url(), &["--interval", "off"]));
    assert_eq!(down[0].0, "ws-close 1006", "{down:?}");
    let ws = with_fault("ws", &["--fault", "close-idle=300ms,close-code=4000"]);
    let down = downs(&watch(&ws.url(), &["--interval", "off"]));
    assert_eq!(down[0].0, "ws-close 4000", "{down:?}");
    assert_eq!(down[0].1.as_deref(), Some("idle timeout"));
}

#[test]
fn blackhole_after_stops_answering_but_keeps_the_socket() {
    let server = with_fault("ws", &["--fault", "blackhole-after=350ms"]);
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
            let server = with_fault(proto, &serve);
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
    let tcp = with_fault("tcp", &["--fault", "reset-after=300ms"]);
    // No keepalives of kawatch's own (--interval off): the connection's end is seen
    // as it happens, not through a probe that a client may retry on a new
    // connection (a graceful GOAWAY during a call is retried, as gRPC clients do).
    let down = downs(&watch(&tcp.url(), &["--interval", "off"]));
    assert_eq!(
        down.first().map(|d| d.0.as_str()),
        Some("reset"),
        "{down:?}"
    );

    let grpc = with_fault("grpc", &["--fault", "goaway-after=300ms"]);
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
    let server = with_fault("grpc", &["--fault", "goaway-after=100ms"]);
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
    let ignoring = with_fault("ws", &["--fault", "ignore-pings"]);
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
    let delaying = with_fault("ws", &["--fault", "delay-pongs=100ms"]);
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
    let ignoring = with_fault("grpc", &args);
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
    let delaying = with_fault("grpc", &args);
    let said = python::grpc_client(&delaying.addr.to_string(), 200, 300, 2.0);
    assert_eq!(said.trim(), "1");
    // The connection lasted as long as the client: ACKs 100 ms late were in time.
    let closed = closes(&delaying);
    assert_eq!(closed.len(), 1, "{closed:?}");
    assert!(closed[0].3 >= 1900.0, "{closed:?}");
}

/// A client that sends and never reads blocked kaserve's reply write, where its
/// liveness timer could not fire: such a client was held forever. Now a write
/// waits no longer than the client's timeout, on tcp and on ws.
#[test]
fn a_client_that_never_reads_expires_on_time() {
    for proto in ["tcp", "ws"] {
        let server = with_liveness(proto);
        let stream = TcpStream::connect(server.addr).unwrap();
        let peer = stream.local_addr().unwrap().to_string();
        let mut writer = stream.try_clone().unwrap();
        let message = if proto == "ws" {
            let upgrade = format!(
                "GET / HTTP/1.1\r\nHost: {}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
                 Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
                server.addr
            );
            writer.write_all(upgrade.as_bytes()).unwrap();
            let mut response = BufReader::new(&stream);
            let mut status = String::new();
            response.read_line(&mut status).unwrap();
            assert!(status.contains(" 101 "), "{status}");
            // A masked 1 KiB text frame; a zero mask leaves the payload as it is.
            let mut frame = vec![0x81, 0xfe, 0x04, 0x00, 0, 0, 0, 0];
            frame.extend(std::iter::repeat_n(b'x', 1024));
            frame
        } else {
            [vec![b'x'; 1023], vec![b'\n']].concat()
        };
        let connected = Instant::now();
        // Echoes owed until every buffer between us is full; this client never reads.
        let flood = std::thread::spawn(move || {
            for _ in 0..64 * 1024 {
                if writer.write_all(&message).is_err() {
                    return;
                }
            }
        });
        let events = wait_for(&server, &peer, "expired");
        let expired = connected.elapsed();
        assert!(
            expired < Duration::from_millis(TIMEOUT_MS) + MARGIN * 2,
            "{proto}: expired only after {expired:?}: {events:?}"
        );
        // The connection is closed, so the flood ends with a write error.
        flood.join().unwrap();
        drop(stream);
        wait_for(&server, &peer, "closed");
    }
}
