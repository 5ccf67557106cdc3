//! `kaserve stdio`: the keepalive registry protocol on stdin and stdout.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;

/// `kaserve stdio`: the registry protocol until stdin ends. Replies are written
/// and flushed a line at a time; a line that is not a message is named on stderr
/// and skipped; a closed stdout ends the run quietly.
pub fn run() -> anyhow::Result<ExitCode> {
    use crate::registry::{Node, Outcome};
    use kacli::lines::{Line, MAX_LINE, read_line};
    let mut node = Node::new();
    let mut out = std::io::stdout().lock();
    let mut input = std::io::stdin().lock();
    let mut raw = Vec::new();
    let mut number = 0u64;
    loop {
        let line = read_line(&mut input, &mut raw, MAX_LINE).context("cannot read stdin")?;
        number += 1;
        let outcome = match line {
            Line::End => break,
            Line::TooLong => Outcome::Invalid(format!("longer than {MAX_LINE} bytes")),
            Line::Read => match std::str::from_utf8(&raw) {
                Ok(line) if line.trim().is_empty() => continue,
                Ok(line) => node.handle(line),
                Err(e) => Outcome::Invalid(format!("not UTF-8: {e}")),
            },
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
