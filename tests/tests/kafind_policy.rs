//! kafind ping-policy against servers that enforce a PING policy (kaserve's
//! grpc-go rules, grpc-core via grpcio) and one that answers PINGs for its
//! backend (nginx with grpc_pass), on intervals of a fraction of a second.

use kawire::record::PingPolicyDoc;

use crate::util::nginx::{Nginx, have_nginx};
use crate::util::{KaServe, python};

/// 200 ms to 600 ms: 200, 250, 300, 400, 500, 600 ms, each with and without a
/// stream; a policy of 450 ms is bracketed by 400 and 500 with 50 ms to spare
/// for scheduling.
const FAST: [&str; 6] = ["--min", "200ms", "--max", "600ms", "-W", "1s"];

fn kafind(target: &str) -> (PingPolicyDoc, crate::util::Output) {
    crate::util::kafind::json("ping-policy", target, &FAST, &[], &[])
}

fn grpc(args: &[&str]) -> KaServe {
    crate::util::kafind::kaserve("grpc", args)
}

fn bracket(doc: &PingPolicyDoc) -> (Option<f64>, Option<f64>) {
    (doc.min_interval_ms.low, doc.min_interval_ms.high)
}

/// kafind ping-policy against `url`: exit status 0, the minimum interval
/// bracketed by `low` and `high` ms.
fn bracketed(url: &str, low: f64, high: f64) -> PingPolicyDoc {
    let (doc, out) = kafind(url);
    assert_eq!(out.code(), 0, "{}\n{}", out.stdout, out.stderr);
    assert_eq!(bracket(&doc), (Some(low), Some(high)), "{:#?}", doc.tests);
    doc
}

#[test]
fn kaserve_policy_is_bracketed_with_strikes_and_without_stream_rule() {
    let server = grpc(&["--ping-min-interval", "450ms"]);
    let doc = bracketed(&server.url(), 400.0, 500.0);
    assert_eq!(
        (doc.header.kind.as_str(), doc.verdict.as_str()),
        ("ping_policy", "policy")
    );
    assert_eq!(doc.condition.as_deref(), Some("with_stream"));
    assert_eq!(doc.max_strikes, Some(2));
    assert_eq!(
        doc.permit_without_stream,
        Some(false),
        "two hours apply without a stream"
    );
    let goaway = doc.goaway.as_ref().unwrap();
    assert_eq!(
        (goaway.code.as_str(), goaway.debug.as_str()),
        ("ENHANCE_YOUR_CALM", "too_many_pings")
    );
    assert!(!doc.intermediary);
    // Every test punished ends on ping strikes + 2; the connections: 12 tests and
    // the Check connection; about 3 x 600 ms.
    for t in doc.tests.iter().filter(|t| t.outcome == "punished") {
        assert_eq!(t.pings, 4, "{t:?}");
    }
    assert_eq!(doc.connections, 13);
    assert!(doc.elapsed_ms < 6000.0, "{}", doc.elapsed_ms);
    let rec = doc.recommended.as_ref().unwrap();
    assert_eq!(
        (rec.interval_ms, rec.permit_without_stream),
        (10_000.0, false)
    );
    assert!(rec.code["grpc-go"].contains("PermitWithoutStream: false"));
    assert!(
        doc.summary
            .contains("allows pings every 500ms, punishes 400ms"),
        "{}",
        doc.summary
    );
}

#[test]
fn kaserve_strikes_and_permitted_pings_without_a_stream() {
    let server = grpc(&[
        "--ping-min-interval",
        "450ms",
        "--permit-without-stream",
        "--max-ping-strikes",
        "4",
    ]);
    let doc = bracketed(&server.url(), 400.0, 500.0);
    assert_eq!(doc.max_strikes, Some(4), "GOAWAY on ping 6");
    assert_eq!(doc.permit_without_stream, Some(true));
    assert!(doc.recommended.unwrap().permit_without_stream);
    // The longer tests sent the pings the shortest one showed were needed.
    let allowed: Vec<u32> = doc
        .tests
        .iter()
        .filter(|t| t.outcome == "allowed")
        .map(|t| t.pings)
        .collect();
    assert!(
        !allowed.is_empty() && allowed.iter().all(|p| *p >= 6),
        "{allowed:?}"
    );
}

#[test]
fn another_min_interval_moves_the_bracket_with_it() {
    let server = grpc(&["--ping-min-interval", "280ms", "--permit-without-stream"]);
    let doc = bracketed(&server.url(), 250.0, 300.0);
    assert_eq!(doc.permit_without_stream, Some(true));
    assert_eq!(doc.max_strikes, Some(2));
}

#[test]
fn grpc_core_policy_is_read_from_its_channel_arguments() {
    if !python::have_grpcio() {
        return;
    }
    let server = python::PyGrpc::start(&[
        "grpc.http2.min_ping_interval_without_data_ms=450",
        "grpc.http2.max_ping_strikes=2",
    ]);
    let doc = bracketed(&server.url(), 400.0, 500.0);
    assert_eq!(doc.verdict, "policy");
    assert_eq!(doc.max_strikes, Some(2));
    assert_eq!(
        doc.permit_without_stream,
        Some(false),
        "grpc-core's default"
    );
    assert_eq!(
        doc.goaway.as_ref().map(|g| g.debug.as_str()),
        Some("too_many_pings")
    );
    assert!(
        matches!(doc.fingerprint.as_deref(), None | Some("grpc-core")),
        "{:?}",
        doc.fingerprint
    );
}

#[test]
fn nginx_answers_pings_for_its_backend_and_no_policy_is_claimed() {
    if !have_nginx() {
        return;
    }
    // A backend that punishes every interval tested, behind nginx.
    let backend = grpc(&["--ping-min-interval", "5m"]);
    let nginx = Nginx::grpc_proxy(backend.addr);
    let (doc, out) = kafind(&format!("grpc://{}", nginx.addr));
    assert_eq!(out.code(), 0, "{}\n{}", out.stdout, out.stderr);
    assert_eq!(doc.verdict, "intermediary", "{:#?}", doc.tests);
    assert!(doc.intermediary);
    assert_eq!(doc.proxy.as_deref(), Some("nginx"));
    assert!(
        doc.evidence.iter().any(|e| e.starts_with("server: nginx")),
        "{:?}",
        doc.evidence
    );
    assert_eq!(
        bracket(&doc),
        (None, Some(200.0)),
        "only the proxy's allowance"
    );
    assert!(
        doc.tests.iter().all(|t| t.outcome == "allowed"),
        "{:#?}",
        doc.tests
    );
    assert!(
        doc.summary.contains("answered by an intermediary (nginx?)"),
        "{}",
        doc.summary
    );
    assert!(doc.summary.contains("cannot be seen from here"));
}

/// @grpc/grpc-js 1.14 serving directly enforces no ping policy, and its PINGs
/// are answered by Node's nghttp2 far faster than its handlers: kafind said
/// "PINGs are answered by an intermediary" (`verdict: intermediary`). Timing is
/// no evidence of a proxy; the timing is said as an observation.
#[test]
fn grpc_js_serving_directly_is_no_policy_and_no_intermediary() {
    if !crate::util::node::have_grpc_js() {
        return;
    }
    let server = crate::util::node::GrpcJs::start();
    let (doc, out) = kafind(&server.url());
    assert_eq!(out.code(), 0, "{}\n{}", out.stdout, out.stderr);
    assert_eq!(
        doc.verdict, "no_policy",
        "{}: {:#?}",
        doc.summary, doc.tests
    );
    assert!(!doc.intermediary && doc.evidence.is_empty(), "{doc:?}");
    assert!(
        !doc.summary.contains("answered by an intermediary"),
        "{}",
        doc.summary
    );
}

#[test]
fn ping_policy_refuses_what_it_cannot_test() {
    let refuses = crate::util::kafind::refuses;
    refuses(
        "ping-policy",
        "tcp://127.0.0.1:1",
        &[(&[], "needs an HTTP/2 target")],
    );
    let cases: [(&[&str], &str); 3] = [
        (&["--min", "5s", "--max", "1s"], "shorter than"),
        (&["--max", "3h"], "at most 2h"),
        (&["--mode", "health"], "drop --mode"),
    ];
    refuses("ping-policy", "grpc://127.0.0.1:1", &cases);
    // Nothing listening: exit 1 at once, the cause said.
    let closed = crate::util::closed_port();
    let target = format!("grpc://{closed}");
    let (doc, out): (PingPolicyDoc, _) =
        crate::util::kafind::json("ping-policy", &target, &[], &[], &[]);
    assert_eq!(out.code(), 1, "{}", out.stderr);
    assert_eq!(doc.verdict, "failed");
    assert!(doc.summary.contains("refused"), "{}", doc.summary);
}

#[test]
fn grpc_go_bdp_pings_are_not_taken_for_a_server_keepalive() {
    if !crate::util::grpcgo::have_grpc_go() {
        return;
    }
    let server = crate::util::grpcgo::GrpcGo::start(&[]);
    // Health checks every 200 ms: grpc-go answers each request's DATA with a BDP
    // PING (02 04 10 10 09 0e 07 07), which is no keepalive policy.
    let out = crate::util::kaping(&["-c", "5", "-i", "200ms", "--ndjson", &server.url()]);
    assert_eq!(out.code(), 0, "{}", out.stderr);
    let records = out.records();
    let pings = crate::util::events(&records, "server-ping");
    assert!(!pings.is_empty(), "grpc-go sends BDP pings after data");
    for p in &pings {
        assert_eq!(p.ping_kind.as_deref(), Some("bdp"), "{p:?}");
        assert_eq!(p.ping_data.as_deref(), Some("02041010090e0707"));
    }
    let text = crate::util::kaping(&["-c", "5", "-i", "200ms", &server.url()]);
    assert_eq!(
        text.stdout.matches("server BDP ping").count(),
        1,
        "{}",
        text.stdout
    );
    assert!(!text.stdout.contains("server ping,"), "{}", text.stdout);
}

#[test]
fn grpc_go_policy_and_fingerprint() {
    if !crate::util::grpcgo::have_grpc_go() {
        return;
    }
    let server = crate::util::grpcgo::GrpcGo::start(&["-min-time", "450ms"]);
    let doc = bracketed(&server.url(), 400.0, 500.0);
    assert_eq!(doc.max_strikes, Some(2));
    assert_eq!(doc.permit_without_stream, Some(false));
    assert_eq!(
        doc.fingerprint.as_deref(),
        Some("grpc-go"),
        "its BDP ping's bytes"
    );
}
