//! kaping's command line: clap definitions, whose doc comments are the help text.

use std::time::Duration;

use clap::Parser;
use kacli::{ProbeArgs, TargetParser, ThresholdArgs, parse_duration, parse_positive_duration};
use kaprobe::target::Target;

use crate::exit::ExitCodes;

const AFTER_HELP: &str = concat!(
    "\
Targets: tcp://host:port or host:port (TCP), [::1]:7070 for IPv6;
ws://host[:port]/path and wss://... (WebSocket); grpc://host:port and grpcs://...;
http://host[:port]/path and https://... (HTTP/1.1, or HTTP/2 by ALPN on https)

Modes: tcp echo (default) or connect; ws ping (default: Ping frames) or text
(--send a message, --expect its reply); grpc health (default:
grpc.health.v1.Health/Check, SERVING or a failed probe naming the status) or h2ping
(HTTP/2 PING frames); http request (default: --method GET or HEAD on one
kept-alive connection, --expect-status, default any 2xx or 3xx; each probe says
its status, time to first byte and whether it reused the connection; the
server's Keep-Alive header, Connection: close and an idle FIN are reported with
the connection's idle time and request count) or h2ping (any HTTP/2 server).
--http1.1 and --http2 force a version as curl's do (--http2 on http:// is prior
knowledge).

Limits: durations at most 366 days; a reply line at most 64 KiB, a WebSocket
message at most 1 MiB, an HTTP response head 64 KiB and its body 1 MiB; --ca,
--cert and --key regular files of at most 16 MiB; --resolve at most 64 addresses a
rule; name resolution counts against -W and the run's deadline. Through a proxy,
-4, -6 and --resolve apply to the proxy's address; the proxy resolves the target.
A server's pings less than a second apart are folded: at most a line and a record a
second per kind, counting them (ping_count), a flood named as one.
A peer's text (close reasons, GOAWAY debug data, gRPC messages) is escaped and cut
to 200 characters on a terminal, kept exact in JSON; passwords and query values in
targets are shown as ***.

",
    kacli::tls_help!(),
    "\
Exit status:
  0  every target answered and met the thresholds
  1  a target never answered, a health check answered other than SERVING (or
     failed with a gRPC status), an HTTP status outside --expect-status, or a target breached --max-loss or --max-rtt
  2  usage or setup error (bad flag, target or duration; name that does not resolve)
  130  interrupted twice (the first Ctrl-C ends the run and prints the summary)
With --exit-codes grpc-health-probe, grpc_health_probe's numbers (and -c 1 unless
-c is given): 0 SERVING, 1 usage error, 2 no connection (refused, TLS, a name that
does not resolve, --connect-timeout passed), 3 the call failed (a gRPC status such
as UNIMPLEMENTED or NOT_FOUND, -W/--rpc-timeout passed, the connection lost), 4 an
answer other than SERVING (or a threshold breached)

Examples:
  kaping -c 5 -i 200ms tcp://127.0.0.1:7070
  kaping --mode connect -c 5 db.internal:5432
  kaping -c 20 -q --json a:80 b:80 | jq '.targets[].rtt.p99_us'
  kaping -c 3 -w 10s --max-loss 0% --max-rtt 50ms tcp://cache:6379
  kaping -c 5 ws://127.0.0.1:7071/
  kaping -c 5 --mode text --send '{\"op\":\"ping\",\"id\":{seq}}' --expect '\"id\":{seq}' wss://stream.example.com/ws
  kaping --send - wss://stream.example.com/ws   (type a message a line, as websocat)
  kaping -c 3 -H 'Authorization: Bearer XYZ' --ca ./ca.pem wss://internal:8443/feed
  kaping -c 10 --fresh ws://host/ws
  kaping -c 3 grpc://127.0.0.1:7072
  kaping -c 3 --service payments grpcs://api.internal:443 --ca ca.pem
  kaserve grpc --ping-min-interval 1ms --permit-without-stream &   (allows the PINGs below)
  kaping -c 100 -i 10ms --mode h2ping grpc://127.0.0.1:7072
  kaping -c 1 -q grpc://svc:50051 ; echo $?
  kaping --exit-codes grpc-health-probe --connect-timeout 1s --rpc-timeout 1s grpc://svc:50051
  kaping -c 10 -i 2s http://127.0.0.1:7073/health
  kaping -c 3 --method HEAD --expect-status 200,204 https://api.example.com/healthz
  kaping -v -c 1 https://api.example.com/healthz   (TLS, request and response heads, as curl -v)
  kaping -c 5 --mode h2ping https://www.example.com/"
);

/// Ping an endpoint over TCP, WebSocket, gRPC or HTTP and summarise round-trip times, like ping.
#[derive(Debug, Parser)]
#[command(name = "kaping", version, after_long_help = AFTER_HELP)]
pub struct Cli {
    /// Endpoints to probe, each on its own schedule
    #[arg(value_name = "TARGET", required_unless_present = "demo", value_parser = TargetParser)]
    pub targets: Vec<Target>,

    /// Stop after COUNT probes per target [default: until interrupted]
    #[arg(short = 'c', long, value_name = "COUNT", value_parser = clap::value_parser!(u64).range(1..))]
    pub count: Option<u64>,

    /// Time between the starts of consecutive probes
    #[arg(short = 'i', long, value_name = "DURATION", default_value = "1s", value_parser = parse_duration)]
    pub interval: Duration,

    /// How long each probe waits for its reply (and a connection for its
    /// handshake, unless --connect-timeout bounds it); --rpc-timeout is
    /// grpc_health_probe's name for it
    #[arg(short = 'W', long, visible_alias = "rpc-timeout", value_name = "DURATION", default_value = "2s", value_parser = parse_positive_duration)]
    pub timeout: Duration,

    /// End the whole run after DURATION, whatever the count
    #[arg(short = 'w', long, value_name = "DURATION", value_parser = parse_positive_duration)]
    pub deadline: Option<Duration>,

    /// A new connection for every probe, timing TCP connect, TLS, the WebSocket
    /// upgrade or HTTP/2 handshake, and the first round trip separately
    #[arg(long)]
    pub fresh: bool,

    #[command(flatten)]
    pub probe: ProbeArgs,

    /// Print only the header and the summary
    #[arg(short, long)]
    pub quiet: bool,

    /// Print a timestamp (Unix time with microseconds) before each line, as
    /// ping -D does
    #[arg(short = 'D')]
    pub timestamps: bool,

    /// Say "no answer yet for seq=N" when the next probe comes due while one
    /// still waits for its reply (-W longer than -i), as ping -O does
    #[arg(short = 'O')]
    pub outstanding: bool,

    /// Show what was said on the wire, as curl -v does: the proxy's answer,
    /// the TLS handshake's outcome (version, cipher, ALPN, certificate), the
    /// WebSocket upgrade, each HTTP request and response head, each gRPC call and
    /// its status; secret header values (-H, credentials, cookies) as ***
    #[arg(short, long)]
    pub verbose: bool,

    /// Show every column of the summary table, however wide (it is fitted to
    /// the terminal, or to COLUMNS, otherwise)
    #[arg(long)]
    pub wide: bool,

    /// Print one JSON document at the end instead of text
    #[arg(long, conflicts_with = "ndjson")]
    pub json: bool,

    /// Print records as they happen, one JSON object a line (see docs/schema.md)
    #[arg(long)]
    pub ndjson: bool,

    #[command(flatten)]
    pub thresholds: ThresholdArgs,

    /// The numbers the exit status uses: kaping's (see Exit status below) or
    /// grpc_health_probe's, for scripts written for it (1 usage, 2 no
    /// connection, 3 the call failed, 4 not SERVING; -c defaults to 1)
    #[arg(long, value_name = "STYLE", value_enum, default_value_t = ExitCodes::Kaping)]
    pub exit_codes: ExitCodes,

    /// Probe a responder started inside this process (no outside server needed)
    #[arg(long, conflicts_with = "targets")]
    pub demo: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_like_ping() {
        let cli = Cli::try_parse_from([
            "kaping",
            "-c",
            "5",
            "-i",
            "200ms",
            "-W",
            "1s",
            "-w",
            "10s",
            "tcp://127.0.0.1:7070",
        ])
        .unwrap();
        assert_eq!(cli.count, Some(5));
        assert_eq!(cli.interval, Duration::from_millis(200));
        assert_eq!(cli.timeout, Duration::from_secs(1));
        assert_eq!(cli.deadline, Some(Duration::from_secs(10)));
        assert_eq!(cli.targets[0].to_string(), "tcp://127.0.0.1:7070");
        let cli = Cli::try_parse_from(["kaping", "--demo"]).unwrap();
        assert!(cli.demo && cli.targets.is_empty());
    }

    #[test]
    fn rejects_bad_input() {
        let cases: &[&[&str]] = &[
            &["kaping"],
            &["kaping", "-c", "0", "h:1"],
            &["kaping", "-c", "x", "h:1"],
            &["kaping", "-i", "5", "h:1"],
            &["kaping", "-i", "5x", "h:1"],
            &["kaping", "-W", "0s", "h:1"],
            &["kaping", "--mode", "pong", "h:1"],
            &["kaping", "--cert", "c.pem", "h:1"],
            &["kaping", "--max-loss", "200%", "h:1"],
            &["kaping", "--rtt-stat", "p42", "h:1"],
            &["kaping", "--json", "--ndjson", "h:1"],
            &["kaping", "--demo", "h:1"],
            &["kaping", "ftp://h:1"],
            &["kaping", "--expect-status", "2x", "http://h:1"],
            &["kaping", "--method", "POST", "http://h:1"],
            &["kaping", "--http1.1", "--http2", "http://h:1"],
            &["kaping", "--send", "{nope}", "h:1"],
            &["kaping", "--tcp-keepalive", "1s,2s,3,4", "h:1"],
        ];
        for args in cases {
            let err = Cli::try_parse_from(*args).unwrap_err();
            assert_eq!(err.exit_code(), 2, "{args:?}");
        }
    }
}
