//! kareport's views of time: the sparkline column, the SVG plot with its down
//! periods, and the hour-of-day profile, over hand-made records.

use crate::kareport::{Fixtures, PROBE, path, report};
use crate::util::{closed_port, run};

/// A minute of probes every second from 10:00:00: 1 ms, then lost and down from
/// 10:00:20 to 10:00:40, then 5 ms.
fn outage_minute() -> String {
    let mut text = String::new();
    for s in 0..60 {
        let ts = format!("2026-11-21T10:00:{s:02}.000000Z");
        let probe = PROBE.replace("2026-11-21T10:15:00.000000Z", &ts);
        text.push_str(&match s {
            0..20 => probe.replace(r#""rtt_us":100.0"#, r#""rtt_us":1000.0"#),
            20..40 => probe.replace(
                r#""ok":true,"rtt_us":100.0"#,
                r#""ok":false,"cause":"timeout""#,
            ),
            _ => probe.replace(r#""rtt_us":100.0"#, r#""rtt_us":5000.0"#),
        });
        text.push('\n');
        let state = |from: &str, to: &str| {
            format!(
                r#"{{"type":"state","v":1,"ts":"{ts}","run":"r1","target":"tcp://h:1","protocol":"tcp","mode":"echo","from":"{from}","to":"{to}","cause":"timeout"}}"#
            )
        };
        match s {
            20 => text.push_str(&state("up", "down")),
            40 => text.push_str(&state("connecting", "up")),
            _ => continue,
        }
        text.push('\n');
    }
    text
}

#[test]
fn the_table_has_a_sparkline_of_rtt_over_time() {
    let fx = Fixtures::new();
    let file = fx.write("minute.ndjson", &outage_minute());
    let out = run("kareport", &[path(&file)]);
    assert_eq!(out.code(), 0, "{}", out.stderr);
    let row = out
        .stdout
        .lines()
        .find(|l| l.contains("tcp://h:1"))
        .expect("a row for the target");
    let spark: String = row.chars().filter(|c| "▁▂▃▄▅▆▇█×".contains(*c)).collect();
    // 60 s over 16 characters: low for the first third, crosses for the outage,
    // high for the last third.
    assert_eq!(spark.chars().count(), 16, "{row}");
    assert!(spark.starts_with("▁▁▁▁▁"), "{spark}");
    assert!(spark.contains("××××"), "{spark}");
    assert!(spark.ends_with("█████"), "{spark}");
}

#[test]
fn plot_draws_rtt_and_shades_down_periods() {
    let fx = Fixtures::new();
    let minute = fx.write("minute.ndjson", &outage_minute());
    // A real watch of a port nobody listens on: down the whole time.
    let refused = format!("tcp://{}", closed_port());
    let watch = run(
        "kawatch",
        &[
            "--duration",
            "300ms",
            "--backoff",
            "50ms..100ms",
            "--ndjson",
            &refused,
        ],
    );
    let watch = fx.write("watch.ndjson", &watch.stdout);
    let svg_path = fx.dir.path().join("rtt.svg");
    let out = run("kareport", &["--plot", path(&svg_path), path(&minute)]);
    assert_eq!(out.code(), 0, "{}", out.stderr);
    let text = std::fs::read_to_string(&svg_path).unwrap();
    let doc = roxmltree::Document::parse(&text).expect("well-formed SVG");
    let panels: Vec<_> = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("panel"))
        .collect();
    assert_eq!(panels.len(), 1);
    assert_eq!(panels[0].attribute("data-group"), Some("tcp://h:1"));
    let class = |c: &str| {
        panels[0]
            .descendants()
            .filter(|n| n.attribute("class") == Some(c))
            .collect::<Vec<_>>()
    };
    let downs = class("down");
    assert_eq!(downs.len(), 1, "one outage");
    let ts =
        |n: &roxmltree::Node, a: &str| humantime::parse_rfc3339(n.attribute(a).unwrap()).unwrap();
    let start = humantime::parse_rfc3339("2026-11-21T10:00:20Z").unwrap();
    let end = humantime::parse_rfc3339("2026-11-21T10:00:40Z").unwrap();
    // Buckets are 128 ms wide here (60 s over at most 512).
    let near = |a: std::time::SystemTime, b: std::time::SystemTime| {
        let d = a
            .duration_since(b)
            .or_else(|_| b.duration_since(a))
            .unwrap();
        d.as_millis() <= 128
    };
    assert!(near(ts(&downs[0], "data-from"), start));
    assert!(near(ts(&downs[0], "data-to"), end));
    // The axis runs from the first record (10:00:00) to the last (10:00:59): the
    // shading starts 20/59 of the way along and is 20/59 of the plot wide.
    let num = |n: &roxmltree::Node, a: &str| n.attribute(a).unwrap().parse::<f64>().unwrap();
    let (x, w) = (num(&downs[0], "x"), num(&downs[0], "width"));
    let (left, plot_w) = (70.0, 870.0);
    assert!((x - (left + plot_w * 20.0 / 59.0)).abs() < 3.0, "x {x}");
    assert!((w - plot_w * 20.0 / 59.0).abs() < 3.0, "width {w}");
    assert_eq!(class("lost").len(), 20, "a tick per lost probe");
    let lines = class("rtt");
    assert_eq!(lines.len(), 2, "the line breaks where nothing replied");
    let ys = |n: &roxmltree::Node| -> Vec<f64> {
        n.attribute("points")
            .unwrap()
            .split(' ')
            .map(|p| p.split(',').nth(1).unwrap().parse().unwrap())
            .collect()
    };
    // 5 ms is drawn higher (smaller y) than 1 ms.
    assert!(
        ys(&lines[1])
            .iter()
            .all(|late| ys(&lines[0]).iter().all(|early| late < early))
    );

    // Two groups share the time axis; the watched-down target is shaded almost whole.
    let out = run("kareport", &["--plot", path(&svg_path), path(&watch)]);
    assert_eq!(out.code(), 0, "{}", out.stderr);
    let text = std::fs::read_to_string(&svg_path).unwrap();
    let doc = roxmltree::Document::parse(&text).unwrap();
    let shaded: f64 = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("down"))
        .map(|n| num(&n, "width"))
        .sum();
    assert!(shaded > 0.8 * plot_w, "shaded {shaded} of {plot_w}");
}

#[test]
fn time_of_day_pattern() {
    // Two days; at 03:xx both days lose half their probes, at 14:xx none.
    let mut text = String::new();
    for day in ["20", "21"] {
        for (hour, ok) in [("03", [true, false]), ("14", [true, true])] {
            for (i, ok) in ok.iter().enumerate() {
                let ts = format!("2026-11-{day}T{hour}:1{i}:00.000000Z");
                let probe = PROBE.replace("2026-11-21T10:15:00.000000Z", &ts);
                text.push_str(&if *ok {
                    probe
                } else {
                    probe.replace(
                        r#""ok":true,"rtt_us":100.0"#,
                        r#""ok":false,"cause":"timeout""#,
                    )
                });
                text.push('\n');
            }
        }
    }
    let fx = Fixtures::new();
    let file = fx.write("days.ndjson", &text);
    let (_, doc, _) = report(&["--group-by", "hour-of-day", path(&file)]);
    let rows: Vec<(&str, u64, f64)> = doc
        .targets
        .iter()
        .map(|g| (g.group.as_str(), g.probes, g.loss_pct))
        .collect();
    assert_eq!(
        rows,
        vec![("03:00-04:00Z", 4, 50.0), ("14:00-15:00Z", 4, 0.0)]
    );
    // By target, the same pattern is in the JSON, per hour of the day.
    let (_, doc, _) = report(&[path(&file)]);
    let hours: Vec<(u8, u64, u64, f64)> = doc.targets[0]
        .hour_of_day
        .iter()
        .map(|h| (h.hour, h.probes, h.replies, h.loss_pct))
        .collect();
    assert_eq!(hours, vec![(3, 4, 2, 50.0), (14, 4, 4, 0.0)]);
    assert_eq!(doc.targets[0].hour_of_day[0].avg_us, Some(100.0));
}
