//! Terminal output at a width: the tables fit 80, 120 and 200 columns without
//! breaking a name or a number, say what they left out, and show every column
//! with `--wide`; `ping`'s `-D` timestamps and `-O` outstanding reports.

use std::ffi::OsStr;

use crate::util::{KaServe, run_env};

/// The lines of the tables in `text` (those drawn with box characters).
fn table_lines(text: &str) -> Vec<&str> {
    text.lines()
        .filter(|l| l.starts_with(['│', '┌', '└', '╞']))
        .collect()
}

/// Every table line fits `width`, the names are whole, and the note names
/// what was left out when something was.
fn assert_fits(tool: &str, width: usize, out: &str, names: &[&str]) {
    let lines = table_lines(out);
    assert!(!lines.is_empty(), "{tool} at {width}: a table\n{out}");
    for line in &lines {
        let w = line.chars().count();
        assert!(w <= width, "{tool} at {width}: {w} columns: {line}\n{out}");
    }
    for name in names {
        assert!(
            lines.iter().any(|l| l.contains(name)),
            "{tool} at {width}: {name} whole on a line\n{out}"
        );
    }
    // A number is never split over two lines: no table line holds a cell
    // that is only digits continuing the one above.
    let header_cells = lines
        .iter()
        .find(|l| l.starts_with('│'))
        .unwrap()
        .matches('┆')
        .count();
    for line in lines.iter().filter(|l| l.starts_with('│')) {
        assert_eq!(line.matches('┆').count(), header_cells, "{line}");
    }
}

fn columns(width: usize) -> [(&'static str, String); 1] {
    [("COLUMNS", width.to_string())]
}

fn env<'a>(v: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a OsStr)> {
    v.iter()
        .map(|(k, v)| (*k, OsStr::new(v.as_str())))
        .collect()
}

#[test]
fn tables_fit_80_120_and_200_columns_and_wide_shows_all() {
    let server = KaServe::tcp();
    let by_ip = server.url();
    let by_name = format!("tcp://localhost:{}", server.addr.port());
    let ping = ["-c", "3", "-i", "20ms", &by_ip, &by_name];
    let dir = tempfile::tempdir().unwrap();
    let records = dir.path().join("r.ndjson");
    for width in [80, 120, 200] {
        let cols = columns(width);
        let out = run_env("kaping", &env(&cols), &ping);
        assert_eq!(out.code(), 0, "{}", out.stderr);
        assert_fits("kaping", width, &out.stdout, &[&by_ip, &by_name]);
        let hidden = out.stdout.contains("not shown for the width");
        // 14 columns take 140: all of them at 200, a note below it.
        assert_eq!(hidden, width < 140, "kaping at {width}\n{}", out.stdout);
        if hidden {
            assert!(out.stdout.contains("--wide shows every column"));
        } else {
            assert!(out.stdout.contains("mdev ms") && out.stdout.contains("jitter ms"));
        }

        let out = run_env(
            "kawatch",
            &env(&cols),
            &["-i", "50ms", "--duration", "300ms", &by_ip],
        );
        assert_eq!(out.code(), 0, "{}", out.stderr);
        assert_fits("kawatch", width, &out.stdout, &[&by_ip, "100.00%"]);
    }
    let out = run_env(
        "kaping",
        &[],
        &["-c", "3", "-i", "20ms", "--ndjson", &by_ip],
    );
    assert_eq!(out.code(), 0, "{}", out.stderr);
    std::fs::write(&records, &out.stdout).unwrap();
    for width in [80, 120, 200] {
        let cols = columns(width);
        let out = run_env("kareport", &env(&cols), &[records.to_str().unwrap()]);
        assert_eq!(out.code(), 0, "{}", out.stderr);
        assert_fits("kareport", width, &out.stdout, &[&by_ip]);
    }
    // --wide: every column at any width, and no note.
    let cols = columns(80);
    let out = run_env("kaping", &env(&cols), &[&["--wide"][..], &ping].concat());
    assert!(out.stdout.contains("mdev ms") && out.stdout.contains("jitter ms"));
    assert!(!out.stdout.contains("not shown"), "{}", out.stdout);
    let out = run_env(
        "kareport",
        &env(&cols),
        &["--wide", records.to_str().unwrap()],
    );
    for header in ["p99.9", "jitter", "outages", "failures / closes"] {
        assert!(out.stdout.contains(header), "{header}\n{}", out.stdout);
    }
    assert!(!out.stdout.contains("not shown"), "{}", out.stdout);
}

#[test]
fn dash_d_stamps_each_line_with_unix_time() {
    let server = KaServe::tcp();
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    let out = run_env(
        "kaping",
        &[],
        &["-D", "-c", "2", "-i", "20ms", &server.url()],
    );
    assert_eq!(out.code(), 0, "{}", out.stderr);
    let replies: Vec<&str> = out.stdout.lines().filter(|l| l.contains("seq=")).collect();
    assert_eq!(replies.len(), 2, "{}", out.stdout);
    for line in replies {
        let stamp = line
            .strip_prefix('[')
            .and_then(|l| l.split_once("] "))
            .map(|(t, _)| t)
            .unwrap_or_else(|| panic!("a [unix.micros] stamp: {line}"));
        let (secs, micros) = stamp.split_once('.').unwrap();
        assert_eq!(micros.len(), 6, "{line}");
        let at: f64 = stamp.parse().unwrap();
        assert!(
            secs.len() >= 10 && at >= before.floor() && at < before + 30.0,
            "{line}"
        );
    }
}

#[test]
fn dash_o_reports_a_reply_still_outstanding_when_the_next_probe_goes() {
    // Each answer 300 ms late at a 100 ms interval: before the second probe,
    // the first is outstanding.
    let server = KaServe::on("tcp", &["--fault", "delay-pongs=300ms"]);
    let url = server.url();
    let args = ["-c", "3", "-i", "100ms", "-W", "2s", &url];
    let out = run_env("kaping", &[], &[&["-O"][..], &args].concat());
    assert_eq!(out.code(), 0, "{}", out.stderr);
    assert!(
        out.stdout
            .contains(&format!("no answer yet from {url}: seq=1")),
        "{}",
        out.stdout
    );
    // The reply still counts when it comes.
    assert!(out.stdout.contains("3 received"), "{}", out.stdout);
    let out = run_env("kaping", &[], &args);
    assert!(
        !out.stdout.contains("no answer yet"),
        "only with -O\n{}",
        out.stdout
    );
}
