//! kawatch against kaserve and the fault proxy, millisecond intervals: blackholes,
//! resets, close codes, GOAWAYs, idle lifetimes, --until, signals, records.

use std::time::{Duration, Instant};

use kawire::record::{Record, StateRecord, SummaryRecord};

use crate::util::proxy::{Fault, FaultProxy};
use crate::util::{KaServe, Running, parse_records, probes, run, states};

/// The first transition into down.
fn first_down(records: &[Record]) -> StateRecord {
    states(records)
        .into_iter()
        .find(|t| t.to == "down")
        .expect("a transition into down")
        .clone()
}

fn summaries(records: &[Record]) -> Vec<&SummaryRecord> {
    records
        .iter()
        .filter_map(|r| match r {
            Record::Summary(s) => Some(&**s),
            _ => None,
        })
        .collect()
}

fn ts_ms(ts: &str) -> f64 {
    let at = humantime::parse_rfc3339(ts).unwrap();
    at.duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
        * 1000.0
}

/// Streams kawatch's NDJSON; `act` sees each line and may act on the world.
fn watch_while(args: &[&str], mut act: impl FnMut(&str) -> bool) -> (i32, Vec<Record>) {
    let mut all = vec!["--ndjson"];
    all.extend_from_slice(args);
    let mut proc = Running::spawn("kawatch", &all);
    let started = Instant::now();
    let mut lines = Vec::new();
    while let Some(line) = proc.next_line() {
        let done = act(&line);
        lines.push(line);
        if done {
            break;
        }
    }
    let out = proc.finish(String::new(), started);
    lines.extend(out.stdout.lines().map(str::to_string));
    out.assert_no_panic();
    (out.code(), parse_records(&lines.join("\n")))
}

/// Keepalives at a fixed rate: a silent peer is down within max-missed times the
/// interval, plus the timeout, of its last reply (pushing each late keepalive an
/// interval later took 1,111 ms here for an 800 ms bound).
#[test]
fn a_silent_peer_is_declared_down_within_the_documented_bound() {
    let server = KaServe::tcp();
    let proxy = FaultProxy::start(server.addr);
    let url = format!("tcp://{}", proxy.addr);
    let args = [
        "-i",
        "200ms",
        "-W",
        "200ms",
        "--max-missed",
        "3",
        "--duration",
        "3s",
        &url,
    ];
    let (_, records) = watch_while(&args, |line| {
        if line.contains(r#""seq":2,"ok":true"#) {
            proxy.set(Fault::Blackhole);
        }
        line.contains(r#""to":"down""#)
    });
    let last_reply = probes(&records)
        .into_iter()
        .filter(|p| p.ok)
        .map(|p| ts_ms(&p.header.ts) + p.rtt_us.unwrap() / 1000.0)
        .fold(0.0, f64::max);
    let down = ts_ms(&first_down(&records).header.ts);
    let bound = 3.0 * 200.0 + 200.0;
    assert!(
        down - last_reply <= bound + 200.0,
        "down {:.0} ms after the last reply; bound {bound} ms plus 200 ms of slack",
        down - last_reply
    );
}

#[test]
fn a_blackhole_goes_degraded_then_down_in_time_then_reconnects() {
    let server = KaServe::tcp();
    let proxy = FaultProxy::start(server.addr);
    let url = format!("tcp://{}", proxy.addr);
    let mut blackholed_at = None;
    let (code, records) = watch_while(
        &[
            "-i",
            "100ms",
            "-W",
            "100ms",
            "--max-missed",
            "3",
            "--backoff",
            "50ms..100ms",
            "--duration",
            "3s",
            &url,
        ],
        |line| {
            if line.contains(r#""to":"up""#) && blackholed_at.is_none() {
                proxy.set(Fault::Blackhole);
                blackholed_at = Some(Instant::now());
            }
            if line.contains(r#""to":"reconnecting""#) {
                proxy.set(Fault::Pass);
            }
            false
        },
    );
    assert_eq!(code, 0);
    let s = states(&records);
    let path: Vec<(&str, &str)> = s.iter().map(|t| (t.from.as_str(), t.to.as_str())).collect();
    let want = [
        ("connecting", "up"),
        ("up", "degraded"),
        ("degraded", "down"),
        ("down", "reconnecting"),
        ("reconnecting", "connecting"),
        ("connecting", "up"),
    ];
    assert_eq!(&path[..6], &want, "{path:?}");
    assert_eq!(s[1].cause, "missed 1/3 replies");
    assert_eq!(s[2].cause, "timeout");
    assert_eq!(s[2].detail.as_deref(), Some("missed 3/3 replies"));
    // Down within interval + timeout x max-missed of going up, plus a margin.
    let up = ts_ms(&s[0].header.ts);
    let down = ts_ms(&s[2].header.ts);
    assert!(
        down - up <= 100.0 + 3.0 * 200.0 + 300.0,
        "down after {} ms",
        down - up
    );
    assert!(
        s[3].retry_in_ms.unwrap() <= 120.0,
        "backoff 50ms..100ms ±20%"
    );
    let summary = summaries(&records)[0].watch.clone().unwrap();
    assert_eq!(summary.outages, 1);
    assert_eq!(summary.down_causes.get("timeout"), Some(&1));
    assert!(summary.availability_pct > 50.0 && summary.availability_pct < 100.0);
}

#[test]
fn a_reset_goes_down_at_once() {
    let server = KaServe::tcp();
    let proxy = FaultProxy::start(server.addr);
    let url = format!("tcp://{}", proxy.addr);
    let mut reset_at = None;
    let (_, records) = watch_while(&["-i", "1s", "--duration", "1500ms", &url], |line| {
        if line.contains(r#""to":"up""#) && reset_at.is_none() {
            std::thread::sleep(Duration::from_millis(50));
            proxy.reset_all();
            reset_at = Some(Instant::now());
        }
        false
    });
    let s = states(&records);
    let down = first_down(&records);
    assert_eq!(down.from, "up", "no degraded step for a reset");
    assert_eq!(down.cause, "reset");
    assert!(down.lifetime_ms.unwrap() >= 40.0);
    // It came back.
    assert!(s.iter().filter(|t| t.to == "up").count() >= 2);
}

#[test]
fn close_codes_and_goaways_show_their_codes() {
    let ws = KaServe::ws(&["--ping-interval", "50ms", "--ping-timeout", "50ms"]);
    let proxy = FaultProxy::start(ws.addr);
    let url = format!("ws://{}/", proxy.addr);
    let (_, records) = watch_while(&["-i", "off", "--duration", "5s", &url], |line| {
        if line.contains(r#""to":"up""#) {
            proxy.set(Fault::BlackholeToServer);
        }
        line.contains(r#""to":"down""#)
    });
    let down = first_down(&records);
    assert_eq!(down.cause, "ws-close 1011");
    assert_eq!(down.detail.as_deref(), Some("keepalive ping timeout"));

    let grpc = KaServe::on(
        "grpc",
        &["--ping-min-interval", "1s", "--permit-without-stream"],
    );
    let url = format!("grpc://{}", grpc.addr);
    let (_, records) = watch_while(
        &["-i", "50ms", "--mode", "h2ping", "--duration", "5s", &url],
        |line| line.contains(r#""to":"down""#),
    );
    let down = first_down(&records);
    assert_eq!(down.cause, "goaway ENHANCE_YOUR_CALM");
    assert!(
        down.detail
            .as_deref()
            .unwrap()
            .starts_with("too_many_pings after"),
        "{down:?}"
    );
}

#[test]
fn interval_off_reports_how_long_an_idle_connection_lives() {
    let server = KaServe::tcp();
    let proxy = FaultProxy::start(server.addr);
    proxy.set(Fault::CloseIdle(Duration::from_millis(300)));
    let url = format!("tcp://{}", proxy.addr);
    let (_, records) = watch_while(&["-i", "off", "--duration", "5s", &url], |line| {
        line.contains(r#""to":"down""#)
    });
    let down = first_down(&records);
    assert_eq!(down.cause, "eof");
    let life = down.lifetime_ms.unwrap();
    assert!((280.0..700.0).contains(&life), "lifetime {life} ms");
}

#[test]
fn an_http_servers_keepalive_timeout_ends_an_idle_watched_connection() {
    let server = KaServe::on(
        "http",
        &["--keepalive-timeout", "400ms", "--keepalive-header"],
    );
    let url = server.url();
    let (_, records) = watch_while(&["-i", "off", "--duration", "5s", &url], |line| {
        line.contains(r#""to":"down""#)
    });
    let down = first_down(&records);
    assert_eq!(down.cause, "eof", "{down:?}");
    let life = down.lifetime_ms.unwrap();
    assert!((380.0..800.0).contains(&life), "lifetime {life} ms");
    assert!(
        down.detail.as_deref().unwrap_or("").contains("idle"),
        "{down:?}"
    );
    // With a request as the keepalive every 100 ms, it stays up.
    let (_, records) = watch_while(&["-i", "100ms", "--duration", "1500ms", &url], |_| false);
    assert!(
        states(&records).iter().all(|s| s.to != "down"),
        "{:?}",
        states(&records)
    );
}

#[test]
fn until_up_returns_when_a_late_server_starts() {
    let port = crate::util::closed_port();
    let url = format!("tcp://{port}");
    let started = Instant::now();
    let late = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(400));
        KaServe::start(&["tcp", "--listen", &port.to_string(), "--ndjson"])
    });
    let out = run(
        "kawatch",
        &[
            "--until",
            "up",
            "-w",
            "10s",
            "--backoff",
            "50ms..100ms",
            &url,
        ],
    );
    let _server = late.join().unwrap();
    assert_eq!(out.code(), 0, "{}", out.stderr);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "returned as soon as up"
    );
    assert!(out.stdout.contains("connecting -> up"), "{}", out.stdout);

    let never = format!("tcp://{}", crate::util::closed_port());
    let out = run(
        "kawatch",
        &[
            "--until",
            "up",
            "-w",
            "500ms",
            "--backoff",
            "50ms..100ms",
            &never,
        ],
    );
    assert_eq!(out.code(), 1);
    assert!(
        out.stderr.contains("--until not reached: deadline passed"),
        "{}",
        out.stderr
    );
    assert!(out.elapsed < Duration::from_secs(3));
}

#[test]
fn fail_on_down_sets_the_exit_status() {
    let never = format!("tcp://{}", crate::util::closed_port());
    let out = run(
        "kawatch",
        &[
            "--duration",
            "300ms",
            "--fail-on",
            "down",
            "--backoff",
            "50ms..100ms",
            &never,
        ],
    );
    assert_eq!(out.code(), 1);
    assert!(out.stderr.contains("went down (refused"), "{}", out.stderr);
    let out = run(
        "kawatch",
        &["--duration", "300ms", "--backoff", "50ms..100ms", &never],
    );
    assert_eq!(
        out.code(),
        0,
        "without --fail-on a watch that ends is a success"
    );
}

#[test]
fn sigterm_leaves_a_complete_summary_and_whole_lines() {
    let server = KaServe::tcp();
    let mut proc = Running::spawn("kawatch", &["--ndjson", "-i", "20ms", &server.url()]);
    let started = Instant::now();
    let mut lines = proc.lines_until(|l| l.contains(r#""seq":5"#));
    proc.signal("TERM");
    let out = proc.finish(String::new(), started);
    assert_eq!(out.code(), 0, "{}", out.stderr);
    assert!(out.stdout.ends_with('\n') || out.stdout.is_empty());
    lines.extend(out.stdout.lines().map(str::to_string));
    let records = parse_records(&lines.join("\n"));
    let s = summaries(&records);
    assert_eq!(s.len(), 1);
    assert!(s[0].summary.received >= 5);
    let watch = s[0].watch.as_ref().unwrap();
    assert_eq!(watch.state, "up");
    assert!(watch.availability_pct > 90.0);
}

#[test]
fn targets_file_and_bad_input() {
    let server = KaServe::tcp();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("targets.txt");
    std::fs::write(&file, format!("# fleet\n{}\n", server.url())).unwrap();
    let out = run(
        "kawatch",
        &[
            "--duration",
            "200ms",
            "--targets-file",
            file.to_str().unwrap(),
        ],
    );
    assert_eq!(out.code(), 0, "{}", out.stderr);
    assert!(out.stdout.contains("connecting -> up"));
    std::fs::write(&file, "nope\n").unwrap();
    let out = run("kawatch", &["--targets-file", file.to_str().unwrap()]);
    assert_eq!(out.code(), 2);
    assert!(
        out.stderr.contains("line 1: invalid target 'nope'"),
        "{}",
        out.stderr
    );
    let out = run("kawatch", &[]);
    assert_eq!(out.code(), 2);
    assert!(out.stderr.starts_with("kawatch: no targets"));
    let out = run("kawatch", &["--interval", "soon", "h:1"]);
    assert_eq!(out.code(), 2);
    assert!(
        out.stderr.contains("invalid duration 'soon'"),
        "{}",
        out.stderr
    );
}

/// `name{labels} value` lines of a Prometheus exposition.
#[test]
fn the_summary_table_puts_each_figure_under_its_header() {
    let server = KaServe::tcp();
    let out = run(
        "kawatch",
        &["-i", "50ms", "--duration", "400ms", &server.url()],
    );
    assert_eq!(out.code(), 0, "{}", out.stderr);
    let cells = |line: &str| -> Vec<String> {
        line.trim_matches(|c| c == '│' || c == ' ')
            .split('┆')
            .map(|c| c.trim().to_string())
            .collect()
    };
    let header = out
        .stdout
        .lines()
        .find(|l| l.contains("p50 ms"))
        .map(cells)
        .expect("a summary table");
    let row = out
        .stdout
        .lines()
        .find(|l| l.starts_with('│') && l.contains(&server.url()))
        .map(cells)
        .expect("a row for the target");
    assert_eq!(header.len(), row.len(), "{header:?}\n{row:?}");
    let at = |name: &str| &row[header.iter().position(|h| h == name).unwrap()];
    let p50: f64 = at("p50 ms").parse().expect("p50 in ms, a number");
    assert!(p50 > 0.0 && p50 < 50.0, "{p50}");
    assert_eq!(at("state"), "up");
    assert_eq!(at("last cause"), "-");
}

/// The time before the first connection is the watch starting, not time down:
/// `--until up` on a healthy server is 100% available with no outage (it read
/// "avail 14.13%, down 450µs").
#[test]
fn the_first_connect_is_not_time_down() {
    let server = KaServe::tcp();
    let out = run(
        "kawatch",
        &["--until", "up", "-w", "5s", "--ndjson", &server.url()],
    );
    assert_eq!(out.code(), 0, "{}", out.stderr);
    let records = parse_records(&out.stdout);
    let summary = records
        .iter()
        .find_map(|r| match r {
            Record::Summary(s) => s.watch.clone(),
            _ => None,
        })
        .expect("a watch summary");
    assert_eq!(summary.availability_pct, 100.0, "{summary:?}");
    assert_eq!(summary.outages, 0);
    let human = run("kawatch", &["--until", "up", "-w", "5s", &server.url()]);
    assert!(human.stdout.contains("100.00%"), "{}", human.stdout);
}
