//! `--send -`: the lines a person types (or a pipe gives) become the probes, one
//! a line, as websocat sends them; the run ends at the end of input.

use std::io::{BufRead, Read};
use std::sync::Arc;

use kaprobe::run::Feed;

/// The longest line sent: a WebSocket message's limit.
const MAX_LINE: u64 = 1 << 20;

/// Starts reading stdin on a thread of its own; lines too long are skipped,
/// said on stderr.
pub fn feed() -> Feed {
    let (tx, rx) = tokio::sync::mpsc::channel(16);
    std::thread::spawn(move || {
        let stdin = std::io::stdin();
        let mut input = stdin.lock();
        let mut number = 0u64;
        loop {
            let mut line = Vec::new();
            match (&mut input).take(MAX_LINE + 1).read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
            number += 1;
            if line.last() != Some(&b'\n') && line.len() as u64 > MAX_LINE {
                eprintln!("kaping: stdin line {number} is longer than 1 MiB: not sent");
                // The rest of the line.
                let mut rest = Vec::new();
                while let Ok(n) = (&mut input).take(MAX_LINE).read_until(b'\n', &mut rest) {
                    if n == 0 || rest.last() == Some(&b'\n') {
                        break;
                    }
                    rest.clear();
                }
                continue;
            }
            let text = String::from_utf8_lossy(&line);
            let text = text.trim_end_matches(['\n', '\r']).to_string();
            if tx.blocking_send(text).is_err() {
                break;
            }
        }
    });
    Arc::new(tokio::sync::Mutex::new(rx))
}
