//! How a target's name becomes the one address a probe measures: the resolver's
//! answer, narrowed by `-4`/`-6`, overridden by `--resolve HOST:PORT:ADDR` as curl
//! has it, or an address pinned by `--each-address`. A probe never swaps a failing
//! address for another behind the user's back: one probe, one path.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;
use std::time::Duration;

use crate::error::{Error, Result};
use crate::target::{Host, Target};

/// The most addresses one `--resolve` rule takes (more is refused, not cut).
pub const MAX_RESOLVE: usize = 64;

/// `-4` or `-6`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    V4,
    V6,
}

impl Family {
    pub fn admits(self, ip: IpAddr) -> bool {
        matches!(
            (self, ip),
            (Family::V4, IpAddr::V4(_)) | (Family::V6, IpAddr::V6(_))
        )
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Family::V4 => "IPv4",
            Family::V6 => "IPv6",
        })
    }
}

/// `--resolve HOST:PORT:ADDR[,ADDR...]`: HOST:PORT stands for these addresses (in
/// this order) instead of what the resolver says, while TLS, SNI, `Host` and
/// `:authority` keep HOST. Several addresses, as curl allows, make a name behind
/// several nodes without a DNS server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolveRule {
    pub host: String,
    pub port: u16,
    pub addrs: Vec<IpAddr>,
}

impl FromStr for ResolveRule {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let usage = "expected HOST:PORT:ADDR[,ADDR...], for example api.example:443:10.0.0.7 \
                     or api.example:443:[::1],10.0.0.7";
        let (host, rest) = s.split_once(':').ok_or(usage)?;
        let (port, addr) = rest.split_once(':').ok_or(usage)?;
        if host.is_empty() || host.len() > 253 {
            return Err(usage.into());
        }
        let port = port
            .parse::<u16>()
            .ok()
            .filter(|p| *p > 0)
            .ok_or_else(|| format!("invalid port '{port}' ({usage})"))?;
        if addr.split(',').count() > MAX_RESOLVE {
            return Err(format!(
                "more than {MAX_RESOLVE} addresses for {host}:{port} ({usage})"
            ));
        }
        let addrs = addr
            .split(',')
            .map(|one| {
                let bare = one.trim_start_matches('[').trim_end_matches(']');
                bare.parse::<IpAddr>()
                    .map_err(|_| format!("'{bare}' is not an IP address ({usage})"))
            })
            .collect::<std::result::Result<Vec<_>, _>>()?;
        Ok(ResolveRule {
            host: host.to_ascii_lowercase(),
            port,
            addrs,
        })
    }
}

/// The addressing flags of a run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Addressing {
    pub family: Option<Family>,
    pub resolve: Vec<ResolveRule>,
    /// `--each-address`: a target per address (see [`each_address`]).
    pub each_address: bool,
}

impl Addressing {
    /// The `--resolve` addresses for `target`, if a rule names its host and port.
    pub(crate) fn rule(&self, target: &Target) -> Option<&[IpAddr]> {
        let host = target.host_str().to_ascii_lowercase();
        self.resolve
            .iter()
            .find(|r| r.host == host && r.port == target.port)
            .map(|r| r.addrs.as_slice())
    }
}

/// Every address the target's host stands for, in the resolver's order, narrowed
/// by the family; within `timeout`. An address pinned by `--each-address` or given
/// by `--resolve` is the only one. None left is a setup error naming why.
pub async fn addresses(
    target: &Target,
    addressing: &Addressing,
    timeout: Duration,
) -> Result<Vec<SocketAddr>> {
    let ip = target.addr.or(match target.host {
        Host::Ip(ip) => Some(ip),
        Host::Name(_) => None,
    });
    if let Some(ip) = ip {
        if let Some(family) = addressing.family.filter(|f| !f.admits(ip)) {
            return Err(Error::Resolve {
                host: target.host_str(),
                detail: format!("{ip} is not an {family} address (-{})", flag(family)),
            });
        }
        return Ok(vec![SocketAddr::new(ip, target.port)]);
    }
    let host = target.host_str();
    let all: Vec<SocketAddr> = if let Some(addrs) = addressing.rule(target) {
        addrs
            .iter()
            .map(|ip| SocketAddr::new(*ip, target.port))
            .collect()
    } else {
        lookup(target, timeout).await?
    };
    let mut seen = Vec::with_capacity(all.len());
    for addr in all {
        if !seen.contains(&addr) {
            seen.push(addr);
        }
    }
    if seen.is_empty() {
        return Err(Error::Resolve {
            host,
            detail: "no addresses".into(),
        });
    }
    let Some(family) = addressing.family else {
        return Ok(seen);
    };
    let kept: Vec<SocketAddr> = seen
        .iter()
        .copied()
        .filter(|a| family.admits(a.ip()))
        .collect();
    if kept.is_empty() {
        let others: Vec<String> = seen.iter().map(|a| a.ip().to_string()).collect();
        return Err(Error::Resolve {
            host,
            detail: format!(
                "no {family} address (-{}); it resolves to {}",
                flag(family),
                others.join(", ")
            ),
        });
    }
    Ok(kept)
}

/// What the system resolver says of the target's name, within `timeout`.
async fn lookup(target: &Target, timeout: Duration) -> Result<Vec<SocketAddr>> {
    let host = target.host_str();
    match tokio::time::timeout(timeout, tokio::net::lookup_host(target.authority())).await {
        Ok(Ok(addrs)) => Ok(addrs.collect()),
        Ok(Err(e)) => Err(Error::Resolve {
            host,
            detail: e.to_string(),
        }),
        Err(_) => Err(Error::Resolve {
            host,
            detail: format!("no answer within {}", humantime::format_duration(timeout)),
        }),
    }
}

fn flag(family: Family) -> char {
    match family {
        Family::V4 => '4',
        Family::V6 => '6',
    }
}

/// `--each-address`: a target per address its name resolves to, each pinned to
/// its address (shown `name (addr)`). Targets given by address stay as they are.
pub async fn each_address(
    targets: Vec<Target>,
    addressing: &Addressing,
    timeout: Duration,
) -> Result<Vec<Target>> {
    let mut out = Vec::new();
    for target in targets {
        if matches!(target.host, Host::Ip(_)) || target.addr.is_some() {
            out.push(target);
            continue;
        }
        for addr in addresses(&target, addressing, timeout).await? {
            let mut pinned = target.clone();
            pinned.addr = Some(addr.ip());
            out.push(pinned);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(s: &str) -> Target {
        s.parse().unwrap()
    }

    #[test]
    fn resolve_rules_read_as_curl_writes_them() {
        let rule: ResolveRule = "API.example:443:10.0.0.7".parse().unwrap();
        assert_eq!(rule.host, "api.example");
        assert_eq!(rule.port, 443);
        assert_eq!(rule.addrs, ["10.0.0.7".parse::<IpAddr>().unwrap()]);
        let two: ResolveRule = "h:80:[::1],127.0.0.1".parse().unwrap();
        assert_eq!(
            two.addrs,
            [
                "::1".parse::<IpAddr>().unwrap(),
                "127.0.0.1".parse().unwrap()
            ]
        );
        for bad in [
            "h:80",
            "h:0:1.2.3.4",
            ":80:1.2.3.4",
            "h:80:nowhere",
            "h:x:1.2.3.4",
            "h:80:1.2.3.4,",
        ] {
            assert!(bad.parse::<ResolveRule>().is_err(), "{bad}");
        }
    }

    #[tokio::test]
    async fn a_rule_a_pin_and_a_family_decide_the_address() {
        let rules = Addressing {
            family: None,
            resolve: vec!["api.example:443:10.0.0.7".parse().unwrap()],
            each_address: false,
        };
        let t = target("https://api.example/");
        let got = addresses(&t, &rules, Duration::from_secs(1)).await.unwrap();
        assert_eq!(got, vec!["10.0.0.7:443".parse().unwrap()]);
        // Another port is not the rule's.
        let other = target("https://api.example:8443/");
        let v4 = Addressing {
            family: Some(Family::V4),
            ..rules.clone()
        };
        let mut pinned = other.clone();
        pinned.addr = Some("::1".parse().unwrap());
        let err = addresses(&pinned, &v4, Duration::from_secs(1))
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains("::1 is not an IPv4 address (-4)"), "{err}");
        let six = Addressing {
            family: Some(Family::V6),
            ..Addressing::default()
        };
        let err = addresses(&target("tcp://127.0.0.1:7"), &six, Duration::from_secs(1))
            .await
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("127.0.0.1 is not an IPv6 address (-6)"),
            "{err}"
        );
    }

    #[tokio::test]
    async fn each_address_pins_every_address_of_a_name() {
        let rules = Addressing {
            family: None,
            resolve: vec!["svc.test:80:192.0.2.1,[2001:db8::1]".parse().unwrap()],
            each_address: true,
        };
        let targets = vec![target("http://svc.test/"), target("tcp://127.0.0.1:9")];
        let out = each_address(targets, &rules, Duration::from_secs(1))
            .await
            .unwrap();
        assert_eq!(out.len(), 3);
        assert_eq!(out[0].addr, Some("192.0.2.1".parse().unwrap()));
        assert_eq!(out[0].to_string(), "http://svc.test:80/ (192.0.2.1)");
        assert_eq!(out[0].url(), "http://svc.test:80/");
        assert_eq!(out[1].to_string(), "http://svc.test:80/ (2001:db8::1)");
        assert_eq!(out[2].addr, None, "a target given by address stays");
        // -6 keeps the IPv6 one only; -4 with no IPv4 address says what there is.
        let v6 = Addressing {
            family: Some(Family::V6),
            ..rules.clone()
        };
        let out = each_address(
            vec![target("http://svc.test/")],
            &v6,
            Duration::from_secs(1),
        )
        .await
        .unwrap();
        assert_eq!(out.len(), 1);
        let only6 = Addressing {
            family: Some(Family::V4),
            resolve: vec!["svc.test:80:[2001:db8::1]".parse().unwrap()],
            each_address: false,
        };
        let err = addresses(&target("http://svc.test/"), &only6, Duration::from_secs(1))
            .await
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("no IPv4 address (-4); it resolves to 2001:db8::1"),
            "{err}"
        );
    }
}
