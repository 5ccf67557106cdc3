//! What an HTTP/1.1 server says of its keep-alive policy: `Keep-Alive: timeout=5,
//! max=100` (RFC 2068 19.7.1.1, as Apache, nginx and Node send it) and
//! `Connection: close`.

use std::fmt;
use std::time::Duration;

/// The `Keep-Alive` header's claim: how long an idle connection is kept, and how
/// many requests one connection may carry.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KeepAlive {
    pub timeout: Option<Duration>,
    pub max: Option<u64>,
}

impl KeepAlive {
    /// Reads a `Keep-Alive` value; `None` when it says nothing we know. Unknown
    /// parameters are skipped; absurd numbers are capped at a year and 2^32.
    pub fn parse(value: &str) -> Option<KeepAlive> {
        let mut ka = KeepAlive::default();
        for param in value.split(',') {
            let Some((name, number)) = param.split_once('=') else {
                continue;
            };
            let number = number.trim().trim_matches('"');
            let Ok(n) = number.parse::<u64>() else {
                continue;
            };
            match name.trim().to_ascii_lowercase().as_str() {
                "timeout" => ka.timeout = Some(Duration::from_secs(n.min(366 * 86_400))),
                "max" => ka.max = Some(n.min(u64::from(u32::MAX))),
                _ => {}
            }
        }
        (ka != KeepAlive::default()).then_some(ka)
    }
}

impl fmt::Display for KeepAlive {
    /// `timeout=5, max=100`, as the header says it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if let Some(t) = self.timeout {
            parts.push(format!("timeout={}", t.as_secs()));
        }
        if let Some(m) = self.max {
            parts.push(format!("max={m}"));
        }
        f.write_str(&parts.join(", "))
    }
}

/// Whether a `Connection` header value asks to close (`close`, among other tokens).
pub fn says_close(value: &str) -> bool {
    value
        .split(',')
        .any(|token| token.trim().eq_ignore_ascii_case("close"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keep_alive_headers_read_as_servers_write_them() {
        let ka = KeepAlive::parse("timeout=5, max=100").unwrap();
        assert_eq!(ka.timeout, Some(Duration::from_secs(5)));
        assert_eq!(ka.max, Some(100));
        assert_eq!(ka.to_string(), "timeout=5, max=100");
        // Node sends only the timeout.
        let node = KeepAlive::parse("timeout=5").unwrap();
        assert_eq!(
            (node.timeout, node.max),
            (Some(Duration::from_secs(5)), None)
        );
        assert_eq!(
            KeepAlive::parse("Timeout=\"3\",foo,bar=x").unwrap().timeout,
            Some(Duration::from_secs(3))
        );
        assert_eq!(
            KeepAlive::parse("timeout=99999999999999").unwrap().timeout,
            Some(Duration::from_secs(366 * 86_400))
        );
        assert_eq!(KeepAlive::parse("nonsense"), None);
        assert_eq!(KeepAlive::parse(""), None);
        assert!(says_close("Close") && says_close("keep-alive, close"));
        assert!(!says_close("keep-alive") && !says_close("closed"));
    }
}
