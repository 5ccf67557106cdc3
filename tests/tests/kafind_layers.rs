//! kafind layers on paths that honour some keepalives and not others: kaserve's
//! close-idle (application traffic only), nginx as a WebSocket proxy
//! (`proxy_read_timeout`: frames count, TCP keepalive probes do not) and a kernel
//! middlebox (conntrack: TCP keepalive probes refresh the flow).

use kawire::record::{LayerRecord, LayersDoc};

use crate::util::kafind::kaserve;
use crate::util::netns::{Daemon, Middlebox, SERVER_IP};
use crate::util::nginx::{Nginx, have_nginx};
use crate::util::{KaServe, run};

/// kafind layers --json every 1 s, for 3.5 s unless `extra` sets `--duration`.
fn kafind(target: &str, extra: &[&str]) -> (LayersDoc, crate::util::Output) {
    let every = ["--interval", "1s", "-W", "500ms"];
    crate::util::kafind::json("layers", target, &every, &[("--duration", "3500ms")], extra)
}

/// Each `(mechanism, kept_alive)` of `want` is what `doc` says.
fn assert_kept(doc: &LayersDoc, want: &[(&str, &str)]) {
    for (name, kept) in want {
        assert_eq!(
            mechanism(doc, name).kept_alive,
            *kept,
            "{name}: {:#?}",
            doc.mechanisms
        );
    }
}

fn mechanism<'a>(doc: &'a LayersDoc, name: &str) -> &'a LayerRecord {
    doc.mechanisms
        .iter()
        .find(|m| m.mechanism == name)
        .unwrap_or_else(|| panic!("no {name} in {:#?}", doc.mechanisms))
}

#[test]
fn kaserve_close_idle_counts_only_application_traffic() {
    let server = kaserve("tcp", &["--fault", "close-idle=2s"]);
    let (doc, out) = kafind(&server.url(), &[]);
    assert_eq!(out.code(), 0, "{}", out.stderr);
    assert_eq!(doc.header.kind, "layers");
    let none = mechanism(&doc, "none");
    assert_eq!(
        (none.kept_alive.as_str(), none.cause.as_deref()),
        ("no", Some("eof"))
    );
    let died = none.died_after_ms.unwrap();
    assert!(
        (1900.0..2600.0).contains(&died),
        "closed at 2 s idle: {died}"
    );
    assert_eq!(
        mechanism(&doc, "tcp-keepalive").kept_alive,
        "no",
        "the server never sees kernel probes"
    );
    let echo = mechanism(&doc, "echo");
    assert_eq!(echo.kept_alive, "yes");
    // interval x missed + timeout = 3 x 1 s + 0.5 s; TCP: idle + intvl x 3 = 4 s.
    assert_eq!(echo.detect_dead_within_ms, Some(3500.0));
    assert_eq!(
        mechanism(&doc, "tcp-keepalive").detect_dead_within_ms,
        Some(4000.0)
    );
    assert_eq!(doc.recommended.as_deref(), Some("echo"));
    assert!(
        doc.summary.starts_with("use echo every 1s"),
        "{}",
        doc.summary
    );
}

#[test]
fn through_nginx_websocket_frames_count_and_tcp_keepalive_does_not() {
    if !have_nginx() {
        return;
    }
    let backend = KaServe::ws(&[]);
    let nginx = Nginx::ws_proxy(backend.addr, "2s");
    let (doc, out) = kafind(&nginx.url(), &[]);
    assert_eq!(out.code(), 0, "{}\n{}", out.stdout, out.stderr);
    assert_kept(
        &doc,
        &[
            ("none", "no"),
            ("tcp-keepalive", "no"),
            ("ping", "yes"),
            ("text", "yes"),
        ],
    );
    // Any traffic from the client wakes nginx's upgraded-connection handler and
    // re-arms the timer, even an unsolicited Pong nothing answers; the kernel's
    // keepalive probes never reach nginx at all.
    let pong = mechanism(&doc, "pong");
    assert_eq!(pong.kept_alive, "yes", "{:#?}", doc.mechanisms);
    assert_eq!(pong.detect_dead_within_ms, None, "nothing answers a Pong");
    assert_eq!(
        doc.recommended.as_deref(),
        Some("ping"),
        "frames are cheaper than messages"
    );
}

/// kafind layers (every 1 s, -W 500ms, and `extra`) from the middlebox's client
/// to a kaserve tcp on its server; `meanwhile` runs while kafind does.
fn through(
    mb: &Middlebox,
    extra: &[&str],
    meanwhile: impl FnOnce(&Middlebox),
) -> crate::util::Output {
    let listen = format!("{SERVER_IP}:7070");
    let mut cmd = mb.server.command(crate::util::bin("kaserve"));
    cmd.args(["tcp", "--listen", &listen, "--ndjson"]);
    let (_server, first) = Daemon::start(cmd);
    assert!(first.contains("listening"), "{first}");
    let mut cmd = mb.client.command(crate::util::bin("kafind"));
    let target = format!("tcp://{listen}");
    cmd.args(["layers", &target, "--json", "-i", "1s", "-W", "500ms"])
        .args(extra);
    let started = std::time::Instant::now();
    let mut running = crate::util::Running::command(cmd);
    meanwhile(mb);
    let stdout = running.read_stdout_to_end();
    running.finish(stdout, started)
}

#[test]
fn through_a_conntrack_middlebox_tcp_keepalive_keeps_the_flow() {
    let Some(mb) = Middlebox::new(2) else { return };
    let out = through(&mb, &["--duration", "4s"], |_| {});
    assert_eq!(out.code(), 0, "{}", out.stderr);
    let doc: LayersDoc = serde_json::from_str(&out.stdout).unwrap();
    let none = mechanism(&doc, "none");
    assert_eq!(none.kept_alive, "no", "{:#?}", doc.mechanisms);
    assert_eq!(
        none.cause.as_deref(),
        Some("timeout"),
        "dropped silently: {none:?}"
    );
    assert_eq!(none.died_after_ms, None);
    assert_eq!(
        mechanism(&doc, "tcp-keepalive").kept_alive,
        "yes",
        "{:#?}",
        doc.mechanisms
    );
    assert_eq!(mechanism(&doc, "echo").kept_alive, "yes");
    assert_eq!(
        doc.recommended.as_deref(),
        Some("tcp-keepalive"),
        "the cheapest that survives"
    );
}

#[test]
fn detection_is_measured_against_a_blackholed_kaserve() {
    let server = kaserve("tcp", &["--fault", "blackhole-after=1s"]);
    let (doc, out) = kafind(
        &server.url(),
        &["--duration", "6s", "--measure-detection", "1s"],
    );
    assert_eq!(out.code(), 0, "{}", out.stderr);
    assert_eq!(doc.measure_detection_ms, Some(1000.0));
    let echo = mechanism(&doc, "echo");
    let (measured, bound) = (
        echo.detected_after_ms.unwrap(),
        echo.detect_dead_within_ms.unwrap(),
    );
    assert!(
        measured <= bound * 1.1,
        "echo noticed in {measured} ms, bound {bound} ms"
    );
    assert!(
        measured >= 1000.0,
        "three misses take at least two intervals: {measured}"
    );
    // The server's kernel still ACKs keepalive probes for a process that stopped
    // reading: TCP keepalive never notices a hung server.
    assert_eq!(
        mechanism(&doc, "tcp-keepalive").detected_after_ms,
        None,
        "{:#?}",
        doc.mechanisms
    );
    assert!(doc.summary.contains("echo noticed in"), "{}", doc.summary);
    // Its sentence says why, beside the bound its table gives; that table has
    // no survival column in this mode, and the run's time is labelled.
    assert!(
        doc.summary
            .contains("not for a process whose kernel still acknowledges"),
        "{}",
        doc.summary
    );
    let text = run(
        "kafind",
        &[
            "layers",
            "--duration",
            "3s",
            "--measure-detection",
            "1s",
            &server.url(),
        ],
    );
    assert!(text.stdout.contains("noticed after"), "{}", text.stdout);
    assert!(!text.stdout.contains("kept alive"), "{}", text.stdout);
    assert!(text.stdout.contains("the run took "), "{}", text.stdout);
}

#[test]
fn a_vanished_host_is_noticed_by_tcp_keepalive_and_echo_within_their_bounds() {
    let Some(mb) = Middlebox::new(600) else {
        return;
    };
    // The host vanishes about 0.6 s after the connections open; kafind is told
    // 1 s, so what it measures is at most the true time to notice.
    let out = through(
        &mb,
        &["--duration", "6s", "--measure-detection", "1s"],
        |mb| {
            std::thread::sleep(std::time::Duration::from_millis(600));
            mb.cut();
        },
    );
    assert_eq!(out.code(), 0, "{}", out.stderr);
    let doc: LayersDoc = serde_json::from_str(&out.stdout).unwrap();
    for name in ["tcp-keepalive", "echo"] {
        let m = mechanism(&doc, name);
        let measured = m
            .detected_after_ms
            .unwrap_or_else(|| panic!("{name} never noticed: {m:?}"));
        let bound = m.detect_dead_within_ms.unwrap();
        assert!(
            measured > 0.0 && measured <= bound * 1.1,
            "{name}: noticed in {measured} ms, bound {bound} ms"
        );
    }
    assert_eq!(
        mechanism(&doc, "tcp-keepalive").cause.as_deref(),
        Some("timeout")
    );
}

#[test]
fn grpc_max_connection_idle_counts_calls_not_pings() {
    // grpc-go's MaxConnectionIdle (kaserve's --max-connection-idle) is about
    // streams: PINGs, allowed here, do not keep a connection from it; calls do.
    let server = kaserve(
        "grpc",
        &[
            "--max-connection-idle",
            "2s",
            "--ping-min-interval",
            "100ms",
            "--permit-without-stream",
        ],
    );
    let (doc, out) = kafind(&format!("grpc://{}", server.addr), &[]);
    assert_eq!(out.code(), 0, "{}", out.stderr);
    for name in ["none", "tcp-keepalive", "h2ping"] {
        let m = mechanism(&doc, name);
        assert_eq!(m.kept_alive, "no", "{:#?}", doc.mechanisms);
        assert_eq!(m.cause.as_deref(), Some("goaway NO_ERROR"), "{m:?}");
    }
    assert_eq!(
        mechanism(&doc, "health").kept_alive,
        "yes",
        "{:#?}",
        doc.mechanisms
    );
    assert_eq!(doc.recommended.as_deref(), Some("health"));
}

#[test]
fn without_an_interval_the_idle_timeout_is_found_first() {
    let server = kaserve("tcp", &["--fault", "close-idle=2s"]);
    let first = ["--idle-max", "8s", "-W", "500ms"];
    let (doc, out): (LayersDoc, _) =
        crate::util::kafind::json("layers", &server.url(), &first, &[], &[]);
    assert_eq!(out.code(), 0, "{}", out.stderr);
    let idle = doc.idle_timeout_ms.expect("found first");
    assert!((1900.0..2300.0).contains(&idle), "{idle}");
    assert!(
        (doc.interval_ms - idle / 2.0).abs() < 0.01,
        "half of it: {}",
        doc.interval_ms
    );
    assert!(
        (doc.duration_ms - idle * 3.0).abs() < 0.01,
        "three times it: {}",
        doc.duration_ms
    );
    assert_eq!(doc.recommended.as_deref(), Some("echo"));
}

#[test]
fn layers_refuses_what_it_cannot_compare() {
    let cases: [(&[&str], &str); 3] = [
        (&["--mode", "connect"], "holds no idle connection"),
        (&["--tcp-keepalive", "5s"], "one of the mechanisms"),
        (
            &["--interval", "5s", "--duration", "2s"],
            "longer than --interval",
        ),
    ];
    crate::util::kafind::refuses("layers", "tcp://127.0.0.1:1", &cases);
    let closed = crate::util::closed_port();
    let (doc, out) = kafind(&format!("tcp://{closed}"), &[]);
    assert_eq!(out.code(), 1);
    assert!(
        doc.mechanisms
            .iter()
            .all(|m| m.kept_alive == "failed" && m.cause.as_deref() == Some("refused"))
    );
    assert_eq!(doc.recommended, None);
}
