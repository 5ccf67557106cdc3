//! Prometheus's own tools as referees (Debian's `prometheus` 2.42): `promtool
//! check metrics` reads an exposition as Prometheus's parser does. `.ci/run`
//! installs it; elsewhere a test without it says SKIPPED.

use std::io::Write;
use std::process::{Command, Stdio};

/// Whether promtool can run; in CI its absence fails.
pub fn have_promtool() -> bool {
    match Command::new("promtool").arg("--version").output() {
        Ok(out) if out.status.success() => true,
        _ => super::missing("promtool", "apt-get install -y prometheus"),
    }
}

/// `promtool check metrics` on `text`: its complaints, if any (lint warnings
/// included, as it prints them).
pub fn check_metrics(text: &str) -> Result<(), String> {
    let mut child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("promtool: {e}"))?;
    child
        .stdin
        .take()
        .expect("piped")
        .write_all(text.as_bytes())
        .map_err(|e| format!("promtool stdin: {e}"))?;
    let out = child
        .wait_with_output()
        .map_err(|e| format!("promtool: {e}"))?;
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if out.status.success() && said.trim().is_empty() {
        Ok(())
    } else {
        Err(said)
    }
}
