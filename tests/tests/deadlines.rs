//! The deadline a user gives covers everything: a resolver that never answers, a
//! handshake that never finishes, a peer that never stops talking.

use std::process::Command;
use std::time::Duration;

use crate::util::hostile::{Act, HostilePeer};
use crate::util::netns::{Daemon, Netns};
use crate::util::ws::{Behaviour, MiniWs};
use crate::util::{Running, bin, kaping};

/// A DNS server that reads queries and never answers, on 127.0.0.1:53 of the
/// namespace it runs in.
const SILENT_RESOLVER: &str = r#"
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 53))
print("ready", flush=True)
while True:
    s.recvfrom(4096)
"#;

/// Runs `tool ARGS` in `ns`, bounded by the harness's watchdog.
fn run_in(ns: &Netns, tool: &str, args: &[&str]) -> crate::util::Output {
    let mut cmd = ns.command(bin(tool));
    cmd.args(args);
    let started = std::time::Instant::now();
    let mut running = Running::command(cmd);
    let stdout = running.read_stdout_to_end();
    running.finish(stdout, started)
}

/// The name was resolved before `-w`'s clock started, bounded only by `-W`: with
/// `-W 10s -w 1s` and a resolver that never answers, kaping took the resolver's own
/// timeout (5 s here), and kawatch `--duration 1s` as long.
#[test]
fn the_deadline_covers_a_resolver_that_never_answers() {
    let Some(ns) = Netns::new("dns") else { return };
    ns.resolv_conf("nameserver 127.0.0.1\noptions timeout:5 attempts:1\n");
    let mut cmd = ns.command("python3");
    cmd.args(["-c", SILENT_RESOLVER]);
    let (resolver, ready) = Daemon::start(cmd);
    assert_eq!(ready, "ready");

    let target = "tcp://kaprobe-slow.test:80";
    let runs = [
        ("kaping", vec!["-c", "1", "-W", "10s", "-w", "1s", target]),
        ("kawatch", vec!["-W", "10s", "--duration", "1s", target]),
    ];
    for (tool, args) in runs {
        let out = run_in(&ns, tool, &args);
        out.assert_no_panic();
        assert_eq!(out.code(), 2, "{tool}: {}", out.stderr);
        assert!(
            out.stderr.contains("kaprobe-slow.test") && out.stderr.contains("within 1s"),
            "{tool} names the name and the deadline: {}",
            out.stderr
        );
        assert!(
            out.elapsed < Duration::from_millis(2500),
            "{tool} took {:?} with a deadline of 1 s",
            out.elapsed
        );
    }
    drop(resolver);
    drop(ns);
    let left = Command::new("ip").args(["netns", "list"]).output().unwrap();
    assert!(
        !String::from_utf8_lossy(&left.stdout).contains("kp-dns-"),
        "the namespace is removed"
    );
}

/// A peer that accepts and then says nothing: every handshake (WebSocket upgrade,
/// TLS, HTTP/2 preface) is bounded by `-W`, and the run by `-w`.
#[test]
fn a_handshake_that_never_finishes_is_bounded() {
    let peer = HostilePeer::start(Act::Silent);
    let addr = peer.addr;
    for scheme in ["tcp", "ws", "wss", "grpc", "grpcs"] {
        let target = match scheme {
            "tcp" => format!("tcp://{addr}"),
            s => format!("{s}://{addr}/"),
        };
        let out = kaping(&["-c", "1", "-W", "400ms", "--insecure", &target]);
        out.assert_no_panic();
        assert_eq!(out.code(), 1, "{scheme}: {}", out.stderr);
        assert!(
            out.elapsed < Duration::from_millis(2400),
            "{scheme}: -W 400ms took {:?}",
            out.elapsed
        );
        assert!(
            out.stdout.contains("timeout"),
            "{scheme}: the probe timed out: {}",
            out.stdout
        );
        let out = kaping(&["-c", "3", "-W", "10s", "-w", "600ms", "--insecure", &target]);
        assert_eq!(out.code(), 1, "{scheme}: {}", out.stderr);
        assert!(
            out.elapsed < Duration::from_millis(2600),
            "{scheme}: -w 600ms took {:?}",
            out.elapsed
        );
    }
}

/// A TCP peer that answers a probe with a line that never ends: the reply is cut
/// at 64 KiB and the probe fails as a protocol error, not a memory hog.
#[test]
fn a_reply_line_that_never_ends_is_cut() {
    let peer = HostilePeer::start(Act::Endless);
    let out = kaping(&["-c", "1", "-W", "5s", &format!("tcp://{}", peer.addr)]);
    out.assert_no_panic();
    assert_eq!(out.code(), 1, "{}", out.stderr);
    assert!(
        out.stdout.contains("reply line longer than 65536 bytes"),
        "{}",
        out.stdout
    );
    assert!(out.elapsed < Duration::from_secs(4), "{:?}", out.elapsed);
}

/// A WebSocket peer that answers with a 2 MiB message: a probe takes at most
/// 1 MiB, so the reply ends the connection instead of being held.
#[test]
fn a_websocket_reply_over_a_mebibyte_is_refused() {
    let server = MiniWs::start(Behaviour::Reply(2 << 20));
    let out = kaping(&["-c", "1", "-W", "5s", "--mode", "text", &server.url()]);
    out.assert_no_panic();
    assert_eq!(out.code(), 1, "{}", out.stderr);
    assert!(
        out.stdout.contains("over our limit of 1048576"),
        "{}",
        out.stdout
    );
    let small = MiniWs::start(Behaviour::Reply(1000));
    let out = kaping(&["-c", "1", "-W", "5s", "--mode", "text", &small.url()]);
    assert_eq!(out.code(), 0, "a 1000-byte reply is fine: {}", out.stderr);
}

/// An HTTP/2 peer that sends its SETTINGS and then a GOAWAY whose debug data is
/// 20 KB of terminal escapes; and one that announces a 16 MiB frame. Neither
/// reaches a terminal raw, neither is held in memory, both fail in time.
#[test]
fn a_hostile_http2_peer_is_data() {
    use kawire::h2::frame::{SETTINGS, goaway_frame};
    let settings = [0u8, 0, 0, SETTINGS, 0, 0, 0, 0, 0];
    let pwned = "\u{1b}[2J\u{1b}]0;pwned\u{7}".repeat(1000);
    let goaway = [&settings[..], &goaway_frame(0, 11, pwned.as_bytes())].concat();
    // A DATA frame header for 16 MiB - 1 on stream 1, and no payload.
    let huge = [&settings[..], &[0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 1]].concat();
    let cases = [
        (
            "goaway",
            goaway,
            r"goaway ENHANCE_YOUR_CALM (\x1b[2J\x1b]0;pwned\x07",
        ),
        ("huge frame", huge, "frame with invalid size"),
    ];
    for (what, bytes, needle) in cases {
        let peer = HostilePeer::start(Act::Send(bytes));
        let target = format!("grpc://{}/", peer.addr);
        let out = kaping(&["-c", "1", "-W", "2s", &target]);
        out.assert_no_panic();
        assert_eq!(out.code(), 1, "{what}: {}", out.stderr);
        assert!(
            out.elapsed < Duration::from_secs(4),
            "{what}: {:?}",
            out.elapsed
        );
        assert!(out.stdout.contains(needle), "{what}: {}", out.stdout);
        for text in [&out.stdout, &out.stderr] {
            assert!(
                !text.contains('\u{1b}') && !text.contains('\u{7}'),
                "{what}: raw escapes"
            );
            let longest = text.lines().map(str::len).max().unwrap_or(0);
            assert!(longest < 1200, "{what}: a line of {longest} bytes");
        }
    }
    // Records keep the peer's exact text, JSON-escaped.
    let peer = HostilePeer::start(Act::Send(
        [&settings[..], &goaway_frame(0, 11, pwned.as_bytes())].concat(),
    ));
    let out = kaping(&[
        "-c",
        "1",
        "-W",
        "2s",
        "--ndjson",
        &format!("grpc://{}/", peer.addr),
    ]);
    let records = out.records();
    let probe = crate::util::probes(&records)[0];
    let detail = probe.detail.as_deref().unwrap_or("");
    assert!(
        detail.contains("\u{1b}[2J\u{1b}]0;pwned\u{7}"),
        "{detail:?}"
    );
}

/// A WebSocket peer that streams unsolicited text frames keeps the socket
/// readable: the probe's timeout and the run's `-W` still hold (`kaping -c 1 -W 1s`
/// took 5.26 s: each frame was ready at once and the deadline never looked at).
#[test]
fn a_chattering_peer_cannot_stretch_the_deadline() {
    let peer = MiniWs::start(Behaviour::Chatter);
    let out = kaping(&["-c", "1", "-W", "1s", &peer.url()]);
    out.assert_no_panic();
    assert_eq!(out.code(), 1, "{}", out.stderr);
    assert!(
        out.elapsed < Duration::from_millis(1800),
        "-W 1s took {:?}",
        out.elapsed
    );
    let out = kaping(&["-c", "2", "-i", "100ms", "-W", "500ms", &peer.url()]);
    // Two probes of 500 ms each, 100 ms apart.
    assert!(
        out.elapsed < Duration::from_millis(2500),
        "-W 500ms took {:?}",
        out.elapsed
    );
    assert!(out.stdout.contains("timeout"), "{}", out.stdout);
}
