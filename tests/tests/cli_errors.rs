//! Bad input: one clear line naming the problem, exit status 2, never a panic.

use crate::util::{closed_port, kaping, run};

fn assert_usage_error(out: &crate::util::Output, needle: &str) {
    out.assert_no_panic();
    assert_eq!(out.code(), 2, "stderr: {}", out.stderr);
    let first = out.stderr.lines().next().unwrap_or("");
    assert!(
        first.contains(needle),
        "first stderr line {first:?} should name {needle:?}; all:\n{}",
        out.stderr
    );
    assert!(out.stdout.is_empty(), "nothing on stdout: {}", out.stdout);
}

#[test]
fn malformed_targets_are_named() {
    let cases = [
        ("ftp://h:80", "unknown scheme 'ftp'"),
        ("h", "missing port"),
        ("h:0", "invalid port '0'"),
        ("h:70000", "invalid port '70000'"),
        ("::1:80", "IPv6 addresses need brackets"),
        ("tcp://:80", "missing host"),
        ("tcp://h:1/x", "take no path"),
        ("ho$t:1", "invalid host 'ho$t'"),
        ("https//example", "the scheme looks wrong: write https://"),
        ("ws:/h:1", "the scheme looks wrong: write ws://"),
    ];
    for (target, needle) in cases {
        let out = kaping(&["-c", "1", target]);
        assert_usage_error(&out, needle);
        assert!(
            out.stderr.contains(target),
            "names the input: {}",
            out.stderr
        );
    }
}

#[test]
fn malformed_flags_are_named() {
    let port = closed_port().to_string();
    let cases: &[(&[&str], &str)] = &[
        (&["-i", "5x"], "invalid duration '5x'"),
        (&["-i", "5"], "invalid duration '5'"),
        (&["-W", "0s"], "'0s' must be longer than zero"),
        (&["-c", "0"], "'0'"),
        (&["--max-loss", "101%"], "invalid percentage '101%'"),
        (&["--rtt-stat", "p42"], "unknown statistic 'p42'"),
        (&["--mode", "pong"], "unknown mode 'pong'"),
        (
            &["-H", "Authorization Bearer s3cret"],
            "kaping: invalid header 'Authorization'",
        ),
        (&["--send", "{nope}"], "unknown placeholder '{nope}'"),
        (&["--tcp-keepalive", "10ms"], "below 1s"),
        (&["--bogus"], "--bogus"),
    ];
    for (flags, needle) in cases {
        let mut args = flags.to_vec();
        args.push(&port);
        let out = kaping(&args);
        assert_usage_error(&out, needle);
        assert!(!out.stderr.contains("s3cret"), "{}", out.stderr);
    }
}

#[test]
fn huge_durations_are_usage_errors_not_panics() {
    let addr = closed_port();
    let port = addr.to_string();
    let url = format!("ws://{addr}/");
    let grpc = format!("grpc://{addr}");
    let cases: &[(&str, &[&str])] = &[
        ("kaping", &["-W", "500000000000y", &port]),
        ("kaping", &["-i", "500000000000y", &port]),
        ("kaping", &["-w", "500000000000y", &port]),
        ("kaping", &["-W", "20000y", &grpc]),
        ("kawatch", &["-w", "500000000000y", "--until", "up", &url]),
        ("kawatch", &["--backoff", "1s..500000000000y", &url]),
        ("kawatch", &["--duration", "367d", &url]),
        ("kaserve", &["ws", "--fault", "close-idle=500000000000y"]),
        ("kaserve", &["tcp", "--client-timeout", "500000000000y"]),
        ("kaserve", &["grpc", "--ping-min-interval", "500000000000y"]),
    ];
    for (bin, args) in cases {
        let out = run(bin, args);
        assert_usage_error(&out, "longer than the maximum of 366 days");
    }
}

#[test]
fn modes_must_fit_the_protocol() {
    assert_usage_error(
        &kaping(&["-c", "1", "--mode", "h2ping", "ws://127.0.0.1:1/"]),
        "kaping: mode 'h2ping' does not apply to ws:// targets (expected ping or text)",
    );
    assert_usage_error(
        &kaping(&["-c", "1", "--mode", "ping", "127.0.0.1:1"]),
        "kaping: mode 'ping' does not apply to tcp:// targets (expected echo or connect)",
    );
}

#[test]
fn kaserve_rejects_bad_listen_addresses() {
    assert_usage_error(
        &run("kaserve", &["tcp", "--listen", "nowhere:80"]),
        "invalid listen address 'nowhere:80'",
    );
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = busy.local_addr().unwrap().to_string();
    assert_usage_error(
        &run("kaserve", &["tcp", "--listen", &addr]),
        &format!("kaserve: cannot listen on {addr}"),
    );
}

#[test]
fn help_and_version_exit_zero() {
    for bin in ["kaping", "kaserve"] {
        for flag in ["--help", "--version"] {
            let out = run(bin, &[flag]);
            assert_eq!(out.code(), 0, "{bin} {flag}");
            assert!(!out.stdout.is_empty());
        }
    }
}
