//! Golden tests: the serialized form of one record of each type (built from fixed
//! values) and kareport's outputs over a fixed fixture, pinned byte for byte to the
//! files in `tests/golden/`. They guard the wire format and what users see against
//! changes nobody meant; a deliberate change rewrites them with `KAPROBE_BLESS=1`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use kawire::record::{
    EventRecord, Header, InputCounts, PhasesRecord, PingDoc, PingTarget, ProbeRecord, Record,
    ReportDoc, ReportGroup, ReportHour, RttSummary, ServeRecord, StateRecord, SummaryRecord,
    TargetSummary, WatchSummaryRecord,
};

use crate::util::run;

fn golden(name: &str) -> PathBuf {
    kaprobe_tests::repo_root().join("tests/golden").join(name)
}

/// Compares `have` with the golden file, or rewrites it under `KAPROBE_BLESS=1`.
fn check(name: &str, have: &str) {
    let path = golden(name);
    if std::env::var_os("KAPROBE_BLESS").is_some() {
        std::fs::write(&path, have).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    assert!(
        have == want,
        "{name} differs from its golden file\n--- want\n{want}\n--- have\n{have}"
    );
}

fn header(target: &str, protocol: &str, mode: &str) -> Header {
    Header {
        v: 1,
        ts: "2026-11-21T10:00:00.250000Z".into(),
        run: "19a0c-4d2".into(),
        target: target.into(),
        protocol: protocol.into(),
        mode: mode.into(),
        addr: None,
    }
}

fn rtt() -> RttSummary {
    RttSummary {
        min_us: Some(20.5),
        avg_us: Some(31.25),
        max_us: Some(90.0),
        mdev_us: Some(4.125),
        p50_us: Some(30.0),
        p90_us: Some(40.0),
        p95_us: Some(50.0),
        p99_us: Some(88.0),
        p999_us: Some(90.0),
        jitter_us: Some(2.5),
    }
}

fn summary() -> TargetSummary {
    TargetSummary {
        transmitted: 10,
        received: 9,
        loss_pct: 10.0,
        elapsed_ms: 9012.5,
        rtt: rtt(),
        failures: BTreeMap::from([("timeout".to_string(), 1)]),
        disconnects: BTreeMap::from([("eof".to_string(), 1)]),
    }
}

fn phases() -> PhasesRecord {
    PhasesRecord {
        connect_us: 120.5,
        proxy_us: None,
        tls_us: Some(800.25),
        handshake_us: Some(310.0),
        first_us: Some(45.0),
    }
}

fn records() -> Vec<String> {
    let line = |r: &dyn erased::Json| r.json();
    let probe = Record::Probe(ProbeRecord {
        header: header("wss://h:443/feed", "ws", "ping"),
        seq: 7,
        ok: false,
        rtt_us: None,
        cause: Some("ws-close 1011".into()),
        detail: Some("keepalive ping timeout".into()),
        phases: Some(phases()),
        status: None,
        ttfb_us: None,
        reused: None,
        http_version: None,
        reply: None,
    });
    let http_probe = Record::Probe(ProbeRecord {
        header: header("https://h:443/health", "http", "request"),
        seq: 3,
        ok: false,
        rtt_us: None,
        cause: Some("http 503".into()),
        detail: Some("GET /health answered 503 Service Unavailable".into()),
        phases: None,
        status: Some(503),
        ttfb_us: Some(410.5),
        reused: Some(true),
        http_version: Some("2".into()),
        reply: None,
    });
    let keep_alive = Record::Event(EventRecord {
        header: header("http://h:80/", "http", "request"),
        event: "keep-alive".into(),
        phases: None,
        cause: None,
        detail: Some("timeout=5, max=100".into()),
        interval_ms: None,
        ping_kind: None,
        ping_data: None,
        ping_count: None,
        ping_span_ms: None,
        announced_timeout_ms: Some(5000.0),
        announced_max: Some(100),
    });
    let event = Record::Event(EventRecord {
        header: Header {
            addr: Some("127.0.0.1:50051".into()),
            ..header("grpc://h:50051", "grpc", "h2ping")
        },
        event: "server-ping".into(),
        phases: None,
        cause: None,
        detail: None,
        interval_ms: Some(2000.5),
        ping_kind: Some("keepalive".into()),
        ping_data: Some("0000000000000000".into()),
        ping_count: None,
        ping_span_ms: None,
        announced_timeout_ms: None,
        announced_max: None,
    });
    let state = Record::State(StateRecord {
        header: header("tcp://h:7070", "tcp", "echo"),
        from: "up".into(),
        to: "down".into(),
        cause: "reset".into(),
        kind: Some("reset".into()),
        detail: Some("Connection reset by peer (os error 104)".into()),
        attempt: Some(2),
        retry_in_ms: Some(1500.0),
        lifetime_ms: Some(61_000.125),
    });
    let watch = WatchSummaryRecord {
        state: "up".into(),
        availability_pct: 99.5,
        time_in_ms: BTreeMap::from([("down".to_string(), 50.0), ("up".to_string(), 9950.0)]),
        transitions: 4,
        outages: 1,
        longest_outage_ms: 50.0,
        total_outage_ms: 50.0,
        down_causes: BTreeMap::from([("reset".to_string(), 1)]),
        last_cause: Some("reset (Connection reset by peer)".into()),
        lifetimes: 1,
        longest_lifetime_ms: 6000.0,
    };
    let summary_rec = Record::Summary(Box::new(SummaryRecord {
        header: header("tcp://h:7070", "tcp", "echo"),
        summary: summary(),
        watch: Some(watch),
    }));
    let report = PingDoc {
        v: 1,
        tool: "kaping".into(),
        version: "0.1.0".into(),
        run: "19a0c-4d2".into(),
        ts: "2026-11-21T10:00:00.000000Z".into(),
        targets: vec![PingTarget {
            target: "tcp://h:7070".into(),
            protocol: "tcp".into(),
            mode: "echo".into(),
            addr: "127.0.0.1:7070".into(),
            summary: summary(),
        }],
        healthy: false,
        breaches: vec!["loss 10.000% > 1%".into()],
    };
    let doc = ReportDoc {
        v: 1,
        tool: "kareport".into(),
        version: "0.1.0".into(),
        group_by: "target".into(),
        input: InputCounts {
            files: 1,
            lines: 12,
            records: 11,
            invalid: 1,
            unknown: 0,
            outside_window: 0,
        },
        targets: vec![ReportGroup {
            group: "tcp://h:7070".into(),
            runs: 1,
            probes: 10,
            replies: 9,
            loss_pct: 10.0,
            rtt: rtt(),
            failures: BTreeMap::from([("timeout".to_string(), 1)]),
            disconnects: BTreeMap::new(),
            availability_pct: Some(99.5),
            time_in_ms: BTreeMap::from([("up".to_string(), 9950.0)]),
            outages: 1,
            longest_outage_ms: 50.0,
            total_outage_ms: 50.0,
            transitions: BTreeMap::from([("down (reset)".to_string(), 1)]),
            closes: BTreeMap::new(),
            first_ts: Some("2026-11-21T10:00:00.000000Z".into()),
            last_ts: None,
            hour_of_day: vec![ReportHour {
                hour: 10,
                probes: 10,
                replies: 9,
                loss_pct: 10.0,
                avg_us: Some(31.25),
                outages: 1,
            }],
        }],
        healthy: true,
        breaches: Vec::new(),
    };
    let listening = ServeRecord::Listening {
        v: 1,
        ts: "2026-11-21T10:00:00.000000Z".into(),
        proto: "ws".into(),
        addr: "127.0.0.1:7071".into(),
        tls: true,
        generated_cert: Some("/tmp/kaserve-1-cert.pem".into()),
    };
    let client = ServeRecord::Client {
        v: 1,
        ts: "2026-11-21T10:00:01.000000Z".into(),
        proto: "grpc".into(),
        peer: "127.0.0.1:40000".into(),
        event: "closed".into(),
        cause: Some("goaway ENHANCE_YOUR_CALM".into()),
        detail: Some("too_many_pings".into()),
        lifetime_ms: Some(1234.5),
    };
    vec![
        line(&probe),
        line(&http_probe),
        line(&keep_alive),
        line(&event),
        line(&state),
        line(&summary_rec),
        line(&report),
        line(&doc),
        line(&listening),
        line(&client),
    ]
}

/// Serialization of any record type, so the list above can hold them all.
mod erased {
    pub trait Json {
        fn json(&self) -> String;
    }
    impl<T: serde::Serialize> Json for T {
        fn json(&self) -> String {
            serde_json::to_string(self).unwrap()
        }
    }
}

#[test]
fn every_record_type_serializes_as_pinned() {
    let mut text = String::new();
    for line in records() {
        text.push_str(&line);
        text.push('\n');
    }
    check("records.ndjson", &text);
}

#[test]
fn ndjson_records_read_back_as_they_were() {
    for line in records().iter().take(4) {
        let back: Record = serde_json::from_str(line).unwrap();
        assert_eq!(&serde_json::to_string(&back).unwrap(), line);
    }
}

fn kareport_over_fixture(args: &[&str], golden_name: &str) {
    let fixture = golden("fixture.ndjson");
    let mut all = args.to_vec();
    all.push(fixture.to_str().unwrap());
    let out = run("kareport", &all);
    out.assert_no_panic();
    assert_eq!(out.code(), 0, "{}", out.stderr);
    check(golden_name, &out.stdout);
}

#[test]
fn kareport_json_over_the_fixture_is_pinned() {
    kareport_over_fixture(&["--json"], "kareport.json");
}

#[test]
fn kareport_table_over_the_fixture_is_pinned() {
    kareport_over_fixture(&[], "kareport.txt");
}

#[test]
fn kareport_csv_and_markdown_over_the_fixture_are_pinned() {
    kareport_over_fixture(&["--csv"], "kareport.csv");
    kareport_over_fixture(&["--format", "markdown"], "kareport.md");
}
