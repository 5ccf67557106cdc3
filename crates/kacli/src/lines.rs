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

/// Reads the next line into `buf` (cleared first), at most `cap` bytes of it;
/// a longer line is skipped to its end.
pub fn read_line<R: BufRead>(input: &mut R, buf: &mut Vec<u8>, cap: usize) -> io::Result<Line> {
    let line = read_capped(input, buf, cap)?;
    if line == Line::TooLong {
        skip_line(input)?;
    }
    Ok(line)
}

/// Like [`read_line`], but a line longer than `cap` is reported as soon as the
/// cap is passed, its rest left unread: a caller that stops there never reads
/// a 2 GB line first. [`skip_line`] goes on past it.
pub fn read_capped<R: BufRead>(input: &mut R, buf: &mut Vec<u8>, cap: usize) -> io::Result<Line> {
    buf.clear();
    loop {
        let chunk = input.fill_buf()?;
        if chunk.is_empty() {
            return Ok(if buf.is_empty() {
                Line::End
            } else {
                Line::Read
            });
        }
        let (part, ended) = match chunk.iter().position(|&b| b == b'\n') {
            Some(i) => (&chunk[..i], Some(i + 1)),
            None => (chunk, None),
        };
        if buf.len() + part.len() > cap {
            buf.clear();
            return Ok(Line::TooLong);
        }
        buf.extend_from_slice(part);
        let used = ended.unwrap_or(part.len());
        input.consume(used);
        if ended.is_some() {
            if buf.last() == Some(&b'\r') {
                buf.pop();
            }
            return Ok(Line::Read);
        }
    }
}

/// Consumes input through the next end of line (or the end of input), holding
/// none of it.
pub fn skip_line<R: BufRead>(input: &mut R) -> io::Result<()> {
    loop {
        let chunk = input.fill_buf()?;
        if chunk.is_empty() {
            return Ok(());
        }
        match chunk.iter().position(|&b| b == b'\n') {
            Some(i) => {
                input.consume(i + 1);
                return Ok(());
            }
            None => {
                let n = chunk.len();
                input.consume(n);
            }
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

    #[test]
    fn a_capped_read_stops_at_the_cap_and_leaves_the_rest() {
        let input: &[u8] = b"0123456789abcdef\nnext\n";
        let mut reader = io::BufReader::with_capacity(4, input);
        let mut buf = Vec::new();
        assert_eq!(
            read_capped(&mut reader, &mut buf, 5).unwrap(),
            Line::TooLong
        );
        // The first buffer's 4 bytes were taken; the one that passed the cap was not.
        let mut rest = Vec::new();
        io::Read::read_to_end(&mut reader, &mut rest).unwrap();
        assert_eq!(rest, b"456789abcdef\nnext\n");
        let mut reader = io::BufReader::with_capacity(4, input);
        assert_eq!(
            read_capped(&mut reader, &mut buf, 5).unwrap(),
            Line::TooLong
        );
        skip_line(&mut reader).unwrap();
        assert_eq!(read_capped(&mut reader, &mut buf, 5).unwrap(), Line::Read);
        assert_eq!(buf, b"next");
    }
}
