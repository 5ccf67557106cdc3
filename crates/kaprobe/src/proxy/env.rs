//! The proxy environment, read as curl and gRPC read it. `http://` and `ws://`
//! targets use `http_proxy` (lower case only, as curl, since `HTTP_PROXY` can be set
//! by a CGI request); `https://` and `wss://` use `https_proxy` or `HTTPS_PROXY`;
//! `grpc://` and `grpcs://` use `grpc_proxy`, then `https_proxy`/`HTTPS_PROXY` as
//! grpc-go does for every channel; `tcp://` only `all_proxy`. Each falls back to
//! `all_proxy`/`ALL_PROXY`. `no_proxy` lists hosts that go direct: `*`, names
//! (a domain covers its subdomains), addresses and CIDR ranges.

use std::net::IpAddr;

use super::Proxy;
use crate::target::{Scheme, Target};

/// The proxy the environment names for `target`, if any. A variable whose value is
/// not a usable HTTP proxy is an error naming the variable, never its value.
pub fn from_env(
    target: &Target,
    var: &impl Fn(&str) -> Option<String>,
) -> Result<Option<Proxy>, String> {
    let names: &[&str] = match target.scheme {
        Scheme::Http | Scheme::Ws => &["http_proxy"],
        Scheme::Https | Scheme::Wss => &["https_proxy", "HTTPS_PROXY"],
        Scheme::Grpc | Scheme::Grpcs => &["grpc_proxy", "https_proxy", "HTTPS_PROXY"],
        Scheme::Tcp => &[],
    };
    let chosen = names
        .iter()
        .chain(["all_proxy", "ALL_PROXY"].iter())
        .find_map(|name| var(name).filter(|v| !v.is_empty()).map(|v| (*name, v)));
    match chosen {
        None => Ok(None),
        Some((name, value)) => value
            .parse()
            .map(Some)
            .map_err(|e| format!("the proxy in ${name}: {e} (--noproxy '*' ignores it)")),
    }
}

/// A `no_proxy` / `--noproxy` list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NoProxy {
    everything: bool,
    names: Vec<String>,
    nets: Vec<(IpAddr, u8)>,
}

impl NoProxy {
    pub fn parse(list: &str) -> NoProxy {
        let mut out = NoProxy::default();
        for entry in list
            .split(',')
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .take(256)
        {
            if entry == "*" {
                out.everything = true;
                continue;
            }
            let bare = entry.trim_start_matches('[').trim_end_matches(']');
            let (addr, bits) = match bare.split_once('/') {
                Some((a, b)) => (a, b.parse::<u8>().ok()),
                None => (bare, None),
            };
            if let Ok(ip) = addr.parse::<IpAddr>() {
                let max = if ip.is_ipv4() { 32 } else { 128 };
                out.nets.push((ip, bits.unwrap_or(max).min(max)));
            } else {
                out.names
                    .push(entry.trim_start_matches('.').to_ascii_lowercase());
            }
        }
        out
    }

    /// Whether `host` (a name, or an address without brackets) goes direct.
    pub fn matches(&self, host: &str) -> bool {
        if self.everything {
            return true;
        }
        if let Ok(ip) = host.parse::<IpAddr>() {
            return self.nets.iter().any(|(net, bits)| within(ip, *net, *bits));
        }
        let host = host.to_ascii_lowercase();
        self.names
            .iter()
            .any(|n| host == *n || host.ends_with(&format!(".{n}")))
    }
}

fn within(ip: IpAddr, net: IpAddr, bits: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(b)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(bits)).unwrap_or(0);
            u32::from(a) & mask == u32::from(b) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(b)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(bits)).unwrap_or(0);
            u128::from(a) & mask == u128::from(b) & mask
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proxy::ProxySetting;

    fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
    }

    fn chosen(target: &str, setting: &ProxySetting, vars: &[(&str, &str)]) -> Option<String> {
        let target: Target = target.parse().unwrap();
        setting
            .choose(&target, env(vars))
            .unwrap()
            .map(|p| p.to_string())
    }

    #[test]
    fn each_scheme_reads_its_variables() {
        let none = ProxySetting::default();
        let vars = [
            ("http_proxy", "http://h1:1"),
            ("HTTPS_PROXY", "http://h2:2"),
            ("all_proxy", "http://h3:3"),
        ];
        assert_eq!(
            chosen("http://a/", &none, &vars).as_deref(),
            Some("http://h1:1")
        );
        assert_eq!(
            chosen("ws://a/", &none, &vars).as_deref(),
            Some("http://h1:1")
        );
        assert_eq!(
            chosen("wss://a/", &none, &vars).as_deref(),
            Some("http://h2:2")
        );
        assert_eq!(
            chosen("grpc://a:1", &none, &vars).as_deref(),
            Some("http://h2:2")
        );
        assert_eq!(
            chosen("tcp://a:1", &none, &vars).as_deref(),
            Some("http://h3:3")
        );
        // HTTP_PROXY is not read, as curl does not read it.
        assert_eq!(
            chosen("http://a/", &none, &[("HTTP_PROXY", "http://x:1")]),
            None
        );
        let grpc = [("grpc_proxy", "http://g:1"), ("https_proxy", "http://h:2")];
        assert_eq!(
            chosen("grpcs://a:1", &none, &grpc).as_deref(),
            Some("http://g:1")
        );
        assert_eq!(chosen("tcp://a:1", &none, &[]), None);
    }

    #[test]
    fn no_proxy_and_noproxy_send_hosts_direct() {
        let vars = [
            ("https_proxy", "http://p:1"),
            ("no_proxy", "internal.corp, 10.0.0.0/8,::1,.svc"),
        ];
        let none = ProxySetting::default();
        assert_eq!(chosen("https://api.internal.corp/", &none, &vars), None);
        assert_eq!(chosen("https://internal.corp/", &none, &vars), None);
        assert!(chosen("https://notinternal.corp/", &none, &vars).is_some());
        assert_eq!(chosen("https://10.2.3.4/", &none, &vars), None);
        assert!(chosen("https://11.2.3.4/", &none, &vars).is_some());
        assert_eq!(chosen("https://[::1]/", &none, &vars), None);
        assert_eq!(chosen("https://a.svc/", &none, &vars), None);
        let everything = ProxySetting {
            noproxy: Some("*".into()),
            ..ProxySetting::default()
        };
        assert_eq!(chosen("https://x/", &everything, &vars), None);
        // --noproxy replaces no_proxy; --proxy beats the environment.
        let flag = ProxySetting {
            proxy: Some("http://flag:9".parse().unwrap()),
            noproxy: Some("other".into()),
        };
        assert_eq!(
            chosen("https://api.internal.corp/", &flag, &vars).as_deref(),
            Some("http://flag:9")
        );
        let bad = ProxySetting::default()
            .choose(
                &"https://a/".parse().unwrap(),
                env(&[("https_proxy", "socks5://u:pw@h:1")]),
            )
            .unwrap_err();
        assert!(bad.contains("$https_proxy") && !bad.contains("pw"), "{bad}");
    }
}
