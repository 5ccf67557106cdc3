//! kaserve's command line: which responders to run and where they listen.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, ValueEnum};
use kacli::parse_positive_duration;

use crate::serve::Protocol;
use crate::serve::fault::{Fault, parse_faults};
use tonic_health::pb::health_check_response::ServingStatus;

/// What `-h` adds: the responders and their ports.
const SHORT_HELP: &str = "\
Responders: tcp 127.0.0.1:7070, ws 7071, grpc 7072, http 7073 (loopback unless --listen
says otherwise; --tls makes wss, grpcs, https), stdio (the registry protocol).
More in --help and man kaserve.";

const AFTER_HELP: &str = concat!(
    "\
Responders:
  tcp    127.0.0.1:7070: a line responder: PING is answered PONG, any other line
         is echoed
  ws     127.0.0.1:7071 (wss with --tls): WebSocket echo; text pings (\"ping\", or
         JSON with \"op\" or \"type\" \"ping\") get pong; with --ping-interval it pings
         clients and closes with 1011 \"keepalive ping timeout\" when a pong is
         late, as the Python websockets server does
  grpc   127.0.0.1:7072 (grpcs with --tls): grpc.health.v1.Health/Check and
         Watch with a status per service (--status; --flip changes one over time,
         and each Watch sees it at once), and the keepalive policy of grpc-go and
         grpc-core servers: client PINGs closer than --ping-min-interval (5m)
         earn a strike (without active streams two hours apply unless
         --permit-without-stream); past --max-ping-strikes (2) the server sends
         GOAWAY ENHANCE_YOUR_CALM \"too_many_pings\"; --max-connection-idle and
         --max-connection-age end in a graceful GOAWAY (\"max_idle\", \"max_age\")
  http   127.0.0.1:7073 (https with --tls): every path answers 200 OK unless
         --path-status says otherwise, over HTTP/1.1 or HTTP/2 (ALPN h2 with
         --tls; prior knowledge on plain TCP), with nginx's keep-alive policy:
         --keepalive-timeout closes a kept-alive connection idle that long
         (HTTP/1.1: FIN; HTTP/2: GOAWAY), --max-requests says Connection: close
         on the last response (HTTP/2: a GOAWAY after it), --keepalive-header
         announces both in a Keep-Alive header
  stdio  the keepalive registry protocol: one JSON message a line on stdin
         ({\"src\", \"dest\", \"body\"}), replies on stdout; messages init,
         ka_register, ka_heartbeat, ka_check, ka_status; error codes 10 (unknown
         type), 12 (malformed), 20 (unknown client_id); invalid JSON is named on
         stderr and skipped (docs/registry.md)

Client liveness (--client-timeout, --client-ping-interval), every protocol: a client
silent past the ping interval is logged idle and pinged (tcp: a PING line, which it
may answer with PONG or any line; ws: a Ping frame; grpc: an HTTP/2 PING); anything
it sends makes it active again; silent past the timeout, counted from its last
activity, it is logged expired and closed (ws: close 1011 \"keepalive timeout\", or
the close-code fault's code).

Faults (--fault), per listener with a PROTOCOL: prefix, else for every responder they
apply to; combinable, comma-separated or repeated:
  close-idle=DUR       close a connection after DUR without traffic either way, as a
                       load balancer does (tcp: FIN; ws: the TCP connection drops,
                       clients see 1006, unless close-code is given; grpc: dropped)
  drop-idle=DUR        once a connection has been silent both ways for DUR, stop
                       reading and answering it and keep the socket open, as a NAT
                       or firewall whose entry expired: later traffic goes unanswered
  blackhole-after=DUR  DUR after connecting, stop reading and writing and keep the
                       socket open (until kaserve stops)
  ignore-pings         never answer protocol pings: tcp PING lines, WebSocket Ping
                       frames (no Pong), HTTP/2 PINGs (no ACK)
  delay-pongs=DUR      answer those pings DUR late (http: every response)
  reset-after=DUR      DUR after connecting, reset the connection (RST)
  goaway-after=DUR     grpc: DUR after connecting, a graceful GOAWAY (NO_ERROR,
                       debug data \"goaway_after\"), then close
  close-code=N         ws: the close code for the closes kaserve makes (close-idle,
                       client timeout); 1000-4999 except 1004-1006 and 1015
Each fault that fires is logged (event \"fault\").

Every responder binds loopback unless --listen names another address.

Output: one line per event on stdout (listening; client connected, idle, pinged,
expired, fault, closed and why); --ndjson makes them JSON records (docs/schema.md).

Limits: durations at most 366 days; at most 16,384 clients per responder (more wait
in the backlog); WebSocket messages at most 1 MiB, lines 64 KiB; accept errors
(EMFILE) back off 100 ms; a client that stops reading is held no longer than its
--client-timeout. stdio: lines at most 1 MiB, at most 100,000 clients (error 11).
--tls without files writes its certificate to a new file of a random name in
$TMPDIR, removed when kaserve stops.

",
    kacli::keylog_help!(),
    "\
Exit status:
  0  stopped by Ctrl-C or SIGTERM after closing every connection
  2  usage or setup error (bad flag, address in use)
  130  interrupted twice

Examples:
  kaserve tcp
  kaserve tcp --listen 127.0.0.1:7070
  kaserve tcp --listen 0.0.0.0:7070      # reachable from other hosts
  kaserve ws --listen 127.0.0.1:7071 --ping-interval 20s --ping-timeout 20s
  kaserve ws --tls                       # wss with a generated self-signed certificate
  kaserve ws --tls-cert cert.pem --tls-key key.pem --tls-client-ca ca.pem
  kaserve grpc --listen 127.0.0.1:7072 --status payments=NOT_SERVING
  kaserve grpc --ping-min-interval 10s --max-connection-idle 5m
  kaserve http --keepalive-timeout 5s --keepalive-header   # Node's default
  kaserve http --max-requests 100 --path-status /down=503
  kaserve tcp ws grpc --client-timeout 30s --client-ping-interval 10s --ndjson
  kaserve ws --fault close-idle=60s       # a proxy with a 60 s idle timeout
  kaserve ws --fault blackhole-after=5s   # stop answering anything, keep the socket
  kaserve grpc --fault ignore-pings       # never ACK HTTP/2 PINGs
  kaserve tcp ws --fault ws:delay-pongs=2s,close-code=4000 --fault tcp:reset-after=10s
  kaserve stdio < messages.jsonl"
);

/// A responder for every kaprobe protocol, to point kaping at.
#[derive(Debug, Parser)]
#[command(name = "kaserve", version, after_help = SHORT_HELP, after_long_help = AFTER_HELP)]
pub struct Cli {
    /// Responders to run
    #[arg(value_name = "PROTOCOL", required = true, value_enum)]
    pub protocols: Vec<Responder>,

    /// Where to listen: IP:PORT or PORT (loopback); with several responders,
    /// PROTOCOL=IP:PORT, repeated
    #[arg(short, long, value_name = "[PROTOCOL=]ADDR", value_parser = parse_listen)]
    pub listen: Vec<Listen>,

    /// Log events as JSON records, one a line
    #[arg(long)]
    pub ndjson: bool,

    /// WebSocket: send a Ping to every client this often
    #[arg(long, value_name = "DURATION", value_parser = parse_positive_duration)]
    pub ping_interval: Option<Duration>,

    /// WebSocket: close with 1011 when a Pong is this late
    #[arg(long, value_name = "DURATION", default_value = "20s", value_parser = parse_positive_duration)]
    pub ping_timeout: Duration,

    /// gRPC health status, repeatable: STATUS for the whole server, or
    /// SERVICE=STATUS (SERVING, NOT_SERVING, UNKNOWN, SERVICE_UNKNOWN); other
    /// services answer NOT_FOUND
    #[arg(long = "status", value_name = "[SERVICE=]STATUS", value_parser = parse_status)]
    pub statuses: Vec<(String, ServingStatus)>,

    /// gRPC: flip SERVICE ("" or nothing before = is the whole server) between
    /// SERVING and NOT_SERVING every DURATION, repeatable; Watch streams see each
    /// change at once
    #[arg(long = "flip", value_name = "[SERVICE]=DURATION", value_parser = parse_flip)]
    pub flips: Vec<(String, Duration)>,

    /// gRPC: client PINGs closer together than this earn a strike (grpc-go MinTime)
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = parse_positive_duration)]
    pub ping_min_interval: Duration,

    /// gRPC: hold PINGs without active streams to --ping-min-interval, not two hours
    #[arg(long)]
    pub permit_without_stream: bool,

    /// gRPC: strikes allowed before GOAWAY ENHANCE_YOUR_CALM
    #[arg(long, value_name = "N", default_value = "2")]
    pub max_ping_strikes: u32,

    /// gRPC: graceful GOAWAY after this long without active streams
    #[arg(long, value_name = "DURATION", value_parser = parse_positive_duration)]
    pub max_connection_idle: Option<Duration>,

    /// gRPC: graceful GOAWAY after this long, whatever the connection is doing
    #[arg(long, value_name = "DURATION", value_parser = parse_positive_duration)]
    pub max_connection_age: Option<Duration>,

    /// gRPC: after the age GOAWAY, close the connection this much later at the latest
    #[arg(long, value_name = "DURATION", value_parser = parse_positive_duration)]
    pub max_connection_age_grace: Option<Duration>,

    /// HTTP: close a kept-alive connection idle this long (nginx keepalive_timeout)
    #[arg(long, value_name = "DURATION", value_parser = parse_positive_duration)]
    pub keepalive_timeout: Option<Duration>,

    /// HTTP: announce --keepalive-timeout and --max-requests in a Keep-Alive header
    #[arg(long)]
    pub keepalive_header: bool,

    /// HTTP: requests one connection may carry; the last says Connection: close
    /// (HTTP/2: a GOAWAY after it), as nginx's keepalive_requests
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_requests: Option<u64>,

    /// HTTP: the status a path answers, repeatable (other paths answer 200)
    #[arg(long = "path-status", value_name = "PATH=CODE", value_parser = parse_path_status)]
    pub path_statuses: Vec<(String, u16)>,

    /// Every protocol: close a client silent for longer than this (counted from
    /// its last activity), logging why
    #[arg(long, value_name = "DURATION", value_parser = parse_positive_duration)]
    pub client_timeout: Option<Duration>,

    /// Every protocol: ping a client silent for longer than this in its protocol's
    /// way (a PING line, a Ping frame, an HTTP/2 PING); default half the timeout
    #[arg(long, value_name = "DURATION", requires = "client_timeout", value_parser = parse_positive_duration)]
    pub client_ping_interval: Option<Duration>,

    /// Misbehave on purpose, repeatable: [PROTOCOL:]FAULT[,FAULT...] with FAULT one
    /// of close-idle=DUR, drop-idle=DUR, blackhole-after=DUR, ignore-pings, delay-pongs=DUR,
    /// reset-after=DUR, goaway-after=DUR (grpc), close-code=N (ws)
    #[arg(long = "fault", value_name = "[PROTOCOL:]FAULT", value_parser = parse_faults)]
    pub faults: Vec<Vec<(Option<Protocol>, Fault)>>,

    /// Serve TLS (wss, grpcs, https); without --tls-cert/--tls-key a self-signed certificate for
    /// localhost, 127.0.0.1 and ::1 is generated and its path logged
    #[arg(long)]
    pub tls: bool,

    /// Server certificate chain (PEM); implies --tls
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,

    /// Server private key (PEM); implies --tls
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,

    /// Require client certificates signed by this CA (PEM); implies --tls
    #[arg(long, value_name = "FILE")]
    pub tls_client_ca: Option<PathBuf>,
}

fn parse_status(s: &str) -> Result<(String, ServingStatus), String> {
    let (service, status) = s.rsplit_once('=').unwrap_or(("", s));
    let status = ServingStatus::from_str_name(&status.trim().to_ascii_uppercase()).ok_or_else(|| {
        format!("unknown health status '{status}' (expected SERVING, NOT_SERVING, UNKNOWN or SERVICE_UNKNOWN)")
    })?;
    Ok((service.trim().to_string(), status))
}

fn parse_flip(s: &str) -> Result<(String, Duration), String> {
    let bad =
        || format!("invalid flip '{s}' (expected SERVICE=DURATION, such as payments=2s or =2s)");
    let (service, every) = s.rsplit_once('=').ok_or_else(bad)?;
    let every = kacli::parse_positive_duration(every.trim()).map_err(|e| format!("--flip {e}"))?;
    Ok((service.trim().to_string(), every))
}

fn parse_path_status(s: &str) -> Result<(String, u16), String> {
    let bad = || format!("invalid path status '{s}' (expected PATH=CODE, such as /down=503)");
    let (path, code) = s.rsplit_once('=').ok_or_else(bad)?;
    let code: u16 = code.trim().parse().map_err(|_| bad())?;
    if !path.starts_with('/') || !(200..=599).contains(&code) {
        return Err(bad());
    }
    Ok((path.to_string(), code))
}

/// A responder on the command line: a protocol, or the registry protocol on stdio.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Responder {
    /// TCP line responder
    Tcp,
    /// WebSocket echo with server pings
    Ws,
    /// gRPC health service with a keepalive policy
    Grpc,
    /// HTTP/1.1 and HTTP/2 with a keep-alive policy
    Http,
    /// The keepalive registry protocol on stdin and stdout (alone)
    Stdio,
}

impl Responder {
    /// The protocol a network responder speaks; `None` for stdio.
    pub fn protocol(self) -> Option<Protocol> {
        match self {
            Responder::Tcp => Some(Protocol::Tcp),
            Responder::Ws => Some(Protocol::Ws),
            Responder::Grpc => Some(Protocol::Grpc),
            Responder::Http => Some(Protocol::Http),
            Responder::Stdio => None,
        }
    }
}

/// One `--listen` value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listen {
    pub proto: Option<Protocol>,
    pub addr: SocketAddr,
}

fn parse_listen(s: &str) -> Result<Listen, String> {
    let (proto, addr) = match s.split_once('=') {
        Some((p, a)) => {
            let proto = Responder::from_str(p, true)?
                .protocol()
                .ok_or("stdio does not listen on an address")?;
            (Some(proto), a)
        }
        None => (None, s),
    };
    let addr = if let Ok(port) = addr.parse::<u16>() {
        SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port)
    } else {
        addr.parse::<SocketAddr>().map_err(|_| {
            format!("invalid listen address '{addr}' (expected IP:PORT such as 127.0.0.1:7070, [::1]:7070, or a port)")
        })?
    };
    Ok(Listen { proto, addr })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn health_statuses() {
        assert_eq!(
            parse_status("NOT_SERVING").unwrap(),
            (String::new(), ServingStatus::NotServing)
        );
        assert_eq!(
            parse_status("payments=not_serving").unwrap(),
            ("payments".to_string(), ServingStatus::NotServing)
        );
        assert!(parse_status("payments=MAYBE").is_err());
        assert_eq!(
            parse_path_status("/down=503").unwrap(),
            ("/down".to_string(), 503)
        );
        for bad in ["down=503", "/x=99", "/x=abc", "/x"] {
            assert!(parse_path_status(bad).is_err(), "{bad}");
        }
    }
}
