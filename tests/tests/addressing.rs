//! Addressing like ping and curl: IPv6 on [::1], -4/-6, `--resolve` keeping the
//! name for TLS and SNI (nginx picks its certificate by SNI), and `--each-address`
//! over a name that stands for 127.0.0.1 and 127.0.0.2 (`--resolve` with two addresses,
//! curl's form, is the resolver the test controls): a target per address in lines,
//! records, kareport groups and Prometheus labels, a failing first address that is
//! not swapped for another, and kafind's idle timeout per address.

use std::net::{SocketAddr, TcpListener};

use kawire::record::IdleTimeoutDoc;

use crate::util::certs::Pki;
use crate::util::nginx::{Nginx, have_nginx};
use crate::util::{KaServe, kaping, probes, run};

/// Whether this machine can listen on [::1]; without it the test says SKIPPED.
fn have_ipv6() -> bool {
    if TcpListener::bind("[::1]:0").is_ok() {
        return true;
    }
    crate::util::skipped("no IPv6 on loopback ([::1] cannot be bound)");
    false
}

/// A kaserve of `proto` on `ip` and `port` (0: any), with `extra` flags.
fn serve_on(proto: &str, listen: &str, extra: &[&str]) -> KaServe {
    let mut args = vec![proto, "--listen", listen, "--ndjson"];
    args.extend_from_slice(extra);
    KaServe::start(&args)
}

/// kaserve tcp on 127.0.0.1 and on 127.0.0.2 (all of 127/8 is loopback on Linux, so
/// this needs no IPv6) at the same port, each with its `extra` flags.
fn two_addresses(first: &[&str], second: &[&str]) -> (KaServe, KaServe, u16) {
    for _ in 0..20 {
        let one = serve_on("tcp", "127.0.0.1:0", first);
        let port = one.addr.port();
        // The same port may be taken on 127.0.0.2; another round picks another.
        if TcpListener::bind(SocketAddr::from(([127, 0, 0, 2], port))).is_ok() {
            let two = serve_on("tcp", &format!("127.0.0.2:{port}"), second);
            return (one, two, port);
        }
    }
    panic!("no port free on both 127.0.0.1 and 127.0.0.2");
}

#[test]
fn ipv6_on_loopback_and_the_family_flags() {
    if !have_ipv6() {
        return;
    }
    let server = serve_on("tcp", "[::1]:0", &[]);
    let url = format!("tcp://[::1]:{}", server.addr.port());
    let out = kaping(&["-c", "2", "-i", "10ms", "-6", &url]);
    assert_eq!(out.code(), 0, "{}", out.stderr);
    assert!(
        out.stdout
            .contains(&format!("([::1]:{})", server.addr.port())),
        "{}",
        out.stdout
    );
    let wrong = kaping(&["-c", "1", "-4", &url]);
    assert_eq!(wrong.code(), 2);
    assert!(
        wrong.stderr.contains("::1 is not an IPv4 address (-4)"),
        "{}",
        wrong.stderr
    );
    assert_eq!(wrong.stderr.lines().count(), 1, "{}", wrong.stderr);
    let both = kaping(&["-c", "1", "-4", "-6", &url]);
    assert_eq!(both.code(), 2, "-4 and -6 together are a usage error");
}

#[test]
fn resolve_connects_to_the_address_and_keeps_the_name_for_sni() {
    if !have_nginx() {
        return;
    }
    // nginx picks the certificate by SNI: api.internal's only when that is the
    // name sent; anything else gets a certificate for another name.
    let pki = Pki::new();
    let api = pki.server("api", &["api.internal"]);
    let other = pki.server("other", &["default.example"]);
    let nginx = Nginx::sni(&[("default.example", &other), ("api.internal", &api)]);
    let port = nginx.addr.port();
    let ca = pki.ca.to_str().unwrap();
    let rule = format!("api.internal:{port}:127.0.0.1");
    let url = format!("https://api.internal:{port}/");
    let out = kaping(&["-c", "1", "--ca", ca, "--resolve", &rule, "--ndjson", &url]);
    assert_eq!(out.code(), 0, "{}{}", out.stdout, out.stderr);
    let records = out.records();
    let probe = probes(&records)[0];
    assert_eq!(probe.header.target, url);
    assert_eq!(probe.status, Some(200));
    // Without the rule the name does not resolve: nothing was looked up.
    let unresolved = kaping(&["-c", "1", "--ca", ca, &url]);
    assert_eq!(unresolved.code(), 2, "{}", unresolved.stderr);
    // A rule for another port does not apply.
    let elsewhere = format!("api.internal:{}:127.0.0.1", port.wrapping_add(1).max(1));
    let out = kaping(&["-c", "1", "--ca", ca, "--resolve", &elsewhere, &url]);
    assert_eq!(out.code(), 2, "{}", out.stderr);
    for bad in [
        "api.internal",
        "api.internal:443:nowhere",
        "api.internal:0:127.0.0.1",
    ] {
        let out = kaping(&["-c", "1", "--resolve", bad, &url]);
        assert_eq!(out.code(), 2, "{bad}");
        assert!(
            out.stderr.contains("HOST:PORT:ADDR"),
            "{bad}: {}",
            out.stderr
        );
    }
}

#[test]
fn each_address_probes_every_address_and_a_failing_one_is_not_swapped() {
    let (first, second, port) = two_addresses(&[], &[]);
    let rule = format!("lb.test:{port}:127.0.0.1,127.0.0.2");
    let url = format!("tcp://lb.test:{port}");
    let each = [
        "-c",
        "2",
        "-i",
        "10ms",
        "--each-address",
        "--resolve",
        &rule,
    ];
    let out = kaping(&[&each[..], &[&url]].concat());
    assert_eq!(out.code(), 0, "{}{}", out.stdout, out.stderr);
    for addr in ["127.0.0.1", "127.0.0.2"] {
        let shown = format!("{url} ({addr})");
        assert!(out.stdout.contains(&shown), "{shown} in:\n{}", out.stdout);
    }
    let json = kaping(&[&each[..], &["--ndjson", &url]].concat());
    let records = json.records();
    let mut addrs: Vec<String> = probes(&records)
        .iter()
        .map(|p| {
            p.header
                .addr
                .clone()
                .expect("a pinned target's records carry addr")
        })
        .collect();
    addrs.sort();
    addrs.dedup();
    assert_eq!(addrs, ["127.0.0.1", "127.0.0.2"]);
    assert!(probes(&records).iter().all(|p| p.header.target == url));
    // kareport keeps the two apart.
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), &json.stdout).unwrap();
    let report = run("kareport", &["--json", file.path().to_str().unwrap()]);
    assert_eq!(report.code(), 0, "{}", report.stderr);
    let doc: serde_json::Value = serde_json::from_str(&report.stdout).unwrap();
    let mut groups: Vec<String> = doc["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["group"].as_str().unwrap().to_string())
        .collect();
    groups.sort();
    assert_eq!(
        groups,
        [format!("{url} (127.0.0.1)"), format!("{url} (127.0.0.2)")]
    );

    // The first address fails: the probe says which, and is not moved to the other.
    drop(first);
    let out = kaping(&["-c", "1", "--resolve", &rule, &url]);
    assert_eq!(out.code(), 1, "{}", out.stdout);
    assert!(
        out.stdout.contains(&format!(
            "refused (127.0.0.1:{port}: Connection refused (os error 111); lb.test has 2 \
             addresses, --each-address probes each)"
        )),
        "{}",
        out.stdout
    );
    // --resolve can aim the name at the one that answers.
    let there = format!("lb.test:{port}:127.0.0.2");
    let out = kaping(&["-c", "1", "--resolve", &there, &url]);
    assert_eq!(out.code(), 0, "{}", out.stdout);
    drop(second);
}

#[test]
fn kawatch_labels_and_kafind_verdicts_per_address() {
    let (_first, _second, port) =
        two_addresses(&["--fault", "close-idle=1s"], &["--fault", "close-idle=2s"]);
    let rule = format!("lb.test:{port}:127.0.0.1,127.0.0.2");
    let url = format!("tcp://lb.test:{port}");
    let metrics = tempfile::NamedTempFile::new().unwrap();
    let watch = run(
        "kawatch",
        &[
            "--each-address",
            "--resolve",
            &rule,
            "-i",
            "200ms",
            "--duration",
            "700ms",
            "--metrics-file",
            metrics.path().to_str().unwrap(),
            &url,
        ],
    );
    assert_eq!(watch.code(), 0, "{}{}", watch.stdout, watch.stderr);
    let text = std::fs::read_to_string(metrics.path()).unwrap();
    for addr in ["127.0.0.1", "127.0.0.2"] {
        let labels = format!("target=\"{url}\",protocol=\"tcp\",mode=\"echo\",addr=\"{addr}\"");
        assert!(text.contains(&labels), "{labels} in:\n{text}");
    }
    // kafind: one document per address, and a sentence that they differ.
    let args = [
        "idle-timeout",
        &url,
        "--each-address",
        "--resolve",
        &rule,
        "--min",
        "500ms",
        "-W",
        "400ms",
        "--max",
        "3s",
    ];
    let human = run("kafind", &args);
    assert_eq!(human.code(), 0, "{}{}", human.stdout, human.stderr);
    assert!(
        human
            .stdout
            .contains("the 2 addresses of lb.test differ: 127.0.0.1 1."),
        "{}",
        human.stdout
    );
    let mut json_args = args.to_vec();
    json_args.push("--json");
    let json = run("kafind", &json_args);
    assert_eq!(json.code(), 0, "{}", json.stderr);
    let docs: Vec<IdleTimeoutDoc> = serde_json::Deserializer::from_str(&json.stdout)
        .into_iter()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(docs.len(), 2);
    let by_addr: Vec<(Option<String>, Option<f64>)> = docs
        .iter()
        .map(|d| (d.header.addr.clone(), d.timeout_ms))
        .collect();
    assert_eq!(by_addr[0].0.as_deref(), Some("127.0.0.1"));
    assert_eq!(by_addr[1].0.as_deref(), Some("127.0.0.2"));
    let t4 = by_addr[0].1.unwrap();
    let t6 = by_addr[1].1.unwrap();
    assert!((950.0..1200.0).contains(&t4), "{t4}");
    assert!((1900.0..2300.0).contains(&t6), "{t6}");
}
