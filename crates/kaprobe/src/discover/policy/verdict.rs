//! From the tests' outcomes to the answer: the bracket of the allowed interval,
//! the strikes tolerated, whether pings without a stream are permitted, whose
//! stack it looks like, whether an intermediary answered the PINGs, and client
//! settings that stay inside the policy. Pure logic.

use std::time::Duration;

use crate::cause::Cause;
use crate::units::short;

/// Whether a test held a call open while pinging.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Condition {
    /// No call open: what a server's PermitWithoutStream decides.
    WithoutStream,
    /// A `grpc.health.v1.Health/Watch` stream open, sending nothing.
    WithStream,
}

impl Condition {
    pub fn as_str(self) -> &'static str {
        match self {
            Condition::WithoutStream => "without_stream",
            Condition::WithStream => "with_stream",
        }
    }
}

/// How one test ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TestOutcome {
    /// Its pings were all answered, and no GOAWAY followed.
    Allowed,
    /// A GOAWAY with an error code ended it (`too_many_pings` is 0xb).
    Punished { code: u32, debug: String },
    /// It could not say: the connection failed or ended for another reason.
    Failed(Cause),
}

/// One interval under one condition, on its own connection.
#[derive(Clone, Debug)]
pub struct TestResult {
    pub interval: Duration,
    pub condition: Condition,
    /// PINGs sent (with a GOAWAY: sent before it came).
    pub pings: u32,
    /// Of those, the ones sent late (a loaded machine's timer): more than 10% and
    /// 5 ms past their spacing. A late ping is no strike at the interval, so it
    /// counts neither towards showing the interval allowed nor as a strike.
    pub late: u32,
    pub outcome: TestOutcome,
    /// The fastest PING round trip on the connection.
    pub ping_rtt: Option<Duration>,
    /// Implementations the server's PING payloads named (`grpc-go`).
    pub ping_from: Vec<&'static str>,
    /// The server sent PINGs with unknown bytes right after our data (BDP).
    pub unnamed_bdp: bool,
}

impl TestResult {
    /// The pings sent at the test's interval.
    pub fn on_time(&self) -> u32 {
        self.pings.saturating_sub(self.late)
    }
}

/// What else was seen on a connection that made ordinary calls.
#[derive(Clone, Debug, Default)]
pub struct Evidence {
    /// What the calls were: `Check` (gRPC health) or `request` (HTTP).
    pub call: &'static str,
    /// The fastest health Check (or HTTP request) round trip.
    pub call_rtt: Option<Duration>,
    /// The `server` and `via` response headers.
    pub server: Option<String>,
    pub via: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PolicyKind {
    /// Some interval was punished: the bracket says where the line is.
    Policy,
    /// Nothing was punished, even at the shortest interval, and nothing says a
    /// proxy answered.
    NoPolicy,
    /// Nothing was punished and an intermediary answers the PINGs: the backend's
    /// policy cannot be seen.
    Intermediary,
    /// A longer interval was punished while a shorter one was allowed.
    Inconsistent,
    /// No test reached an outcome.
    Failed,
}

impl PolicyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyKind::Policy => "policy",
            PolicyKind::NoPolicy => "no_policy",
            PolicyKind::Intermediary => "intermediary",
            PolicyKind::Inconsistent => "inconsistent",
            PolicyKind::Failed => "failed",
        }
    }
}

/// Client keepalive settings inside the policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Recommended {
    pub interval: Duration,
    pub timeout: Duration,
    pub permit_without_stream: bool,
}

/// The client stacks a recommendation is written for.
pub const STACKS: &[&str] = &["grpc-go", "grpc-core", "grpc-java", "tonic"];

impl Recommended {
    /// The settings in `stack`'s own words.
    pub fn code(&self, stack: &str) -> String {
        let (t, to, p) = (
            self.interval.as_secs(),
            self.timeout.as_secs(),
            self.permit_without_stream,
        );
        match stack {
            "grpc-go" => format!(
                "keepalive.ClientParameters{{Time: {t} * time.Second, Timeout: {to} * time.Second, PermitWithoutStream: {p}}}"
            ),
            "grpc-core" => format!(
                "grpc.keepalive_time_ms={}, grpc.keepalive_timeout_ms={}, grpc.keepalive_permit_without_calls={}, grpc.http2.max_pings_without_data=0",
                t * 1000,
                to * 1000,
                u8::from(p)
            ),
            "grpc-java" => format!(
                ".keepAliveTime({t}, TimeUnit.SECONDS).keepAliveTimeout({to}, TimeUnit.SECONDS).keepAliveWithoutCalls({p})"
            ),
            _ => format!(
                "Endpoint::http2_keep_alive_interval(Duration::from_secs({t})).keep_alive_timeout(Duration::from_secs({to})).keep_alive_while_idle({p})"
            ),
        }
    }
}

/// The answer.
#[derive(Clone, Debug)]
pub struct PolicyVerdict {
    pub kind: PolicyKind,
    /// The longest punished interval.
    pub low: Option<Duration>,
    /// The shortest allowed interval above it.
    pub high: Option<Duration>,
    pub max_strikes: Option<u32>,
    pub permit_without_stream: Option<bool>,
    /// The first punishing GOAWAY's code and debug data.
    pub goaway: Option<(u32, String)>,
    pub intermediary: bool,
    /// Why an intermediary is thought to answer the PINGs: headers that name
    /// a proxy, never timing alone.
    pub evidence: Vec<String>,
    /// The fastest PING and call round trips, when PINGs were answered at least
    /// 4x faster: an observation, not evidence (a server whose HTTP/2 layer is
    /// native, as Node's, Netty's or Envoy's, answers PINGs apart from its handlers).
    pub pings_faster: Option<(Duration, Duration)>,
    /// The proxy's name, as its `server` or `via` header gives it.
    pub proxy: Option<String>,
    pub fingerprint: Option<String>,
    pub recommended: Option<Recommended>,
    /// The condition the bracket is about.
    pub condition: Option<Condition>,
}

/// Proxies that answer HTTP/2 PINGs themselves, as their `server` headers name them.
const PROXIES: &[&str] = &[
    "nginx",
    "envoy",
    "traefik",
    "haproxy",
    "caddy",
    "openresty",
    "tengine",
    "cloudflare",
    "awselb",
    "gfe",
    "istio",
];

/// The bracket one condition's tests give: (longest punished, shortest allowed
/// above it, consistent).
fn bracket(tests: &[&TestResult]) -> (Option<Duration>, Option<Duration>, bool) {
    let punished = |t: &&&TestResult| matches!(t.outcome, TestOutcome::Punished { .. });
    let allowed = |t: &&&TestResult| t.outcome == TestOutcome::Allowed;
    let low = tests.iter().filter(punished).map(|t| t.interval).max();
    let high = tests
        .iter()
        .filter(allowed)
        .map(|t| t.interval)
        .filter(|i| low.is_none_or(|low| *i > low))
        .min();
    let shortest_allowed = tests.iter().filter(allowed).map(|t| t.interval).min();
    let consistent = match (low, shortest_allowed) {
        (Some(low), Some(a)) => a > low,
        _ => true,
    };
    (low, high, consistent)
}

fn decided(t: &TestResult) -> bool {
    !matches!(t.outcome, TestOutcome::Failed(_))
}

/// Reaches the verdict from every test and what the ordinary calls showed.
pub fn verdict(tests: &[TestResult], evidence: &Evidence) -> PolicyVerdict {
    let of = |c: Condition| -> Vec<&TestResult> {
        let mut v: Vec<&TestResult> = tests
            .iter()
            .filter(|t| t.condition == c && decided(t))
            .collect();
        v.sort_by_key(|t| t.interval);
        v
    };
    let (with, without) = (of(Condition::WithStream), of(Condition::WithoutStream));
    let (primary, condition) = if with.is_empty() {
        (&without, Condition::WithoutStream)
    } else {
        (&with, Condition::WithStream)
    };
    let mut v = PolicyVerdict {
        kind: PolicyKind::Failed,
        low: None,
        high: None,
        max_strikes: None,
        permit_without_stream: None,
        goaway: None,
        intermediary: false,
        evidence: Vec::new(),
        pings_faster: None,
        proxy: None,
        fingerprint: None,
        recommended: None,
        condition: None,
    };
    if primary.is_empty() {
        return v;
    }
    // A GOAWAY before a second ping could earn it is no policy (grpc-go and
    // grpc-core forgive the first ping): the server ends connections anyway.
    if primary.iter().all(|t| unearned(t).is_some()) {
        return v;
    }
    v.condition = Some(condition);
    let (low, high, consistent) = bracket(primary);
    (v.low, v.high) = (low, high);
    v.permit_without_stream = permit(&with, &without);
    let punished: Vec<&TestResult> = tests
        .iter()
        .filter(|t| matches!(t.outcome, TestOutcome::Punished { .. }))
        .collect();
    if let Some(first) = punished.first() {
        if let TestOutcome::Punished { code, debug } = &first.outcome {
            v.goaway = Some((*code, debug.clone()));
        }
    }
    v.fingerprint = fingerprint(tests, &punished);
    v.max_strikes = strikes(primary, v.fingerprint.as_deref());
    let ping_rtt = tests.iter().filter_map(|t| t.ping_rtt).min();
    (v.proxy, v.evidence) = intermediary_evidence(evidence);
    v.pings_faster = ping_rtt
        .zip(evidence.call_rtt)
        .filter(|(ping, call)| *call >= *ping * 4 && *call - *ping >= Duration::from_micros(300));
    v.kind = if !consistent {
        PolicyKind::Inconsistent
    } else if !punished.is_empty() {
        PolicyKind::Policy
    } else if !v.evidence.is_empty() {
        v.intermediary = true;
        PolicyKind::Intermediary
    } else {
        PolicyKind::NoPolicy
    };
    if v.kind != PolicyKind::Inconsistent {
        v.recommended = v.high.map(|high| Recommended {
            interval: nice_up(
                (high + (high / 10).max(Duration::from_secs(1))).max(Duration::from_secs(10)),
            ),
            timeout: Duration::from_secs(20),
            permit_without_stream: v.permit_without_stream == Some(true),
        });
    }
    v
}

/// Pings without a stream are forbidden when an interval allowed with a stream is
/// punished without one; permitted when every interval allowed with one is
/// allowed without one too.
fn permit(with: &[&TestResult], without: &[&TestResult]) -> Option<bool> {
    let mut pairs = 0;
    for w in with.iter().filter(|t| t.outcome == TestOutcome::Allowed) {
        let Some(o) = without.iter().find(|o| o.interval == w.interval) else {
            continue;
        };
        match o.outcome {
            TestOutcome::Punished { .. } => return Some(false),
            _ => pairs += 1,
        }
    }
    (pairs > 0).then_some(true)
}

/// grpc-go and grpc-core forgive a connection's first ping and send GOAWAY on
/// ping strikes + 2; grpc-java counts from the connection's start, so a ping that
/// soon is already a strike, and GOAWAY comes on ping strikes + 1.
fn strikes(primary: &[&TestResult], fingerprint: Option<&str>) -> Option<u32> {
    let shortest = primary
        .iter()
        .find(|t| matches!(t.outcome, TestOutcome::Punished { .. }))?;
    let counted_from_start = fingerprint == Some("grpc-java");
    Some(
        shortest
            .on_time()
            .saturating_sub(if counted_from_start { 1 } else { 2 }),
    )
}

/// Whose stack: the PING payloads name grpc-go and grpc-java; BDP pings with
/// random ids after our data, and `too_many_pings`, are grpc-core's; grpc-java's
/// count shows too (GOAWAY on ping 3 at short intervals, 4 near the minimum).
fn fingerprint(tests: &[TestResult], punished: &[&TestResult]) -> Option<String> {
    for name in ["grpc-go", "grpc-java"] {
        if tests.iter().any(|t| t.ping_from.contains(&name)) {
            return Some(name.to_string());
        }
    }
    let calm = punished.iter().any(|t| {
        matches!(&t.outcome, TestOutcome::Punished { code: 0xb, debug } if debug == "too_many_pings")
    });
    let counts: Vec<u32> = punished.iter().map(|t| t.on_time()).collect();
    if calm && counts.contains(&3) && counts.contains(&4) {
        return Some("grpc-java".to_string());
    }
    if calm && tests.iter().any(|t| t.unnamed_bdp) {
        return Some("grpc-core".to_string());
    }
    None
}

/// A test's GOAWAY that came before its second ping: no ping could have earned
/// it. Its words, if so.
pub fn unearned(t: &TestResult) -> Option<String> {
    match &t.outcome {
        TestOutcome::Punished { code, .. } if t.pings < 2 => Some(format!(
            "the server sent GOAWAY {} after {} ping{} at {}, before pings could earn it: it \
             ends connections whatever the pings, which is no ping policy",
            kawire::h2::error_name(*code),
            t.pings,
            if t.pings == 1 { "" } else { "s" },
            short(t.interval)
        )),
        _ => None,
    }
}

/// A `server` header naming a proxy and a `via` header are each evidence that
/// something in front answers PINGs; timing is not (see `pings_faster`).
fn intermediary_evidence(e: &Evidence) -> (Option<String>, Vec<String>) {
    let mut said = Vec::new();
    let mut proxy = None;
    if let Some(server) = &e.server {
        let lower = server.to_ascii_lowercase();
        if let Some(name) = PROXIES.iter().find(|p| lower.contains(*p)) {
            proxy = Some((*name).to_string());
            said.push(format!("server: {server}"));
        }
    }
    if let Some(via) = &e.via {
        proxy.get_or_insert_with(|| via.split_whitespace().nth(1).unwrap_or(via).to_string());
        said.push(format!("via: {via}"));
    }
    (proxy, said)
}

/// Rounds up to a whole second under a minute, to 30 s under ten minutes, else
/// to a whole minute.
pub fn nice_up(d: Duration) -> Duration {
    let s = d.as_secs() + u64::from(d.subsec_nanos() > 0);
    let step = match s {
        0..60 => 1,
        60..600 => 30,
        _ => 60,
    };
    Duration::from_secs(s.div_ceil(step) * step)
}

#[cfg(test)]
mod tests;
