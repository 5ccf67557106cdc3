//! kafind ping-policy: wall time and connections for the default range (1 s to
//! 30 s) against kaserve grpc with grpc-go's rules at a MinTime of 5 s, next to
//! the bound the issue sets, (strikes + 2) x the longest interval.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use super::*;

pub fn ping_policy(bins: &Path) {
    let (mut server, addr) = kaserve(bins, &["grpc", "--ping-min-interval", "5s"]);
    let target = format!("grpc://{addr}");
    let started = Instant::now();
    let out = Command::new(bins.join("kafind"))
        .args(["ping-policy", &target, "--json"])
        .output()
        .expect("run kafind");
    let wall = started.elapsed().as_secs_f64();
    stop(&mut server);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("kafind --json");
    let strikes = doc["max_strikes"].as_f64().unwrap_or(f64::NAN);
    let bound = (strikes + 2.0) * 30.0;
    println!(
        "kafind ping-policy 1s..30s vs MinTime 5s: verdict {}, bracket {:?}..{:?} ms, strikes {strikes}, {} connections, wall {wall:.1} s = {:.2} x the bound (strikes + 2) x 30 s = {bound:.0} s",
        doc["verdict"].as_str().unwrap_or("?"),
        doc["min_interval_ms"]["low"].as_f64(),
        doc["min_interval_ms"]["high"].as_f64(),
        doc["connections"],
        wall / bound
    );
}
