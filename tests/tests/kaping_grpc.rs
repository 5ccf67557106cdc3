//! kaping over grpc:// and grpcs:// against kaserve, a tonic server in the harness
//! and grpc-core (Python grpcio): health statuses, HTTP/2 PING round trips, the
//! too_many_pings GOAWAY, idle and age GOAWAYs, metadata, TLS and --authority.

use std::time::Duration;

use tonic_health::ServingStatus;

use crate::util::certs::Pki;
use crate::util::grpc::TonicServer;
use crate::util::proxy::{Fault, FaultProxy};
use crate::util::python::{PyGrpc, have_grpcio};
use crate::util::{KaServe, events, kaping, probes, summary};

fn kaserve_grpc(extra: &[&str]) -> KaServe {
    let mut args = vec!["grpc", "--listen", "127.0.0.1:0", "--ndjson"];
    args.extend_from_slice(extra);
    KaServe::start(&args)
}

/// Runs kaping and returns its exit status and records.
fn ndjson(args: &[&str]) -> (i32, Vec<kawire::record::Record>, String) {
    let mut all = args.to_vec();
    all.push("--ndjson");
    let out = kaping(&all);
    out.assert_no_panic();
    (out.code(), out.records(), out.stderr)
}

#[test]
fn serving_exits_zero_and_not_serving_exits_one_naming_the_status() {
    let server = kaserve_grpc(&["--status", "payments=NOT_SERVING"]);
    let url = server.url();
    let (code, records, _) = ndjson(&["-c", "2", "-i", "10ms", &url]);
    assert_eq!(code, 0);
    assert!(
        probes(&records)
            .iter()
            .all(|p| p.ok && p.header.mode == "health")
    );
    let connected = events(&records, "connected");
    assert_eq!(connected.len(), 1, "one connection carries every check");
    assert!(connected[0].phases.as_ref().unwrap().handshake_us.is_some());

    let (code, records, stderr) = ndjson(&["-c", "2", "-i", "10ms", "--service", "payments", &url]);
    assert_eq!(code, 1);
    let p = probes(&records);
    assert_eq!(p[0].cause.as_deref(), Some("health NOT_SERVING"));
    assert!(
        stderr.contains("health NOT_SERVING (service 'payments' is not serving)"),
        "{stderr}"
    );
    assert_eq!(
        events(&records, "connected").len(),
        1,
        "a status keeps the connection"
    );

    let (code, records, _) = ndjson(&["-c", "1", "--service", "nope", &url]);
    assert_eq!(code, 1);
    let p = probes(&records);
    assert_eq!(p[0].cause.as_deref(), Some("grpc NOT_FOUND"));
    assert!(
        p[0].detail
            .as_deref()
            .unwrap()
            .contains("unknown service 'nope'")
    );
}

#[test]
fn tonic_health_statuses() {
    let server = TonicServer::start(
        &[
            ("", ServingStatus::Serving),
            ("payments", ServingStatus::NotServing),
        ],
        true,
    );
    let url = server.url();
    assert_eq!(kaping(&["-c", "2", "-i", "10ms", "-q", &url]).code(), 0);
    let out = kaping(&["-c", "1", "-q", "--service", "payments", &url]);
    assert_eq!(out.code(), 1);
    assert!(out.stderr.contains("health NOT_SERVING"), "{}", out.stderr);
    let out = kaping(&["-c", "1", "-q", "--service", "unknown", &url]);
    assert_eq!(out.code(), 1);
    assert!(out.stderr.contains("grpc NOT_FOUND"), "{}", out.stderr);
}

#[test]
fn a_server_without_the_health_service_is_named_as_such() {
    let server = TonicServer::start(&[], false);
    let out = kaping(&["-c", "1", &server.url()]);
    assert_eq!(out.code(), 1);
    assert!(
        out.stdout
            .contains("grpc UNIMPLEMENTED (the server has no health service"),
        "{}",
        out.stdout
    );
}

#[test]
fn metadata_reaches_the_server_and_is_never_printed() {
    let server = TonicServer::start(&[("", ServingStatus::Serving)], true);
    let url = server.url();
    for format in [None, Some("--json"), Some("--ndjson")] {
        let mut args = vec![
            "-c",
            "1",
            "-H",
            "authorization: Bearer s3cr3t-XYZ",
            "-H",
            "x-trace: 7",
        ];
        args.extend(format);
        args.push(&url);
        let out = kaping(&args);
        assert_eq!(out.code(), 0, "{}", out.stderr);
        assert!(!out.stdout.contains("s3cr3t") && !out.stderr.contains("s3cr3t"));
    }
    assert_eq!(
        server.metadata("authorization").as_deref(),
        Some("Bearer s3cr3t-XYZ")
    );
    assert_eq!(server.metadata("x-trace").as_deref(), Some("7"));
    // The deadline travels too, as grpc-timeout.
    assert!(server.metadata("grpc-timeout").is_some());
}

#[test]
fn h2ping_rtt_matches_an_injected_delay() {
    let server = kaserve_grpc(&["--permit-without-stream", "--ping-min-interval", "1ms"]);
    let proxy = FaultProxy::start(server.addr);
    proxy.set(Fault::Delay(Duration::from_millis(50)));
    let url = format!("grpc://{}", proxy.addr);
    let out = kaping(&["-c", "4", "-i", "10ms", "--mode", "h2ping", "--json", &url]);
    assert_eq!(out.code(), 0, "{}", out.stderr);
    let rtt = &out.report().targets[0].summary.rtt;
    let (min, p50) = (rtt.min_us.unwrap(), rtt.p50_us.unwrap());
    assert!(min >= 50_000.0, "{min}");
    // Well below two delays: a loaded 2-core CI runner added 5.1 ms to one of
    // four (the proxy's timer and both processes' scheduling).
    assert!(p50 <= 65_000.0, "{p50}");
}

/// The first GOAWAY reported, as (cause, detail): a connection lost between
/// probes, or a probe the GOAWAY cut short.
fn first_goaway(records: &[kawire::record::Record]) -> (String, String) {
    use kawire::record::Record;
    records
        .iter()
        .find_map(|r| {
            let (cause, detail) = match r {
                Record::Event(e) => (e.cause.as_ref()?, e.detail.as_ref()?),
                Record::Probe(p) => (p.cause.as_ref()?, p.detail.as_ref()?),
                Record::Summary(_) | Record::State(_) => return None,
            };
            cause
                .starts_with("goaway ")
                .then(|| (cause.clone(), detail.clone()))
        })
        .unwrap_or_else(|| panic!("no GOAWAY reported: {records:#?}"))
}

/// Asserts a `too_many_pings` GOAWAY explained with pings about `every_ms` apart;
/// returns the number of pings it names.
fn assert_too_many_pings(records: &[kawire::record::Record], every_ms: f64) -> u64 {
    let (cause, detail) = first_goaway(records);
    assert_eq!(cause, "goaway ENHANCE_YOUR_CALM");
    let rest = detail
        .strip_prefix("too_many_pings after ")
        .unwrap_or_else(|| panic!("{detail}"));
    let (count, rest) = rest
        .split_once(" pings at ")
        .unwrap_or_else(|| panic!("{detail}"));
    let interval: f64 = rest
        .split("ms")
        .next()
        .unwrap()
        .parse()
        .unwrap_or_else(|_| panic!("{detail}"));
    assert!(
        (every_ms - 5.0..=every_ms + 5.0).contains(&interval),
        "{detail}"
    );
    count.parse().unwrap()
}

#[test]
fn pinging_faster_than_the_policy_gets_too_many_pings() {
    let server = kaserve_grpc(&["--ping-min-interval", "1s", "--permit-without-stream"]);
    let (_, records, _) = ndjson(&["-c", "6", "-i", "50ms", "--mode", "h2ping", &server.url()]);
    // The first ping is free and two strikes are allowed: the fourth is too many.
    assert_eq!(assert_too_many_pings(&records, 50.0), 4);
    // The next probe reconnected.
    assert!(events(&records, "connected").len() >= 2);
}

#[test]
fn grpc_core_sends_too_many_pings_too() {
    if !have_grpcio() {
        return;
    }
    let server = PyGrpc::start(&[
        "grpc.http2.min_ping_interval_without_data_ms=1000",
        "grpc.http2.max_ping_strikes=2",
        "grpc.keepalive_permit_without_calls=1",
    ]);
    let (_, records, _) = ndjson(&["-c", "8", "-i", "50ms", "--mode", "h2ping", &server.url()]);
    assert_eq!(
        assert_too_many_pings(&records, 50.0),
        4,
        "grpc-core counts as grpc-go does"
    );
}

#[test]
fn grpc_core_health_statuses() {
    if !have_grpcio() {
        return;
    }
    let server = PyGrpc::start(&[]);
    let url = server.url();
    let (code, records, _) = ndjson(&["-c", "2", "-i", "10ms", "--service", "payments", &url]);
    assert_eq!(code, 0);
    assert_eq!(summary(&records).summary.received, 2);
    let out = kaping(&["-c", "1", "-q", "--service", "billing", &url]);
    assert_eq!(out.code(), 1);
    assert!(out.stderr.contains("health NOT_SERVING"), "{}", out.stderr);
    let out = kaping(&["-c", "1", "-q", "--service", "nope", &url]);
    assert_eq!(out.code(), 1);
    assert!(out.stderr.contains("grpc NOT_FOUND"), "{}", out.stderr);
}

/// The first GOAWAY's cause and the connection age it reports, in ms.
fn goaway_age(records: &[kawire::record::Record]) -> (String, String, f64) {
    let (cause, detail) = first_goaway(records);
    let age = detail
        .rsplit("connection age ")
        .next()
        .and_then(|a| humantime::parse_duration(&a.replace("µs", "us")).ok())
        .unwrap_or_else(|| panic!("an age in {detail:?}"));
    (cause, detail, age.as_secs_f64() * 1000.0)
}

#[test]
fn max_connection_idle_is_a_graceful_goaway_with_the_age() {
    let server = kaserve_grpc(&["--max-connection-idle", "300ms"]);
    let (code, records, _) = ndjson(&["-c", "2", "-i", "800ms", &server.url()]);
    assert_eq!(code, 0, "a graceful close loses no probe");
    let (cause, detail, age_ms) = goaway_age(&records);
    assert_eq!(cause, "goaway NO_ERROR");
    assert!(detail.starts_with("graceful close: max_idle"), "{detail}");
    assert!((290.0..1500.0).contains(&age_ms), "{detail}");
}

#[test]
fn max_connection_age_is_a_graceful_goaway_with_the_age() {
    let server = kaserve_grpc(&[
        "--max-connection-age",
        "400ms",
        "--max-connection-age-grace",
        "1s",
    ]);
    let (code, records, _) = ndjson(&["-c", "8", "-i", "100ms", &server.url()]);
    assert_eq!(code, 0);
    let (cause, detail, age_ms) = goaway_age(&records);
    assert_eq!(cause, "goaway NO_ERROR");
    assert!(detail.starts_with("graceful close: max_age"), "{detail}");
    assert!((390.0..1500.0).contains(&age_ms), "{detail}");
    let lost: Vec<_> = probes(&records).into_iter().filter(|p| !p.ok).collect();
    assert!(lost.is_empty(), "no probe lost to the GOAWAY: {lost:#?}");
}

#[test]
fn grpc_core_max_connection_idle() {
    if !have_grpcio() {
        return;
    }
    let server = PyGrpc::start(&["grpc.max_connection_idle_ms=300"]);
    let (code, records, _) = ndjson(&["-c", "2", "-i", "1200ms", &server.url()]);
    assert_eq!(code, 0);
    // grpc-core 1.7x and later say INTERNAL_ERROR "connection idle", after a PING;
    // the age is what matters to the person reading it.
    let (cause, detail, age_ms) = goaway_age(&records);
    assert!(cause.starts_with("goaway "), "{cause}");
    assert!(detail.contains("idle"), "{detail}");
    assert!((250.0..1100.0).contains(&age_ms), "{detail}");
}

#[test]
fn grpcs_with_authority_and_fresh_phases() {
    let pki = Pki::new();
    let pair = pki.server("api", &["api.internal"]);
    let server = kaserve_grpc(&[
        "--tls-cert",
        pair.cert.to_str().unwrap(),
        "--tls-key",
        pair.key.to_str().unwrap(),
    ]);
    let url = format!("grpcs://{}", server.addr);
    let ca = pki.ca.to_str().unwrap();
    let mismatch = kaping(&["-c", "1", "--ca", ca, &url]);
    assert_eq!(mismatch.code(), 1);
    assert!(
        mismatch.stdout.contains("tls (name mismatch"),
        "{}",
        mismatch.stdout
    );
    let (code, records, stderr) = ndjson(&[
        "-c",
        "2",
        "-i",
        "10ms",
        "--fresh",
        "--ca",
        ca,
        "--authority",
        "api.internal:443",
        &url,
    ]);
    assert_eq!(code, 0, "{stderr}");
    for p in probes(&records) {
        let ph = p.phases.as_ref().unwrap();
        assert!(ph.tls_us.is_some() && ph.handshake_us.is_some() && ph.first_us.is_some());
    }
}

/// `--exit-codes grpc-health-probe` against grpc-core: the numbers scripts
/// written for grpc_health_probe test (2 no connection, 3 the call failed, 4 not
/// SERVING, 1 usage), with its separate connect and call timeouts.
#[test]
fn grpc_health_probe_exit_codes_against_grpc_core() {
    if !have_grpcio() {
        return;
    }
    let server = PyGrpc::start(&[]);
    let url = server.url();
    let ghp = |args: &[&str]| {
        let mut all = vec!["--exit-codes", "grpc-health-probe"];
        all.extend_from_slice(args);
        kaping(&all)
    };
    // One check unless -c says otherwise.
    let out = ghp(&[&url]);
    assert_eq!(out.code(), 0, "{}", out.stderr);
    assert!(out.stdout.contains("1 received"), "{}", out.stdout);
    let out = ghp(&["--service", "billing", &url]);
    assert_eq!(out.code(), 4, "{}", out.stderr);
    assert!(out.stderr.contains("health NOT_SERVING"), "{}", out.stderr);
    let out = ghp(&["--service", "nope", &url]);
    assert_eq!(out.code(), 3, "{}", out.stderr);
    assert!(out.stderr.contains("grpc NOT_FOUND"), "{}", out.stderr);
    // The call may take 300 ms once the connection is open; grpc-core answers
    // `slow` after 3 s.
    let out = ghp(&[
        "--service",
        "slow",
        "--connect-timeout",
        "1s",
        "--rpc-timeout",
        "300ms",
        &url,
    ]);
    assert_eq!(out.code(), 3, "{}", out.stderr);
    assert!(
        out.elapsed < Duration::from_millis(2500),
        "{:?}",
        out.elapsed
    );
    // No connection: refused, TLS at a plain-text server, a server that never
    // finishes the HTTP/2 handshake within --connect-timeout.
    let closed = format!("grpc://{}", crate::util::closed_port());
    let out = ghp(&[&closed]);
    assert_eq!(out.code(), 2, "{}", out.stderr);
    let tls = url.replace("grpc://", "grpcs://");
    let out = ghp(&[&tls]);
    assert_eq!(out.code(), 2, "{}", out.stderr);
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let silent = format!("grpc://{}", silent.local_addr().unwrap());
    let out = ghp(&["--connect-timeout", "300ms", "-W", "5s", &silent]);
    assert_eq!(out.code(), 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("--connect-timeout 300ms"),
        "{}",
        out.stderr
    );
    assert!(
        out.elapsed < Duration::from_millis(2500),
        "{:?}",
        out.elapsed
    );
    // A usage error is 1 as grpc_health_probe's, 2 as kaping's.
    assert_eq!(ghp(&["--bogus", &url]).code(), 1);
    assert_eq!(ghp(&["--mode", "pong", &url]).code(), 1);
    assert_eq!(kaping(&["--bogus", &url]).code(), 2);
    // Without the flag, every unhealthy run is 1.
    let out = kaping(&["-c", "1", &closed]);
    assert_eq!(out.code(), 1, "{}", out.stderr);
}
