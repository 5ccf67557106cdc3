//! Message templates (`--send`) and reply patterns (`--expect`) with the
//! placeholders `{seq}` (probe sequence number) and `{ts_ms}` (Unix time in ms).

use std::time::{SystemTime, UNIX_EPOCH};

/// A text with placeholders, checked once when the run is configured.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Template {
    raw: String,
}

impl Template {
    /// Checks the placeholders: `{name}` with a plain identifier inside must be a
    /// known one; other braces (JSON) are literal text.
    pub fn new(raw: &str) -> Result<Self, String> {
        let mut rest = raw;
        while let Some(open) = rest.find('{') {
            let after = &rest[open + 1..];
            let ident = after
                .bytes()
                .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
                .count();
            let name = &after[..ident];
            if ident > 0 && after[ident..].starts_with('}') && name != "seq" && name != "ts_ms" {
                return Err(format!(
                    "unknown placeholder '{{{name}}}' in '{raw}' (expected {{seq}} or {{ts_ms}})"
                ));
            }
            rest = after;
        }
        Ok(Template {
            raw: raw.to_string(),
        })
    }

    /// Text taken as it is: placeholders are filled, other braces stay.
    pub fn literal(raw: &str) -> Self {
        Template {
            raw: raw.to_string(),
        }
    }

    /// What a run's header says is sent: the text, or `-` as lines from stdin.
    pub fn describe(&self) -> String {
        match self.raw.as_str() {
            "-" => "sending the lines read from stdin".to_string(),
            raw => format!("sending {raw:?}"),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// The text for probe `seq`, sent now.
    pub fn render(&self, seq: u64) -> String {
        let ts_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or(0);
        self.raw
            .replace("{seq}", &seq.to_string())
            .replace("{ts_ms}", &ts_ms.to_string())
    }

    /// Whether `reply` answers probe `seq`: the rendered pattern occurs in it.
    /// `{ts_ms}` in a pattern matches any run of digits. Linear in the reply (one
    /// pass, the pattern's positions tracked at once), so a hostile reply cannot
    /// stall the probe loop.
    pub fn matches(&self, seq: u64, reply: &str) -> bool {
        let with_seq = self.raw.replace("{seq}", &seq.to_string());
        let mut tokens = Vec::new();
        for (i, literal) in with_seq.split("{ts_ms}").enumerate() {
            if i > 0 {
                tokens.extend([Token::Digit, Token::Digits]);
            }
            tokens.extend(literal.bytes().map(Token::Byte));
        }
        Matcher::new(&tokens).occurs_in(reply.as_bytes())
    }
}

/// One step of a pattern: a byte, one digit, or any number of digits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Token {
    Byte(u8),
    Digit,
    Digits,
}

/// A pattern as a set of positions advanced together over the input (a Thompson
/// simulation): O(input x pattern), never exponential or quadratic in the input.
struct Matcher<'a> {
    tokens: &'a [Token],
    /// Positions reached after the bytes seen so far.
    live: Vec<bool>,
    next: Vec<bool>,
}

impl<'a> Matcher<'a> {
    fn new(tokens: &'a [Token]) -> Self {
        Matcher {
            tokens,
            live: vec![false; tokens.len() + 1],
            next: vec![false; tokens.len() + 1],
        }
    }

    /// Marks `pos`, and the positions after any `Digits` from there (which may
    /// match nothing).
    fn enter(set: &mut [bool], tokens: &[Token], mut pos: usize) {
        loop {
            set[pos] = true;
            match tokens.get(pos) {
                Some(Token::Digits) => pos += 1,
                _ => return,
            }
        }
    }

    fn occurs_in(mut self, text: &[u8]) -> bool {
        let done = self.tokens.len();
        for &b in text {
            // A match may start at any byte.
            Self::enter(&mut self.live, self.tokens, 0);
            if self.live[done] {
                return true;
            }
            self.next.iter_mut().for_each(|p| *p = false);
            for pos in 0..done {
                if !self.live[pos] {
                    continue;
                }
                match self.tokens[pos] {
                    Token::Byte(want) if want == b => {
                        Self::enter(&mut self.next, self.tokens, pos + 1)
                    }
                    Token::Digit if b.is_ascii_digit() => {
                        Self::enter(&mut self.next, self.tokens, pos + 1)
                    }
                    Token::Digits if b.is_ascii_digit() => {
                        Self::enter(&mut self.next, self.tokens, pos)
                    }
                    _ => {}
                }
            }
            std::mem::swap(&mut self.live, &mut self.next);
        }
        Self::enter(&mut self.live, self.tokens, 0);
        self.live[done]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_and_match() {
        let t = Template::new(r#"{"op":"ping","id":{seq}}"#).unwrap();
        assert_eq!(t.render(7), r#"{"op":"ping","id":7}"#);
        let p = Template::new(r#""id":{seq}"#).unwrap();
        assert!(p.matches(7, r#"{"op":"pong","id":7}"#));
        assert!(!p.matches(8, r#"{"op":"pong","id":7}"#));
        let ts = Template::new("t={ts_ms};").unwrap();
        assert!(ts.render(1).len() > 5);
        assert!(ts.matches(1, "x t=1700000000000; y"));
        assert!(!ts.matches(1, "t=;"));
        let both = Template::new("{seq}-{ts_ms}").unwrap();
        assert!(both.matches(3, "a 3-123"));
        assert!(!both.matches(3, "a 4-123"));
        let greedy = Template::new("{ts_ms}1x").unwrap();
        assert!(greedy.matches(0, "123451x"), "digits give back a 1");
        assert!(!greedy.matches(0, "1x"), "at least one digit first");
        assert!(Template::new("").unwrap().matches(0, ""));
        assert!(Template::new("é{seq}").unwrap().matches(5, "xxé5"));
    }

    #[test]
    fn matching_is_linear_in_the_reply() {
        // Quadratic matching took seconds on this; linear takes milliseconds.
        let p = Template::new("{ts_ms}{ts_ms}{ts_ms}x").unwrap();
        let reply = "1".repeat(65_536);
        let started = std::time::Instant::now();
        assert!(!p.matches(0, &reply));
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
        assert!(p.matches(0, &format!("{reply}x")));
    }

    #[test]
    fn bad_placeholders_are_named() {
        assert!(Template::new("{nope}").unwrap_err().contains("{nope}"));
        assert!(Template::new("{Seq}").is_err());
        assert!(Template::new(r#"{"a":{"b":1}} {seq"#).is_ok());
        assert!(Template::new("PING").is_ok());
    }
}
