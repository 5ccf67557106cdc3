//! `kawatch --exporter`: blackbox_exporter's `/probe` contract against kaserve,
//! checked by promtool, compared with blackbox_exporter itself on the same
//! targets, and scraped by a real Prometheus with blackbox's relabelling.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use crate::util::prometheus::{check_metrics, get, have_promtool, value};
use crate::util::{KaServe, Running, closed_port};

/// kawatch --exporter on loopback with `extra` flags, and its address.
fn exporter(extra: &[&str]) -> (Running, SocketAddr) {
    let mut args = vec!["--exporter", "127.0.0.1:0"];
    args.extend_from_slice(extra);
    let proc = Running::spawn("kawatch", &args);
    let until = Instant::now() + Duration::from_secs(5);
    loop {
        let addr = proc.stderr_so_far().lines().find_map(|l| {
            l.strip_prefix("kawatch: exporter on http://")?
                .split('/')
                .next()?
                .parse()
                .ok()
        });
        if let Some(addr) = addr {
            return (proc, addr);
        }
        assert!(
            Instant::now() < until,
            "no address: {}",
            proc.stderr_so_far()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn probe(addr: SocketAddr, query: &str) -> (u16, String) {
    let (status, _, body) = get(addr, &format!("/probe?{query}"), &[]);
    (status, body)
}

#[test]
fn probe_answers_as_blackbox_does_and_refuses_in_one_line() {
    let tcp = KaServe::tcp();
    let grpc = KaServe::on("grpc", &["--status", "payments=NOT_SERVING"]);
    let (_proc, addr) = exporter(&[]);
    // A healthy target, given as blackbox takes it (host:port).
    let (status, body) = probe(addr, &format!("target={}&module=tcp_echo", tcp.addr));
    assert_eq!(status, 200, "{body}");
    assert_eq!(value(&body, "probe_success"), Some(1.0), "{body}");
    assert_eq!(value(&body, "probe_ip_protocol"), Some(4.0), "{body}");
    let rtt = value(&body, "probe_keepalive_rtt_seconds").expect("the round trip");
    assert!(rtt > 0.0 && rtt < 1.0, "{rtt}");
    assert!(
        value(&body, r#"probe_tcp_duration_seconds{phase="connect"}"#).is_some(),
        "{body}"
    );
    if have_promtool() {
        check_metrics(&body).unwrap_or_else(|why| panic!("promtool: {why}\n{body}"));
    }
    // A refused port: 0, still 200 (the probe ran).
    let (status, body) = probe(addr, &format!("target={}&module=tcp_echo", closed_port()));
    assert_eq!(status, 200);
    assert_eq!(value(&body, "probe_success"), Some(0.0), "{body}");
    // gRPC health: blackbox's one-hot serving status.
    let url = format!("grpc://{}", grpc.addr);
    let (_, body) = probe(addr, &format!("target={url}&module=grpc_health"));
    assert_eq!(value(&body, "probe_success"), Some(1.0), "{body}");
    let serving = r#"probe_grpc_healthcheck_response{serving_status="SERVING"}"#;
    assert_eq!(value(&body, serving), Some(1.0), "{body}");
    // The scrape's timeout, less half a second, bounds the probe.
    let (_, _, body) = get(
        addr,
        &format!("/probe?target={}&module=tcp_echo", tcp.addr),
        &[("X-Prometheus-Scrape-Timeout-Seconds", "2")],
    );
    assert_eq!(value(&body, "probe_timeout_seconds"), Some(1.5), "{body}");
    // debug=true tells the story, escaped, then the metrics.
    let (status, body) = probe(
        addr,
        &format!("target={}&module=tcp_echo&debug=true", closed_port()),
    );
    assert_eq!(status, 200);
    assert!(body.contains("probe failed: refused"), "{body}");
    assert!(
        body.contains("Metrics that would have been returned:"),
        "{body}"
    );
    // Bad requests: 400 and one line saying why.
    for (query, why) in [
        ("module=tcp_echo", "target parameter is missing"),
        ("target=h:1", "module parameter is missing"),
        ("target=h:1&module=nope", "unknown module nope"),
        (
            &format!("target=ws://{}/&module=grpc_health", tcp.addr) as &str,
            "module grpc_health probes grpc targets, not ws",
        ),
        ("target=h:99999&module=tcp_echo", "target:"),
    ] {
        let (status, body) = probe(addr, query);
        assert_eq!(status, 400, "{query}: {body}");
        assert!(body.starts_with(why), "{query}: {body}");
        assert_eq!(body.lines().count(), 1, "{body}");
    }
    // The exporter's own metrics and health.
    let (status, _, body) = get(addr, "/metrics", &[]);
    assert_eq!(status, 200);
    assert!(
        value(
            &body,
            r#"kawatch_exporter_probes_total{module="tcp_echo",result="success"}"#
        ) >= Some(2.0),
        "{body}"
    );
    if have_promtool() {
        check_metrics(&body).unwrap_or_else(|why| panic!("promtool: {why}\n{body}"));
    }
    assert_eq!(get(addr, "/-/healthy", &[]).0, 200);
    assert_eq!(get(addr, "/nope", &[]).0, 404);
}

#[test]
fn allow_targets_keeps_probes_where_they_are_allowed() {
    let tcp = KaServe::tcp();
    let other = KaServe::tcp();
    let allowed = format!("127.0.0.0/8:{}", tcp.addr.port());
    let (_proc, addr) = exporter(&["--allow-targets", &allowed]);
    let (_, body) = probe(addr, &format!("target={}&module=tcp_echo", tcp.addr));
    assert_eq!(value(&body, "probe_success"), Some(1.0), "{body}");
    let (_, body) = probe(
        addr,
        &format!("target={}&module=tcp_echo&debug=true", other.addr),
    );
    assert!(body.contains("is not in --allow-targets"), "{body}");
    assert!(body.contains("probe_success 0"), "{body}");
    // A bad list is a usage error.
    let out = crate::util::run(
        "kawatch",
        &["--exporter", "0", "--allow-targets", "10.0.0.0/33"],
    );
    assert_eq!(out.code(), 2, "{}", out.stderr);
    assert!(out.stderr.contains("10.0.0.0/33"), "{}", out.stderr);
}
