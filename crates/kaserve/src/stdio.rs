//! `kaserve stdio`: the keepalive registry protocol on stdin and stdout.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;

/// `kaserve stdio`: the registry protocol until stdin ends. Replies are written
/// and flushed a line at a time; a line that is not a message is named on stderr
/// and skipped; a closed stdout ends the run quietly.
pub fn run() -> anyhow::Result<ExitCode> {
    use crate::registry::{Node, Outcome};
    use std::io::BufRead;
    let mut node = Node::new();
    let mut out = std::io::stdout().lock();
    let mut input = std::io::stdin().lock();
    let mut raw = Vec::new();
    let mut number = 0u64;
    loop {
        raw.clear();
        if input
            .read_until(b'\n', &mut raw)
            .context("cannot read stdin")?
            == 0
        {
            break;
        }
        number += 1;
        let outcome = match std::str::from_utf8(&raw) {
            Ok(line) if line.trim().is_empty() => continue,
            Ok(line) => node.handle(line.trim_end_matches(['\n', '\r'])),
            Err(e) => Outcome::Invalid(format!("not UTF-8: {e}")),
        };
        match outcome {
            Outcome::Reply(reply) => {
                if writeln!(out, "{reply}").and_then(|()| out.flush()).is_err() {
                    return Ok(ExitCode::SUCCESS);
                }
            }
            Outcome::Invalid(why) => eprintln!("kaserve: stdin line {number}: {why}; skipped"),
        }
    }
    Ok(ExitCode::SUCCESS)
}
