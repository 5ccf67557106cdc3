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

/// The names both exporters have mean the same: blackbox_exporter 0.23 and
/// kawatch probe the same targets (a healthy TCP port, a refused one, a gRPC
/// health service) and agree on probe_success, probe_ip_protocol and the
/// serving status.
#[test]
fn blackbox_exporter_and_kawatch_agree_on_the_names_they_share() {
    if !crate::util::prometheus::have_blackbox() {
        return;
    }
    use crate::util::peer::Reaped;
    use crate::util::prometheus::{free_port, wait_ready};
    let tcp = KaServe::tcp();
    let grpc = KaServe::on("grpc", &[]);
    let pki = crate::util::certs::Pki::new();
    let pair = pki.server("server", &["localhost"]);
    let https = KaServe::on(
        "http",
        &[
            "--tls-cert",
            pair.cert.to_str().unwrap(),
            "--tls-key",
            pair.key.to_str().unwrap(),
        ],
    );
    let ca = pki.ca.to_str().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("blackbox.yml");
    std::fs::write(
        &config,
        format!(
            "modules:\n  tcp_connect:\n    prober: tcp\n    timeout: 5s\n  grpc:\n    prober: grpc\n    timeout: 5s\n    grpc:\n      tls: false\n      preferred_ip_protocol: ip4\n  http_2xx:\n    prober: http\n    timeout: 5s\n    http:\n      preferred_ip_protocol: ip4\n      tls_config:\n        ca_file: {ca}\n"
        ),
    )
    .unwrap();
    let bb: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let _blackbox = Reaped(
        std::process::Command::new("prometheus-blackbox-exporter")
            .arg(format!("--config.file={}", config.display()))
            .arg(format!("--web.listen-address={bb}"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    wait_ready(bb, "/-/healthy", Duration::from_secs(10));
    let (_proc, ours) = exporter(&["--ca", ca]);
    let refused = closed_port();
    let cases = [
        (tcp.addr.to_string(), "tcp_connect", "tcp_connect"),
        (refused.to_string(), "tcp_connect", "tcp_connect"),
        (grpc.addr.to_string(), "grpc", "grpc_health"),
        (
            format!("https://localhost:{}/", https.addr.port()),
            "http_2xx",
            "http_request",
        ),
    ];
    for (target, theirs, mine) in cases {
        let (_, b) = probe(bb, &format!("target={target}&module={theirs}"));
        let (_, k) = probe(ours, &format!("target={target}&module={mine}"));
        for series in [
            "probe_success",
            "probe_ip_protocol",
            r#"probe_grpc_healthcheck_response{serving_status="SERVING"}"#,
            "probe_http_status_code",
            "probe_ssl_earliest_cert_expiry",
        ] {
            let (b_value, k_value) = (value(&b, series), value(&k, series));
            // blackbox leaves probe_ip_protocol at 0 when the connection failed.
            if series == "probe_ip_protocol" && b_value == Some(0.0) {
                continue;
            }
            // blackbox says 0 for a certificate's expiry without TLS; we say nothing.
            if series == "probe_ssl_earliest_cert_expiry"
                && b_value == Some(0.0)
                && k_value.is_none()
            {
                continue;
            }
            assert_eq!(
                b_value, k_value,
                "{target} {series}:\nblackbox:\n{b}\nkawatch:\n{k}"
            );
        }
    }
}

/// The shipped file `name` in docs/prometheus.
fn shipped(name: &str) -> (std::path::PathBuf, String) {
    let docs = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/prometheus");
    let text = std::fs::read_to_string(docs.join(name)).unwrap();
    (docs, text)
}

/// `promtool ARGS` in docs/prometheus succeeds.
fn promtool(args: &[&str]) {
    let (docs, _) = shipped("prometheus.yml");
    let out = std::process::Command::new("promtool")
        .args(args)
        .current_dir(&docs)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "promtool {args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A Prometheus server on `config` (a scrape a second, the exporter at
/// `exporter`), its tcp targets `targets`; its process and web address.
fn prometheus(
    config: &str,
    exporter: SocketAddr,
    targets: &[String],
    watched: &[String],
) -> (crate::util::peer::Reaped, SocketAddr, tempfile::TempDir) {
    use crate::util::prometheus::{free_port, wait_ready};
    let config = config
        .replace("127.0.0.1:9115", &exporter.to_string())
        .replace("scrape_interval: 15s", "scrape_interval: 1s")
        .replace("scrape_timeout: 10s", "scrape_timeout: 1s");
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("targets")).unwrap();
    std::fs::write(dir.path().join("prometheus.yml"), config).unwrap();
    let list: Vec<String> = targets.iter().map(|t| format!("'{t}'")).collect();
    std::fs::write(
        dir.path().join("targets/tcp.yml"),
        format!("- targets: [{}]\n", list.join(", ")),
    )
    .unwrap();
    std::fs::write(dir.path().join("targets/grpc.yml"), "[]\n").unwrap();
    let list: Vec<String> = watched.iter().map(|t| format!("'{t}'")).collect();
    std::fs::write(
        dir.path().join("targets/watch.yml"),
        format!("- targets: [{}]\n", list.join(", ")),
    )
    .unwrap();
    let web: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let child = crate::util::peer::Reaped(
        std::process::Command::new("prometheus")
            .arg(format!(
                "--config.file={}",
                dir.path().join("prometheus.yml").display()
            ))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.path().join("data").display()
            ))
            .arg(format!("--web.listen-address={web}"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    wait_ready(web, "/-/ready", Duration::from_secs(20));
    (child, web, dir)
}

/// probe_success of job keepalive_tcp by instance, once `ready` holds of it
/// (its first samples come 6-7 s after Prometheus starts: target updates are
/// batched), at most 30 s.
fn probe_success_by_instance(
    web: SocketAddr,
    ready: impl Fn(&std::collections::BTreeMap<String, f64>) -> bool,
) -> std::collections::BTreeMap<String, f64> {
    let until = Instant::now() + Duration::from_secs(30);
    let query = "/api/v1/query?query=probe_success%7Bjob%3D%22keepalive_tcp%22%7D";
    loop {
        let (_, _, body) = get(web, query, &[]);
        let doc: serde_json::Value = serde_json::from_str(&body).unwrap();
        let found: std::collections::BTreeMap<String, f64> = doc["data"]["result"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| {
                let instance = r["metric"]["instance"].as_str()?.to_string();
                let value = r["value"][1].as_str()?.parse().ok()?;
                Some((instance, value))
            })
            .collect();
        if ready(&found) {
            return found;
        }
        assert!(Instant::now() < until, "not ready in 30 s: {body}");
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// A real Prometheus (2.42) scrapes the exporter with the shipped
/// configuration (blackbox's relabelling, file_sd), a scrape a second: a
/// healthy kaserve reads 1, a refused port 0, each under its own instance.
#[test]
fn prometheus_scrapes_the_exporter_with_the_shipped_configuration() {
    if !crate::util::prometheus::have_prometheus() {
        return;
    }
    let (_, config) = shipped("prometheus.yml");
    assert!(config.contains("127.0.0.1:9115"));
    if have_promtool() {
        promtool(&["check", "config", "prometheus.yml"]);
    }
    let tcp = KaServe::tcp();
    let (_proc, ours) = exporter(&[]);
    let refused = closed_port().to_string();
    let healthy = tcp.addr.to_string();
    // A held WebSocket that the server drops whenever it is idle 300 ms.
    let dropping = KaServe::on("ws", &["--fault", "close-idle=300ms"]);
    let (_prometheus, web, _dir) = prometheus(
        &config,
        ours,
        &[healthy.clone(), refused.clone()],
        &[dropping.url()],
    );
    let found = probe_success_by_instance(web, |f| f.len() == 2);
    assert_eq!(found.get(&healthy), Some(&1.0), "{found:?}");
    assert_eq!(found.get(&refused), Some(&0.0), "{found:?}");
    // The watcher's disconnects, by cause, as Prometheus stored them.
    let query = "/api/v1/query?query=sum%20by%20(cause)%20(probe_watch_disconnects_total%7Bjob%3D%22keepalive_watch%22%7D)";
    let until = Instant::now() + Duration::from_secs(30);
    loop {
        let (_, _, body) = get(web, query, &[]);
        let doc: serde_json::Value = serde_json::from_str(&body).unwrap();
        let ws_closes = doc["data"]["result"]
            .as_array()
            .into_iter()
            .flatten()
            .find_map(|r| {
                (r["metric"]["cause"] == "ws-close")
                    .then(|| r["value"][1].as_str()?.parse::<f64>().ok())
                    .flatten()
            });
        if ws_closes.is_some_and(|n| n >= 2.0) {
            break;
        }
        assert!(
            Instant::now() < until,
            "no two ws-close disconnects stored in 30 s: {body}"
        );
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// Two replicas with the shipped hashmod configuration, each with its own
/// exporter, share six targets: each target is probed by exactly one.
#[test]
fn two_replicas_share_the_targets_by_hashmod() {
    if !crate::util::prometheus::have_prometheus() {
        return;
    }
    let (_, config) = shipped("replicas.yml");
    if have_promtool() {
        promtool(&["check", "config", "replicas.yml"]);
    }
    let servers: Vec<KaServe> = (0..6).map(|_| KaServe::tcp()).collect();
    let targets: Vec<String> = servers.iter().map(|s| s.addr.to_string()).collect();
    let (_e0, ours0) = exporter(&[]);
    let (_e1, ours1) = exporter(&[]);
    let other = config
        .replace("regex: \"0\"", "regex: \"1\"")
        .replace("replica: \"0\"", "replica: \"1\"");
    assert_ne!(other, config);
    let (_p0, web0, _d0) = prometheus(&config, ours0, &targets, &[]);
    let (_p1, web1, _d1) = prometheus(&other, ours1, &targets, &[]);
    // Every target turns up at one replica or the other (with six random
    // ports, all may hash to one: the other then has none).
    let until = Instant::now() + Duration::from_secs(30);
    let all = |web| probe_success_by_instance(web, |_| true);
    loop {
        let (a, b) = (all(web0), all(web1));
        if targets
            .iter()
            .all(|t| a.contains_key(t) || b.contains_key(t))
        {
            break;
        }
        assert!(
            Instant::now() < until,
            "not every target scraped in 30 s: {a:?} {b:?}"
        );
        std::thread::sleep(Duration::from_millis(250));
    }
    // Both have scraped a while more: what each has is all it will have.
    std::thread::sleep(Duration::from_secs(3));
    let (first, second) = (all(web0), all(web1));
    for t in &targets {
        let (a, b) = (first.contains_key(t), second.contains_key(t));
        assert!(
            a != b,
            "{t}: replica 0 {a}, replica 1 {b}\n{first:?}\n{second:?}"
        );
    }
    assert!(first.values().chain(second.values()).all(|v| *v == 1.0));
    // Each exporter probed only its replica's targets.
    for (exporter, mine) in [(ours0, &first), (ours1, &second)] {
        let (_, _, own) = get(exporter, "/metrics", &[]);
        let probed = value(
            &own,
            r#"kawatch_exporter_probes_total{module="tcp_echo",result="success"}"#,
        )
        .unwrap_or(0.0);
        assert!(probed >= mine.len() as f64, "{own}");
    }
}

/// The shipped alerting rules pass promtool's check and their unit tests
/// (success under 90% over 5 minutes, mean keepalive over 1 s, two failures in
/// a row, disconnects by cause, a target down).
#[test]
fn the_shipped_alerting_rules_are_checked_and_unit_tested() {
    if !have_promtool() {
        return;
    }
    promtool(&["check", "rules", "rules.yml"]);
    promtool(&["test", "rules", "rules_test.yml"]);
}

/// A watch module holds one connection between scrapes: the first scrape starts
/// it; later ones see keepalives and age rise; a server that closes idle
/// connections shows disconnects by cause `eof` rising; two scrapers share one
/// watcher; SIGTERM closes its WebSocket with a close frame.
#[test]
fn watch_modules_hold_connections_between_scrapes() {
    let healthy = KaServe::on("ws", &[]);
    let closing = KaServe::on("tcp", &["--fault", "close-idle=300ms"]);
    let (proc, addr) = exporter(&["-i", "1s", "--backoff", "100ms..200ms"]);
    let watch = |target: &str, module: &str| {
        let (status, body) = probe(addr, &format!("target={target}&module={module}"));
        assert_eq!(status, 200, "{body}");
        body
    };
    let ws = healthy.url();
    let first = watch(&ws, "watch_ws_ping");
    assert_eq!(value(&first, "probe_success"), Some(1.0), "{first}");
    assert_eq!(
        value(&first, r#"probe_watch_state{state="up"}"#),
        Some(1.0),
        "{first}"
    );
    if have_promtool() {
        check_metrics(&first).unwrap_or_else(|why| panic!("promtool: {why}\n{first}"));
    }
    // The faulty server's watcher: closes counted by cause as they come.
    let tcp = closing.addr.to_string();
    watch(&tcp, "watch_tcp_echo");
    let until = Instant::now() + Duration::from_secs(10);
    let eofs = loop {
        let body = watch(&tcp, "watch_tcp_echo");
        let eofs = value(&body, r#"probe_watch_disconnects_total{cause="eof"}"#).unwrap_or(0.0);
        if eofs >= 2.0 {
            break eofs;
        }
        assert!(
            Instant::now() < until,
            "no two eof disconnects in 10 s:\n{body}"
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(eofs >= 2.0);
    // Meanwhile the healthy watcher keeps its connection and sends keepalives
    // (a second apart).
    let until = Instant::now() + Duration::from_secs(5);
    let later = loop {
        let body = watch(&ws, "watch_ws_ping");
        if value(&body, "probe_watch_keepalives_total") >= Some(1.0) {
            break body;
        }
        assert!(Instant::now() < until, "no keepalive in 5 s:\n{body}");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(
        value(&later, "probe_watch_connection_age_seconds")
            > value(&first, "probe_watch_connection_age_seconds"),
        "{first}\n{later}"
    );
    assert_eq!(
        value(&later, r#"probe_watch_disconnects_total{cause="eof"}"#),
        None,
        "{later}"
    );
    // A second scraper (an HA pair) shares the watcher: one connection each.
    let again = watch(&ws, "watch_ws_ping");
    assert!(
        value(&again, "probe_watch_keepalives_total")
            >= value(&later, "probe_watch_keepalives_total")
    );
    let (_, _, own) = get(addr, "/metrics", &[]);
    assert_eq!(value(&own, "kawatch_exporter_watchers"), Some(2.0), "{own}");
    assert_eq!(
        value(&own, "kawatch_exporter_watchers_started_total"),
        Some(2.0),
        "{own}"
    );
    let connected = healthy
        .log()
        .iter()
        .filter(|l| l.contains(r#""event":"connected""#))
        .count();
    assert_eq!(connected, 1, "{:?}", healthy.log());
    // SIGTERM: the watcher's WebSocket ends with a close frame, at once.
    let stopped = Instant::now();
    proc.signal("TERM");
    let until = Instant::now() + Duration::from_secs(3);
    while !healthy
        .log()
        .iter()
        .any(|l| l.contains(r#""event":"closed""#))
    {
        assert!(Instant::now() < until, "{:?}", healthy.log());
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        stopped.elapsed() < Duration::from_millis(1500),
        "{:?}",
        stopped.elapsed()
    );
    let closed = healthy
        .log()
        .into_iter()
        .find(|l| l.contains(r#""event":"closed""#))
        .unwrap();
    assert!(closed.contains("ws-close 1000"), "{closed}");
    let out = proc.finish(String::new(), stopped);
    assert_eq!(out.code(), 0, "{}", out.stderr);
}

/// `--max-watchers`: a scrape that would start one more is answered 503,
/// naming the limit; scrapes of the watcher held still answer.
#[test]
fn max_watchers_is_a_503_naming_the_limit() {
    let a = KaServe::tcp();
    let b = KaServe::tcp();
    let (_proc, addr) = exporter(&["--max-watchers", "1"]);
    let (status, _) = probe(addr, &format!("target={}&module=watch_tcp_echo", a.addr));
    assert_eq!(status, 200);
    let (status, body) = probe(addr, &format!("target={}&module=watch_tcp_echo", b.addr));
    assert_eq!(status, 503, "{body}");
    assert_eq!(body, "at most 1 watchers (--max-watchers)\n");
    assert_eq!(
        probe(addr, &format!("target={}&module=watch_tcp_echo", a.addr)).0,
        200
    );
    let (_, _, own) = get(addr, "/metrics", &[]);
    assert_eq!(
        value(&own, "kawatch_exporter_watchers_refused_total"),
        Some(1.0),
        "{own}"
    );
}

/// `--config`: modules in blackbox's shape; `POST /-/reload` and SIGHUP read
/// the file again; a bad file keeps the modules in use, says why and sets the
/// reload gauge to 0; at start it is a usage error.
#[test]
fn config_modules_reload_on_post_and_sighup() {
    let grpc = KaServe::on("grpc", &["--status", "payments=NOT_SERVING"]);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("kawatch.yml");
    let post = |addr: SocketAddr| {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        write!(
            s,
            "POST /-/reload HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut r = String::new();
        s.read_to_string(&mut r).unwrap();
        r
    };
    std::fs::write(
        &file,
        "modules:\n  payments:\n    protocol: grpc\n    timeout: 2s\n    grpc: { service: payments }\n",
    )
    .unwrap();
    let (proc, addr) = exporter(&["--config", file.to_str().unwrap()]);
    let target = format!("target={}", grpc.addr);
    let (_, body) = probe(addr, &format!("{target}&module=payments"));
    assert_eq!(value(&body, "probe_success"), Some(0.0), "{body}");
    let not_serving = r#"probe_grpc_healthcheck_response{serving_status="NOT_SERVING"}"#;
    assert_eq!(value(&body, not_serving), Some(1.0), "{body}");
    assert_eq!(value(&body, "probe_timeout_seconds"), Some(2.0), "{body}");
    // The built-in modules are still there.
    assert_eq!(
        value(
            &probe(addr, &format!("{target}&module=grpc_health")).1,
            "probe_success"
        ),
        Some(1.0)
    );
    // A new module, by POST /-/reload.
    std::fs::write(
        &file,
        "modules:\n  whole:\n    protocol: grpc\n    grpc: { service: \"\" }\n",
    )
    .unwrap();
    let answer = post(addr);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert_eq!(
        value(
            &probe(addr, &format!("{target}&module=whole")).1,
            "probe_success"
        ),
        Some(1.0)
    );
    assert_eq!(
        probe(addr, &format!("{target}&module=payments")).0,
        400,
        "gone with the reload"
    );
    // A bad file: 500 naming the mistake, the modules in use kept, the gauge 0.
    std::fs::write(&file, "modules:\n  broken:\n    protocol: ftp\n").unwrap();
    let answer = post(addr);
    assert!(answer.starts_with("HTTP/1.1 500"), "{answer}");
    assert!(answer.contains("unknown protocol 'ftp'"), "{answer}");
    assert_eq!(
        value(
            &probe(addr, &format!("{target}&module=whole")).1,
            "probe_success"
        ),
        Some(1.0)
    );
    let gauge = "kawatch_exporter_config_last_reload_successful";
    assert_eq!(value(&get(addr, "/metrics", &[]).2, gauge), Some(0.0));
    assert!(proc.stderr_so_far().contains("keeping the modules in use"));
    // SIGHUP reads it again.
    std::fs::write(&file, "modules:\n  again:\n    protocol: tcp\n").unwrap();
    proc.signal("HUP");
    let until = Instant::now() + Duration::from_secs(5);
    while value(&get(addr, "/metrics", &[]).2, gauge) != Some(1.0) {
        assert!(Instant::now() < until, "SIGHUP did not reload");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(
        probe(addr, &format!("target={}&module=again", grpc.addr)).0,
        200
    );
    // At start, a bad file is a usage error.
    std::fs::write(&file, "modules:\n  a:\n    protocol: tcp\n    timout: 1s\n").unwrap();
    let out = crate::util::run(
        "kawatch",
        &["--exporter", "0", "--config", file.to_str().unwrap()],
    );
    assert_eq!(out.code(), 2, "{}", out.stderr);
    assert!(out.stderr.contains("timout"), "{}", out.stderr);
}

/// A watcher nobody scrapes is closed and forgotten: a module's `expire_after`
/// of 1 s closes its connection within the reaper's second after that.
#[test]
fn an_unscraped_watcher_is_closed_and_forgotten() {
    let server = KaServe::tcp();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("kawatch.yml");
    std::fs::write(
        &file,
        "modules:\n  quick:\n    protocol: tcp\n    watch: true\n    expire_after: 1s\n",
    )
    .unwrap();
    let (_proc, addr) = exporter(&["--config", file.to_str().unwrap()]);
    let (status, body) = probe(addr, &format!("target={}&module=quick", server.addr));
    assert_eq!(status, 200);
    assert_eq!(value(&body, "probe_success"), Some(1.0), "{body}");
    let scraped = Instant::now();
    let until = scraped + Duration::from_secs(5);
    while !server.log().iter().any(|l| l.contains("closed")) {
        assert!(Instant::now() < until, "{:?}", server.log());
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        scraped.elapsed() >= Duration::from_secs(1),
        "{:?}",
        scraped.elapsed()
    );
    let (_, _, own) = get(addr, "/metrics", &[]);
    assert_eq!(
        value(&own, "kawatch_exporter_watchers_expired_total"),
        Some(1.0),
        "{own}"
    );
    assert_eq!(value(&own, "kawatch_exporter_watchers"), Some(0.0), "{own}");
}
