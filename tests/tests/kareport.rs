//! kareport over records made by real kaping and kawatch runs in the test, and over
//! hand-made edge cases: statistics checked against values computed here.

use std::path::{Path, PathBuf};

use kawire::record::ReportDoc;

use crate::util::{KaServe, closed_port, kaping, parse_records, probes, run};

pub(crate) struct Fixtures {
    pub(crate) dir: tempfile::TempDir,
}

impl Fixtures {
    pub(crate) fn new() -> Self {
        Fixtures {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub(crate) fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    }
}

pub(crate) fn report(args: &[&str]) -> (i32, ReportDoc, String) {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let out = run("kareport", &all);
    out.assert_no_panic();
    let doc: ReportDoc = serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("not a report ({e}): {}\n{}", out.stdout, out.stderr));
    (out.code(), doc, out.stderr)
}

pub(crate) fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn statistics_match_the_probe_records() {
    let server = KaServe::tcp();
    let out = kaping(&["-c", "30", "-i", "5ms", "--ndjson", &server.url()]);
    let records = out.records();
    let fx = Fixtures::new();
    let file = fx.write("run.ndjson", &out.stdout);
    let (code, doc, _) = report(&[path(&file)]);
    assert_eq!(code, 0);
    assert_eq!(doc.targets.len(), 1);
    let g = &doc.targets[0];
    let rtts: Vec<f64> = probes(&records).iter().filter_map(|p| p.rtt_us).collect();
    let min = rtts.iter().cloned().fold(f64::MAX, f64::min);
    let max = rtts.iter().cloned().fold(0.0, f64::max);
    let avg = rtts.iter().sum::<f64>() / rtts.len() as f64;
    assert_eq!((g.probes, g.replies), (30, rtts.len() as u64));
    assert!((g.rtt.min_us.unwrap() - min).abs() < 0.01);
    assert!((g.rtt.max_us.unwrap() - max).abs() < 0.01);
    assert!((g.rtt.avg_us.unwrap() - avg).abs() < 0.01);
    let mut sorted = rtts.clone();
    sorted.sort_by(f64::total_cmp);
    let p50 = sorted[(sorted.len() as f64 * 0.5).ceil() as usize - 1];
    assert!(
        (g.rtt.p50_us.unwrap() - p50).abs() <= p50 * 0.01 + 0.1,
        "{} vs {p50}",
        g.rtt.p50_us.unwrap()
    );
    assert_eq!(g.group, server.url());
    assert_eq!(doc.input.records, records.len() as u64);
}

#[test]
fn several_runs_and_tools_merge_without_double_counting() {
    let server = KaServe::tcp();
    let a = kaping(&["-c", "10", "-i", "2ms", "--ndjson", &server.url()]).stdout;
    let b = kaping(&["-c", "15", "-i", "2ms", "--ndjson", &server.url()]).stdout;
    let watch = run(
        "kawatch",
        &[
            "-i",
            "20ms",
            "--duration",
            "300ms",
            "--ndjson",
            &server.url(),
        ],
    )
    .stdout;
    let watched = parse_records(&watch);
    let watch_probes = probes(&watched).len() as u64;
    let fx = Fixtures::new();
    // Interleaved: b's lines first, then a's, then the watch; order must not matter.
    let file = fx.write("mixed.ndjson", &format!("{b}{a}{watch}"));
    let (code, doc, _) = report(&[path(&file)]);
    assert_eq!(code, 0);
    let g = &doc.targets[0];
    assert_eq!(g.runs, 3);
    assert_eq!(
        g.probes,
        25 + watch_probes,
        "probe records counted once each; summaries add nothing"
    );
    let avail = g
        .availability_pct
        .expect("the watch summary gives availability");
    assert!(avail > 90.0, "{avail}");
    // The same data from stdin and from two files agrees.
    let fa = fx.write("a.ndjson", &a);
    let fb = fx.write("b.ndjson", &b);
    let (_, two, _) = report(&[path(&fa), path(&fb)]);
    assert_eq!(two.targets[0].probes, 25);
    assert_eq!(two.input.files, 2);
}

#[test]
fn losses_and_thresholds_set_the_exit_status() {
    let refused = format!("tcp://{}", closed_port());
    let out = kaping(&["-c", "3", "-i", "2ms", "--ndjson", &refused]);
    let fx = Fixtures::new();
    let file = fx.write("lossy.ndjson", &out.stdout);
    let (code, doc, _) = report(&[path(&file)]);
    assert_eq!(code, 1, "no reply at all is unhealthy");
    assert_eq!(doc.targets[0].loss_pct, 100.0);
    assert_eq!(doc.targets[0].failures.get("refused"), Some(&3));
    let server = KaServe::tcp();
    let good = fx.write(
        "good.ndjson",
        &kaping(&["-c", "5", "-i", "2ms", "--ndjson", &server.url()]).stdout,
    );
    assert_eq!(
        report(&["--max-loss", "0%", "--max-rtt", "1s", path(&good)]).0,
        0
    );
    let (code, _, stderr) = report(&["--max-rtt", "1ns", path(&good)]);
    assert_eq!(code, 1);
    assert!(stderr.contains("exceeds --max-rtt"), "{stderr}");
    let watch = run(
        "kawatch",
        &[
            "--duration",
            "200ms",
            "--backoff",
            "50ms..100ms",
            "--ndjson",
            &refused,
        ],
    )
    .stdout;
    let down = fx.write("down.ndjson", &watch);
    let (code, doc, stderr) = report(&["--min-availability", "99.9%", path(&down)]);
    assert_eq!(code, 1);
    assert_eq!(doc.targets[0].availability_pct, Some(0.0));
    assert!(
        stderr.contains("below --min-availability 99.9%"),
        "{stderr}"
    );
}

pub(crate) const PROBE: &str = r#"{"type":"probe","v":1,"ts":"2026-11-21T10:15:00.000000Z","run":"r1","target":"tcp://h:1","protocol":"tcp","mode":"echo","seq":1,"ok":true,"rtt_us":100.0}"#;

#[test]
fn edge_cases_by_hand() {
    let fx = Fixtures::new();
    let empty = fx.write("empty.ndjson", "");
    let (code, doc, _) = report(&[path(&empty)]);
    assert_eq!((code, doc.targets.len()), (0, 0));

    let one = fx.write("one.ndjson", &format!("{PROBE}\n"));
    let (_, doc, _) = report(&[path(&one)]);
    let rtt = &doc.targets[0].rtt;
    assert_eq!(
        (rtt.min_us, rtt.p99_us, rtt.mdev_us),
        (Some(100.0), Some(100.0), Some(0.0))
    );
    assert_eq!(rtt.jitter_us, None);

    let cut = &PROBE[..PROBE.len() / 2];
    let garbage = fx.write("bad.ndjson", &format!("{PROBE}\n{cut}\nnot json\n"));
    let out = run("kareport", &[path(&garbage)]);
    assert_eq!(out.code(), 2);
    let first = out.stderr.lines().next().unwrap();
    assert!(
        first.starts_with(&format!("kareport: {}:2: not JSON", garbage.display())),
        "{first}"
    );
    let (code, doc, stderr) = report(&["--skip-invalid", path(&garbage)]);
    assert_eq!(code, 0);
    assert_eq!((doc.input.invalid, doc.input.records), (2, 1));
    assert!(stderr.contains(":3: skipped"), "{stderr}");

    let future = PROBE.replace(r#""v":1"#, r#""v":2"#);
    let unknown = r#"{"type":"telemetry","v":1,"ts":"2026-11-21T10:00:00Z"}"#;
    let mixed = fx.write("versions.ndjson", &format!("{unknown}\n{future}\n"));
    let out = run("kareport", &[path(&mixed)]);
    assert_eq!(out.code(), 2);
    assert!(
        out.stderr.contains(":2: schema version 2 is newer"),
        "{}",
        out.stderr
    );
    let only_unknown = fx.write("unknown.ndjson", &format!("{unknown}\n{PROBE}\n"));
    let (_, doc, _) = report(&[path(&only_unknown)]);
    assert_eq!((doc.input.unknown, doc.input.records), (1, 1));
}

#[test]
fn bad_bytes_huge_lines_and_impossible_durations_are_invalid_lines() {
    let fx = Fixtures::new();
    let negative = PROBE.replace(r#""rtt_us":100.0"#, r#""rtt_us":-1e308"#);
    assert_ne!(negative, PROBE, "the fixture has an rtt_us to replace");
    let huge = format!(r#"{{"type":"event","note":"{}"}}"#, "x".repeat(2 << 20));
    // 1e308 µs gave an average of 9.2e15 µs.
    let endless = PROBE.replace(r#""rtt_us":100.0"#, r#""rtt_us":1e308"#);
    let mut bytes = format!("{PROBE}\n").into_bytes();
    bytes.extend_from_slice(b"{\"type\":\"probe\",\xff}\n");
    bytes.extend_from_slice(format!("{negative}\n{huge}\n{endless}\n{PROBE}\n").as_bytes());
    let file = fx.dir.path().join("hostile.ndjson");
    std::fs::write(&file, &bytes).unwrap();
    // Without --skip-invalid the first bad line stops the report, named.
    let out = run("kareport", &[path(&file)]);
    out.assert_no_panic();
    assert_eq!(out.code(), 2, "{}", out.stderr);
    assert!(out.stderr.contains(":2: not UTF-8"), "{}", out.stderr);
    // With it, each is counted, named and skipped.
    let (code, doc, stderr) = report(&["--skip-invalid", path(&file)]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!((doc.input.invalid, doc.input.records), (4, 2));
    assert!(
        stderr.contains(":3: skipped: rtt_us is not a duration"),
        "{stderr}"
    );
    assert!(
        stderr.contains(":5: skipped: rtt_us is beyond a century"),
        "{stderr}"
    );
    assert!(
        stderr.contains(":4: skipped: line longer than 1048576 bytes"),
        "{stderr}"
    );
    assert_eq!(doc.targets[0].rtt.min_us, Some(100.0));
    assert_eq!(doc.targets[0].rtt.max_us, Some(100.0));
}

/// A line past the cap stops a strict report there: kareport used to read a
/// 2 GB line to its end before saying it was too long. The writer here never
/// ends its line, so only a reader that stops at the cap can answer.
#[test]
fn a_strict_report_stops_at_a_long_lines_cap() {
    use std::io::Write;
    let mut child = std::process::Command::new(crate::util::bin("kareport"))
        .arg("-")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let chunk = vec![b'x'; 64 * 1024];
        // 2 MiB, then the pipe stays open until kareport goes.
        for _ in 0..32 {
            if stdin.write_all(&chunk).is_err() {
                return;
            }
        }
        while stdin.write_all(&chunk[..1]).is_ok() {
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    });
    let until = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > until {
            let _ = child.kill();
            panic!("kareport still reading an endless line after 10 s");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    writer.join().unwrap();
    assert_eq!(status.code(), Some(2));
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert!(
        stderr.contains("<stdin>:1: line longer than 1048576 bytes"),
        "{stderr}"
    );
}

#[test]
fn the_plot_reaches_the_last_representable_moment() {
    let fx = Fixtures::new();
    let last = PROBE.replace("2026-11-21T10:15:00.000000Z", "9999-12-31T23:59:59.999000Z");
    assert_ne!(last, PROBE);
    let file = fx.write("end.ndjson", &format!("{PROBE}\n{last}\n"));
    let svg = fx.dir.path().join("end.svg");
    let (code, doc, stderr) = report(&["--plot", path(&svg), path(&file)]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(doc.targets[0].probes, 2);
    let text = std::fs::read_to_string(&svg).unwrap();
    // Ticks fall on round dates, a fifth of the span apart: the last one is in
    // the last fifth of the eight thousand years, labelled with its year.
    let years: Vec<u32> = text
        .split(r#"text-anchor="middle">"#)
        .skip(1)
        .filter_map(|t| t.get(..4)?.parse().ok())
        .collect();
    assert!(
        years.iter().any(|y| *y >= 8400),
        "the axis reaches the last record: {years:?}"
    );
    // The last probe is drawn at the right edge of the plot.
    let band = text.split(r#"class="band" d=""#).nth(1).unwrap();
    let last_x: f64 = band
        .rsplit('M')
        .next()
        .and_then(|p| p.split(' ').next())
        .and_then(|x| x.parse().ok())
        .unwrap();
    assert!(last_x > 900.0, "the last probe at x={last_x}");
}

#[test]
fn a_closed_pipe_keeps_a_breach_unhealthy() {
    let fx = Fixtures::new();
    // Enough groups that the table outgrows the pipe: kareport is still writing
    // when `head` has gone.
    let mut lines = String::new();
    for i in 0..2000 {
        let probe = PROBE.replace("tcp://h:1", &format!("tcp://h{i}:1"));
        let lost = probe.replace(r#""ok":true"#, r#""ok":false"#);
        lines.push_str(&format!("{probe}\n{lost}\n"));
    }
    let file = fx.write("lost.ndjson", &lines);
    let (status, _, stderr) = crate::util::through_head(
        "kareport",
        &["--max-loss", "0%", file.to_str().unwrap()],
        "-c 1",
    );
    assert_eq!(status, 1, "{stderr}");
}

#[test]
fn windows_and_groupings() {
    let fx = Fixtures::new();
    let later = PROBE
        .replace("10:15:00", "11:45:00")
        .replace(r#""rtt_us":100.0"#, r#""rtt_us":300.0"#);
    let other = PROBE.replace("tcp://h:1", "ws://w:2/").replace(
        r#""protocol":"tcp","mode":"echo""#,
        r#""protocol":"ws","mode":"ping""#,
    );
    // Out of order on purpose.
    let file = fx.write("day.ndjson", &format!("{later}\n{PROBE}\n{other}\n"));
    let (_, doc, _) = report(&["--group-by", "hour", path(&file)]);
    let keys: Vec<&str> = doc.targets.iter().map(|g| g.group.as_str()).collect();
    assert_eq!(keys, vec!["2026-11-21T10:00Z", "2026-11-21T11:00Z"]);
    assert_eq!(doc.targets[0].probes, 2);
    let (_, doc, _) = report(&["--group-by", "protocol", path(&file)]);
    assert_eq!(doc.targets.len(), 2);
    let (_, doc, _) = report(&["--since", "2026-11-21T11:00:00Z", path(&file)]);
    assert_eq!(doc.targets[0].probes, 1);
    assert_eq!(doc.targets[0].rtt.min_us, Some(300.0));
    assert_eq!(doc.input.outside_window, 2);
    let (_, doc, _) = report(&[
        "--until",
        "2026-11-21T11:00:00Z",
        "--group-by",
        "day",
        path(&file),
    ]);
    assert_eq!(
        (doc.targets[0].group.as_str(), doc.targets[0].probes),
        ("2026-11-21", 2)
    );
    let table = run("kareport", &[path(&file)]);
    assert_eq!(table.code(), 0);
    assert!(table.stdout.contains("tcp://h:1") && table.stdout.contains("ws://w:2/"));
}

#[test]
fn csv_and_markdown() {
    let fx = Fixtures::new();
    let file = fx.write("one.ndjson", &format!("{PROBE}\n"));
    let out = run("kareport", &["--csv", path(&file)]);
    assert_eq!(out.code(), 0, "{}", out.stderr);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert!(lines[0].starts_with("group,runs,probes,replies,loss_pct,min_us"));
    assert!(
        lines[1].starts_with("tcp://h:1,1,1,1,0,100,100,100,0,"),
        "{}",
        lines[1]
    );
    let md = run("kareport", &["--format", "markdown", path(&file)]);
    assert_eq!(md.code(), 0);
    assert!(
        md.stdout.lines().next().unwrap().starts_with("| target"),
        "{}",
        md.stdout
    );
    assert!(md.stdout.contains("| tcp://h:1"), "{}", md.stdout);
}

#[test]
fn http_probes_group_with_their_statuses_and_closes() {
    let server = KaServe::on(
        "http",
        &["--max-requests", "3", "--path-status", "/down=503"],
    );
    let ok = kaping(&["-c", "5", "-i", "5ms", "--ndjson", &server.url()]);
    let down = kaping(&[
        "-c",
        "2",
        "-i",
        "5ms",
        "--ndjson",
        &format!("{}down", server.url()),
    ]);
    let fx = Fixtures::new();
    let a = fx.write("ok.ndjson", &ok.stdout);
    let b = fx.write("down.ndjson", &down.stdout);
    let (code, doc, stderr) = report(&[path(&a), path(&b), "--group-by", "protocol"]);
    // Two 503s: the server answered, not as asked, so the group is unhealthy as
    // kaping judges a run.
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("http 503"), "{stderr}");
    assert_eq!(doc.targets.len(), 1, "{doc:?}");
    let g = &doc.targets[0];
    assert_eq!(g.group, "http");
    assert_eq!((g.probes, g.replies), (7, 5));
    assert_eq!(g.failures.get("http 503"), Some(&2));
    // The request cap of 3 closed the first connection once.
    assert_eq!(g.disconnects.get("eof"), Some(&1), "{g:?}");
    assert_eq!(doc.input.unknown, 0, "keep-alive events are known records");
}

/// A group of watches that sent no probes has no loss to speak of: its loss cell
/// is `-`, not "0.00%".
#[test]
fn a_group_without_probes_shows_no_loss() {
    let server = KaServe::tcp();
    let watched = run(
        "kawatch",
        &["--until", "up", "-w", "5s", "--ndjson", &server.url()],
    );
    assert_eq!(watched.code(), 0, "{}", watched.stderr);
    assert!(probes(&parse_records(&watched.stdout)).is_empty());
    let fixtures = Fixtures::new();
    let file = fixtures.write("watch.ndjson", &watched.stdout);
    let table = run("kareport", &["--format", "markdown", path(&file)]);
    assert_eq!(table.code(), 0, "{}", table.stderr);
    let row = table
        .stdout
        .lines()
        .find(|l| l.contains("tcp://"))
        .unwrap_or_else(|| panic!("no row for the target:\n{}", table.stdout));
    let cells: Vec<&str> = row.split('|').map(str::trim).collect();
    // | group | runs | probes | loss | ...
    assert_eq!((cells[3], cells[4]), ("0", "-"), "{row}");
}

/// A watch with two outages by the server's FIN: its JSON had `"down (eof)": 2`
/// while the table's "failures / closes" cell stayed empty.
#[test]
fn outages_without_a_close_frame_are_noted_in_the_table() {
    let state = |ts: &str, from: &str, to: &str, cause: &str| {
        format!(
            r#"{{"type":"state","v":1,"ts":"2026-11-21T10:00:{ts}Z","run":"r","target":"tcp://h:1","protocol":"tcp","mode":"echo","from":"{from}","to":"{to}","cause":"{cause}","kind":"{cause}"}}"#
        )
    };
    let lines = [
        state("00.000000", "connecting", "up", "connected"),
        state("01.000000", "up", "down", "eof"),
        state("02.000000", "down", "up", "connected"),
        state("03.000000", "up", "down", "eof"),
    ];
    let fx = Fixtures::new();
    let file = fx.write("eof.ndjson", &(lines.join("\n") + "\n"));
    let table = run("kareport", &["--format", "markdown", path(&file)]);
    table.assert_no_panic();
    let row = table
        .stdout
        .lines()
        .find(|l| l.contains("tcp://h:1"))
        .unwrap_or_else(|| panic!("no row:\n{}", table.stdout));
    let last = row.trim_end_matches('|').rsplit('|').next().unwrap().trim();
    assert_eq!(last, "down (eof) 2", "{row}");
}
