//! kaserve tcp: the line responder, many clients at once, loopback by default, and a
//! clean shutdown that closes every client.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use kawire::record::ServeRecord;

use crate::util::KaServe;

fn connect(server: &KaServe) -> (BufReader<TcpStream>, TcpStream) {
    let stream = TcpStream::connect(server.addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    (BufReader::new(stream.try_clone().unwrap()), stream)
}

fn ask(reader: &mut BufReader<TcpStream>, writer: &mut TcpStream, line: &str) -> String {
    writer.write_all(format!("{line}\n").as_bytes()).unwrap();
    let mut reply = String::new();
    reader.read_line(&mut reply).unwrap();
    reply
}

#[test]
fn answers_ping_and_echoes_other_lines_to_many_clients_at_once() {
    let server = KaServe::tcp();
    let mut clients: Vec<_> = (0..50).map(|_| connect(&server)).collect();
    for (i, (reader, writer)) in clients.iter_mut().enumerate() {
        assert_eq!(ask(reader, writer, "PING"), "PONG\n");
        assert_eq!(
            ask(reader, writer, &format!("hello {i}")),
            format!("hello {i}\n")
        );
        assert_eq!(ask(reader, writer, "PING\r"), "PONG\n", "CRLF lines too");
    }
}

#[test]
fn binds_loopback_by_default_and_logs_clients() {
    let server = KaServe::tcp();
    assert!(server.addr.ip().is_loopback());
    {
        let (mut r, mut w) = connect(&server);
        ask(&mut r, &mut w, "PING");
    }
    // The client left; wait for kaserve to log it (bounded).
    let until = Instant::now() + Duration::from_secs(5);
    while !server
        .log()
        .iter()
        .any(|l| l.contains(r#""event":"closed""#))
    {
        assert!(
            Instant::now() < until,
            "no closed event: {:?}",
            server.log()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let records: Vec<ServeRecord> = server
        .log()
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(matches!(&records[0], ServeRecord::Listening { proto, .. } if proto == "tcp"));
    let closed = records
        .iter()
        .find_map(|r| match r {
            ServeRecord::Client { event, cause, .. } if event == "closed" => cause.clone(),
            _ => None,
        })
        .unwrap();
    assert_eq!(closed, "eof");
}

#[test]
fn ctrl_c_closes_every_client_and_exits_zero() {
    let server = KaServe::tcp();
    let mut clients: Vec<_> = (0..5).map(|_| connect(&server)).collect();
    for (r, w) in clients.iter_mut() {
        ask(r, w, "PING");
    }
    let started = Instant::now();
    let out = server.stop("INT");
    assert_eq!(out.code(), 0, "{}", out.stderr);
    assert!(started.elapsed() < Duration::from_secs(3));
    for (r, _) in clients.iter_mut() {
        let mut rest = Vec::new();
        assert_eq!(r.read_to_end(&mut rest).unwrap(), 0, "EOF after shutdown");
    }
    assert_eq!(
        out.stdout.matches(r#""cause":"shutdown""#).count(),
        5,
        "{}",
        out.stdout
    );
}

/// A client that sends and never reads blocked a reply's write, where kaserve did
/// not see SIGTERM: it needed a second signal after 10 s. Now the connection gets a
/// grace of 2 s, and kaserve exits.
#[test]
fn sigterm_ends_kaserve_while_a_client_does_not_read() {
    let server = KaServe::tcp();
    let stream = TcpStream::connect(server.addr).unwrap();
    let mut writer = stream.try_clone().unwrap();
    // Lines to echo until every buffer between us is full; this client never reads.
    let flood = std::thread::spawn(move || {
        let line = vec![b'x'; 1023]
            .into_iter()
            .chain([b'\n'])
            .collect::<Vec<u8>>();
        for _ in 0..64 * 1024 {
            if writer.write_all(&line).is_err() {
                return;
            }
        }
    });
    std::thread::sleep(Duration::from_millis(500));
    let started = Instant::now();
    let out = server.stop("TERM");
    let took = started.elapsed();
    assert_eq!(out.code(), 0, "{}", out.stderr);
    assert!(took < Duration::from_secs(5), "stopped after {took:?}");
    drop(stream);
    let _ = flood.join();
}

/// Out of descriptors, kaserve's accept loop retried at once and spun (3.4 s of
/// CPU in 3 s). Now it backs off, and serves again once descriptors come back.
#[test]
fn out_of_descriptors_kaserve_backs_off_instead_of_spinning() {
    let server = KaServe::limited(40, &["tcp", "--listen", "127.0.0.1:0", "--ndjson"]);
    // More clients than descriptors: the kernel completes their handshakes into
    // the backlog, and accept fails with EMFILE.
    let clients: Vec<TcpStream> = (0..80)
        .filter_map(|_| TcpStream::connect(server.addr).ok())
        .collect();
    assert!(clients.len() > 40, "{} clients connected", clients.len());
    std::thread::sleep(Duration::from_millis(300));
    let before = server.cpu_time();
    std::thread::sleep(Duration::from_secs(2));
    let used = server.cpu_time() - before;
    assert!(
        used < Duration::from_millis(500),
        "kaserve used {used:?} of CPU in 2 s while out of descriptors"
    );
    drop(clients);
    let out = crate::util::kaping(&["-c", "1", "-W", "3s", &server.url()]);
    assert_eq!(out.code(), 0, "served again: {}", out.stderr);
}
