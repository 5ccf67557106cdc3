//! `--allow-targets`: where the exporter may connect, since it connects wherever
//! a scraper asks. A comma list of names (a name covers its subdomains), IP
//! addresses and CIDR ranges, each with an optional `:PORT`, or `:PORT` alone for
//! any host on that port. A target is allowed when an entry names its host, or
//! holds the address its name resolved to, on its port.

use std::net::IpAddr;

/// One entry: what host it covers and on which port.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Host {
    Any,
    Name(String),
    Net(IpAddr, u8),
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Entry {
    host: Host,
    port: Option<u16>,
}

/// The parsed list; empty allows everything (no flag given).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Allow {
    entries: Vec<Entry>,
}

/// At most this many entries.
pub const MAX_ENTRIES: usize = 1024;

impl std::str::FromStr for Allow {
    type Err = String;
    fn from_str(list: &str) -> Result<Self, String> {
        let entries = list
            .split(',')
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .map(entry)
            .collect::<Result<Vec<_>, _>>()?;
        if entries.is_empty() {
            return Err(
                "an empty list allows nothing; leave the flag out to allow every target".into(),
            );
        }
        if entries.len() > MAX_ENTRIES {
            return Err(format!("at most {MAX_ENTRIES} entries"));
        }
        Ok(Allow { entries })
    }
}

fn entry(text: &str) -> Result<Entry, String> {
    let bad = || format!("'{text}' is not a name, an address, a CIDR range or :PORT");
    // [v6]:port, host:port, v4/len:port, :port; a bare v6 address has colons too.
    let (host, port) = if let Some(rest) = text.strip_prefix('[') {
        let (addr, tail) = rest.split_once(']').ok_or_else(bad)?;
        let port = match tail.strip_prefix(':') {
            Some(p) => Some(p.parse::<u16>().map_err(|_| bad())?),
            None if tail.is_empty() => None,
            None => return Err(bad()),
        };
        (addr, port)
    } else if text.matches(':').count() == 1 {
        let (host, port) = text.split_once(':').expect("one colon");
        (host, Some(port.parse::<u16>().map_err(|_| bad())?))
    } else {
        (text, None)
    };
    let host = if host.is_empty() {
        if port.is_none() {
            return Err(bad());
        }
        Host::Any
    } else if let Some((addr, len)) = host.split_once('/') {
        let addr: IpAddr = addr.parse().map_err(|_| bad())?;
        let len: u8 = len.parse().map_err(|_| bad())?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        if len > max {
            return Err(bad());
        }
        Host::Net(addr, len)
    } else if let Ok(addr) = host.parse::<IpAddr>() {
        Host::Net(addr, if addr.is_ipv4() { 32 } else { 128 })
    } else if host
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
    {
        Host::Name(host.trim_start_matches('.').to_ascii_lowercase())
    } else {
        return Err(bad());
    };
    Ok(Entry { host, port })
}

/// Whether `ip` lies in `net`/`len`.
fn within(ip: IpAddr, net: IpAddr, len: u8) -> bool {
    let (ip, net, bits) = match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(b)) => (u128::from(u32::from(a)), u128::from(u32::from(b)), 32),
        (IpAddr::V6(a), IpAddr::V6(b)) => (u128::from(a), u128::from(b), 128),
        _ => return false,
    };
    let len = u32::from(len);
    if len == 0 {
        return true;
    }
    let shift = bits - len;
    (ip >> shift) == (net >> shift)
}

impl Allow {
    /// Whether a target at `host` (as given), resolved to `ip`, on `port` may be probed.
    pub fn allows(&self, host: &str, ip: Option<IpAddr>, port: u16) -> bool {
        if self.entries.is_empty() {
            return true;
        }
        let host = host.trim_matches(['[', ']']).to_ascii_lowercase();
        self.entries.iter().any(|e| {
            e.port.is_none_or(|p| p == port)
                && match &e.host {
                    Host::Any => true,
                    Host::Name(name) => host == *name || host.ends_with(&format!(".{name}")),
                    Host::Net(net, len) => ip.is_some_and(|ip| within(ip, *net, *len)),
                }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allow(list: &str) -> Allow {
        list.parse().unwrap()
    }

    #[test]
    fn names_addresses_ranges_and_ports() {
        let a = allow("example.com, 10.0.0.0/8:443, ::1, :7070, [fd00::1]:80");
        let lo = Some("127.0.0.1".parse().unwrap());
        assert!(a.allows("api.example.com", None, 1));
        assert!(a.allows("example.com", None, 1));
        assert!(!a.allows("badexample.com", None, 1));
        assert!(a.allows("lb", Some("10.2.3.4".parse().unwrap()), 443));
        assert!(!a.allows("lb", Some("10.2.3.4".parse().unwrap()), 80));
        assert!(!a.allows("lb", Some("11.2.3.4".parse().unwrap()), 443));
        assert!(a.allows("[::1]", Some("::1".parse().unwrap()), 9));
        assert!(a.allows("127.0.0.1", lo, 7070));
        assert!(!a.allows("127.0.0.1", lo, 7071));
        assert!(a.allows("h", Some("fd00::1".parse().unwrap()), 80));
        assert!(Allow::default().allows("anything", None, 1));
    }

    #[test]
    fn bad_entries_are_named() {
        for bad in [
            "",
            "10.0.0.0/33",
            "host:port",
            "a b",
            "[::1",
            ":",
            "1.2.3.4/x",
        ] {
            let err = bad.parse::<Allow>().unwrap_err();
            assert!(!err.is_empty(), "{bad}");
        }
        assert!("h:99999".parse::<Allow>().is_err());
    }
}
