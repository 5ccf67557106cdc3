//! What a person's terminal may be shown of text a peer sent (close reasons, GOAWAY
//! debug data, status messages, which reach causes and records): control
//! characters as escapes, so a hostile peer cannot clear the screen or retitle the
//! terminal, and a cut to a sane length. JSON and NDJSON keep the exact text.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io::{self, Write};

/// The most characters of one peer-supplied text shown to a person.
pub const MAX_SHOWN: usize = 200;

/// Whether `c` must not reach a terminal as it is: C0 controls but tab and line
/// feed, DEL, C1 controls, and the bidirectional overrides that reorder a line.
fn hostile(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `text` with every hostile character escaped (`\x1b`, `\u{9b}`).
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(hostile) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            c if !hostile(c) => out.push(c),
            c if (c as u32) < 0x80 => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
        }
    }
    Cow::Owned(out)
}

/// A peer's text as shown: escaped, and cut to [`MAX_SHOWN`] characters with `…`.
pub fn shown(text: &str) -> String {
    let escaped = escape(text);
    match escaped.char_indices().nth(MAX_SHOWN) {
        None => escaped.into_owned(),
        Some((at, _)) => format!("{}…", &escaped[..at]),
    }
}

/// A writer for human output: each line is escaped before the terminal sees it.
/// Lines are held until their end (a character is never split); a line longer
/// than the hold is passed on in pieces.
#[derive(Debug)]
pub struct Escaped<W: Write> {
    out: W,
    line: Vec<u8>,
}

/// How much of a line is held before it is passed on unfinished.
const HOLD: usize = 64 * 1024;

impl<W: Write> Escaped<W> {
    pub fn new(out: W) -> Self {
        Escaped {
            out,
            line: Vec::new(),
        }
    }

    fn pass(&mut self, upto: usize) -> io::Result<()> {
        let text = String::from_utf8_lossy(&self.line[..upto]);
        let escaped = escape(&text).into_owned();
        self.line.drain(..upto);
        self.out.write_all(escaped.as_bytes())
    }
}

impl<W: Write> Write for Escaped<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.line.extend_from_slice(buf);
        if let Some(end) = self.line.iter().rposition(|&b| b == b'\n') {
            self.pass(end + 1)?;
        } else if self.line.len() > HOLD {
            // Cut before a continuation byte's character starts, never inside one.
            let mut cut = self.line.len();
            while cut > 0 && (self.line[cut - 1] & 0xc0) == 0x80 {
                cut -= 1;
            }
            let cut = cut.saturating_sub(1).max(1);
            self.pass(cut)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        let all = self.line.len();
        if all > 0 {
            self.pass(all)?;
        }
        self.out.flush()
    }
}

impl<W: Write> Drop for Escaped<W> {
    fn drop(&mut self) {
        let _ = self.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PWNED: &str = "\u{1b}[2J\u{1b}]0;pwned\u{7}";

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(escape(PWNED), r"\x1b[2J\x1b]0;pwned\x07");
        assert_eq!(
            escape("a\rb\u{7f}c\u{9b}d\u{202e}e"),
            r"a\x0db\x7fc\u{9b}d\u{202e}e"
        );
        assert!(matches!(
            escape("plain, tab\tand\nnewline"),
            Cow::Borrowed(_)
        ));
        assert_eq!(escape("ünïcödé ✓"), "ünïcödé ✓");
    }

    #[test]
    fn shown_text_is_cut() {
        let long = "é".repeat(500);
        let s = shown(&long);
        assert_eq!(s.chars().count(), MAX_SHOWN + 1);
        assert!(s.ends_with('…'));
        assert_eq!(shown("short"), "short");
    }

    #[test]
    fn the_writer_escapes_whole_lines_in_any_pieces() {
        let mut w = Escaped::new(Vec::new());
        let text = format!("reason: {PWNED} ✓\nnext\n");
        for piece in text.as_bytes().chunks(3) {
            w.write_all(piece).unwrap();
        }
        w.flush().unwrap();
        let out = String::from_utf8(std::mem::take(&mut w.out)).unwrap();
        assert_eq!(out, "reason: \\x1b[2J\\x1b]0;pwned\\x07 ✓\nnext\n");
        assert!(!out.contains('\u{1b}'));
    }
}
