//! Reading input a line at a time with a cap: a line longer than the cap is
//! skipped in pieces, never held, so one endless line cannot exhaust memory.

use std::io::{self, BufRead};

/// The longest input line read: 1 MiB, far above any record or message.
pub const MAX_LINE: usize = 1024 * 1024;

/// What one read found.
#[derive(Debug, PartialEq, Eq)]
pub enum Line {
    /// A line is in the buffer, without its end of line.
    Read,
    /// The line was longer than the cap and was skipped; the buffer is empty.
    TooLong,
    /// The input has ended.
    End,
}

/// Reads the next line into `buf` (cleared first), at most `cap` bytes of it.
pub fn read_line<R: BufRead>(input: &mut R, buf: &mut Vec<u8>, cap: usize) -> io::Result<Line> {
    buf.clear();
    let mut too_long = false;
    loop {
        let chunk = input.fill_buf()?;
        if chunk.is_empty() {
            return Ok(match (too_long, buf.is_empty()) {
                (true, _) => Line::TooLong,
                (false, true) => Line::End,
                (false, false) => Line::Read,
            });
        }
        let (part, ended) = match chunk.iter().position(|&b| b == b'\n') {
            Some(i) => (&chunk[..i], Some(i + 1)),
            None => (chunk, None),
        };
        if !too_long {
            if buf.len() + part.len() > cap {
                too_long = true;
                buf.clear();
            } else {
                buf.extend_from_slice(part);
            }
        }
        let used = ended.unwrap_or(chunk.len());
        input.consume(used);
        if ended.is_some() {
            if buf.last() == Some(&b'\r') {
                buf.pop();
            }
            return Ok(if too_long { Line::TooLong } else { Line::Read });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &[u8], cap: usize) -> Vec<(Line, Vec<u8>)> {
        let mut reader = io::BufReader::with_capacity(4, input);
        let mut buf = Vec::new();
        let mut out = Vec::new();
        loop {
            let line = read_line(&mut reader, &mut buf, cap).unwrap();
            if line == Line::End {
                return out;
            }
            out.push((line, buf.clone()));
        }
    }

    #[test]
    fn long_lines_are_skipped_and_the_next_one_read() {
        let got = lines(b"ab\r\n0123456789\nxy\nlast", 5);
        assert_eq!(
            got,
            vec![
                (Line::Read, b"ab".to_vec()),
                (Line::TooLong, Vec::new()),
                (Line::Read, b"xy".to_vec()),
                (Line::Read, b"last".to_vec()),
            ]
        );
        assert_eq!(lines(b"", 5), vec![]);
        assert_eq!(lines(b"123456", 5), vec![(Line::TooLong, Vec::new())]);
        assert_eq!(lines(b"12345\n", 5), vec![(Line::Read, b"12345".to_vec())]);
        assert_eq!(lines(b"\n", 5), vec![(Line::Read, Vec::new())]);
    }
}
