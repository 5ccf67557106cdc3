//! OS-level TCP options (keepalive probes, user timeout, Nagle) and the one function
//! that opens a TCP connection with them applied before the handshake.

use std::fmt;
use std::net::SocketAddr;
use std::str::FromStr;
use std::time::Duration;

use socket2::{Domain, Protocol, SockRef, Socket, TcpKeepalive, Type};
use tokio::net::{TcpSocket, TcpStream};

use crate::cause::Cause;
use crate::deadline::ProbeTimer;

/// `--tcp-keepalive IDLE[,INTERVAL[,COUNT]]`: the kernel's keepalive probes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeepaliveSpec {
    pub idle: Duration,
    pub interval: Option<Duration>,
    pub count: Option<u32>,
}

impl FromStr for KeepaliveSpec {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut parts = s.split(',');
        let idle = parse_positive(parts.next().unwrap_or(""), "idle time")?;
        let interval = parts
            .next()
            .map(|p| parse_positive(p, "interval"))
            .transpose()?;
        let count = parts
            .next()
            .map(|p| match p.trim().parse::<u32>() {
                Ok(n) if n > 0 => Ok(n),
                _ => Err(format!(
                    "invalid probe count '{p}' (expected a whole number above 0)"
                )),
            })
            .transpose()?;
        if parts.next().is_some() {
            return Err("expected IDLE[,INTERVAL[,COUNT]], for example 30s,5s,3".into());
        }
        Ok(KeepaliveSpec {
            idle,
            interval,
            count,
        })
    }
}

impl fmt::Display for KeepaliveSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", humantime::format_duration(self.idle))?;
        if let Some(i) = self.interval {
            write!(f, ",{}", humantime::format_duration(i))?;
        }
        if let Some(c) = self.count {
            write!(f, ",{c}")?;
        }
        Ok(())
    }
}

fn parse_positive(s: &str, what: &str) -> Result<Duration, String> {
    let d = crate::parse_duration(s.trim()).map_err(|e| format!("{what}: {e}"))?;
    if d < Duration::from_secs(1) {
        return Err(format!(
            "{what} '{s}' is below 1s, the kernel's keepalive granularity"
        ));
    }
    Ok(d)
}

/// Socket options applied to every TCP connection a session opens.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TcpOptions {
    pub keepalive: Option<KeepaliveSpec>,
    /// `TCP_USER_TIMEOUT`: how long sent data may stay unacknowledged (Linux).
    pub user_timeout: Option<Duration>,
}

impl TcpOptions {
    fn apply(&self, socket: &SockRef<'_>) -> std::io::Result<()> {
        socket.set_tcp_nodelay(true)?;
        if let Some(spec) = self.keepalive {
            let mut ka = TcpKeepalive::new().with_time(spec.idle);
            if let Some(interval) = spec.interval {
                ka = ka.with_interval(interval);
            }
            if let Some(count) = spec.count {
                ka = ka.with_retries(count);
            }
            socket.set_tcp_keepalive(&ka)?;
        }
        #[cfg(any(target_os = "linux", target_os = "android"))]
        if let Some(t) = self.user_timeout {
            socket.set_tcp_user_timeout(Some(t))?;
        }
        Ok(())
    }
}

/// Opens a TCP connection to `addr` with `opts` applied before the SYN is sent,
/// giving up at the timer's deadline.
pub async fn connect(
    addr: SocketAddr,
    opts: &TcpOptions,
    timer: &mut ProbeTimer,
) -> Result<TcpStream, Cause> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))
        .map_err(|e| Cause::from_io(&e))?;
    socket
        .set_nonblocking(true)
        .map_err(|e| Cause::from_io(&e))?;
    opts.apply(&SockRef::from(&socket))
        .map_err(|e| Cause::from_io(&e))?;
    let socket = TcpSocket::from_std_stream(std::net::TcpStream::from(socket));
    match timer.within(socket.connect(addr)).await {
        Some(Ok(stream)) => Ok(stream),
        Some(Err(e)) => {
            let mut cause = Cause::from_io(&e);
            cause.detail = format!("{addr}: {}", cause.detail);
            Err(cause)
        }
        None => Err(Cause::timeout(format!(
            "no TCP handshake with {addr} in time"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keepalive_spec_forms() {
        let spec: KeepaliveSpec = "30s,5s,3".parse().unwrap();
        assert_eq!(spec.idle, Duration::from_secs(30));
        assert_eq!(spec.interval, Some(Duration::from_secs(5)));
        assert_eq!(spec.count, Some(3));
        assert_eq!(spec.to_string(), "30s,5s,3");
        let spec: KeepaliveSpec = "1m".parse().unwrap();
        assert_eq!((spec.interval, spec.count), (None, None));
        for bad in [
            "",
            "x",
            "30s,",
            "30s,5s,0",
            "30s,5s,3,1",
            "500ms",
            "30",
            "30s,5s,-1",
        ] {
            assert!(bad.parse::<KeepaliveSpec>().is_err(), "{bad:?}");
        }
    }

    #[tokio::test]
    async fn options_reach_the_socket() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let opts = TcpOptions {
            keepalive: Some("7s,3s,4".parse().unwrap()),
            user_timeout: Some(Duration::from_millis(1500)),
        };
        let mut timer = ProbeTimer::default();
        timer.ensure(Duration::from_secs(1));
        let stream = connect(addr, &opts, &mut timer).await.unwrap();
        let sock = SockRef::from(&stream);
        assert!(sock.tcp_nodelay().unwrap());
        assert!(sock.keepalive().unwrap());
        assert_eq!(sock.tcp_keepalive_time().unwrap(), Duration::from_secs(7));
        assert_eq!(
            sock.tcp_keepalive_interval().unwrap(),
            Duration::from_secs(3)
        );
        assert_eq!(sock.tcp_keepalive_retries().unwrap(), 4);
        #[cfg(target_os = "linux")]
        assert_eq!(
            sock.tcp_user_timeout().unwrap(),
            Some(Duration::from_millis(1500))
        );
    }

    #[tokio::test]
    async fn refused_port_is_named_refused() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        let mut timer = ProbeTimer::default();
        timer.ensure(Duration::from_secs(1));
        let err = connect(addr, &TcpOptions::default(), &mut timer)
            .await
            .unwrap_err();
        assert_eq!(err.kind, crate::cause::CauseKind::Refused);
    }
}
