//! kabench: kaping's reported RTT against minimal loops doing the same round trip
//! on the same responder, alternated, per protocol; and the whole-process time and
//! peak memory of a one-probe cron check. Prints numbers; asserts nothing.
//!
//! `cargo bench -p kaprobe-tests` (release build). `KABENCH_ROUNDS` and
//! `KABENCH_PROBES` change the size of the run (0 rounds skips the round trips),
//! `KABENCH_CONNECTIONS` the kawatch scale test (0 skips it),
//! `KABENCH_REPORT_RECORDS` the kareport throughput test (0 skips it; it compares
//! with `jq`, which the machine must have: `apt-get install jq`), `KABENCH_DISCOVER`
//! the kafind idle-timeout runs (0 skips them), `KABENCH_POLICY` the kafind
//! ping-policy run (about 95 s; 0 skips it), `KABENCH_EXPORTER` the one-shot
//! probes scraped at once through kawatch --exporter and blackbox_exporter (0
//! skips it), `KABENCH_WATCHERS` the exporter's watchers (0 skips it).

mod cron;
mod discover;
mod exporter;
mod http;
mod latency;
mod policy;
mod report;
mod scale;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use cron::*;
use discover::*;
use exporter::*;
use http::*;
use latency::*;
use policy::*;
use report::*;
use scale::*;

/// Every probe in every loop has the same reply timeout, as kaping's default -W.
const TIMEOUT: Duration = Duration::from_secs(2);

const INTERVAL: Duration = Duration::from_millis(1);

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--rss-probe") {
        return rss_probe(&args[2..]);
    }
    let rounds = env_or("KABENCH_ROUNDS", 7);
    let probes = env_or("KABENCH_PROBES", 1000);
    let bins = build_release_bins();
    println!(
        "kabench: {probes} probes a run, {}ms apart, {rounds} alternated rounds, {}s reply timeout everywhere",
        INTERVAL.as_millis(),
        TIMEOUT.as_secs()
    );

    if rounds > 0 {
        round_trips(&bins, rounds, probes);
        http_round_trips(&bins, rounds, probes);
    }
    let connections = env_or("KABENCH_CONNECTIONS", 10_000);
    if connections > 0 {
        raise_fd_limit();
        for proto in ["ws", "tcp"] {
            scale(&bins, proto, connections);
        }
    }
    if env_or("KABENCH_DISCOVER", 1) > 0 {
        discovery(&bins);
    }
    if env_or("KABENCH_POLICY", 1) > 0 {
        ping_policy(&bins);
    }
    let burst = env_or("KABENCH_EXPORTER", 1000);
    if burst > 0 {
        raise_fd_limit();
        exporter_vs_blackbox(&bins, burst);
    }
    let watchers = env_or("KABENCH_WATCHERS", 10_000);
    if watchers > 0 {
        raise_fd_limit();
        exporter_watchers(&bins, watchers);
    }
    let records = env_or("KABENCH_REPORT_RECORDS", 1_000_000);
    if records > 0 {
        report_throughput(&bins, records);
    }
}

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn median(xs: &mut [f64]) -> f64 {
    xs.sort_by(|a, b| a.total_cmp(b));
    xs[xs.len() / 2]
}

fn micros(hist: &hdrhistogram::Histogram<u64>) -> f64 {
    hist.value_at_quantile(0.5) as f64 / 1000.0
}

fn kaserve(bins: &Path, args: &[&str]) -> (Child, SocketAddr) {
    let mut server = Command::new(bins.join("kaserve"))
        .args(args)
        .args(["--listen", "127.0.0.1:0", "--ndjson"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("start kaserve");
    let mut first = String::new();
    BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    (server, kaprobe_tests::util::listening(&first).0)
}

fn stop(server: &mut Child) {
    let _ = server.kill();
    let _ = server.wait();
}

fn build_release_bins() -> PathBuf {
    let root = kaprobe_tests::repo_root();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    // Separate builds: one with the tests package would unify tonic's transport
    // features into kaping's build.
    let builds: [&[&str]; 2] = [
        &[
            "-p", "kaping", "-p", "kaserve", "-p", "kawatch", "-p", "kareport", "-p", "kafind",
        ],
        &[
            "-p",
            "kaprobe-tests",
            "--bin",
            "min-health",
            "--bin",
            "min-watch",
        ],
    ];
    for packages in builds {
        let status = Command::new(&cargo)
            .args(["build", "--release", "--bins"])
            .args(packages)
            .current_dir(&root)
            .status()
            .expect("cargo build");
        assert!(status.success());
    }
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| root.join("target"));
    target.join("release")
}
