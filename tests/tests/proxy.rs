//! Through a proxy nobody here wrote (tinyproxy): a CONNECT tunnel for every
//! protocol, said on the header line and timed as a phase; refusals (407, 401,
//! 500) as causes in words with credentials never shown; the environment as curl
//! reads it and --noproxy; and kafind finding the proxy's own idle timeout.

use std::ffi::OsStr;

use kawire::record::IdleTimeoutDoc;

use crate::util::tinyproxy::{TinyProxy, have_tinyproxy};
use crate::util::{KaServe, Output, kaping, probes, run, run_env};

fn serve(proto: &str, extra: &[&str]) -> KaServe {
    let mut args = vec![proto, "--listen", "127.0.0.1:0", "--ndjson"];
    args.extend_from_slice(extra);
    KaServe::start(&args)
}

/// `scheme://localhost:PORT...`: a name, which the proxy resolves.
fn by_name(server: &KaServe, scheme: &str) -> String {
    let port = server.addr.port();
    match scheme {
        "tcp" | "grpc" | "grpcs" => format!("{scheme}://localhost:{port}"),
        _ => format!("{scheme}://localhost:{port}/"),
    }
}

fn assert_via(out: &Output, proxy: &TinyProxy) {
    let via = format!("via proxy {} at {}", proxy.url(), proxy.addr);
    assert!(out.stdout.contains(&via), "{via} in:\n{}", out.stdout);
}

#[test]
fn every_protocol_tunnels_through_connect_and_says_so() {
    if !have_tinyproxy() {
        return;
    }
    let proxy = TinyProxy::start(30, None);
    let tcp = serve("tcp", &[]);
    let ws = serve("ws", &[]);
    let wss = serve("ws", &["--tls"]);
    let grpc = serve("grpc", &[]);
    let http = serve("http", &[]);
    for url in [
        by_name(&tcp, "tcp"),
        by_name(&ws, "ws"),
        by_name(&wss, "wss"),
        by_name(&grpc, "grpc"),
        by_name(&http, "http"),
    ] {
        let args = [
            "-c",
            "2",
            "-i",
            "20ms",
            "--fresh",
            "-k",
            "--proxy",
            &proxy.url(),
        ];
        let out = kaping(&[&args[..], &[&url]].concat());
        assert_eq!(out.code(), 0, "{url}: {}{}", out.stdout, out.stderr);
        assert_via(&out, &proxy);
        assert!(
            out.stdout.contains(", proxy "),
            "the tunnel is a phase: {}",
            out.stdout
        );
        // -v says what the proxy answered, for each new connection.
        let verbose = kaping(&[&args[..], &["-v", &url]].concat());
        let answered = verbose
            .stdout
            .lines()
            .filter(|l| {
                l.starts_with("* proxy ") && l.contains(" answered HTTP/1.") && l.contains(" 200 ")
            })
            .count();
        assert_eq!(answered, 2, "{url}: {}", verbose.stdout);
        let json = kaping(&[&args[..], &["--ndjson", &url]].concat());
        assert_eq!(json.code(), 0, "{url}: {}", json.stderr);
        for p in probes(&json.records()) {
            let phases = p.phases.as_ref().expect("--fresh phases");
            assert!(
                phases.proxy_us.is_some_and(|us| us > 0.0),
                "{url}: {phases:?}"
            );
        }
    }
}

#[test]
fn refusals_are_causes_in_words_and_credentials_are_never_shown() {
    if !have_tinyproxy() {
        return;
    }
    let proxy = TinyProxy::start(30, Some(("alice", "s3cret")));
    let tcp = serve("tcp", &[]);
    let url = by_name(&tcp, "tcp");
    let port = proxy.addr.port();
    let cases = [
        (
            format!("http://127.0.0.1:{port}"),
            1,
            "proxy 407 (the proxy wants credentials",
        ),
        (
            format!("http://alice:wrongpass@127.0.0.1:{port}"),
            1,
            "(the proxy refused our credentials",
        ),
        (
            format!("http://alice:s3cret@127.0.0.1:{port}"),
            0,
            "reply from",
        ),
    ];
    for (proxy_url, code, said) in &cases {
        let out = kaping(&["-c", "1", "--proxy", proxy_url, &url]);
        assert_eq!(out.code(), *code, "{}", out.stdout);
        assert!(out.stdout.contains(said), "{said} in:\n{}", out.stdout);
        for secret in ["s3cret", "wrongpass"] {
            assert!(
                !out.stdout.contains(secret) && !out.stderr.contains(secret),
                "{secret} shown:\n{}{}",
                out.stdout,
                out.stderr
            );
        }
    }
    // A tunnel to nothing: the proxy's 500, named as the proxy's.
    let open = TinyProxy::start(30, None);
    let closed = crate::util::closed_port();
    let out = kaping(&[
        "-c",
        "1",
        "--proxy",
        &open.url(),
        &format!("tcp://{closed}"),
    ]);
    assert_eq!(out.code(), 1);
    assert!(
        out.stdout
            .contains(&format!("proxy 500 (the proxy could not reach {closed}")),
        "{}",
        out.stdout
    );
    let records = kaping(&["-c", "1", "--ndjson", "--proxy", &cases[0].0, &url]).records();
    assert_eq!(probes(&records)[0].cause.as_deref(), Some("proxy 407"));
    // A proxy we cannot use is a usage error that does not repeat its password.
    let bad = kaping(&[
        "-c",
        "1",
        "--proxy",
        "socks5://bob:hunter2@127.0.0.1:1080",
        &url,
    ]);
    assert_eq!(bad.code(), 2);
    assert!(
        bad.stderr
            .contains("--proxy: socks5:// proxies are not supported"),
        "{}",
        bad.stderr
    );
    assert!(!bad.stderr.contains("hunter2"), "{}", bad.stderr);
}

#[test]
fn the_environment_is_read_as_curl_reads_it_and_noproxy_goes_direct() {
    if !have_tinyproxy() {
        return;
    }
    let proxy = TinyProxy::start(30, None);
    let wss = serve("ws", &["--tls"]);
    let tcp = serve("tcp", &[]);
    let via = proxy.url();
    let env = |name: &'static str| [(name, OsStr::new(via.as_str()))];
    let wss_url = by_name(&wss, "wss");
    let out = run_env("kaping", &env("https_proxy"), &["-c", "1", "-k", &wss_url]);
    assert_eq!(out.code(), 0, "{}", out.stderr);
    assert_via(&out, &proxy);
    // ws:// reads http_proxy only; tcp:// reads all_proxy only.
    let out = run_env(
        "kaping",
        &env("https_proxy"),
        &["-c", "1", &by_name(&tcp, "tcp")],
    );
    assert!(!out.stdout.contains("via proxy"), "{}", out.stdout);
    let out = run_env(
        "kaping",
        &env("all_proxy"),
        &["-c", "1", &by_name(&tcp, "tcp")],
    );
    assert_eq!(out.code(), 0, "{}", out.stderr);
    assert_via(&out, &proxy);
    // --noproxy '*' and no_proxy send the target direct.
    let out = run_env(
        "kaping",
        &env("https_proxy"),
        &["-c", "1", "-k", "--noproxy", "*", &wss_url],
    );
    assert_eq!(out.code(), 0, "{}", out.stderr);
    assert!(!out.stdout.contains("via proxy"), "{}", out.stdout);
    let out = run_env(
        "kaping",
        &[
            ("https_proxy", OsStr::new(via.as_str())),
            ("no_proxy", OsStr::new("example.com,localhost")),
        ],
        &["-c", "1", "-k", &wss_url],
    );
    assert!(!out.stdout.contains("via proxy"), "{}", out.stdout);
    // A bad value in the environment is named by its variable.
    let out = run_env(
        "kaping",
        &[("https_proxy", OsStr::new("socks5://u:pw@h:1"))],
        &["-c", "1", "-k", &wss_url],
    );
    assert_eq!(out.code(), 2);
    assert!(out.stderr.contains("$https_proxy"), "{}", out.stderr);
    assert!(!out.stderr.contains("pw@"), "{}", out.stderr);
}

#[test]
fn kafind_finds_the_proxy_idle_timeout_and_says_the_proxy_is_part_of_it() {
    if !have_tinyproxy() {
        return;
    }
    // The server keeps connections forever; tinyproxy ends idle tunnels at 2 s.
    let proxy = TinyProxy::start(2, None);
    let tcp = serve("tcp", &[]);
    let out = run(
        "kafind",
        &[
            "idle-timeout",
            &by_name(&tcp, "tcp"),
            "--proxy",
            &proxy.url(),
            "--min",
            "500ms",
            "-W",
            "400ms",
            "--max",
            "5s",
            "--json",
        ],
    );
    out.assert_no_panic();
    assert_eq!(out.code(), 0, "{}{}", out.stdout, out.stderr);
    let doc: IdleTimeoutDoc = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(doc.header.via_proxy.as_deref(), Some(proxy.url().as_str()));
    assert_eq!(doc.verdict, "closed", "{doc:?}");
    let timeout = doc.timeout_ms.unwrap();
    assert!(
        (1900.0..3200.0).contains(&timeout),
        "tinyproxy's Timeout 2: {timeout}"
    );
    assert!(
        doc.summary.contains(&format!(
            "measured through the proxy {}, which is part of the path",
            proxy.url()
        )),
        "{}",
        doc.summary
    );
}
