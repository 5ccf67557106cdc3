//! kaping over TCP against kaserve and the fault proxy: replies, injected delay,
//! blackholes, resets, closes, refused ports, thresholds, signals and closed pipes.

use std::time::{Duration, Instant};

use kawire::record::Record;

use crate::util::hostile::{Act, HostilePeer};
use crate::util::proxy::{Fault, FaultProxy};
use crate::util::{
    KaServe, Running, closed_port, events, kaping, parse_records, probes, summary, through_head,
};

#[test]
fn echo_round_trips_are_recorded_field_by_field() {
    let server = KaServe::tcp();
    let out = kaping(&["-c", "3", "-i", "20ms", "--ndjson", &server.url()]);
    out.assert_no_panic();
    assert_eq!(out.code(), 0, "{}", out.stderr);
    let records = out.records();
    let probes = probes(&records);
    assert_eq!(probes.len(), 3);
    for (i, p) in probes.iter().enumerate() {
        assert_eq!(p.seq, i as u64 + 1);
        assert!(p.ok);
        assert_eq!(p.header.v, 1);
        assert_eq!(p.header.target, server.url());
        assert_eq!(p.header.protocol, "tcp");
        assert_eq!(p.header.mode, "echo");
        assert!(p.header.ts.ends_with('Z') && p.header.ts.contains('T'));
        let rtt = p.rtt_us.expect("rtt on a reply");
        assert!(rtt > 0.0 && rtt < 100_000.0, "loopback rtt {rtt} µs");
        assert_eq!((p.cause.as_ref(), p.detail.as_ref()), (None, None));
    }
    let connected = events(&records, "connected");
    assert_eq!(connected.len(), 1, "one persistent connection");
    assert_eq!(
        connected[0].header.addr.as_deref(),
        Some(&*server.addr.to_string())
    );
    let s = summary(&records);
    assert_eq!((s.summary.transmitted, s.summary.received), (3, 3));
    assert_eq!(s.summary.loss_pct, 0.0);
    let rtt = &s.summary.rtt;
    let (min, max) = (rtt.min_us.unwrap(), rtt.max_us.unwrap());
    assert!(min <= rtt.avg_us.unwrap() && rtt.avg_us.unwrap() <= max);
    assert!(min <= rtt.p50_us.unwrap() && rtt.p99_us.unwrap() <= max);
    // All records of one run share its id.
    assert!(records.iter().all(|r| match r {
        Record::Probe(p) => p.header.run == s.header.run,
        Record::Event(e) => e.header.run == s.header.run,
        Record::Summary(x) => x.header.run == s.header.run,
        Record::State(x) => x.header.run == s.header.run,
    }));
}

#[test]
fn injected_delay_is_reported_as_such() {
    let server = KaServe::tcp();
    let proxy = FaultProxy::start(server.addr);
    proxy.set(Fault::Delay(Duration::from_millis(50)));
    let out = kaping(&["-c", "5", "-i", "10ms", "--json", &proxy.url()]);
    assert_eq!(out.code(), 0, "{}", out.stderr);
    let report = out.report();
    let rtt = &report.targets[0].summary.rtt;
    let (min, p50, max) = (
        rtt.min_us.unwrap(),
        rtt.p50_us.unwrap(),
        rtt.max_us.unwrap(),
    );
    assert!(min >= 50_000.0, "never faster than the delay: {min} µs");
    assert!(p50 <= 55_000.0, "median within 5 ms of 50 ms: {p50} µs");
    assert!(max <= 70_000.0, "max {max} µs");
    assert_eq!(report.targets[0].summary.received, 5);
}

#[test]
fn thresholds_set_the_exit_status_and_name_the_breach() {
    let server = KaServe::tcp();
    let proxy = FaultProxy::start(server.addr);
    proxy.set(Fault::Delay(Duration::from_millis(20)));
    let url = proxy.url();
    let out = kaping(&["-c", "2", "-i", "10ms", "-q", "--max-rtt", "5ms", &url]);
    assert_eq!(out.code(), 1);
    assert!(
        out.stderr.contains("rtt p99") && out.stderr.contains("exceeds --max-rtt 5ms"),
        "{}",
        out.stderr
    );
    let ok = kaping(&[
        "-c",
        "2",
        "-i",
        "10ms",
        "-q",
        "--max-rtt",
        "500ms",
        "--max-loss",
        "0%",
        &url,
    ]);
    assert_eq!(ok.code(), 0, "{}", ok.stderr);
    let by_min = kaping(&[
        "-c",
        "2",
        "-i",
        "10ms",
        "-q",
        "--max-rtt",
        "5ms",
        "--rtt-stat",
        "min",
        &url,
    ]);
    assert_eq!(by_min.code(), 1);
    assert!(by_min.stderr.contains("rtt min"), "{}", by_min.stderr);
}

#[test]
fn blackhole_gives_timeouts_and_loss_and_ends_by_the_deadline() {
    let server = KaServe::tcp();
    let proxy = FaultProxy::start(server.addr);
    proxy.set(Fault::Blackhole);
    let out = kaping(&[
        "-i",
        "50ms",
        "-W",
        "100ms",
        "-w",
        "700ms",
        "--json",
        &proxy.url(),
    ]);
    let took = out.elapsed;
    assert_eq!(
        out.code(),
        1,
        "no reply at all is unhealthy: {}",
        out.stderr
    );
    assert!(
        took < Duration::from_millis(2000),
        "ended by its deadline: {took:?}"
    );
    let t = &out.report().targets[0].summary;
    assert!(t.transmitted >= 3, "kept probing: {}", t.transmitted);
    assert_eq!(t.received, 0);
    assert_eq!(t.loss_pct, 100.0);
    assert_eq!(t.failures.get("timeout"), Some(&t.transmitted));
    assert!(
        t.elapsed_ms >= 690.0 && t.elapsed_ms < 1500.0,
        "{}",
        t.elapsed_ms
    );
    assert!(out.report().breaches[0].contains("no reply"));
}

#[test]
fn late_replies_are_not_taken_for_fresh_ones() {
    // Replies arrive 150 ms late, after each 100 ms timeout; the next probe is
    // already waiting then and must not take the old reply for its own.
    let server = KaServe::tcp();
    let proxy = FaultProxy::start(server.addr);
    proxy.set(Fault::Delay(Duration::from_millis(150)));
    let out = kaping(&[
        "-c",
        "4",
        "-i",
        "10ms",
        "-W",
        "100ms",
        "--ndjson",
        &proxy.url(),
    ]);
    let records = out.records();
    let probes = probes(&records);
    assert_eq!(probes.len(), 4);
    assert!(
        probes
            .iter()
            .all(|p| !p.ok && p.cause.as_deref() == Some("timeout")),
        "{probes:#?}"
    );
}

#[test]
fn a_reset_is_reported_and_the_next_probe_reconnects() {
    let server = KaServe::tcp();
    let proxy = FaultProxy::start(server.addr);
    let url = proxy.url();
    let mut ping = Running::spawn("kaping", &["-c", "5", "-i", "150ms", "--ndjson", &url]);
    let started = Instant::now();
    let mut seen = ping.lines_until(|l| l.contains(r#""seq":2"#));
    proxy.reset_all();
    let out = ping.finish(String::new(), started);
    seen.extend(out.stdout.lines().map(str::to_string));
    let records = parse_records(&seen.join("\n"));
    let lost = events(&records, "disconnected");
    assert_eq!(lost.len(), 1, "{records:#?}");
    assert_eq!(lost[0].cause.as_deref(), Some("reset"));
    assert!(lost[0].detail.as_deref().unwrap().contains("reset"));
    assert_eq!(events(&records, "connected").len(), 2, "reconnected once");
    let s = summary(&records);
    assert_eq!((s.summary.transmitted, s.summary.received), (5, 5));
    assert_eq!(s.summary.disconnects.get("reset"), Some(&1));
    assert_eq!(out.code(), 0);
}

#[test]
fn a_close_is_reported_as_eof() {
    let server = KaServe::tcp();
    let proxy = FaultProxy::start(server.addr);
    let url = proxy.url();
    let mut ping = Running::spawn("kaping", &["-c", "3", "-i", "150ms", &url]);
    let started = Instant::now();
    ping.lines_until(|l| l.contains("seq=1"));
    proxy.close_all();
    let out = ping.finish(String::new(), started);
    assert!(
        out.stdout.contains("connection lost: eof"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("3 probes transmitted, 3 received, 0% loss"),
        "{}",
        out.stdout
    );
}

#[test]
fn a_refused_port_is_unhealthy() {
    let url = format!("tcp://{}", closed_port());
    for mode in ["echo", "connect"] {
        let out = kaping(&["-c", "2", "-i", "10ms", "--mode", mode, &url]);
        assert_eq!(out.code(), 1, "{mode}: {}", out.stderr);
        assert!(out.stdout.contains("seq=1 refused"), "{}", out.stdout);
        assert!(
            out.stdout
                .contains("2 probes transmitted, 0 received, 100% loss")
        );
        assert!(
            out.stderr.contains("no reply to 2 probes"),
            "{}",
            out.stderr
        );
    }
}

#[test]
fn connect_mode_opens_a_connection_per_probe() {
    let server = KaServe::tcp();
    let out = kaping(&[
        "--mode",
        "connect",
        "-c",
        "3",
        "-i",
        "10ms",
        "--json",
        &server.url(),
    ]);
    assert_eq!(out.code(), 0, "{}", out.stderr);
    let t = &out.report().targets[0];
    assert_eq!(t.mode, "connect");
    assert_eq!(t.summary.received, 3);
    let log = server.stop("INT").stdout;
    let connects = log.matches(r#""event":"connected""#).count();
    assert_eq!(connects, 3, "{log}");
}

#[test]
fn several_targets_share_one_run_and_one_table() {
    let (a, b) = (KaServe::tcp(), KaServe::tcp());
    let out = kaping(&["-c", "2", "-i", "10ms", "-q", &a.url(), &b.url()]);
    assert_eq!(out.code(), 0, "{}", out.stderr);
    assert!(!out.stdout.contains("reply from"), "-q hides probe lines");
    for url in [a.url(), b.url()] {
        let row = out
            .stdout
            .lines()
            .find(|l| l.starts_with('│') && l.contains(&url))
            .unwrap_or_else(|| panic!("a table row for {url}:\n{}", out.stdout));
        assert!(row.contains(" 2 ") && row.contains("0%"), "{row}");
    }
    let json = kaping(&["-c", "2", "-i", "10ms", "--json", &a.url(), &b.url()]);
    let report = json.report();
    assert_eq!(report.targets.len(), 2);
    assert!(report.healthy && report.breaches.is_empty());
}

#[test]
fn sigterm_ends_the_run_with_a_complete_summary() {
    let server = KaServe::tcp();
    let mut ping = Running::spawn("kaping", &["-i", "20ms", "--ndjson", &server.url()]);
    let started = Instant::now();
    let mut seen = ping.lines_until(|l| l.contains(r#""seq":3"#));
    ping.signal("TERM");
    let out = ping.finish(String::new(), started);
    assert_eq!(out.code(), 0, "{}", out.stderr);
    seen.extend(out.stdout.lines().map(str::to_string));
    // Every line parses: nothing was cut mid-record.
    let records = parse_records(&seen.join("\n"));
    let s = summary(&records);
    assert!(s.summary.transmitted >= 3);
    assert_eq!(s.summary.transmitted, s.summary.received);
    assert_eq!(s.summary.transmitted as usize, probes(&records).len());
}

#[test]
fn ctrl_c_prints_the_summary() {
    let server = KaServe::tcp();
    let mut ping = Running::spawn("kaping", &["-i", "20ms", &server.url()]);
    let started = Instant::now();
    ping.lines_until(|l| l.contains("seq=2"));
    ping.signal("INT");
    let out = ping.finish(String::new(), started);
    assert_eq!(out.code(), 0, "{}", out.stderr);
    assert!(out.stdout.contains("kaping statistics"), "{}", out.stdout);
    assert!(
        out.stdout.contains("rtt min/avg/max/mdev"),
        "{}",
        out.stdout
    );
}

#[test]
fn a_closed_pipe_is_a_quiet_success() {
    let server = KaServe::tcp();
    let (status, stdout, stderr) =
        through_head("kaping", &["-c", "200", "-i", "1ms", &server.url()], "-n 1");
    assert!(stdout.starts_with("KAPING "), "{stdout}");
    assert_eq!(status, 0, "{stdout} / {stderr}");
    assert!(stderr.is_empty(), "nothing on stderr: {stderr}");
}

#[test]
fn a_closed_pipe_keeps_an_unanswered_run_unhealthy() {
    let refused = closed_port().to_string();
    let (status, stdout, stderr) =
        through_head("kaping", &["-c", "200", "-i", "1ms", &refused], "-n 1");
    assert!(stdout.starts_with("KAPING "), "{stdout}");
    assert_eq!(status, 1, "{stdout} / {stderr}");
}

#[test]
fn stopped_before_any_reply_is_not_healthy() {
    let server = KaServe::tcp();
    let proxy = FaultProxy::start(server.addr);
    proxy.set(Fault::Blackhole);
    let url = format!("tcp://{}", proxy.addr);
    let mut ping = Running::spawn("kaping", &["-W", "10s", &url]);
    let started = Instant::now();
    ping.lines_until(|l| l.starts_with("KAPING "));
    std::thread::sleep(Duration::from_millis(200));
    ping.signal("INT");
    let out = ping.finish(String::new(), started);
    assert_eq!(out.code(), 1, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("0 probes transmitted"),
        "{}",
        out.stdout
    );
    assert!(out.stderr.contains("no probe finished"), "{}", out.stderr);
}

#[test]
fn custom_line_and_pattern() {
    let server = KaServe::tcp();
    let url = server.url();
    let out = kaping(&[
        "-c",
        "2",
        "-i",
        "10ms",
        "--send",
        "hello {seq}",
        "--expect",
        "hello {seq}",
        "--ndjson",
        &url,
    ]);
    assert_eq!(out.code(), 0, "{}", out.stderr);
    assert!(probes(&out.records()).iter().all(|p| p.ok));
    let wrong = kaping(&["-c", "1", "--send", "hello", "--expect", "bye", &url]);
    assert_eq!(wrong.code(), 1);
    assert!(
        wrong
            .stdout
            .contains(r#"protocol (unexpected reply "hello")"#),
        "{}",
        wrong.stdout
    );
}

#[test]
fn tcp_keepalive_options_are_accepted() {
    let server = KaServe::tcp();
    let mut proc = Running::spawn(
        "kaping",
        &[
            "-c",
            "20",
            "-i",
            "50ms",
            "--tcp-keepalive",
            "5s,1s,3",
            "--tcp-user-timeout",
            "2s",
            &server.url(),
        ],
    );
    let started = Instant::now();
    let seen = proc.lines_until(|l| l.contains("reply from"));
    // Taken by the kernel: the probing socket keeps a keepalive timer of at most
    // the 5 s idle time asked for (the kernel's default is two hours).
    match keepalive_timer(server.addr) {
        Ok(timer) => {
            let (number, unit) = timer.split_at(
                timer
                    .find(|c: char| !c.is_ascii_digit() && c != '.')
                    .unwrap_or(timer.len()),
            );
            let number: f64 = number.parse().unwrap_or(f64::MAX);
            assert!(
                number <= 5.0 && !unit.contains("min") && !unit.contains('h'),
                "keepalive timer {timer}"
            );
        }
        Err(why) => crate::util::skipped(&why),
    }
    let out = proc.finish(seen.join("\n"), started);
    assert_eq!(out.code(), 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("20 probes transmitted, 20 received"),
        "{}",
        out.stdout
    );
}

/// The keepalive timer (`4.9sec`) of the client socket connected to `server`, as
/// `ss` shows it; `Err` when `ss` cannot be run.
fn keepalive_timer(server: std::net::SocketAddr) -> Result<String, String> {
    let dst = server.to_string();
    let mut last = String::new();
    // Between probes the socket is idle and the timer is the keepalive one.
    for _ in 0..40 {
        let out = std::process::Command::new("ss")
            .args(["-tnoH", "state", "established", "dst", &dst])
            .output()
            .map_err(|e| format!("ss cannot be run ({e}): the keepalive timer is not checked"))?;
        last = String::from_utf8_lossy(&out.stdout).into_owned();
        if let Some(timer) = last
            .split("timer:(keepalive,")
            .nth(1)
            .and_then(|rest| rest.split(',').next())
        {
            return Ok(timer.to_string());
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("no keepalive timer on the probing socket: {last:?}");
}

#[test]
fn the_demo_needs_no_outside_server() {
    let out = kaping(&["--demo", "-c", "2", "-i", "10ms"]);
    assert_eq!(out.code(), 0, "{}", out.stderr);
    assert!(out.stdout.contains("echo mode") && out.stdout.contains("connect mode"));
    assert_eq!(
        out.stdout.matches("reply from").count(),
        2,
        "{}",
        out.stdout
    );
}

/// A server that answered PONG once and then only sends `PING` lines of its own
/// is not answering: those lines are its pings (answered and said), not echoes of
/// ours (6 of 6 were counted received, exit 0).
#[test]
fn a_servers_own_ping_lines_are_not_replies() {
    let peer = HostilePeer::start(Act::PongOnceThenPings);
    let target = format!("tcp://{}", peer.addr);
    let out = kaping(&["-c", "4", "-i", "200ms", "-W", "300ms", "--ndjson", &target]);
    out.assert_no_panic();
    let records = out.records();
    let got: Vec<bool> = probes(&records).iter().map(|p| p.ok).collect();
    assert_eq!(got, [true, false, false, false], "{}", out.stdout);
    assert!(
        !events(&records, "server-ping").is_empty(),
        "{}",
        out.stdout
    );
}
