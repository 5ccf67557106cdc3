//! The gRPC health Watch: kawatch --mode watch holds a stream per target and takes
//! each status the server pushes as a transition; kaping --mode watch checks the
//! first status once. Against kaserve's --flip and grpc-core's
//! `HealthServicer.set` (grpcio).

use kawire::record::{Record, StateRecord};

use crate::util::{KaServe, Output, python, run, states};

/// Seconds since midnight of an RFC 3339 UTC timestamp (`...T08:22:43.922000Z`).
fn secs(ts: &str) -> f64 {
    let t = &ts[11..ts.len() - 1];
    let mut parts = t.split(':');
    let h: f64 = parts.next().unwrap().parse().unwrap();
    let m: f64 = parts.next().unwrap().parse().unwrap();
    let s: f64 = parts.next().unwrap().parse().unwrap();
    h * 3600.0 + m * 60.0 + s
}

/// The status transitions (after the connection's own `connecting -> up`): their
/// `from -> to`, and the spacing between them in milliseconds.
fn flips(records: &[Record]) -> (Vec<String>, Vec<f64>) {
    let status: Vec<&StateRecord> = states(records)
        .into_iter()
        .filter(|s| {
            s.kind
                .as_deref()
                .is_some_and(|k| k == "serving" || k.starts_with("health "))
        })
        .collect();
    let moves = status
        .iter()
        .map(|s| format!("{}>{}", s.from, s.to))
        .collect();
    let gaps = status
        .windows(2)
        .map(|w| ((secs(&w[1].header.ts) - secs(&w[0].header.ts)).rem_euclid(86_400.0)) * 1000.0)
        .collect();
    (moves, gaps)
}

/// Every status change is reported within 100 ms of when it happened: with flips
/// every 400 ms, each transition comes 400 +- 100 ms after the one before.
fn assert_prompt(gaps: &[f64]) {
    assert!(gaps.len() >= 3, "{gaps:?}");
    for g in gaps {
        assert!(
            (300.0..=500.0).contains(g),
            "a status reported late or early: {gaps:?}"
        );
    }
}

fn watch(url: &str, extra: &[&str]) -> crate::util::Output {
    let duration = if extra.contains(&"--duration") {
        vec![]
    } else {
        vec!["--duration", "2s"]
    };
    let mut args = vec!["--mode", "watch", "--ndjson", url];
    args.extend(duration);
    args.extend_from_slice(extra);
    let out = run("kawatch", &args);
    out.assert_no_panic();
    out
}

#[test]
fn kawatch_follows_kaserve_flips_in_order_and_promptly() {
    let server = KaServe::on("grpc", &["--flip", "=400ms"]);
    let url = format!("grpc://{}", server.addr);
    let out = watch(&url, &[]);
    assert_eq!(out.code(), 0, "{}", out.stderr);
    let (moves, gaps) = flips(&out.records());
    assert!(moves.len() >= 4, "{moves:?}");
    for (i, m) in moves.iter().enumerate() {
        let want = if i % 2 == 0 {
            "up>degraded"
        } else {
            "degraded>up"
        };
        assert_eq!(m, want, "{moves:?}");
    }
    assert_prompt(&gaps);
    // No PINGs beside the stream unless asked: a strict server would punish them.
    assert!(out.records().iter().all(|r| !matches!(r, Record::Probe(_))));
    // NOT_SERVING can be down instead, without a reconnect: the stream is open.
    let out = watch(&url, &["--watch-down-on", "NOT_SERVING,SERVICE_UNKNOWN"]);
    let (moves, _) = flips(&out.records());
    assert!(
        moves.len() >= 4 && moves.iter().step_by(2).all(|m| m == "up>down"),
        "{moves:?}"
    );
    assert!(
        states(&out.records())
            .iter()
            .all(|s| s.to != "reconnecting")
    );
}

#[test]
fn kawatch_follows_grpc_core_health_servicer_set() {
    if !python::have_grpcio() {
        return;
    }
    let server = python::PyGrpc::start(&["flip:payments:0.4"]);
    let out = watch(&server.url(), &["--service", "payments"]);
    assert_eq!(out.code(), 0, "{}", out.stderr);
    let (moves, gaps) = flips(&out.records());
    assert!(moves.len() >= 4, "{moves:?}");
    assert!(
        moves.iter().step_by(2).all(|m| m == "up>degraded"),
        "{moves:?}"
    );
    assert_prompt(&gaps);
    // A service the server does not know: SERVICE_UNKNOWN, down by default.
    let out = watch(&server.url(), &["--service", "nope", "--duration", "500ms"]);
    let records = out.records();
    let s = states(&records);
    assert!(
        s.iter()
            .any(|s| s.to == "down" && s.cause == "health SERVICE_UNKNOWN"),
        "{s:?}"
    );
}

#[test]
fn a_watch_ended_by_the_server_is_a_cause_and_reconnects() {
    let server = KaServe::on(
        "grpc",
        &[
            "--max-connection-age",
            "600ms",
            "--max-connection-age-grace",
            "100ms",
        ],
    );
    let url = format!("grpc://{}", server.addr);
    let out = watch(&url, &["--backoff", "50ms..100ms"]);
    let records = out.records();
    let s = states(&records);
    let down = s.iter().find(|s| s.to == "down").expect("the stream's end");
    assert_eq!(down.kind.as_deref(), Some("goaway NO_ERROR"), "{down:?}");
    assert!(
        down.detail.as_deref().unwrap_or("").contains("max_age"),
        "{down:?}"
    );
    let ups = s.iter().filter(|s| s.to == "up").count();
    assert!(ups >= 2, "reconnected and watched again: {s:?}");
}

#[test]
fn kaping_watch_is_a_one_shot_check() {
    let serving = KaServe::on("grpc", &[]);
    let out = kaping_watch(
        &["-c", "2", "-i", "50ms"],
        &format!("grpc://{}", serving.addr),
    );
    assert_eq!(out.code(), 0, "{}", out.stderr);
    assert!(out.stdout.contains("SERVING from"), "{}", out.stdout);
    let down = KaServe::on("grpc", &["--status", "NOT_SERVING"]);
    let out = kaping_watch(&["-c", "1", "--json"], &format!("grpc://{}", down.addr));
    assert_eq!(out.code(), 1, "{}", out.stderr);
    let doc = out.report();
    assert_eq!(
        doc.targets[0].summary.failures.get("health NOT_SERVING"),
        Some(&1)
    );
    if python::have_grpcio() {
        let py = python::PyGrpc::start(&[]);
        for (service, code) in [("payments", 0), ("billing", 1)] {
            let out = kaping_watch(&["-c", "1", "-q", "--service", service], &py.url());
            assert_eq!(out.code(), code, "{service}: {}", out.stderr);
        }
    }
}

/// kaping's one-shot Watch of `url` with `extra` flags.
fn kaping_watch(extra: &[&str], url: &str) -> Output {
    let mut args = vec!["--mode", "watch"];
    args.extend_from_slice(extra);
    args.push(url);
    run("kaping", &args)
}
