//! The verdict against model servers: each test's pings, as a real run sends them
//! (the first at once, then one per interval), counted by grpc-go's and
//! grpc-core's rule or grpc-java's, and a proxy that enforces nothing.

use super::*;
use crate::discover::policy::plan::{MAX_PINGS, Needed, intervals};

const S: fn(u64) -> Duration = Duration::from_secs;

#[derive(Clone, Copy)]
enum Stack {
    /// grpc-go / grpc-core: first ping free, measured from the last ping.
    Go,
    /// grpc-java: measured from the last valid ping, the first from the start.
    Java,
}

#[derive(Clone, Copy)]
struct Server {
    stack: Stack,
    min_time: Duration,
    strikes: u32,
    permit_without_stream: bool,
}

impl Server {
    /// The ping (1-based) a GOAWAY answers, if any among `pings` sent `every` apart.
    fn goaway_on(&self, every: Duration, cond: Condition, pings: u32) -> Option<u32> {
        let limit = if cond == Condition::WithoutStream && !self.permit_without_stream {
            S(7200)
        } else {
            self.min_time
        };
        let mut strikes = 0;
        let mut last: Option<Duration> = match self.stack {
            Stack::Go => None,
            Stack::Java => Some(Duration::ZERO),
        };
        for k in 0..pings {
            let at = every * k;
            let bad = last.is_some_and(|l| at < l + limit);
            if matches!(self.stack, Stack::Go) || !bad {
                last = Some(at);
            }
            if bad {
                strikes += 1;
                if strikes > self.strikes {
                    return Some(k + 1);
                }
            }
        }
        None
    }

    /// What a run over `min..max` sees: the shortest interval's tests ping up
    /// to the most; the strikes they show set the pings the others need.
    fn run(&self, min: Duration, max: Duration, conds: &[Condition]) -> Vec<TestResult> {
        let mut needed = Needed::default();
        for &condition in conds {
            if let Some(n) = self.goaway_on(min, condition, MAX_PINGS) {
                needed.punished_at(n);
            }
        }
        let mut out = Vec::new();
        for every in intervals(min, max) {
            for &condition in conds {
                let most = if every == min {
                    MAX_PINGS
                } else {
                    needed.get()
                };
                let (pings, outcome) = match self.goaway_on(every, condition, most) {
                    Some(n) => {
                        let goaway = TestOutcome::Punished {
                            code: 0xb,
                            debug: "too_many_pings".into(),
                        };
                        (n, goaway)
                    }
                    None => (most, TestOutcome::Allowed),
                };
                out.push(test(every, condition, pings, outcome));
            }
        }
        out
    }
}

fn test(interval: Duration, condition: Condition, pings: u32, outcome: TestOutcome) -> TestResult {
    TestResult {
        interval,
        condition,
        pings,
        late: 0,
        outcome,
        ping_rtt: Some(Duration::from_micros(90)),
        ping_from: Vec::new(),
        unnamed_bdp: false,
    }
}

const BOTH: &[Condition] = &[Condition::WithoutStream, Condition::WithStream];

fn go(min_time: u64, strikes: u32, permit: bool) -> Server {
    Server {
        stack: Stack::Go,
        min_time: S(min_time),
        strikes,
        permit_without_stream: permit,
    }
}

#[test]
fn a_grpc_go_policy_is_bracketed_with_its_strikes() {
    let tests = go(5, 2, false).run(S(1), S(30), BOTH);
    let v = verdict(&tests, &Evidence::default());
    assert_eq!(v.kind, PolicyKind::Policy);
    assert_eq!(
        (v.low, v.high),
        (Some(S(4)), Some(S(5))),
        "allows 5s, punishes 4s"
    );
    assert_eq!(v.max_strikes, Some(2));
    assert_eq!(v.permit_without_stream, Some(false));
    assert_eq!(v.goaway, Some((0xb, "too_many_pings".to_string())));
    assert_eq!(v.condition, Some(Condition::WithStream));
    let r = v.recommended.unwrap();
    assert_eq!((r.interval, r.permit_without_stream), (S(10), false));
    assert!(r.code("grpc-go").contains("Time: 10 * time.Second"));
    assert!(r.code("grpc-core").contains("grpc.keepalive_time_ms=10000"));
    assert!(!v.intermediary);
}

#[test]
fn permitted_pings_without_a_stream_share_the_bracket() {
    let tests = go(10, 2, true).run(S(1), S(30), BOTH);
    let v = verdict(&tests, &Evidence::default());
    assert_eq!((v.low, v.high), (Some(S(8)), Some(S(10))));
    assert_eq!(v.permit_without_stream, Some(true));
    let r = v.recommended.unwrap();
    assert_eq!((r.interval, r.permit_without_stream), (S(11), true));
}

#[test]
fn more_strikes_are_counted_and_the_five_minute_default_is_reached() {
    let tests = go(3, 5, true).run(S(1), S(30), BOTH);
    let v = verdict(&tests, &Evidence::default());
    assert_eq!(v.max_strikes, Some(5));
    assert_eq!((v.low, v.high), (Some(S(2)), Some(S(3))));
    let tests = go(300, 2, false).run(S(1), S(360), BOTH);
    let v = verdict(&tests, &Evidence::default());
    assert_eq!((v.low, v.high), (Some(S(270)), Some(S(300))));
    assert_eq!(v.recommended.unwrap().interval, S(330));
}

#[test]
fn grpc_java_counts_from_the_start_and_its_pattern_tells() {
    let java = Server {
        stack: Stack::Java,
        min_time: S(10),
        strikes: 2,
        permit_without_stream: true,
    };
    let tests = java.run(S(1), S(30), BOTH);
    let v = verdict(&tests, &Evidence::default());
    assert_eq!((v.low, v.high), (Some(S(8)), Some(S(10))));
    assert_eq!(
        v.fingerprint.as_deref(),
        Some("grpc-java"),
        "GOAWAY on ping 3, and on 4 near 10s"
    );
    assert_eq!(v.max_strikes, Some(2));
    // The same bracket from grpc-go is not taken for grpc-java.
    let v = verdict(
        &go(10, 2, true).run(S(1), S(30), BOTH),
        &Evidence::default(),
    );
    assert_eq!(v.fingerprint, None);
    assert_eq!(v.max_strikes, Some(2));
}

#[test]
fn payloads_name_the_stack() {
    let mut tests = go(5, 2, false).run(S(1), S(30), BOTH);
    tests[1].ping_from.push("grpc-go");
    let v = verdict(&tests, &Evidence::default());
    assert_eq!(v.fingerprint.as_deref(), Some("grpc-go"));
    let mut tests = go(5, 2, false).run(S(1), S(30), BOTH);
    tests[3].unnamed_bdp = true;
    let v = verdict(&tests, &Evidence::default());
    assert_eq!(v.fingerprint.as_deref(), Some("grpc-core"));
}

#[test]
fn a_proxy_that_answers_pings_is_named_and_no_policy_claimed() {
    let tests = go(0, 2, true).run(S(1), S(30), BOTH);
    assert!(tests.iter().all(|t| t.outcome == TestOutcome::Allowed));
    let nginx = Evidence {
        call: "Check",
        call_rtt: Some(Duration::from_micros(2900)),
        server: Some("nginx/1.22.1".into()),
        via: None,
    };
    let v = verdict(&tests, &nginx);
    assert_eq!(v.kind, PolicyKind::Intermediary);
    assert!(v.intermediary);
    assert_eq!(v.proxy.as_deref(), Some("nginx"));
    assert_eq!(v.low, None);
    assert_eq!(v.evidence, ["server: nginx/1.22.1"]);
    // grpc-js serving directly: its PINGs are answered by Node's nghttp2, far
    // faster than its handlers, and nothing names a proxy. Timing is an
    // observation, not evidence: no policy (it said `intermediary`).
    let node = Evidence {
        call: "Check",
        call_rtt: Some(Duration::from_micros(877)),
        server: None,
        via: None,
    };
    let v = verdict(&tests, &node);
    assert_eq!(v.kind, PolicyKind::NoPolicy);
    assert!(!v.intermediary && v.evidence.is_empty());
    assert!(v.pings_faster.is_some());
    // A fast server that enforces nothing, with nothing in front: no policy.
    let direct = Evidence {
        call: "Check",
        call_rtt: Some(Duration::from_micros(150)),
        server: None,
        via: None,
    };
    let v = verdict(&tests, &direct);
    assert_eq!(v.kind, PolicyKind::NoPolicy);
    assert!(!v.intermediary && v.evidence.is_empty());
    assert_eq!(v.high, Some(S(1)));
}

#[test]
fn contradictions_and_failures_are_said_as_such() {
    let mut tests = go(5, 2, true).run(S(1), S(30), &[Condition::WithoutStream]);
    assert_eq!(
        verdict(&tests, &Evidence::default()).permit_without_stream,
        None
    );
    let ten = tests.iter_mut().find(|t| t.interval == S(10)).unwrap();
    ten.outcome = TestOutcome::Punished {
        code: 0xb,
        debug: "too_many_pings".into(),
    };
    let v = verdict(&tests, &Evidence::default());
    assert_eq!(v.kind, PolicyKind::Inconsistent);
    assert_eq!(v.recommended, None);
    let failed: Vec<TestResult> = tests
        .iter()
        .map(|t| TestResult {
            outcome: TestOutcome::Failed(Cause::eof()),
            ..t.clone()
        })
        .collect();
    assert_eq!(
        verdict(&failed, &Evidence::default()).kind,
        PolicyKind::Failed
    );
}

/// A server that sends GOAWAY ENHANCE_YOUR_CALM 0.3 s after every connect,
/// whatever the pings, read as "punishes pings even every 3s, tolerates 0
/// strikes".
#[test]
fn a_goaway_before_pings_could_earn_it_is_no_policy() {
    let calm = TestOutcome::Punished {
        code: 0xb,
        debug: String::new(),
    };
    let tests: Vec<TestResult> = [S(1), S(2), S(3)]
        .into_iter()
        .map(|i| test(i, Condition::WithoutStream, 1, calm.clone()))
        .collect();
    let v = verdict(&tests, &Evidence::default());
    assert_eq!(v.kind, PolicyKind::Failed, "{v:?}");
    assert_eq!(v.max_strikes, None);
    assert!(
        unearned(&tests[2])
            .unwrap()
            .contains("before pings could earn it")
    );
}

#[test]
fn recommendations_round_up() {
    assert_eq!(nice_up(Duration::from_millis(10_200)), S(11));
    assert_eq!(nice_up(S(61)), S(90));
    assert_eq!(nice_up(S(601)), S(660));
}

#[test]
fn late_pings_are_no_strikes() {
    // GOAWAY on the 5th ping sent, one of which went out late (its gap was longer
    // than the interval, so the server did not count it): 2 strikes, not 3.
    let punished = TestOutcome::Punished {
        code: 0xb,
        debug: "too_many_pings".into(),
    };
    let mut t = test(S(1), Condition::WithoutStream, 5, punished);
    assert_eq!(strikes(&[&t], None), Some(3));
    t.late = 1;
    assert_eq!(t.on_time(), 4);
    assert_eq!(strikes(&[&t], None), Some(2));
}
