//! Fault modes: a responder that misbehaves on purpose, so a client's keepalive
//! handling can be tested. Parsed from `close-idle=60s,ignore-pings`, combinable,
//! each applying to the protocols it makes sense for.

use std::str::FromStr;
use std::time::Duration;

use kaprobe::Protocol;

/// One fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Close a connection after this long without traffic either way (a load
    /// balancer's idle timeout).
    CloseIdle(Duration),
    /// After this long, stop reading and writing; keep the socket open.
    BlackholeAfter(Duration),
    /// Once a connection has been silent both ways this long, stop reading and
    /// answering it and keep the socket open: a NAT or firewall whose entry expired.
    DropIdle(Duration),
    /// Never answer protocol pings (TCP `PING` lines, WebSocket Ping frames,
    /// HTTP/2 PINGs).
    IgnorePings,
    /// Answer protocol pings this late.
    DelayPongs(Duration),
    /// After this long, reset the connection (RST).
    ResetAfter(Duration),
    /// gRPC: after this long, a graceful GOAWAY.
    GoawayAfter(Duration),
    /// WebSocket: the close code for the closes kaserve makes.
    CloseCode(u16),
}

impl Fault {
    pub fn name(&self) -> &'static str {
        match self {
            Fault::CloseIdle(_) => "close-idle",
            Fault::BlackholeAfter(_) => "blackhole-after",
            Fault::DropIdle(_) => "drop-idle",
            Fault::IgnorePings => "ignore-pings",
            Fault::DelayPongs(_) => "delay-pongs",
            Fault::ResetAfter(_) => "reset-after",
            Fault::GoawayAfter(_) => "goaway-after",
            Fault::CloseCode(_) => "close-code",
        }
    }

    /// Whether the fault means anything on `proto`.
    pub fn applies_to(&self, proto: Protocol) -> bool {
        match self {
            Fault::GoawayAfter(_) => proto == Protocol::Grpc,
            Fault::CloseCode(_) => proto == Protocol::Ws,
            Fault::IgnorePings => proto != Protocol::Http,
            _ => true,
        }
    }
}

impl FromStr for Fault {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (name, value) = match s.split_once('=') {
            Some((n, v)) => (n.trim(), Some(v.trim())),
            None => (s.trim(), None),
        };
        let duration = || -> Result<Duration, String> {
            let v =
                value.ok_or_else(|| format!("fault {name} needs a duration: {name}=DURATION"))?;
            match kaprobe::parse_duration(v)? {
                d if d.is_zero() => Err(format!("fault {name}: '{v}' must be longer than zero")),
                d => Ok(d),
            }
        };
        let fault = match name {
            "close-idle" => Fault::CloseIdle(duration()?),
            "blackhole-after" => Fault::BlackholeAfter(duration()?),
            "drop-idle" => Fault::DropIdle(duration()?),
            "delay-pongs" => Fault::DelayPongs(duration()?),
            "reset-after" => Fault::ResetAfter(duration()?),
            "goaway-after" => Fault::GoawayAfter(duration()?),
            "ignore-pings" => {
                if value.is_some() {
                    return Err("fault ignore-pings takes no value".into());
                }
                Fault::IgnorePings
            }
            "close-code" => {
                let v = value.ok_or("fault close-code needs a code: close-code=N")?;
                let code: u16 = v
                    .parse()
                    .map_err(|_| format!("fault close-code: '{v}' is not a number"))?;
                // RFC 6455 7.4: 1000-2999 defined or reserved, 3000-4999 for
                // libraries and applications; 1005, 1006 and 1015 are never sent.
                if !(1000..=4999).contains(&code) || [1004, 1005, 1006, 1015].contains(&code) {
                    return Err(format!(
                        "fault close-code: {code} cannot be sent in a close frame (use 1000-4999, not 1004, 1005, 1006 or 1015)"
                    ));
                }
                Fault::CloseCode(code)
            }
            _ => {
                return Err(format!(
                    "unknown fault '{name}' (expected close-idle=DUR, drop-idle=DUR, blackhole-after=DUR, ignore-pings, delay-pongs=DUR, reset-after=DUR, goaway-after=DUR or close-code=N)"
                ));
            }
        };
        Ok(fault)
    }
}

/// The faults of one listener.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Faults {
    pub close_idle: Option<Duration>,
    pub blackhole_after: Option<Duration>,
    pub drop_idle: Option<Duration>,
    pub ignore_pings: bool,
    pub delay_pongs: Option<Duration>,
    pub reset_after: Option<Duration>,
    pub goaway_after: Option<Duration>,
    pub close_code: Option<u16>,
}

impl Faults {
    /// The faults that apply to `proto` out of `(protocol or all, fault)` pairs.
    pub fn for_proto(all: &[(Option<Protocol>, Fault)], proto: Protocol) -> Faults {
        let mut f = Faults::default();
        for (_, fault) in all
            .iter()
            .filter(|(p, fault)| p.is_none_or(|p| p == proto) && fault.applies_to(proto))
        {
            match *fault {
                Fault::CloseIdle(d) => f.close_idle = Some(d),
                Fault::BlackholeAfter(d) => f.blackhole_after = Some(d),
                Fault::DropIdle(d) => f.drop_idle = Some(d),
                Fault::IgnorePings => f.ignore_pings = true,
                Fault::DelayPongs(d) => f.delay_pongs = Some(d),
                Fault::ResetAfter(d) => f.reset_after = Some(d),
                Fault::GoawayAfter(d) => f.goaway_after = Some(d),
                Fault::CloseCode(c) => f.close_code = Some(c),
            }
        }
        f
    }

    /// Whether protocol pings are to be held back (ignored or delayed).
    pub fn holds_pongs(&self) -> bool {
        self.ignore_pings || self.delay_pongs.is_some()
    }
}

/// Parses `[PROTOCOL:]FAULT[,FAULT...]`.
pub fn parse_faults(s: &str) -> Result<Vec<(Option<Protocol>, Fault)>, String> {
    let (proto, list) = match s.split_once(':') {
        Some((p, rest)) if p.trim().parse::<Protocol>().is_ok() => {
            (Some(p.trim().parse::<Protocol>()?), rest)
        }
        _ => (None, s),
    };
    let mut out = Vec::new();
    for item in list.split(',').filter(|i| !i.trim().is_empty()) {
        let fault: Fault = item.parse()?;
        if let Some(p) = proto {
            if !fault.applies_to(p) {
                return Err(format!("fault {} does not apply to {p}", fault.name()));
            }
        }
        out.push((proto, fault));
    }
    if out.is_empty() {
        return Err(format!("no fault in '{s}'"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_parse_and_combine() {
        let all = parse_faults("close-idle=60s,ignore-pings").unwrap();
        assert_eq!(
            all,
            vec![
                (None, Fault::CloseIdle(Duration::from_secs(60))),
                (None, Fault::IgnorePings)
            ]
        );
        let mut all = all;
        all.extend(parse_faults("ws:close-code=4000").unwrap());
        all.extend(parse_faults("grpc:goaway-after=5s").unwrap());
        let ws = Faults::for_proto(&all, Protocol::Ws);
        assert_eq!(ws.close_code, Some(4000));
        assert_eq!(ws.goaway_after, None);
        assert!(ws.ignore_pings);
        let grpc = Faults::for_proto(&all, Protocol::Grpc);
        assert_eq!(grpc.goaway_after, Some(Duration::from_secs(5)));
        assert_eq!(grpc.close_code, None);
        assert_eq!(
            Faults::for_proto(&all, Protocol::Tcp).close_idle,
            Some(Duration::from_secs(60))
        );
    }

    #[test]
    fn bad_faults_are_named() {
        for (bad, says) in [
            ("close-idle", "needs a duration"),
            ("close-idle=soon", "soon"),
            ("close-idle=0s", "longer than zero"),
            ("ignore-pings=1", "takes no value"),
            ("close-code=1006", "cannot be sent"),
            ("close-code=x", "not a number"),
            ("explode", "unknown fault 'explode'"),
            ("tcp:goaway-after=1s", "does not apply to tcp"),
            ("", "no fault"),
        ] {
            let err = parse_faults(bad).unwrap_err();
            assert!(err.contains(says), "{bad}: {err}");
        }
    }
}
