//! Targets: parsing and validating `tcp://`, `ws://`, `wss://`, `grpc://`, `grpcs://`,
//! `http://`, `https://` URLs and bare `host:port` (which means TCP).

use std::fmt;
use std::net::{IpAddr, Ipv6Addr};
use std::str::FromStr;

use crate::protocol::Protocol;
pub use crate::scheme::Scheme;

/// The host part of a target: a DNS name or an IP address.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Host {
    Name(String),
    Ip(IpAddr),
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Host::Name(name) => f.write_str(name),
            Host::Ip(IpAddr::V6(ip)) => write!(f, "[{ip}]"),
            Host::Ip(IpAddr::V4(ip)) => write!(f, "{ip}"),
        }
    }
}

/// A validated endpoint to probe.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Target {
    pub scheme: Scheme,
    pub host: Host,
    pub port: u16,
    /// Path and query for WebSocket targets (always starts with `/`); `/` otherwise.
    /// Sent as it is; shown with query values redacted.
    pub path: String,
    /// `user:password` of a WebSocket URL, sent as basic authentication and never
    /// shown (the password prints as `***`).
    pub userinfo: Option<String>,
    /// `--each-address`: the one address of the name this target probes, shown as
    /// `name (addr)`; `None` leaves the choice to resolution.
    pub addr: Option<IpAddr>,
}

impl fmt::Debug for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Target({self})")
    }
}

/// A target as it may be shown: a password in the user information and every
/// query value as `***` (`ws://user:***@host/?token=***`). Works on any text, valid
/// target or not, so errors can name what was given without its secrets.
pub fn redact(text: &str) -> String {
    let (scheme, rest) = match text.split_once("://") {
        Some((scheme, rest)) => (format!("{scheme}://"), rest),
        None => (String::new(), text),
    };
    let (authority, tail) = match rest.find(['/', '?']) {
        Some(at) => rest.split_at(at),
        None => (rest, ""),
    };
    let authority = match authority.rsplit_once('@') {
        Some((user, host)) => match user.split_once(':') {
            Some((name, _)) => format!("{name}:***@{host}"),
            None => format!("{user}@{host}"),
        },
        None => authority.to_string(),
    };
    let tail = match tail.split_once('?') {
        None => tail.to_string(),
        Some((path, query)) => {
            let query: Vec<String> = query
                .split('&')
                .map(|pair| match pair.split_once('=') {
                    Some((key, _)) => format!("{key}=***"),
                    None => pair.to_string(),
                })
                .collect();
            format!("{path}?{}", query.join("&"))
        }
    };
    format!("{scheme}{authority}{tail}")
}

impl Target {
    /// The protocol the target speaks.
    pub fn protocol(&self) -> Protocol {
        self.scheme.protocol()
    }

    /// `host:port` as a resolver wants it (IPv6 in brackets).
    pub fn authority(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }

    /// The user and password to send as basic authentication, if the URL has them.
    pub fn credentials(&self) -> Option<(&str, &str)> {
        let info = self.userinfo.as_deref()?;
        Some(info.split_once(':').unwrap_or((info, "")))
    }

    /// The URL's user information as an `Authorization` value (`Basic ...`), as
    /// browsers send it.
    pub fn basic_auth(&self) -> Option<String> {
        use base64::Engine;
        let (user, password) = self.credentials()?;
        let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
        Some(format!("Basic {token}"))
    }

    /// The host name without brackets, as TLS SNI and the resolver want it.
    pub fn host_str(&self) -> String {
        match &self.host {
            Host::Name(name) => name.clone(),
            Host::Ip(ip) => ip.to_string(),
        }
    }
}

impl Target {
    /// The target as a URL, without a pinned address: what records call `target`.
    pub fn url(&self) -> String {
        Url(self).to_string()
    }
}

/// A target shown as a person reads it: its URL, then `(addr)` when pinned.
impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", Url(self))?;
        match self.addr {
            Some(addr) => write!(f, " ({addr})"),
            None => Ok(()),
        }
    }
}

struct Url<'a>(&'a Target);

impl fmt::Display for Url<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let target = self.0;
        write!(f, "{}://", target.scheme)?;
        if let Some((user, password)) = target.credentials() {
            let hidden = if password.is_empty() { "" } else { ":***" };
            write!(f, "{user}{hidden}@")?;
        }
        write!(f, "{}:{}", target.host, target.port)?;
        if target.scheme.takes_path() {
            f.write_str(&redact(&target.path))?;
        }
        Ok(())
    }
}

/// Why a target string was rejected. The message names what is wrong; callers add
/// the offending input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    #[error("empty target")]
    Empty,
    #[error("contains whitespace or control characters")]
    BadCharacter,
    #[error("unknown scheme '{0}' (expected tcp, ws, wss, grpc, grpcs, http or https)")]
    UnknownScheme(String),
    #[error("missing host")]
    MissingHost,
    #[error("the scheme looks wrong: write {0}:// (a colon and two slashes)")]
    SchemeTypo(Scheme),
    #[error("missing port (write host:port, for example localhost:7070)")]
    MissingPort,
    #[error("invalid port '{0}' (expected a number from 1 to 65535)")]
    BadPort(String),
    #[error("invalid host '{0}' (letters, digits, '-', '.' and '_' only)")]
    BadHost(String),
    #[error("invalid IPv6 address '{0}'")]
    BadIpv6(String),
    #[error("IPv6 addresses need brackets, as in [::1]:7070")]
    UnbracketedIpv6,
    #[error("user information ('user@') is only for ws://, wss://, http:// and https:// targets")]
    UserInfo,
    #[error("{0} targets take no path (got '{1}')")]
    UnexpectedPath(Scheme, String),
    #[error("too long ({0} characters, at most 2048)")]
    TooLong(usize),
}

const MAX_TARGET_LEN: usize = 2048;

impl FromStr for Target {
    type Err = TargetError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        if input.is_empty() {
            return Err(TargetError::Empty);
        }
        if input.len() > MAX_TARGET_LEN {
            return Err(TargetError::TooLong(input.chars().count()));
        }
        if input.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(TargetError::BadCharacter);
        }
        let (scheme, rest) = match input.split_once("://") {
            Some((name, rest)) => {
                let scheme = Scheme::ALL
                    .into_iter()
                    .find(|s| s.as_str().eq_ignore_ascii_case(name))
                    .ok_or_else(|| TargetError::UnknownScheme(name.to_string()))?;
                (scheme, rest)
            }
            None => {
                // "https//host" or "http:/host": a scheme whose "://" is mistyped,
                // not a host named https.
                let typo = Scheme::ALL.into_iter().find(|s| {
                    let name = s.as_str();
                    input.len() > name.len()
                        && input.is_char_boundary(name.len())
                        && input[..name.len()].eq_ignore_ascii_case(name)
                        && (input[name.len()..].starts_with("//")
                            || input[name.len()..].starts_with(":/")
                            || input[name.len()..].starts_with(":\\"))
                });
                if let Some(scheme) = typo {
                    return Err(TargetError::SchemeTypo(scheme));
                }
                (Scheme::Tcp, input)
            }
        };
        let (authority, path) = match rest.find(['/', '?']) {
            Some(at) => (&rest[..at], &rest[at..]),
            None => (rest, ""),
        };
        let (userinfo, authority) = match authority.rsplit_once('@') {
            Some(_) if !scheme.takes_path() => return Err(TargetError::UserInfo),
            Some((info, host)) => (Some(info.to_string()), host),
            None => (None, authority),
        };
        let (host, port) = split_host_port(authority)?;
        let port = match port {
            Some(port) => parse_port(port)?,
            None => scheme.default_port().ok_or(TargetError::MissingPort)?,
        };
        let path = if scheme.takes_path() {
            match path {
                "" => "/".to_string(),
                p if p.starts_with('?') => format!("/{p}"),
                p => p.to_string(),
            }
        } else if path.is_empty() || path == "/" {
            "/".to_string()
        } else {
            return Err(TargetError::UnexpectedPath(scheme, path.to_string()));
        };
        Ok(Target {
            scheme,
            host,
            port,
            path,
            userinfo,
            addr: None,
        })
    }
}

fn split_host_port(authority: &str) -> Result<(Host, Option<&str>), TargetError> {
    if authority.is_empty() {
        return Err(TargetError::MissingHost);
    }
    if let Some(rest) = authority.strip_prefix('[') {
        let (ip, after) = rest
            .split_once(']')
            .ok_or_else(|| TargetError::BadIpv6(authority.to_string()))?;
        let ip: Ipv6Addr = ip
            .parse()
            .map_err(|_| TargetError::BadIpv6(ip.to_string()))?;
        let port = match after {
            "" => None,
            p => Some(
                p.strip_prefix(':')
                    .ok_or_else(|| TargetError::BadPort(p.to_string()))?,
            ),
        };
        return Ok((Host::Ip(IpAddr::V6(ip)), port));
    }
    if authority.matches(':').count() > 1 {
        return Err(TargetError::UnbracketedIpv6);
    }
    let (host, port) = match authority.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    };
    if host.is_empty() {
        return Err(TargetError::MissingHost);
    }
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok((Host::Ip(ip), port));
    }
    let valid = host.len() <= 253
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'))
        && !host.starts_with(['-', '.'])
        && !host.contains("..");
    if !valid {
        return Err(TargetError::BadHost(host.to_string()));
    }
    Ok((Host::Name(host.to_ascii_lowercase()), port))
}

fn parse_port(port: &str) -> Result<u16, TargetError> {
    if port.is_empty() {
        return Err(TargetError::MissingPort);
    }
    match port.parse::<u16>() {
        Ok(0) | Err(_) => Err(TargetError::BadPort(port.to_string())),
        Ok(p) if port.starts_with('+') => Err(TargetError::BadPort(p.to_string())),
        Ok(p) => Ok(p),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(input: &str) -> String {
        input
            .parse::<Target>()
            .unwrap_or_else(|e| panic!("{input}: {e}"))
            .to_string()
    }

    #[test]
    fn accepted_forms_and_their_canonical_names() {
        let cases = [
            ("tcp://127.0.0.1:7070", "tcp://127.0.0.1:7070"),
            ("127.0.0.1:7070", "tcp://127.0.0.1:7070"),
            ("db.internal:5432", "tcp://db.internal:5432"),
            ("DB.Internal:5432", "tcp://db.internal:5432"),
            ("TCP://host:1", "tcp://host:1"),
            ("[::1]:7070", "tcp://[::1]:7070"),
            ("tcp://[2001:db8::1]:65535", "tcp://[2001:db8::1]:65535"),
            ("tcp://host:7070/", "tcp://host:7070"),
            ("ws://127.0.0.1:7071/", "ws://127.0.0.1:7071/"),
            ("ws://host", "ws://host:80/"),
            (
                "wss://stream.example.com/ws",
                "wss://stream.example.com:443/ws",
            ),
            // Query values are secrets as often as not: shown redacted.
            ("wss://h:8443/feed?x=1", "wss://h:8443/feed?x=***"),
            ("ws://h?x=1", "ws://h:80/?x=***"),
            ("grpc://127.0.0.1:7072", "grpc://127.0.0.1:7072"),
            ("grpcs://api.internal", "grpcs://api.internal:443"),
            ("grpc://svc_1:50051", "grpc://svc_1:50051"),
            ("http://h", "http://h:80/"),
            ("HTTPS://h/health?token=x", "https://h:443/health?token=***"),
            ("http://user:pw@h:8080/x", "http://user:***@h:8080/x"),
        ];
        for (input, want) in cases {
            assert_eq!(ok(input), want, "{input}");
        }
    }

    #[test]
    fn rejected_forms_name_the_problem() {
        use TargetError::*;
        let cases: &[(&str, TargetError)] = &[
            ("", Empty),
            ("ftp://x:80", UnknownScheme("ftp".into())),
            ("://x:80", UnknownScheme("".into())),
            ("tcp://", MissingHost),
            ("tcp://:80", MissingHost),
            (":80", MissingHost),
            ("host", MissingPort),
            ("host:", MissingPort),
            ("tcp://host", MissingPort),
            ("https//example", SchemeTypo(Scheme::Https)),
            ("http:/example", SchemeTypo(Scheme::Http)),
            ("WSS//h:1", SchemeTypo(Scheme::Wss)),
            ("host:0", BadPort("0".into())),
            ("host:65536", BadPort("65536".into())),
            ("host:-1", BadPort("-1".into())),
            ("host:+80", BadPort("80".into())),
            ("host:abc", BadPort("abc".into())),
            ("::1:7070", UnbracketedIpv6),
            ("[::1", BadIpv6("[::1".into())),
            ("[zz::1]:80", BadIpv6("zz::1".into())),
            ("[::1]x", BadPort("x".into())),
            ("user@host:80", UserInfo),
            ("ho st:80", BadCharacter),
            ("host:80\n", BadCharacter),
            ("ho\u{0}st:80", BadCharacter),
            ("hö st:80", BadCharacter),
            ("höst:80", BadHost("höst".into())),
            ("-host:80", BadHost("-host".into())),
            ("a..b:80", BadHost("a..b".into())),
            ("ho$t:80", BadHost("ho$t".into())),
            (
                "tcp://h:80/path",
                UnexpectedPath(Scheme::Tcp, "/path".into()),
            ),
            ("grpc://h:80/x", UnexpectedPath(Scheme::Grpc, "/x".into())),
        ];
        for (input, want) in cases {
            assert_eq!(input.parse::<Target>().as_ref(), Err(want), "{input:?}");
        }
        let long = format!("{}:80", "a".repeat(3000));
        assert_eq!(long.parse::<Target>(), Err(TooLong(3003)));
    }

    #[test]
    fn hostile_input_never_panics() {
        let nasty = [
            "[",
            "]",
            "[]",
            "[]:",
            "[:]:1",
            ":",
            "::",
            ":::::",
            "//",
            "tcp:///",
            "a:b:c",
            "\u{202e}x:1",
            "%00:1",
            "ws://[::1]:1/\u{0}",
            "x:99999999999999999999",
        ];
        for input in nasty {
            let _ = input.parse::<Target>();
        }
    }

    #[test]
    fn secrets_are_sent_but_never_shown() {
        let t: Target = "ws://user:s3cretpw@h:80/feed?token=SECRET&x"
            .parse()
            .unwrap();
        assert_eq!(t.to_string(), "ws://user:***@h:80/feed?token=***&x");
        assert_eq!(
            format!("{t:?}"),
            "Target(ws://user:***@h:80/feed?token=***&x)"
        );
        assert_eq!(t.credentials(), Some(("user", "s3cretpw")));
        assert_eq!(t.path, "/feed?token=SECRET&x", "sent as it is");
        assert_eq!(redact("wss://u:p@h/?a=1&b=2"), "wss://u:***@h/?a=***&b=***");
        assert_eq!(redact("h:80"), "h:80");
        assert!(matches!(
            "tcp://u:p@h:1".parse::<Target>(),
            Err(TargetError::UserInfo)
        ));
    }
}
