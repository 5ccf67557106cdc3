//! kafind's command line: clap definitions, whose doc comments are the help text.

use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use kacli::{ProbeArgs, TargetParser, parse_positive_duration};
use kaprobe::target::Target;

/// idle-timeout's shortest idle age unless told otherwise (`--min`, whose default
/// a test holds to this); layers' first pass starts there too.
pub const IDLE_MIN: Duration = Duration::from_secs(5);

/// idle-timeout's socket budget unless told otherwise (`--max-connections`);
/// layers' first pass keeps to it too.
pub const MAX_CONNECTIONS: u32 = 64;

const AFTER_HELP: &str = concat!(
    "\
Verbs:
  idle-timeout  how long a path lets an idle connection live, and how it dies
                (kafind idle-timeout --help, man kafind-idle-timeout)
  ping-policy   what HTTP/2 PING rate a gRPC server allows, and who answers
                the PINGs (kafind ping-policy --help, man kafind-ping-policy)
  layers        which keepalive mechanism survives this path, and how fast each
                notices a dead peer (kafind layers --help, man kafind-layers)

",
    kacli::tls_help!(),
    "\
Exit status:
  0  a verdict was reached (none_found included)
  1  the path kills idle connections sooner than --require, the run failed (the
     control connection died, nothing answered), or it was interrupted first
  2  usage or setup error
  130  interrupted twice (the first Ctrl-C prints the bracket so far)

Examples:
  kafind --demo
  kafind idle-timeout wss://stream.example.com/feed --max 10m
  kafind idle-timeout grpc://api.internal:50051 --json | jq .timeout_ms
  kafind idle-timeout tcp://10.0.0.5:6379 --require 5m ; echo $?
  kafind idle-timeout http://app:3000/ --max 2m --lb-idle 60s   # the 502 race
  kafind ping-policy grpc://api.internal:50051 --max 6m   # grpc-go's 5 minutes
  kafind layers ws://feed.internal/ws --interval 20s --duration 2m"
);

const IDLE_HELP: &str = "\
Method: test connections each make one round trip in the target's mode, then sit
idle with a read pending and send nothing (no TCP keepalive, no WebSocket or HTTP/2
pings; pings the server sends are answered and recorded): a FIN, reset, WebSocket
close or GOAWAY is timed as it arrives. For paths that drop silently (NAT, firewalls,
cloud load balancers), a ladder of connections is probed once each at idle ages about
1.25x apart from --min to --max, with rungs just below and above well-known defaults
(60, 100, 120, 240, 300, 340, 350, 400, 600, 900, 1200, 3600 s); the step above a
rung 90% of the way to its probe is refined in advance with fresh connections, so
the bracket is at --precision when the first silent death is seen. A probe waits 20
of its connection's round trips, at least 500 ms, at most -W (TCP_USER_TIMEOUT is
set to -W): a silent drop at T is known within 2 T + 1 s on a short path. A control
connection keeps talking every --min/10 (100 ms to 1 s; a busier one replaces one
that dies before twice its interval): if it dies too, the server or path failed (or
connections have a lifetime), not an idle timeout.

HTTP (http://, https://): each test connection makes one request, sits idle, and
requests again on the same connection, so what is measured is the server's (or the
path's) keep-alive idle timeout. A Keep-Alive: timeout=N header is reported next to
it (announced_timeout_ms). --lb-idle DURATION (AWS ALB: 60s) says whether a load
balancer with that idle timeout in front of this server would reuse connections the
server has already closed, the race behind intermittent 502s, and by how much to
raise the server's timeout (above the balancer's by at least 1 s). A server's
request cap (Connection: close) ends the control's connection by design; it opens
another.

Verdicts: closed (FIN, WebSocket close, GOAWAY while idle), reset (RST while idle, or
in answer to a later probe), silent (a later probe goes unanswered), lifetime (every
connection ends at one age, busy or idle), none_found (every rung lived to --max),
kept_alive_by_server (the server pinged the idle connections), inconsistent (a
longer idle lived while a shorter one died, beyond the second a coarse server clock
spreads closes over; deaths spread wider; closes and resets mixed: the reason is
said), failed. A wrong reply is a failed rung, not a close; every rung opened is
reported, as cancelled if the answer came first.

Output: a line per rung as it ends (rungs cancelled once the answer was known are
counted, not listed), live progress on a terminal, then the count of rungs and
connections and the verdict in one sentence. --json prints one document: type idle_timeout,
v, target, protocol, mode, verdict, summary, timeout_ms, low_ms, high_ms, death
{cause, detail}, recommended_interval_ms, connections, elapsed_ms,
server_ping_interval_ms, announced_timeout_ms, interrupted, healthy and rungs
[{idle_ms, origin, outcome, cause, detail, died_after_ms}]; with --lb-idle also
lb_idle_ms, lb_race and lb_raise_by_ms. --ndjson prints a rung record per connection as it
ends, then that document on one line (docs/schema.md).

Limits: at most --max-connections sockets (64), opened 10 ms apart; durations at most
366 days; a peer's text is escaped and cut to 200 characters on a terminal, exact in
JSON; passwords and query values in targets are shown as ***.

Exit status: 0 a verdict was reached; 1 the path kills idle connections sooner than
--require, the run failed, or it was interrupted first; 2 usage or setup error.

TLS (--ca FILE|system, --cert/--key, --sni, -k) and SSLKEYLOGFILE work as in kaping(1).";

/// Discover a path's keepalive behaviour: how long an idle connection lives, and how it dies.
#[derive(Debug, Parser)]
#[command(name = "kafind", version, after_long_help = AFTER_HELP, subcommand_required = false, arg_required_else_help = true)]
pub struct Cli {
    /// Run discoveries against built-in responders that misbehave on purpose (no
    /// outside server needed)
    #[arg(long)]
    pub demo: bool,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// How long the path lets an idle connection live, and how it dies
    IdleTimeout(IdleArgs),
    /// What HTTP/2 PING rate a gRPC (or HTTP/2) server allows, and who answers the PINGs
    PingPolicy(PolicyArgs),
    /// Which keepalive mechanism survives this path, and how fast each notices a dead peer
    Layers(LayersArgs),
}

const LAYERS_HELP: &str = "\
Method: one connection per mechanism the target's protocol allows, all opened
together, each making one round trip in the target's mode and then kept alive only
by its mechanism at --interval for --duration: none (the control), tcp-keepalive
(SO_KEEPALIVE with TCP_KEEPIDLE and TCP_KEEPINTVL = interval, --max-missed probes),
and per protocol tcp echo; ws ping, text and pong (unsolicited Pong frames); grpc
h2ping and health; http request.
Each is then probed once in the target's mode: an answer is a live connection,
none a silent drop. Without --interval the idle timeout is found first, as kafind
idle-timeout does (up to --idle-max), and the interval is half of it, the duration
three times it (else 30 s and 3 minutes).

Answer: per mechanism whether it kept the connection alive (yes, no, or unknown when
the idle control lived too), how it died, and how soon it would notice a dead peer at
its settings (application pings at a fixed rate: interval x missed + timeout, as
kawatch; TCP keepalive: idle +
intvl x count, or the user timeout past idle when sooner); and the cheapest mechanism
that survives the path and notices a dead peer within --detect-within.

--json prints one document: type layers, v, target, summary, recommended,
interval_ms, duration_ms, detect_within_ms, idle_timeout_ms, elapsed_ms,
interrupted, healthy, mechanisms [{mechanism, interval_ms, kept_alive, cause,
detail, died_after_ms, detect_dead_within_ms, detected_after_ms}] (docs/schema.md).

--measure-detection DURATION measures half-open detection against a peer that goes
dead DURATION after each connection opens (kaserve --fault blackhole-after): an
application ping declares it dead after --max-missed unanswered keepalives, TCP
keepalive when the kernel gives up; detected_after_ms is the time each took. A
server process that stops reading still has its kernel ACK keepalive probes, so TCP
keepalive never notices a hung server, only a vanished host.

Exit status: 0 every mechanism was tested; 1 one could not be, or interrupted; 2
usage or setup error.

TLS (--ca FILE|system, --cert/--key, --sni, -k) and SSLKEYLOGFILE work as in kaping(1).";

#[derive(Debug, Args)]
#[command(after_long_help = LAYERS_HELP)]
pub struct LayersArgs {
    /// The endpoint: tcp://, ws://, wss://, grpc://, grpcs://, http:// or https://
    #[arg(value_name = "TARGET", value_parser = TargetParser)]
    pub target: Target,

    /// Every mechanism's interval (default: half the idle timeout, found first)
    #[arg(short = 'i', long, value_name = "DURATION", value_parser = parse_positive_duration)]
    pub interval: Option<Duration>,

    /// How long each mechanism alone keeps its connection (default: 3x the idle
    /// timeout, or 3 minutes)
    #[arg(long, value_name = "DURATION", value_parser = parse_positive_duration)]
    pub duration: Option<Duration>,

    /// The recommendation must notice a dead peer this soon
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_positive_duration)]
    pub detect_within: Duration,

    /// Missed keepalives (and TCP keepalive probes) that declare a peer dead
    #[arg(long, value_name = "N", default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub max_missed: u32,

    /// Measure, not only compute, how soon each mechanism notices a dead peer: the
    /// peer goes dead DURATION after each connection opens (a kaserve you run with
    /// --fault blackhole-after=DURATION); each mechanism runs until it says so
    #[arg(long, value_name = "DURATION", value_parser = parse_positive_duration)]
    pub measure_detection: Option<Duration>,

    /// Without --interval: the longest idle age the first discovery tries
    #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = parse_positive_duration)]
    pub idle_max: Duration,

    /// How long a probe may take, connection included
    #[arg(short = 'W', long = "timeout", value_name = "DURATION", default_value = "2s", value_parser = parse_positive_duration)]
    pub timeout: Duration,

    #[command(flatten)]
    pub doc: DocArgs,
}

const POLICY_HELP: &str = "\
Method: dedicated connections only (a GOAWAY ends the connection it is sent on,
never yours), one per interval and condition, all at once: each sends an HTTP/2
PING at once and then one per interval, and nothing else, until the server sends
GOAWAY or four pings (more once a server shows it tolerates more strikes) were
answered. Intervals: --min, the usual settings between (1, 2, 3, 4, 5, 6, 8, 10,
12, 15, 20, 25, 30 s, ... 5 min ...) and --max. Conditions: without a stream (no
call open: the server's PermitWithoutStream), and with a stream (gRPC: a
grpc.health.v1.Health/Watch held open, whose status is data only once). One more
connection makes three health Checks (or requests) for their round trip and
server/via headers.

The run takes about 3 x --max (the default range: about 1m35s; --max 6m reaches
grpc-go's and grpc-java's default 5 minutes in about 18 minutes).

Answer: the allowed minimum interval as a bracket (allows 5s, punishes 4s), the
strikes tolerated (grpc-go and grpc-core forgive the first ping and send GOAWAY on
ping strikes+2; grpc-java counts from the connection's start, GOAWAY on ping
strikes+1), whether pings without a stream are permitted, the GOAWAY's code and
debug data, the server's stack where its PINGs' bytes or its counting tell
(grpc-go, grpc-core, grpc-java), and client keepalive settings inside the policy
for grpc-go, grpc-core, grpc-java and tonic. PINGs never punished even at --min,
answered far faster than calls, or a server/via header naming a proxy (nginx,
envoy, ...) say an intermediary answers them: the backend's policy cannot be seen.

--json prints one document: type ping_policy, v, target, verdict (policy,
no_policy, intermediary, inconsistent, failed), summary, min_interval_ms {low,
high}, condition, max_strikes, permit_without_stream, goaway {code, debug},
intermediary, evidence, proxy, fingerprint, recommended {interval_ms, timeout_ms,
permit_without_stream, code}, ping_rtt_us, call_rtt_us, server_header,
connections, elapsed_ms, interrupted, healthy, tests [{interval_ms, condition,
pings, outcome, cause, detail, ping_rtt_us}] (docs/schema.md).

Exit status: 0 a policy (or none up to --max) was found; 1 the run failed, was
inconsistent, or was interrupted; 2 usage or setup error.

TLS (--ca FILE|system, --cert/--key, --sni, -k) and SSLKEYLOGFILE work as in kaping(1).";

#[derive(Debug, Args)]
#[command(after_long_help = POLICY_HELP)]
pub struct PolicyArgs {
    /// The server: grpc://, grpcs://, or https:// (http:// with --http2)
    #[arg(value_name = "TARGET", value_parser = TargetParser)]
    pub target: Target,

    /// Shortest ping interval to test
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = parse_positive_duration)]
    pub min: Duration,

    /// Longest ping interval to test; the run takes about 3x this
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_positive_duration)]
    pub max: Duration,

    /// How long a PING's answer (and a connection) may take
    #[arg(short = 'W', long = "timeout", value_name = "DURATION", default_value = "2s", value_parser = parse_positive_duration)]
    pub timeout: Duration,

    #[command(flatten)]
    pub doc: DocArgs,
}

/// The last flags of a verb that prints one document: `--json`, then the
/// connection flags.
#[derive(Debug, Args)]
pub struct DocArgs {
    /// Print one JSON document at the end
    #[arg(long)]
    pub json: bool,

    #[command(flatten)]
    pub probe: ProbeArgs,
}

#[derive(Debug, Args)]
#[command(after_long_help = IDLE_HELP)]
pub struct IdleArgs {
    /// The endpoint: tcp://, ws://, wss://, grpc://, grpcs://, http:// or https://
    #[arg(value_name = "TARGET", value_parser = TargetParser)]
    pub target: Target,

    /// Shortest idle age to try
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = parse_positive_duration)]
    pub min: Duration,

    /// Longest idle age to try; bounds the run
    #[arg(long, value_name = "DURATION", default_value = "30m", value_parser = parse_positive_duration)]
    pub max: Duration,

    /// Refine the bracket until it is this narrow, relative to the timeout
    #[arg(long, value_name = "PCT", default_value = "3%", value_parser = kacli::parse_percent)]
    pub precision: kaprobe::threshold::Percent,

    /// Open sockets at most, the control connection included
    #[arg(long, value_name = "N", default_value_t = MAX_CONNECTIONS, value_parser = clap::value_parser!(u32).range(4..=1024))]
    pub max_connections: u32,

    /// Exit 1 when the path kills idle connections sooner than DURATION
    #[arg(long, value_name = "DURATION", value_parser = parse_positive_duration)]
    pub require: Option<Duration>,

    /// Say whether a load balancer with this idle timeout in front of the server
    /// (AWS ALB: 60s) would reuse connections the server has closed (the 502
    /// race), and by how much to raise the server's timeout
    #[arg(long, value_name = "DURATION", value_parser = parse_positive_duration)]
    pub lb_idle: Option<Duration>,

    /// How long a probe may take, connection included; an idle probe unanswered by
    /// then is a silent drop
    #[arg(short = 'W', long = "timeout", value_name = "DURATION", default_value = "2s", value_parser = parse_positive_duration)]
    pub timeout: Duration,

    /// Print one JSON document at the end
    #[arg(long, conflicts_with = "ndjson")]
    pub json: bool,

    /// Print a record per test connection as it ends, then the answer (NDJSON)
    #[arg(long)]
    pub ndjson: bool,

    #[command(flatten)]
    pub probe: ProbeArgs,
}
