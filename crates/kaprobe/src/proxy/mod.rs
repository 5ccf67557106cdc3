//! Proxies in the path: which one a target goes through (`--proxy`, else the
//! environment as curl and gRPC read it, minus `--noproxy`/`no_proxy`), and the HTTP
//! CONNECT tunnel through it. A proxy changes every figure a probe reports, so the
//! prober says it is there and times the tunnel's set-up as a phase of its own.

mod connect;
mod env;

use std::fmt;
use std::str::FromStr;

pub use connect::tunnel;
pub use env::{NoProxy, from_env};

use crate::target::Target;

/// An HTTP proxy that opens CONNECT tunnels, with optional basic credentials.
#[derive(Clone, PartialEq, Eq)]
pub struct Proxy {
    pub host: String,
    pub port: u16,
    /// `user:password`, sent as `Proxy-Authorization: Basic` and never shown.
    pub credentials: Option<(String, String)>,
}

impl fmt::Debug for Proxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Proxy({self})")
    }
}

/// `http://user:***@host:port`: the password is never shown.
impl fmt::Display for Proxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("http://")?;
        if let Some((user, password)) = &self.credentials {
            let hidden = if password.is_empty() { "" } else { ":***" };
            write!(f, "{user}{hidden}@")?;
        }
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

impl FromStr for Proxy {
    type Err = String;

    /// `[http://][user:password@]host[:port]`, as curl reads `--proxy` (port 1080
    /// when none is given). Messages never repeat the input: it may hold a password.
    fn from_str(s: &str) -> Result<Self, String> {
        let rest = match s.split_once("://") {
            None => s,
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("http") => rest,
            Some((scheme, _)) if scheme.to_ascii_lowercase().starts_with("socks") => {
                return Err(format!(
                    "{scheme}:// proxies are not supported; give an HTTP proxy (http://HOST:PORT)"
                ));
            }
            Some((scheme, _)) => {
                return Err(format!(
                    "{scheme}:// proxies are not supported; give an HTTP proxy (http://HOST:PORT)"
                ));
            }
        };
        let rest = rest.trim_end_matches('/');
        if rest.len() > 2048 || rest.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err("a proxy is http://[user:password@]host[:port]".into());
        }
        let (credentials, hostport) = match rest.rsplit_once('@') {
            Some((info, hostport)) => {
                let (user, password) = info.split_once(':').unwrap_or((info, ""));
                (
                    Some((percent_decode(user)?, percent_decode(password)?)),
                    hostport,
                )
            }
            None => (None, rest),
        };
        let (host, port) = split_host_port(hostport)?;
        Ok(Proxy {
            host,
            port,
            credentials,
        })
    }
}

fn split_host_port(hostport: &str) -> Result<(String, u16), String> {
    let usage = || "a proxy is http://[user:password@]host[:port]".to_string();
    let (host, port) = if let Some(rest) = hostport.strip_prefix('[') {
        let (host, after) = rest.split_once(']').ok_or_else(usage)?;
        (host, after.strip_prefix(':'))
    } else {
        match hostport.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (hostport, None),
        }
    };
    if host.is_empty() {
        return Err(usage());
    }
    let port = match port {
        None => 1080,
        Some(p) => p
            .parse::<u16>()
            .ok()
            .filter(|p| *p > 0)
            // Never the text itself: `user:password` without `@host` lands here.
            .ok_or_else(|| {
                "invalid proxy port (expected 1 to 65535; credentials go as \
                 http://user:password@host:port)"
                    .to_string()
            })?,
    };
    Ok((host.to_string(), port))
}

/// `%40` as `@`, as curl decodes a proxy's user information.
fn percent_decode(s: &str) -> Result<String, String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or("a proxy's user information has a bad %-escape")?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| "a proxy's user information is not UTF-8".into())
}

/// How a run chooses its proxy: `--proxy`, `--noproxy`, and whether the
/// environment is read (it is, unless a flag says otherwise).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProxySetting {
    pub proxy: Option<Proxy>,
    /// `--noproxy LIST` (`*` for every host); replaces `no_proxy`.
    pub noproxy: Option<String>,
}

impl ProxySetting {
    /// The proxy `target` goes through, if any, with `var` reading the environment.
    pub fn choose(
        &self,
        target: &Target,
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<Proxy>, String> {
        let bypass = match &self.noproxy {
            Some(list) => NoProxy::parse(list),
            None => NoProxy::parse(
                &var("no_proxy")
                    .or_else(|| var("NO_PROXY"))
                    .unwrap_or_default(),
            ),
        };
        if bypass.matches(&target.host_str()) {
            return Ok(None);
        }
        if let Some(proxy) = &self.proxy {
            return Ok(Some(proxy.clone()));
        }
        from_env(target, &var)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxies_read_as_curl_writes_them() {
        let p: Proxy = "http://alice:s%40cret@proxy.corp:3128".parse().unwrap();
        assert_eq!(p.host, "proxy.corp");
        assert_eq!(p.port, 3128);
        assert_eq!(
            p.credentials,
            Some(("alice".to_string(), "s@cret".to_string()))
        );
        assert_eq!(p.to_string(), "http://alice:***@proxy.corp:3128");
        assert!(!format!("{p:?}").contains("cret"));
        let bare: Proxy = "10.0.0.1".parse().unwrap();
        assert_eq!((bare.host.as_str(), bare.port), ("10.0.0.1", 1080));
        let v6: Proxy = "http://[::1]:8080/".parse().unwrap();
        assert_eq!(v6.to_string(), "http://[::1]:8080");
        for bad in [
            "socks5://h:1080",
            "https://h:443",
            "http://:80",
            "http://h:0",
            "http://h:x",
        ] {
            let err = bad.parse::<Proxy>().unwrap_err();
            assert!(!err.contains("h:"), "the input is not echoed: {err}");
        }
        let secret = "http://u:hunter2@h:99999".parse::<Proxy>().unwrap_err();
        assert!(!secret.contains("hunter2"), "{secret}");
    }
}
