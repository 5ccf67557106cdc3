//! curl -v's lines, for `kaping -v`: `* ` what happened (a proxy's answer, the
//! TLS handshake's outcome), `> ` what was sent, `< ` what came back. Values that
//! are secrets show as `***`: every header the user gave (`-H`), credentials and
//! cookies, since a trace is pasted into tickets. At most [`MAX_HEADERS`] headers
//! a message; each line is escaped and cut where it is shown.

use http::HeaderMap;

use crate::proto::RequestHeader;

/// Headers shown of one message; the rest are counted.
pub const MAX_HEADERS: usize = 32;

/// Header names whose values are secrets whoever sent them.
const SECRET: [&str; 5] = [
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "x-api-key",
];

/// `* text`.
pub fn note(out: &mut Vec<String>, text: impl AsRef<str>) {
    out.push(format!("* {}", text.as_ref()));
}

/// `> line` (a request line, a pseudo-header).
pub fn sent(out: &mut Vec<String>, line: impl AsRef<str>) {
    out.push(format!("> {}", line.as_ref()));
}

/// `< line` (a status line).
pub fn got(out: &mut Vec<String>, line: impl AsRef<str>) {
    out.push(format!("< {}", line.as_ref()));
}

/// The headers of a request we sent, the user's values and secrets masked.
pub fn sent_headers(out: &mut Vec<String>, headers: &HeaderMap, user: &[RequestHeader]) {
    headers_as(out, '>', headers, |name| {
        user.iter().any(|h| h.name.eq_ignore_ascii_case(name))
    });
}

/// The headers of a response, secrets (cookies) masked.
pub fn got_headers(out: &mut Vec<String>, headers: &HeaderMap) {
    headers_as(out, '<', headers, |_| false);
}

fn headers_as(out: &mut Vec<String>, dir: char, headers: &HeaderMap, user: impl Fn(&str) -> bool) {
    for (i, (name, value)) in headers.iter().enumerate() {
        if i == MAX_HEADERS {
            out.push(format!(
                "{dir} ({} more headers)",
                headers.len() - MAX_HEADERS
            ));
            break;
        }
        let name = name.as_str();
        let value = if user(name) || SECRET.contains(&name) {
            "***".into()
        } else {
            String::from_utf8_lossy(value.as_bytes())
        };
        out.push(format!("{dir} {name}: {value}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_and_the_users_values_are_masked() {
        let mut h = HeaderMap::new();
        h.insert("authorization", "Bearer s3cret".parse().unwrap());
        h.insert("x-tenant", "acme".parse().unwrap());
        h.insert("accept", "*/*".parse().unwrap());
        let user = vec!["X-Tenant: acme".parse::<RequestHeader>().unwrap()];
        let mut out = Vec::new();
        sent_headers(&mut out, &h, &user);
        assert!(out.contains(&"> authorization: ***".to_string()), "{out:?}");
        assert!(out.contains(&"> x-tenant: ***".to_string()), "{out:?}");
        assert!(out.contains(&"> accept: */*".to_string()), "{out:?}");
        let mut r = HeaderMap::new();
        r.insert("set-cookie", "id=1".parse().unwrap());
        r.insert("server", "nginx".parse().unwrap());
        let mut out = Vec::new();
        got_headers(&mut out, &r);
        assert_eq!(out, ["< set-cookie: ***", "< server: nginx"]);
    }

    #[test]
    fn many_headers_are_counted() {
        let mut h = HeaderMap::new();
        for i in 0..40 {
            h.insert(
                http::HeaderName::from_bytes(format!("x-{i}").as_bytes()).unwrap(),
                "v".parse().unwrap(),
            );
        }
        let mut out = Vec::new();
        got_headers(&mut out, &h);
        assert_eq!(out.len(), MAX_HEADERS + 1);
        assert_eq!(out.last().unwrap(), "< (8 more headers)");
    }
}
