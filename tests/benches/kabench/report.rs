//! kareport over generated probe records against jq: throughput and flat memory.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use super::*;

/// kareport over `n` generated probe records (8 targets, 2% lost) against jq
/// computing only the mean RTT of the same file; and kareport's peak memory at
/// `n` and at a tenth of it, which should not differ.
pub fn report_throughput(bins: &Path, n: usize) {
    if Command::new("jq").arg("--version").output().is_err() {
        println!("kareport: jq not installed (apt-get install jq); comparison skipped");
    }
    let dir = std::env::temp_dir().join(format!("kabench-report-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let big = dir.join("big.ndjson");
    let small = dir.join("small.ndjson");
    write_records(&big, n);
    write_records(&small, n / 10);
    let bytes = std::fs::metadata(&big).unwrap().len() as f64;
    let time = |cmd: &mut Command| -> f64 {
        let started = Instant::now();
        let out = cmd.stdout(Stdio::null()).status().unwrap();
        assert!(out.success(), "{cmd:?}");
        started.elapsed().as_secs_f64()
    };
    let kareport = bins.join("kareport");
    let mut ours: Vec<f64> = (0..3)
        .map(|_| time(Command::new(&kareport).args(["--json"]).arg(&big)))
        .collect();
    let ours = median(&mut ours);
    let jq_program = r#"reduce (inputs | select(.type=="probe") | .rtt_us // empty) as $x ({n:0,s:0}; .n+=1 | .s+=$x) | .s/.n"#;
    let jq = Command::new("jq")
        .arg("--version")
        .output()
        .is_ok()
        .then(|| time(Command::new("jq").args(["-n", jq_program]).arg(&big)));
    let rss_big = peak_rss(&[kareport.to_str().unwrap(), "--json", big.to_str().unwrap()]);
    let rss_small = peak_rss(&[
        kareport.to_str().unwrap(),
        "--json",
        small.to_str().unwrap(),
    ]);
    let mut line = format!(
        "kareport, {n} probe records ({:.0} MB), all statistics: {:.2} s, {:.0} records/s, {:.0} MB/s",
        bytes / 1e6,
        ours,
        n as f64 / ours,
        bytes / 1e6 / ours
    );
    if let Some(jq) = jq {
        line.push_str(&format!(
            "; jq mean RTT only: {jq:.2} s, {:.0} records/s; kareport {:.1}x jq's throughput (target >= 5)",
            n as f64 / jq,
            jq / ours
        ));
    }
    line.push_str(&format!(
        "; peak RSS {:.1} MiB for {n} records, {:.1} MiB for {} (flat: memory does not grow with records)",
        rss_big / 1024.0,
        rss_small / 1024.0,
        n / 10
    ));
    println!("{line}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Probe records as kaping writes them: 8 targets, 2% timeouts, RTTs 20 µs to 2 ms.
pub fn write_records(path: &Path, n: usize) {
    use std::io::BufWriter;
    let mut out = BufWriter::new(std::fs::File::create(path).unwrap());
    let mut rng = 0x2545_f491_4f6c_dd1du64;
    for i in 0..n {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let target = format!("tcp://10.0.0.{}:7070", i % 8);
        let ts = format!(
            "2026-11-21T{:02}:{:02}:{:02}.{:06}Z",
            (i / 100_000) % 24,
            (i / 1000) % 60,
            i % 60,
            i % 1_000_000
        );
        let head = format!(
            r#"{{"type":"probe","v":1,"ts":"{ts}","run":"r{}","target":"{target}","protocol":"tcp","mode":"echo","seq":{i},"#,
            i / 100_000
        );
        if i % 50 == 0 {
            writeln!(
                out,
                r#"{head}"ok":false,"cause":"timeout","detail":"no reply within 2s"}}"#
            )
            .unwrap();
        } else {
            let rtt = 20.0 + (rng % 1_980_000) as f64 / 1000.0;
            writeln!(out, r#"{head}"ok":true,"rtt_us":{rtt:.3}}}"#).unwrap();
        }
    }
}
