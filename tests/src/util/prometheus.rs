//! Prometheus's own tools as referees (Debian's `prometheus` 2.42): `promtool
//! check metrics` reads an exposition as Prometheus's parser does. `.ci/run`
//! installs it; elsewhere a test without it says SKIPPED.

use std::io::Write;
use std::process::{Command, Stdio};

/// Whether promtool can run; in CI its absence fails.
pub fn have_promtool() -> bool {
    match Command::new("promtool").arg("--version").output() {
        Ok(out) if out.status.success() => true,
        _ => super::missing("promtool", "apt-get install -y prometheus"),
    }
}

/// `promtool check metrics` on `text`: its complaints, if any (lint warnings
/// included, as it prints them).
pub fn check_metrics(text: &str) -> Result<(), String> {
    let mut child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("promtool: {e}"))?;
    child
        .stdin
        .take()
        .expect("piped")
        .write_all(text.as_bytes())
        .map_err(|e| format!("promtool stdin: {e}"))?;
    let out = child
        .wait_with_output()
        .map_err(|e| format!("promtool: {e}"))?;
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if out.status.success() && said.trim().is_empty() {
        Ok(())
    } else {
        Err(said)
    }
}

/// A GET of `path` at `addr` with `headers`, as a scraper sends it: the
/// status, the head and the body. Panics past 20 s.
pub fn get(
    addr: std::net::SocketAddr,
    path: &str,
    headers: &[(&str, &str)],
) -> (u16, String, String) {
    use std::io::Read;
    let mut s = std::net::TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(std::time::Duration::from_secs(20)))
        .expect("timeout");
    let extra: String = headers
        .iter()
        .map(|(k, v)| format!("{k}: {v}\r\n"))
        .collect();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\n{extra}Connection: close\r\n\r\n"
    )
    .expect("send");
    let mut response = String::new();
    s.read_to_string(&mut response).expect("read");
    let (head, body) = response.split_once("\r\n\r\n").expect("a head");
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .expect("a status");
    (status, head.to_string(), body.to_string())
}

/// The value of the sample `series` (name and labels exactly as exposed) in
/// an exposition.
pub fn value(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
        .and_then(|v| v.trim().parse().ok())
}

/// Whether a Prometheus server can run; in CI its absence fails.
pub fn have_prometheus() -> bool {
    match Command::new("prometheus").arg("--version").output() {
        Ok(out) if out.status.success() => true,
        _ => super::missing("prometheus", "apt-get install -y prometheus"),
    }
}

/// Whether blackbox_exporter can run; in CI its absence fails.
pub fn have_blackbox() -> bool {
    match Command::new("prometheus-blackbox-exporter")
        .arg("--version")
        .output()
    {
        Ok(out) if out.status.success() => true,
        _ => super::missing(
            "prometheus-blackbox-exporter",
            "apt-get install -y prometheus-blackbox-exporter",
        ),
    }
}

/// A loopback port free a moment ago, for servers that take no port 0.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Waits until `addr` answers `path` with 200, at most `within`.
pub fn wait_ready(addr: std::net::SocketAddr, path: &str, within: std::time::Duration) {
    let until = std::time::Instant::now() + within;
    loop {
        if std::net::TcpStream::connect(addr).is_ok() && get(addr, path, &[]).0 == 200 {
            return;
        }
        assert!(std::time::Instant::now() < until, "{addr}{path} not ready");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}
