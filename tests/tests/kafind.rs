//! kafind idle-timeout against real peers that end idle connections in each way a
//! path can: kaserve's faults and policies, the fault proxy, grpc-core.

use std::time::Duration;

use kawire::record::IdleTimeoutDoc;
use serde_json::Value;

use crate::util::proxy::{Fault, FaultProxy};
use crate::util::{KaServe, python, run};

/// Short ages for loopback peers: from 0.5 s, probes answered within 400 ms.
const QUICK: [&str; 4] = ["--min", "500ms", "-W", "400ms"];

/// kafind idle-timeout --json, up to 4 s unless `extra` sets `--max`.
fn kafind(target: &str, extra: &[&str]) -> (IdleTimeoutDoc, crate::util::Output) {
    crate::util::kafind::json("idle-timeout", target, &QUICK, &[("--max", "4s")], extra)
}

/// kaserve `args[0]` with the flags after it.
fn serve(args: &[&str]) -> KaServe {
    crate::util::kafind::kaserve(args[0], &args[1..])
}

fn url(server: &KaServe, scheme: &str) -> String {
    match scheme {
        "tcp" => format!("tcp://{}", server.addr),
        "grpc" => format!("grpc://{}", server.addr),
        s => format!("{s}://{}/", server.addr),
    }
}

/// Within `frac` of `want` ms.
fn near(value: Option<f64>, want: f64, frac: f64) -> bool {
    value.is_some_and(|v| (v - want).abs() <= want * frac)
}

#[test]
fn an_idle_close_on_tcp_is_measured_to_the_millisecond() {
    let server = serve(&["tcp", "--fault", "close-idle=1500ms"]);
    let (doc, out) = kafind(&url(&server, "tcp"), &[]);
    assert_eq!(out.code(), 0, "{}", out.stderr);
    assert_eq!(doc.header.kind, "idle_timeout");
    assert_eq!(doc.verdict, "closed", "{doc:?}");
    assert_eq!(doc.death.as_ref().unwrap().cause, "eof");
    assert!(near(doc.timeout_ms, 1500.0, 0.05), "{doc:?}");
    assert!(near(doc.recommended_interval_ms, 700.0, 0.1), "{doc:?}");
    assert!(doc.rungs.iter().any(|r| r.outcome == "alive"));
    assert!(
        doc.rungs
            .iter()
            .any(|r| r.outcome == "closed" && r.died_after_ms.is_some())
    );
    // An active close is known at once: the timeout plus little.
    assert!(doc.elapsed_ms < 1500.0 + 1500.0, "{doc:?}");
    assert!(
        doc.summary.contains("with FIN (eof) after 1.5"),
        "{}",
        doc.summary
    );
}

#[test]
fn an_idle_close_on_ws_names_its_close_code() {
    for (extra, code) in [
        ("close-idle=1500ms", "ws-close 1006"),
        ("close-idle=1500ms,close-code=4000", "ws-close 4000"),
    ] {
        let server = serve(&["ws", "--fault", extra]);
        let (doc, out) = kafind(&url(&server, "ws"), &[]);
        assert_eq!(out.code(), 0, "{}", out.stderr);
        assert_eq!(doc.verdict, "closed", "{doc:?}");
        assert_eq!(doc.death.as_ref().unwrap().cause, code, "{doc:?}");
        assert!(near(doc.timeout_ms, 1500.0, 0.05), "{doc:?}");
        assert_eq!(doc.mode, "ping");
    }
}

#[test]
fn a_silent_drop_is_bracketed_to_the_precision() {
    // kaserve's NAT-like fault, and a NAT-like proxy in front of a healthy server.
    let dropping = serve(&["tcp", "--fault", "drop-idle=1s"]);
    let healthy = KaServe::tcp();
    let proxy = FaultProxy::start(healthy.addr);
    proxy.set(Fault::DropIdle(Duration::from_secs(1)));
    for target in [url(&dropping, "tcp"), proxy.url()] {
        let (doc, out) = kafind(&target, &[]);
        assert_eq!(out.code(), 0, "{target}: {}", out.stderr);
        assert_eq!(doc.verdict, "silent", "{target}: {doc:?}");
        let (low, high) = (doc.low_ms.unwrap(), doc.high_ms.unwrap());
        // The dropper's timer can only fire late (CI saw a connection idle 1001 ms
        // still alive on a loaded machine), never early: nothing dies before 1 s.
        assert!(low <= 1050.0 && high > 1000.0, "{target}: {low}..{high}");
        assert!(
            (high - low) / high <= 0.03,
            "{target}: {low}..{high} wider than 3%"
        );
        assert!(near(doc.timeout_ms, 1000.0, 0.03), "{target}: {doc:?}");
        assert_eq!(doc.death.as_ref().unwrap().cause, "timeout");
        // Bracketed within 3% in at most 2 T + 1 s.
        assert!(
            doc.elapsed_ms < 2000.0 + 1000.0,
            "{target}: {} ms",
            doc.elapsed_ms
        );
    }
}

#[test]
fn grpc_goaway_carries_its_debug_data_and_a_lifetime_is_no_idle_timeout() {
    let idle = serve(&["grpc", "--max-connection-idle", "1500ms"]);
    let (doc, out) = kafind(&url(&idle, "grpc"), &[]);
    assert_eq!(out.code(), 0, "{}", out.stderr);
    assert_eq!(doc.verdict, "closed", "{doc:?}");
    let death = doc.death.as_ref().unwrap();
    assert_eq!(death.cause, "goaway NO_ERROR");
    assert!(death.detail.contains("max_idle"), "{death:?}");
    assert!(near(doc.timeout_ms, 1500.0, 0.05), "{doc:?}");

    // Every connection ends at 1.5 s of age, the busy control one too.
    for extra in [
        ["--max-connection-age", "1500ms"],
        ["--fault", "goaway-after=1500ms"],
    ] {
        let aged = serve(&["grpc", extra[0], extra[1]]);
        let (doc, out) = kafind(&url(&aged, "grpc"), &[]);
        assert_eq!(out.code(), 0, "{}", out.stderr);
        assert_eq!(doc.verdict, "lifetime", "{extra:?}: {doc:?}");
        assert!(near(doc.timeout_ms, 1500.0, 0.1), "{doc:?}");
        assert_eq!(doc.recommended_interval_ms, None, "no keepalive helps");
        assert!(
            doc.death.as_ref().unwrap().cause.starts_with("goaway"),
            "{doc:?}"
        );
    }
}

#[test]
fn a_reset_at_a_fixed_age_is_a_lifetime() {
    let server = serve(&["tcp", "--fault", "reset-after=1500ms"]);
    let (doc, out) = kafind(&url(&server, "tcp"), &[]);
    assert_eq!(out.code(), 0, "{}", out.stderr);
    assert_eq!(doc.verdict, "lifetime", "{doc:?}");
    assert_eq!(doc.death.as_ref().unwrap().cause, "reset");
}

#[test]
fn a_server_that_pings_keeps_idle_connections_alive() {
    let server = serve(&["ws", "--ping-interval", "300ms"]);
    let (doc, out) = kafind(&url(&server, "ws"), &["--max", "2s"]);
    assert_eq!(out.code(), 0, "{}", out.stderr);
    assert_eq!(doc.verdict, "kept_alive_by_server", "{doc:?}");
    assert!(near(doc.server_ping_interval_ms, 300.0, 0.3), "{doc:?}");
    assert_eq!(doc.high_ms, None);
}

#[test]
fn nothing_found_up_to_max_and_require_sets_the_exit_status() {
    let server = KaServe::tcp();
    let (doc, out) = kafind(&url(&server, "tcp"), &["--max", "1500ms"]);
    assert_eq!(out.code(), 0, "{}", out.stderr);
    assert_eq!(doc.verdict, "none_found", "{doc:?}");
    assert!(near(doc.low_ms, 1500.0, 0.01), "{doc:?}");

    let closing = serve(&["tcp", "--fault", "close-idle=1s"]);
    let (doc, out) = kafind(&url(&closing, "tcp"), &["--require", "5s"]);
    assert_eq!(out.code(), 1, "kills idle connections sooner than required");
    assert!(!doc.healthy);
    let (_, out) = kafind(&url(&closing, "tcp"), &["--require", "800ms"]);
    assert_eq!(out.code(), 0, "{}", out.stderr);
}

#[test]
fn a_target_that_never_answers_fails_the_run() {
    let closed = crate::util::closed_port();
    let (doc, out) = kafind(&format!("tcp://{closed}"), &[]);
    assert_eq!(out.code(), 1, "{}", out.stderr);
    assert_eq!(doc.verdict, "failed", "{doc:?}");
    assert_eq!(doc.death.as_ref().unwrap().cause, "refused");
    assert!(out.elapsed < Duration::from_secs(3), "{:?}", out.elapsed);
}

#[test]
fn ndjson_streams_a_record_per_rung_then_the_answer() {
    let server = serve(&["tcp", "--fault", "close-idle=1s"]);
    let mut args = vec!["idle-timeout", "--ndjson", "--max", "4s"];
    args.extend_from_slice(&QUICK);
    let target = url(&server, "tcp");
    args.push(&target);
    let out = run("kafind", &args);
    assert_eq!(out.code(), 0, "{}", out.stderr);
    let lines: Vec<Value> = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let (last, rungs) = lines.split_last().unwrap();
    assert_eq!(last["type"], "idle_timeout");
    assert_eq!(last["verdict"], "closed");
    assert!(!rungs.is_empty());
    for r in rungs {
        assert_eq!(r["type"], "rung", "{r}");
        assert_eq!(r["v"], 1);
        assert!(r["idle_ms"].as_f64().unwrap() > 0.0);
        assert!(r["ts"].as_str().unwrap().ends_with('Z'));
    }
    assert_eq!(last["rungs"].as_array().unwrap().len(), rungs.len());
    // kareport reads the stream and counts kafind's records as unknown types.
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), &out.stdout).unwrap();
    let report = run("kareport", &["--json", file.path().to_str().unwrap()]);
    let doc: Value =
        serde_json::from_str(&report.stdout).unwrap_or_else(|e| panic!("{e}: {}", report.stderr));
    assert_eq!(doc["input"]["unknown"], lines.len(), "{doc}");
}

/// kafind `args` with `--json`, sent one SIGINT once `ready` returns: its output,
/// which comes promptly, with exit status 1 (interrupted before the answer).
fn ctrl_c(args: &[&str], ready: impl FnOnce()) -> crate::util::Output {
    let mut running = crate::util::Running::spawn("kafind", &[args, &["--json"]].concat());
    ready();
    let started = std::time::Instant::now();
    running.signal("INT");
    let stdout = running.read_stdout_to_end();
    let out = running.finish(stdout, started);
    assert!(
        out.elapsed < Duration::from_secs(2),
        "stopped after {:?}",
        out.elapsed
    );
    assert_eq!(
        out.code(),
        1,
        "interrupted before the answer: {}",
        out.stderr
    );
    out
}

#[test]
fn ctrl_c_prints_the_bracket_so_far() {
    let server = serve(&["tcp", "--fault", "drop-idle=3s"]);
    let target = url(&server, "tcp");
    let args = ["idle-timeout", &target, "--min", "500ms", "--max", "10s"];
    let out = ctrl_c(&args, || std::thread::sleep(Duration::from_millis(1800)));
    let doc: IdleTimeoutDoc = serde_json::from_str(&out.stdout).unwrap();
    assert!(doc.interrupted);
    assert!(
        doc.low_ms.is_some_and(|l| l >= 1000.0),
        "alive at 1 s at least: {doc:?}"
    );
    assert!(
        doc.summary.starts_with("interrupted, so far:"),
        "{}",
        doc.summary
    );
}

/// With `--each-address`, one cancel token for the run: a first Ctrl-C during the
/// first address ends the run (its bracket so far printed), and the second address
/// is not started. (Each address once had its own signal handler: the first
/// Ctrl-C ended only the current address and the run went on.)
#[test]
fn ctrl_c_with_each_address_ends_the_run_not_only_the_address() {
    let server = serve(&["tcp", "--fault", "drop-idle=3s"]);
    let port = server.addr.port();
    let rule = format!("lb.test:{port}:127.0.0.1,127.0.0.2");
    let target = format!("tcp://lb.test:{port}");
    let each = ["--each-address", "--resolve", &rule];
    let args = ["idle-timeout", &target, "--min", "500ms", "--max", "10s"];
    // The first address is being discovered once kaserve logs a client (the
    // signal handler is installed before any connection is made).
    let out = ctrl_c(&[&args[..], &each].concat(), || {
        let until = std::time::Instant::now() + Duration::from_secs(10);
        while server.log().len() < 2 {
            assert!(std::time::Instant::now() < until, "no client came");
            std::thread::sleep(Duration::from_millis(10));
        }
    });
    let docs: Vec<IdleTimeoutDoc> = crate::util::kafind::documents(&out.stdout);
    assert_eq!(docs.len(), 1, "the second address was started: {docs:#?}");
    assert!(docs[0].interrupted, "{:?}", docs[0]);
    assert_eq!(docs[0].header.addr.as_deref(), Some("127.0.0.1"));
}

#[test]
fn bad_input_is_a_usage_error() {
    let cases: [(&[&str], &str); 4] = [
        (&["--min", "5s", "--max", "1s"], "shorter than"),
        (&["--mode", "connect"], "holds no connection"),
        (&["--tcp-keepalive", "5s"], "sends nothing"),
        (&["--max-connections", "2"], "--max-connections"),
    ];
    crate::util::kafind::refuses("idle-timeout", "tcp://h:1", &cases);
}

#[test]
fn the_demo_discovers_three_misbehaving_responders() {
    let out = run("kafind", &["--demo"]);
    assert_eq!(out.code(), 0, "{}", out.stderr);
    assert!(out.elapsed < Duration::from_secs(15), "{:?}", out.elapsed);
    for needle in [
        "the path closes idle connections with FIN (eof) after 3.0",
        "the path drops idle connections silently",
        "the server closes idle connections with goaway NO_ERROR",
    ] {
        assert!(out.stdout.contains(needle), "{needle}:\n{}", out.stdout);
    }
    // The blocks in the intro's order (tcp, ws, grpc), each rung said once (as
    // a line, no table of them too), then a closing block with the three
    // answers and how to get the five tools.
    let at = |s: &str| {
        out.stdout
            .find(s)
            .unwrap_or_else(|| panic!("{s}\n{}", out.stdout))
    };
    let blocks = [
        "KAFIND idle-timeout tcp://",
        "KAFIND idle-timeout ws://",
        "KAFIND idle-timeout grpc://",
    ];
    assert!(
        blocks.windows(2).all(|w| at(w[0]) < at(w[1])),
        "{}",
        out.stdout
    );
    assert!(
        !out.stdout.contains("┆"),
        "no table of rungs:\n{}",
        out.stdout
    );
    assert!(!out.stdout.contains(": cancelled"), "{}", out.stdout);
    let answers = &out.stdout[at("--- the answers ---")..];
    assert!(at("--- the answers ---") > at(blocks[2]));
    assert_eq!(
        answers
            .lines()
            .filter(|l| l.contains(": idle timeout "))
            .count(),
        3,
        "{answers}"
    );
    for tool in ["kaping", "kawatch", "kareport", "kaserve", "kafind"] {
        assert!(answers.contains(tool), "{tool}: {answers}");
    }
    // One count of connections a discovery, with its bound.
    for line in out
        .stdout
        .lines()
        .filter(|l| l.contains("connections in all"))
    {
        assert!(line.contains("at most 32 at once"), "{line}");
    }
}

/// grpc-core's own idle policy: `grpc.max_connection_idle_ms` sends GOAWAY with
/// "connection idle". grpc-core 1.85 with 1500 ms closed idle connections after
/// 3.0-3.1 s, not 1.5 s: kafind reports what the server does, not what it was told.
#[test]
fn grpc_core_max_connection_idle_is_found() {
    if !python::have_grpcio() {
        return;
    }
    let server = python::PyGrpc::start(&["grpc.max_connection_idle_ms=1500"]);
    let (doc, out) = kafind(&server.url(), &["--max", "8s"]);
    assert_eq!(out.code(), 0, "{}", out.stderr);
    assert_eq!(doc.verdict, "closed", "{doc:?}");
    let death = doc.death.as_ref().unwrap();
    assert!(death.cause.starts_with("goaway"), "{doc:?}");
    assert!(death.detail.contains("connection idle"), "{death:?}");
    let timeout = doc.timeout_ms.unwrap();
    assert!((1500.0..4500.0).contains(&timeout), "{doc:?}");
    // Its deaths cluster, though its timer is coarse: 260 ms apart on an idle
    // machine, 540 ms with both cores busy.
    assert!(
        doc.high_ms.unwrap() - doc.low_ms.unwrap() < 1500.0,
        "{doc:?}"
    );
}

/// nginx as a WebSocket reverse proxy closes a connection whose upstream has been
/// silent for `proxy_read_timeout`: the client sees the TCP connection end with no
/// close frame.
#[test]
fn nginx_proxy_read_timeout_is_found() {
    if !crate::util::nginx::have_nginx() {
        return;
    }
    let upstream = KaServe::ws(&[]);
    let nginx = crate::util::nginx::Nginx::ws_proxy(upstream.addr, "2s");
    let (doc, out) = kafind(&nginx.url(), &["--max", "5s"]);
    assert_eq!(out.code(), 0, "{}", out.stderr);
    assert_eq!(doc.verdict, "closed", "{doc:?}");
    assert_eq!(
        doc.death.as_ref().unwrap().cause,
        "ws-close 1006",
        "{doc:?}"
    );
    assert!(near(doc.timeout_ms, 2000.0, 0.05), "{doc:?}");
}

/// A real kernel middlebox: a router namespace whose conntrack forgets flows idle
/// for 3 s and drops their later packets as invalid, silently, as a NAT does.
#[test]
fn a_kernel_middlebox_that_forgets_idle_flows_is_found() {
    use crate::util::netns::{Daemon, Middlebox, SERVER_IP};
    let Some(mb) = Middlebox::new(3) else { return };
    let listen = format!("{SERVER_IP}:7070");
    let mut cmd = mb.server.command(crate::util::bin("kaserve"));
    cmd.args(["tcp", "--listen", &listen, "--ndjson"]);
    let (server, first) = Daemon::start(cmd);
    assert!(first.contains("listening"), "{first}");
    let mut cmd = mb.client.command(crate::util::bin("kafind"));
    let target = format!("tcp://{listen}");
    cmd.args([
        "idle-timeout",
        &target,
        "--min",
        "1s",
        "--max",
        "8s",
        "-W",
        "500ms",
        "--json",
    ]);
    let started = std::time::Instant::now();
    let mut running = crate::util::Running::command(cmd);
    let stdout = running.read_stdout_to_end();
    let out = running.finish(stdout, started);
    assert_eq!(out.code(), 0, "{}", out.stderr);
    let doc: IdleTimeoutDoc = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(doc.verdict, "silent", "{doc:?}");
    let (low, high) = (doc.low_ms.unwrap(), doc.high_ms.unwrap());
    assert!(low <= 3000.0 && high > 3000.0, "{low}..{high}");
    assert!((high - low) / high <= 0.03, "{low}..{high} wider than 3%");
    // Within 2 T + 1 s (it took 2.51 T at T = 4 s).
    assert!(
        doc.elapsed_ms < 2.0 * 3000.0 + 1000.0,
        "{} ms",
        doc.elapsed_ms
    );
    drop(server);
    let names = [
        mb.client.name().to_string(),
        mb.router.name().to_string(),
        mb.server.name().to_string(),
    ];
    drop(mb);
    let left = std::process::Command::new("ip")
        .args(["netns", "list"])
        .output()
        .unwrap();
    let left = String::from_utf8_lossy(&left.stdout);
    assert!(
        names.iter().all(|n| !left.contains(n.as_str())),
        "namespaces removed: {left}"
    );
}

/// Over TLS with a CA made in the test: the same discovery, certificates verified.
#[test]
fn wss_with_a_test_ca_is_discovered_like_ws() {
    let pki = crate::util::certs::Pki::new();
    let pair = pki.server("server", &["127.0.0.1"]);
    let (cert, key) = (pair.cert.to_str().unwrap(), pair.key.to_str().unwrap());
    let server = KaServe::ws(&[
        "--tls-cert",
        cert,
        "--tls-key",
        key,
        "--fault",
        "close-idle=1s,close-code=4001",
    ]);
    assert!(server.url().starts_with("wss://"));
    let ca = pki.ca.to_str().unwrap();
    let (doc, out) = kafind(&server.url(), &["--ca", ca, "--max", "3s"]);
    assert_eq!(out.code(), 0, "{}", out.stderr);
    assert_eq!(doc.verdict, "closed", "{doc:?}");
    assert_eq!(doc.death.as_ref().unwrap().cause, "ws-close 4001");
    assert!(near(doc.timeout_ms, 1000.0, 0.05), "{doc:?}");
    // Without the CA, verification fails: nothing answers, the run fails.
    let (doc, out) = kafind(&server.url(), &["--max", "3s"]);
    assert_eq!(out.code(), 1, "{}", out.stderr);
    assert_eq!(doc.verdict, "failed");
    assert_eq!(doc.death.as_ref().unwrap().cause, "tls");
}

/// The first thing a user tries after the demo, with the default `--min 5s`:
/// the control connection talked every 2.5 s and died of the 2 s timeout it was
/// compared with, so a close-idle read as a "lifetime", HTTP's 1 s keep-alive
/// likewise, and a silent drop as `failed`. Timeouts below `--min` are found.
#[test]
fn timeouts_below_the_default_min_are_found_not_taken_for_lifetimes() {
    let tcp = serve(&["tcp", "--fault", "close-idle=2s"]);
    let http = serve(&["http", "--keepalive-timeout", "1s"]);
    for (target, want) in [(url(&tcp, "tcp"), 2000.0), (url(&http, "http"), 1000.0)] {
        let out = run("kafind", &["idle-timeout", "--json", &target]);
        assert_eq!(out.code(), 0, "{target}: {}", out.stderr);
        let doc: IdleTimeoutDoc = serde_json::from_str(&out.stdout).unwrap();
        assert_eq!(doc.verdict, "closed", "{target}: {}", doc.summary);
        assert!(near(doc.timeout_ms, want, 0.05), "{target}: {doc:?}");
    }
    let ws = serve(&["ws", "--fault", "drop-idle=2s"]);
    let target = url(&ws, "ws");
    let out = run(
        "kafind",
        &["idle-timeout", "--json", "--max", "8s", &target],
    );
    assert_eq!(out.code(), 0, "{}", out.stderr);
    let doc: IdleTimeoutDoc = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(doc.verdict, "silent", "{}", doc.summary);
    assert!(near(doc.timeout_ms, 2000.0, 0.05), "{doc:?}");
    // Every rung it opened is in the answer, with its outcome.
    assert!(doc.rungs.iter().all(|r| !r.outcome.is_empty()));
}

/// The default -W is 2 s, but a rung's probe on loopback waits 500 ms (20 round
/// trips at least): a silent drop of 3 s is known within 2 T + 1 s (it took
/// 8.2 s, 2.73 T).
#[test]
fn a_silent_drop_with_the_default_wait_is_known_within_twice_it_and_a_second() {
    let tcp = serve(&["tcp", "--fault", "drop-idle=3s"]);
    let target = url(&tcp, "tcp");
    let out = run(
        "kafind",
        &["idle-timeout", "--json", "--min", "1s", &target],
    );
    assert_eq!(out.code(), 0, "{}", out.stderr);
    let doc: IdleTimeoutDoc = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(doc.verdict, "silent", "{}", doc.summary);
    assert!(near(doc.timeout_ms, 3000.0, 0.03), "{doc:?}");
    assert!(doc.elapsed_ms < 7000.0, "{} ms", doc.elapsed_ms);
}

/// Redis with `timeout 2` checks idle clients about once a second on a clock of
/// whole seconds: its closes came 2.06-3.31 s after silence, and kafind said
/// `inconsistent` in 4 runs of 43, blaming rungs it had cancelled. A spread that
/// fits one coarse timer is one timeout, counted from the shortest death.
#[test]
fn redis_closes_on_a_coarse_clock_are_one_timeout() {
    if !crate::util::redis::have_redis() {
        return;
    }
    let server = crate::util::redis::Redis::start(2);
    let target = format!("tcp://{}", server.addr);
    for _ in 0..3 {
        let (doc, out) = kafind(&target, &["--max", "6s"]);
        assert_eq!(out.code(), 0, "{}", out.stderr);
        assert_eq!(doc.verdict, "closed", "{}: {:#?}", doc.summary, doc.rungs);
        let (low, high) = (doc.low_ms.unwrap(), doc.high_ms.unwrap());
        assert!(low >= 1900.0 && high <= 3600.0, "{low}..{high}");
        assert_eq!(doc.timeout_ms, Some(low), "counted from the shortest");
        assert!(doc.rungs.iter().all(|r| !r.outcome.is_empty()));
    }
}
