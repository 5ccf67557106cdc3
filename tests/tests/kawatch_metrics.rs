//! kawatch's Prometheus metrics against kaserve: served on `--metrics` and written
//! to `--metrics-file`, scraped while idle connections crowd the endpoint.

use std::time::{Duration, Instant};

use kawire::record::Record;

use crate::util::{KaServe, Running, parse_records};

fn samples(text: &str) -> Vec<(String, String, f64)> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let (series, value) = l.rsplit_once(' ').unwrap_or_else(|| panic!("{l}"));
            let (name, labels) = series.split_once('{').unwrap_or((series, ""));
            (
                name.to_string(),
                labels.trim_end_matches('}').to_string(),
                value.parse().unwrap(),
            )
        })
        .collect()
}

fn find(all: &[(String, String, f64)], name: &str, label: &str) -> Option<f64> {
    all.iter()
        .find(|(n, l, _)| n == name && l.contains(label))
        .map(|(_, _, v)| *v)
}

fn sample(all: &[(String, String, f64)], name: &str, label: &str) -> f64 {
    find(all, name, label).unwrap_or_else(|| panic!("no {name} with {label}"))
}

#[test]
fn metrics_are_served_and_written() {
    let server = KaServe::tcp();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("kawatch.prom");
    let mut proc = Running::spawn(
        "kawatch",
        &[
            "-i",
            "20ms",
            "--metrics",
            "127.0.0.1:0",
            "--metrics-file",
            file.to_str().unwrap(),
            &server.url(),
        ],
    );
    let started = Instant::now();
    proc.lines_until(|l| l.contains("connecting -> up"));
    // The address is said on stderr; scrape it with a plain HTTP/1.1 GET until
    // five keepalives are counted, within a deadline.
    let addr = wait_for_metrics_addr(&proc);
    let target = format!("target=\"{}\"", server.url());
    let text = scrape_until(addr, |all| {
        let at_least = |name, min| find(all, name, &target).is_some_and(|v| v >= min);
        at_least("kawatch_keepalives_total", 5.0)
            && at_least("kawatch_rtt_seconds_count", 5.0)
            && find(all, "kawatch_connection_age_seconds", &target).is_some_and(|v| v > 0.1)
    });
    let all = samples(&text);
    assert!(
        sample(&all, "kawatch_keepalives_total", &target) >= 5.0,
        "{text}"
    );
    assert_eq!(sample(&all, "kawatch_timeouts_total", &target), 0.0);
    assert_eq!(sample(&all, "kawatch_state", "state=\"up\""), 1.0);
    assert_eq!(sample(&all, "kawatch_state", "state=\"down\""), 0.0);
    assert!(sample(&all, "kawatch_rtt_seconds_count", &target) >= 5.0);
    assert!(sample(&all, "kawatch_connection_age_seconds", &target) > 0.1);
    assert!(text.contains("protocol=\"tcp\"") && text.contains("mode=\"echo\""));
    // A target not pinned to an address carries no addr label, not an empty one.
    assert!(!text.contains("addr="), "{text}");
    // The classic format by default, as Prometheus's parser reads it; the
    // file is the same format. OpenMetrics when the Accept header asks.
    let (head, classic) = http_get_accept(addr, "/metrics", None);
    assert!(head.contains("text/plain; version=0.0.4"), "{head}");
    assert!(!classic.contains("# EOF"), "{classic}");
    if crate::util::prometheus::have_promtool() {
        crate::util::prometheus::check_metrics(&classic)
            .unwrap_or_else(|why| panic!("promtool check metrics: {why}\n{classic}"));
    }
    let (head, om) = http_get_accept(addr, "/metrics", Some(PROMETHEUS_ACCEPT));
    assert!(
        head.contains("application/openmetrics-text; version=1.0.0"),
        "{head}"
    );
    assert!(om.ends_with("# EOF\n"), "{om}");
    assert!(om.contains("# TYPE kawatch_keepalives counter"), "{om}");
    proc.signal("TERM");
    let out = proc.finish(String::new(), started);
    assert_eq!(out.code(), 0);
    let file_text = std::fs::read_to_string(&file).unwrap();
    assert!(
        !file_text.contains("# EOF"),
        "the textfile collector's format"
    );
    let written = samples(&file_text);
    assert!(sample(&written, "kawatch_keepalives_total", &target) >= 5.0);
    assert!(
        http_get_status(addr).is_err(),
        "the server is gone with the process"
    );
}

/// `/metrics` once `ready` holds of its samples; fails the test past 10 s.
fn scrape_until(
    addr: std::net::SocketAddr,
    ready: impl Fn(&[(String, String, f64)]) -> bool,
) -> String {
    let until = Instant::now() + Duration::from_secs(10);
    loop {
        let text = http_get(addr, "/metrics");
        if ready(&samples(&text)) {
            return text;
        }
        assert!(Instant::now() < until, "not ready in 10 s:\n{text}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn wait_for_metrics_addr(proc: &Running) -> std::net::SocketAddr {
    let until = Instant::now() + Duration::from_secs(5);
    loop {
        if let Some(addr) = proc.stderr_so_far().lines().find_map(|l| {
            l.strip_prefix("kawatch: metrics on http://")
                .and_then(|rest| rest.strip_suffix("/metrics"))
                .and_then(|a| a.parse().ok())
        }) {
            return addr;
        }
        assert!(
            Instant::now() < until,
            "no metrics address: {}",
            proc.stderr_so_far()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The Accept header Prometheus 2.42 sends.
const PROMETHEUS_ACCEPT: &str = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

fn http_get(addr: std::net::SocketAddr, path: &str) -> String {
    http_get_accept(addr, path, None).1
}

/// A GET's head and body, with an Accept header if given.
fn http_get_accept(
    addr: std::net::SocketAddr,
    path: &str,
    accept: Option<&str>,
) -> (String, String) {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let accept = accept.map_or(String::new(), |a| format!("Accept: {a}\r\n"));
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\n{accept}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    s.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    (head.to_string(), body.to_string())
}

fn http_get_status(addr: std::net::SocketAddr) -> std::io::Result<()> {
    std::net::TcpStream::connect(addr).map(|_| ())
}

/// 80 idle connections to `--metrics` used to take every descriptor and flap the
/// watched target; then, with 8 slots held 3 s each by sockets that never spoke,
/// 30 of them pushed a real scrape past Prometheus's 10 s timeout. A scrape is
/// now answered ahead of them; an idle socket waits at most 3 s for its request
/// and the oldest make way when 64 wait.
#[test]
fn idle_metrics_connections_neither_starve_the_watch_nor_block_scrapes() {
    use std::io::Read;
    let server = KaServe::tcp();
    let mut proc = Running::spawn(
        "kawatch",
        &[
            "-i",
            "50ms",
            "--metrics",
            "127.0.0.1:0",
            "--ndjson",
            &server.url(),
        ],
    );
    let started = Instant::now();
    proc.lines_until(|l| l.contains(r#""to":"up""#));
    let addr = wait_for_metrics_addr(&proc);
    let idle: Vec<std::net::TcpStream> = (0..80)
        .map(|_| std::net::TcpStream::connect(addr).unwrap())
        .collect();
    let opened = Instant::now();
    // A scrape while they crowd the endpoint is answered at once.
    let asked = Instant::now();
    let text = http_get(addr, "/metrics");
    let took = asked.elapsed();
    assert!(text.contains("kawatch_keepalives_total"), "{text}");
    assert!(
        took < Duration::from_secs(2),
        "scrape answered after {took:?}"
    );
    let fds = std::fs::read_dir(format!("/proc/{}/fd", proc.pid()))
        .unwrap()
        .count();
    assert!(fds < 100, "kawatch holds {fds} descriptors");
    // The newest idle socket is closed once its header time is up.
    let mut last = idle[79].try_clone().unwrap();
    last.set_read_timeout(Some(Duration::from_secs(8))).unwrap();
    let mut buf = [0u8; 64];
    let n = last.read(&mut buf).unwrap_or(0);
    let waited = opened.elapsed();
    assert!(
        waited >= Duration::from_secs(2) && waited < Duration::from_secs(8),
        "closed after {waited:?} ({n} bytes)"
    );
    drop(idle);
    proc.signal("TERM");
    let out = proc.finish(String::new(), started);
    assert_eq!(out.code(), 0, "{}", out.stderr);
    let records = parse_records(&out.stdout);
    assert!(
        !records
            .iter()
            .any(|r| matches!(r, Record::State(s) if s.to == "down")),
        "the watched target never went down"
    );
}
