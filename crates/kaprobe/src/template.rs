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
    /// `{ts_ms}` in a pattern matches any run of digits.
    pub fn matches(&self, seq: u64, reply: &str) -> bool {
        let with_seq = self.raw.replace("{seq}", &seq.to_string());
        let mut parts = with_seq.split("{ts_ms}");
        let first = parts.next().unwrap_or("");
        let rest: Vec<&str> = parts.collect();
        let mut search_from = 0;
        while let Some(found) = reply[search_from..].find(first) {
            let start = search_from + found;
            if match_rest(&reply[start + first.len()..], &rest) {
                return true;
            }
            search_from = start + reply[start..].chars().next().map_or(1, char::len_utf8);
            if search_from > reply.len() {
                break;
            }
        }
        false
    }
}

fn match_rest(text: &str, parts: &[&str]) -> bool {
    let Some((part, more)) = parts.split_first() else {
        return true;
    };
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return false;
    }
    // Digits are greedy but may give back if the literal starts with one.
    (1..=digits)
        .rev()
        .any(|n| text[n..].starts_with(part) && match_rest(&text[n + part.len()..], more))
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
    }

    #[test]
    fn bad_placeholders_are_named() {
        assert!(Template::new("{nope}").unwrap_err().contains("{nope}"));
        assert!(Template::new("{Seq}").is_err());
        assert!(Template::new(r#"{"a":{"b":1}} {seq"#).is_ok());
        assert!(Template::new("PING").is_ok());
    }
}
