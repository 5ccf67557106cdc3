//! kawatch's command line: clap definitions, whose doc comments are the help text.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, ValueEnum};
use kacli::{ProbeArgs, TargetParser, parse_percent, parse_positive_duration};
use kaprobe::target::Target;
use kaprobe::threshold::Percent;
use kaprobe::watch::Backoff;

const AFTER_HELP: &str = concat!(
    "\
States: connecting -> up -> degraded -> down -> reconnecting -> connecting ...
A connection is degraded when a keepalive is missed or slower than --degraded-rtt,
down after --max-missed misses in a row or on any connection error, and reconnects
after an exponential backoff. Every transition says why: refused, reset, eof,
timeout, tls, dns, ws-close 1011, goaway ENHANCE_YOUR_CALM, ...

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
--metrics serves at most 8 scrapes at once, 10 s each; a connection takes a slot
once its request begins, so idle sockets (at most 64 wait, 3 s each, the oldest make
way) never hold a scrape back; its labels are cause kinds from a closed set, never
timings. --metrics-file must be a regular file if it exists: it is replaced through
a new temporary file beside it.

",
    kacli::tls_help!(),
    "\
Exit status:
  0  the watch ended (--duration, Ctrl-C, SIGTERM) or --until was reached
  1  --until missed its deadline, or --fail-on down and a target went down
  2  usage or setup error (bad flag, target, file; name that does not resolve)
  130  interrupted twice

Examples:
  kawatch --interval 5s --timeout 3s --max-missed 3 ws://feed:8080/ws grpc://api:50051
  kawatch --until up -w 60s grpc://svc:50051 && ./deploy-next
  kawatch --duration 1h --ndjson tcp://db:5432 > night.ndjson
  kawatch --interval off tcp://lb.example.com:443
  kawatch --interval off http://app:3000/health     # the server's keep-alive timeout
  kawatch --metrics 127.0.0.1:9464 --targets-file targets.txt"
);

/// Hold long-lived connections, send keepalives, and report every state transition
/// and its cause.
#[derive(Debug, Parser)]
// kawatch holds connections: -m offers the modes that keep one alive.
#[command(name = "kawatch", version, after_long_help = AFTER_HELP,
    mut_arg("mode", |a| a.help(kaprobe::proto::holding_modes_help())))]
pub struct Cli {
    /// Endpoints to watch, each over its own connection
    #[arg(value_name = "TARGET", value_parser = TargetParser)]
    pub targets: Vec<Target>,

    /// Read more targets from FILE, one a line; '#' starts a comment
    #[arg(long, value_name = "FILE")]
    pub targets_file: Option<PathBuf>,

    /// Time between keepalives; 'off' sends none and watches how long an idle
    /// connection lives and how it ends (http: after one request, so the server's
    /// keep-alive timeout applies). --mode watch sends HTTP/2 PINGs beside its
    /// stream only when this is given: servers punish PINGs more often than every
    /// 5 minutes
    ///
    /// [default: 5s; off with --mode watch]
    #[arg(short = 'i', long, value_name = "DURATION|off", value_parser = parse_interval,
        help = "Time between keepalives; 'off' sends none and watches how long an idle \
            connection lives and how it ends [default: 5s; off with --mode watch]")]
    pub interval: Option<Interval>,

    /// --mode watch: the health statuses that take a target down, comma-separated;
    /// any other status but SERVING makes it degraded
    #[arg(long, value_name = "STATUS,...", default_value = "SERVICE_UNKNOWN", value_parser = parse_statuses)]
    pub watch_down_on: Statuses,

    /// How long a keepalive (and a connection attempt) may wait for its answer
    #[arg(short = 'W', long, value_name = "DURATION", default_value = "3s", value_parser = parse_positive_duration)]
    pub timeout: Duration,

    /// Missed keepalives in a row that take a connection down
    #[arg(long, value_name = "N", default_value = "3", value_parser = clap::value_parser!(u32).range(1..))]
    pub max_missed: u32,

    /// A keepalive slower than this makes the connection degraded
    #[arg(long, value_name = "DURATION", value_parser = parse_positive_duration)]
    pub degraded_rtt: Option<Duration>,

    /// Reconnect backoff, from MIN doubling up to MAX
    #[arg(long, value_name = "MIN..MAX", default_value = "1s..60s", value_parser = parse_backoff)]
    pub backoff: Backoff,

    /// Growth of the backoff per attempt
    #[arg(long, value_name = "FACTOR", default_value = "2", value_parser = parse_multiplier)]
    pub backoff_multiplier: f64,

    /// Random spread of each backoff delay, either way
    #[arg(long, value_name = "PCT", default_value = "20%", value_parser = parse_percent)]
    pub jitter: Percent,

    /// Reconnect attempts in a row before a target is left down
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub max_attempts: Option<u32>,

    /// End the watch after DURATION
    #[arg(long, value_name = "DURATION", value_parser = parse_positive_duration)]
    pub duration: Option<Duration>,

    /// End as soon as every target is in this state (for scripts; see -w)
    #[arg(long, value_name = "STATE", value_enum)]
    pub until: Option<Until>,

    /// With --until: give up after DURATION (exit 1)
    #[arg(short = 'w', long, value_name = "DURATION", value_parser = parse_positive_duration, requires = "until")]
    pub deadline: Option<Duration>,

    /// Exit 1 if any target went down during the watch
    #[arg(long, value_name = "STATE", value_enum)]
    pub fail_on: Option<FailOn>,

    /// Print records as they happen, one JSON object a line (see docs/schema.md)
    #[arg(long)]
    pub ndjson: bool,

    /// Run as a Prometheus exporter on ADDR (PORT alone: loopback), with
    /// blackbox_exporter's contract: GET /probe?target=T&module=M probes T once
    /// with module M (tcp_echo, ws_ping, grpc_health, http_request, ...: one per
    /// protocol and mode), /metrics has the exporter's own; its address is said
    /// on stderr
    #[arg(long, value_name = "ADDR", value_parser = parse_listen,
        conflicts_with_all = ["targets", "targets_file", "metrics", "metrics_file", "until", "duration"])]
    pub exporter: Option<std::net::SocketAddr>,

    /// With --exporter: where probes may go, a comma list of names (covering
    /// their subdomains), addresses and CIDR ranges, each with an optional :PORT,
    /// or :PORT alone [default: anywhere]
    #[arg(long, value_name = "LIST", requires = "exporter")]
    pub allow_targets: Option<crate::exporter::Allow>,

    /// With --exporter: more modules, in YAML shaped like blackbox_exporter's
    /// (modules: NAME: protocol, mode, timeout, watch, interval, max_missed,
    /// headers, tls, proxy, send, expect, grpc.service, http.method,
    /// http.expect_status); read again on SIGHUP and POST /-/reload
    #[arg(long, value_name = "FILE", requires = "exporter")]
    pub config: Option<PathBuf>,

    /// With --exporter: connections held by watch_ modules at most; a scrape
    /// that would start another is answered 503
    #[arg(long, value_name = "N", default_value_t = 10_000,
        value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub max_watchers: u32,

    /// With --exporter: one-shot probes at once; more are answered 503
    #[arg(long, value_name = "N", default_value_t = 256,
        value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub max_probes: u32,

    /// Serve Prometheus metrics on ADDR at /metrics (its address is said on stderr)
    #[arg(long, value_name = "ADDR")]
    pub metrics: Option<std::net::SocketAddr>,

    /// Write Prometheus metrics to PATH, atomically, every second and at the end
    /// (node_exporter's textfile collector)
    #[arg(long, value_name = "PATH")]
    pub metrics_file: Option<PathBuf>,

    /// Timestamps relative to the start instead of RFC 3339 UTC
    #[arg(long)]
    pub relative: bool,

    /// Print every keepalive's result too, not only transitions and server pings
    #[arg(short, long)]
    pub verbose: bool,

    /// Show every column of the closing table, however wide (it is fitted to
    /// the terminal, or to COLUMNS, otherwise)
    #[arg(long)]
    pub wide: bool,

    #[command(flatten)]
    pub probe: ProbeArgs,
}

/// `--interval`: a duration, or off.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Interval {
    Every(Duration),
    Off,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Until {
    Up,
    Down,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Down,
}

/// `--watch-down-on`: serving statuses by number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Statuses(pub Vec<i32>);

fn parse_statuses(s: &str) -> Result<Statuses, String> {
    s.split(',')
        .map(|w| {
            let w = w.trim().to_ascii_uppercase();
            kawire::grpc::serving_status(&w).ok_or_else(|| {
                format!(
                    "unknown health status '{w}' (expected NOT_SERVING, UNKNOWN or SERVICE_UNKNOWN)"
                )
            })
        })
        .collect::<Result<Vec<i32>, String>>()
        .map(Statuses)
}

fn parse_interval(s: &str) -> Result<Interval, String> {
    if s.eq_ignore_ascii_case("off") {
        return Ok(Interval::Off);
    }
    parse_positive_duration(s).map(Interval::Every)
}

fn parse_backoff(s: &str) -> Result<Backoff, String> {
    s.parse()
}

fn parse_multiplier(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(f) if (1.0..=100.0).contains(&f) => Ok(f),
        _ => Err(format!(
            "invalid backoff multiplier '{s}' (expected a number from 1 to 100)"
        )),
    }
}

/// A listening address: IP:PORT, or PORT alone on loopback.
fn parse_listen(text: &str) -> Result<std::net::SocketAddr, String> {
    if let Ok(port) = text.parse::<u16>() {
        return Ok(std::net::SocketAddr::from(([127, 0, 0, 1], port)));
    }
    text.parse()
        .map_err(|_| format!("'{text}' is not IP:PORT or PORT"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_and_backoff() {
        let cli = Cli::try_parse_from(["kawatch", "--interval", "off", "tcp://h:1"]).unwrap();
        assert_eq!(cli.interval, Some(Interval::Off));
        let cli = Cli::try_parse_from(["kawatch", "-i", "250ms", "--backoff", "50ms..2s", "h:1"])
            .unwrap();
        assert_eq!(
            cli.interval,
            Some(Interval::Every(Duration::from_millis(250)))
        );
        assert_eq!(cli.backoff.max, Duration::from_secs(2));
        for bad in [
            &["kawatch", "-i", "0s", "h:1"][..],
            &["kawatch", "--backoff", "2s..1s", "h:1"],
            &["kawatch", "--max-missed", "0", "h:1"],
            &["kawatch", "-w", "1s", "h:1"],
            &["kawatch", "--until", "sideways", "h:1"],
            &["kawatch", "--backoff-multiplier", "0.5", "h:1"],
        ] {
            assert_eq!(
                Cli::try_parse_from(bad).unwrap_err().exit_code(),
                2,
                "{bad:?}"
            );
        }
    }
}
