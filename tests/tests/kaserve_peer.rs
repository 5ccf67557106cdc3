//! kaserve as a full peer: server-side liveness on every protocol (a silent client
//! is pinged, then closed within interval + timeout; a client that answers stays);
//! its faults are in `kaserve_faults`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use kawire::record::ServeRecord;

use crate::util::{KaServe, run, summary};

const TIMEOUT_MS: u64 = 600;
const INTERVAL_MS: u64 = 200;
/// Scheduling slack on a loaded 2-core machine.
const MARGIN: Duration = Duration::from_millis(700);

pub(crate) fn with_liveness(proto: &str) -> KaServe {
    KaServe::on(
        proto,
        &[
            "--client-timeout",
            "600ms",
            "--client-ping-interval",
            "200ms",
        ],
    )
}

/// kaserve's client records, as (peer, event, cause, detail, lifetime ms).
pub(crate) type ClientLog = (String, String, Option<String>, Option<String>, Option<f64>);

pub(crate) fn client_log(server: &KaServe) -> Vec<ClientLog> {
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
    let url = server.url();
    assert!(url.starts_with("grpc://"), "{url}");
    idle_kawatch_stays_up(&url);
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

/// A client that sent half an HTTP/2 preface and left kept kaserve's HTTP
/// responder peeking at its socket every millisecond until the 10 s header
/// timeout (300 such clients cost 0.19 CPU-s a second, after they had gone):
/// their ends are now seen at once.
#[test]
fn half_an_h2_preface_then_gone_is_an_end_at_once() {
    let server = KaServe::on("http", &[]);
    let started = Instant::now();
    let clients: Vec<TcpStream> = (0..20)
        .map(|_| {
            let mut s = TcpStream::connect(server.addr).unwrap();
            s.write_all(b"PRI * HTTP/2.0\r\n").unwrap();
            s.shutdown(std::net::Shutdown::Write).unwrap();
            s
        })
        .collect();
    for c in &clients {
        let peer = c.local_addr().unwrap().to_string();
        let events = wait_for(&server, &peer, "closed");
        let (_, cause, _) = events.last().unwrap();
        assert_eq!(cause.as_deref(), Some("eof"), "{events:?}");
    }
    let took = started.elapsed();
    assert!(took < Duration::from_secs(3), "ends seen after {took:?}");
}
