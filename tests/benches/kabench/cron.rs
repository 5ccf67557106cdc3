//! One-probe cron checks: whole-process wall time and peak memory, against a
//! minimal tonic-health client.

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use super::*;

/// `kaping -c 1 -q grpc://` against the same check by a minimal tonic-health
/// program, alternated.
pub fn cron_against_min_health(bins: &Path, url: &str, addr: SocketAddr) {
    let min = bins.join("min-health");
    let min_url = format!("http://{addr}");
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    for _ in 0..20 {
        ours.push(one_check(bins, url));
        let started = Instant::now();
        let status = Command::new(&min).arg(&min_url).status().unwrap();
        assert!(status.success(), "min-health failed");
        theirs.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    let (k, m) = (median(&mut ours), median(&mut theirs));
    let kaping_rss = peak_rss(&[bins.join("kaping").to_str().unwrap(), "-c", "1", "-q", url]);
    let min_rss = peak_rss(&[min.to_str().unwrap(), &min_url]);
    println!(
        "grpc cron check, 20 alternated runs: kaping {k:.2} ms, minimal tonic-health client {m:.2} ms, ratio {:.3} (target <= 1.2); peak RSS kaping {:.1} MiB (target <= 5), minimal client {:.1} MiB",
        k / m,
        kaping_rss / 1024.0,
        min_rss / 1024.0
    );
}

/// Wall time and peak memory of `kaping -c 1 -q URL`, the cron case.
pub fn cron_check(bins: &Path, url: &str) {
    let mut walls: Vec<f64> = (0..20).map(|_| one_check(bins, url)).collect();
    let min = walls.iter().cloned().fold(f64::MAX, f64::min);
    let rss_kib = peak_rss(&[bins.join("kaping").to_str().unwrap(), "-c", "1", "-q", url]);
    println!(
        "kaping -c 1 -q {url}: wall median {:.2} ms, min {min:.2} ms (20 runs); peak RSS {:.1} MiB",
        median(&mut walls),
        rss_kib / 1024.0
    );
}

pub fn one_check(bins: &Path, url: &str) -> f64 {
    let started = Instant::now();
    let status = Command::new(bins.join("kaping"))
        .args(["-c", "1", "-q", url])
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    started.elapsed().as_secs_f64() * 1000.0
}

/// The largest resident set, in KiB, of five runs of `command`. Read in a fresh
/// process whose only children are those runs: this one has waited for cargo, whose
/// compilers would dominate the figure.
pub fn peak_rss(command: &[&str]) -> f64 {
    let out = Command::new(std::env::current_exe().unwrap())
        .arg("--rss-probe")
        .args(command)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
}

/// Runs `command` five times and prints the largest resident set among them, in KiB.
pub fn rss_probe(command: &[String]) {
    for _ in 0..5 {
        let status = Command::new(&command[0])
            .args(&command[1..])
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "{command:?}");
    }
    let usage =
        nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_CHILDREN).unwrap();
    println!("{}", usage.max_rss());
}
