//! TLS as users' servers have it: nginx (OpenSSL) with certificates the `openssl`
//! command made in the test. A self-signed CA:TRUE certificate refused in words and
//! trusted with --ca (wss, https, grpcs through `grpc_pass`), a wrong name, a chain
//! through an intermediate CA, expired certificates, a TLS 1.2-only server, RSA and
//! ECDSA keys, the OS store read from SSL_CERT_FILE / SSL_CERT_DIR, SSLKEYLOGFILE,
//! and a plain-text server behind a TLS scheme.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsStr;
use std::path::Path;

use crate::util::certs::Pair;
use crate::util::nginx::{Nginx, have_nginx};
use crate::util::openssl::{Key, Openssl, have_openssl};
use crate::util::{KaServe, Output, kaping, run_env};

const SELF_SIGNED: &str = "the server's certificate is a self-signed CA certificate (CA:TRUE) \
                           that is not trusted: pass it with --ca FILE";

/// nginx terminating TLS with `pair`, in front of a kaserve ws and a kaserve grpc.
struct Site {
    nginx: Nginx,
    _ws: KaServe,
    _grpc: KaServe,
}

impl Site {
    fn start(pair: &Pair, protocols: &str) -> Site {
        let ws = KaServe::ws(&[]);
        let grpc = KaServe::on("grpc", &[]);
        Site {
            nginx: Nginx::tls(pair, protocols, ws.addr, grpc.addr),
            _ws: ws,
            _grpc: grpc,
        }
    }

    fn https(&self, host: &str) -> String {
        format!("https://{host}:{}/", self.nginx.addr.port())
    }

    /// wss, https and grpcs on `host`.
    fn urls(&self, host: &str) -> [String; 3] {
        let port = self.nginx.addr.port();
        [
            format!("wss://{host}:{port}/ws"),
            self.https(host),
            format!("grpcs://{host}:{port}"),
        ]
    }
}

fn peers() -> bool {
    have_nginx() && have_openssl()
}

fn once(args: &[&str], url: &str) -> Output {
    let mut all = vec!["-c", "1", "-W", "3s"];
    all.extend_from_slice(args);
    all.push(url);
    let out = kaping(&all);
    out.assert_no_panic();
    out
}

/// No `Debug` form of a library error reaches the person reading.
fn assert_words(out: &Output) {
    for debug in [
        "Other(",
        "OtherError",
        "InvalidCertificate",
        "CaUsedAsEndEntity",
        "b\"",
    ] {
        assert!(
            !out.stdout.contains(debug) && !out.stderr.contains(debug),
            "{debug} shown:\n{}\n{}",
            out.stdout,
            out.stderr
        );
    }
}

fn path(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 temp path")
}

#[test]
fn openssl_self_signed_certificate_is_refused_in_words_and_trusted_with_ca() {
    if !peers() {
        return;
    }
    let certs = Openssl::new();
    let pair = certs.self_signed("site", Key::Rsa);
    let site = Site::start(&pair, "TLSv1.2 TLSv1.3");
    let ca = path(&pair.cert);
    for url in site.urls("localhost") {
        let refused = once(&[], &url);
        assert_eq!(refused.code(), 1, "{url}: {}", refused.stdout);
        assert!(
            refused.stdout.contains(SELF_SIGNED),
            "{url}: {}",
            refused.stdout
        );
        assert!(
            !refused.stderr.contains("SSLKEYLOGFILE"),
            "{}",
            refused.stderr
        );
        assert_words(&refused);
        let trusted = once(&["--ca", ca], &url);
        assert_eq!(
            trusted.code(),
            0,
            "{url}: {}{}",
            trusted.stdout,
            trusted.stderr
        );
    }
    // Pinned, the certificate still has to carry the name.
    let wrong = once(
        &["--ca", ca, "--sni", "wrong.example"],
        &site.https("localhost"),
    );
    assert_eq!(wrong.code(), 1);
    assert!(
        wrong.stdout.contains(
            "name mismatch: the certificate is for localhost, 127.0.0.1, not wrong.example"
        ),
        "{}",
        wrong.stdout
    );
    assert_words(&wrong);
    // Another certificate in --ca does not vouch for this one.
    let other = certs.self_signed("other", Key::Ecdsa);
    let not_it = once(&["--ca", path(&other.cert)], &site.https("127.0.0.1"));
    assert_eq!(not_it.code(), 1);
    assert!(
        not_it
            .stdout
            .contains("it is not in the --ca file: pass this certificate with --ca FILE"),
        "{}",
        not_it.stdout
    );
}

#[test]
fn ecdsa_certificate_on_a_tls12_only_server() {
    if !peers() {
        return;
    }
    let certs = Openssl::new();
    let pair = certs.self_signed("ec", Key::Ecdsa);
    let site = Site::start(&pair, "TLSv1.2");
    let ca = path(&pair.cert);
    for url in site.urls("127.0.0.1") {
        let out = once(&["--ca", ca], &url);
        assert_eq!(out.code(), 0, "{url}: {}{}", out.stdout, out.stderr);
    }
    // TLS 1.2 logs one CLIENT_RANDOM line per session.
    let log = certs.path("keys-tls12.log");
    let out = run_env(
        "kaping",
        &[("SSLKEYLOGFILE", log.as_os_str())],
        &[
            "-c",
            "2",
            "-i",
            "10ms",
            "--fresh",
            "--ca",
            ca,
            &site.https("localhost"),
        ],
    );
    assert_eq!(out.code(), 0, "{}", out.stderr);
    let sessions = key_log(&log);
    assert_eq!(sessions.len(), 2, "{sessions:?}");
    for labels in sessions.values() {
        assert_eq!(labels, &BTreeSet::from(["CLIENT_RANDOM".to_string()]));
    }
}

/// The key log's sessions: client random to the labels logged for it. Every line
/// is `LABEL <32-byte client random> <secret>`, in hex.
fn key_log(file: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let text = std::fs::read_to_string(file).expect("the key log was written");
    let mut sessions: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for line in text.lines() {
        let fields: Vec<&str> = line.split(' ').collect();
        let hex = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit());
        assert!(
            fields.len() == 3 && fields[1].len() == 64 && hex(fields[1]) && hex(fields[2]),
            "not a key log line: {line:?}"
        );
        assert!(
            fields[2].len() >= 64,
            "a secret of at least 32 bytes: {line:?}"
        );
        sessions
            .entry(fields[1].to_string())
            .or_default()
            .insert(fields[0].to_string());
    }
    sessions
}

#[test]
fn sslkeylogfile_has_each_tls13_secret_of_each_session_and_is_said_once() {
    if !peers() {
        return;
    }
    let certs = Openssl::new();
    let pair = certs.self_signed("site", Key::Ecdsa);
    let site = Site::start(&pair, "TLSv1.3");
    let log = certs.path("keys.log");
    let out = run_env(
        "kaping",
        &[("SSLKEYLOGFILE", log.as_os_str())],
        &[
            "-c",
            "3",
            "-i",
            "10ms",
            "--fresh",
            "--ca",
            path(&pair.cert),
            &site.https("localhost"),
        ],
    );
    assert_eq!(out.code(), 0, "{}", out.stderr);
    let said = format!(
        "kaping: SSLKEYLOGFILE: writing TLS session secrets to {}",
        log.display()
    );
    assert_eq!(out.stderr.matches(&said).count(), 1, "{}", out.stderr);
    let sessions = key_log(&log);
    assert_eq!(
        sessions.len(),
        3,
        "one session per --fresh probe: {sessions:?}"
    );
    let tls13: BTreeSet<String> = [
        "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
        "SERVER_HANDSHAKE_TRAFFIC_SECRET",
        "CLIENT_TRAFFIC_SECRET_0",
        "SERVER_TRAFFIC_SECRET_0",
        "EXPORTER_SECRET",
    ]
    .map(String::from)
    .into();
    for labels in sessions.values() {
        assert_eq!(labels, &tls13);
    }
    let lines = std::fs::read_to_string(&log).unwrap().lines().count();
    assert_eq!(lines, 3 * tls13.len(), "a line per secret, none twice");

    // kaserve's TLS writes its side of the same sessions.
    let server_log = certs.path("server-keys.log");
    let server = KaServe::start_env(
        &[("SSLKEYLOGFILE", server_log.as_os_str())],
        &["ws", "--listen", "127.0.0.1:0", "--tls", "--ndjson"],
    );
    let out = kaping(&["-c", "1", "-k", &server.url()]);
    assert_eq!(out.code(), 0, "{}", out.stderr);
    let server_sessions = key_log(&server_log);
    assert_eq!(server_sessions.len(), 1, "{server_sessions:?}");
    assert_eq!(server_sessions.values().next(), Some(&tls13));
    let unwritable = run_env(
        "kaping",
        &[("SSLKEYLOGFILE", OsStr::new("/nonexistent/dir/keys.log"))],
        &["-c", "1", "-k", &server.url()],
    );
    assert_eq!(
        unwritable.code(),
        0,
        "a key log that cannot be written is not fatal"
    );
    assert!(
        unwritable
            .stderr
            .contains("warning: SSLKEYLOGFILE cannot be written (/nonexistent/dir/keys.log"),
        "{}",
        unwritable.stderr
    );
}

#[test]
fn a_chain_through_an_intermediate_and_the_os_store() {
    if !peers() {
        return;
    }
    let certs = Openssl::new();
    let (root, pair) = certs.chain("corp", Key::Ecdsa);
    let site = Site::start(&pair, "TLSv1.2 TLSv1.3");
    let unknown = once(&[], &site.https("localhost"));
    assert_eq!(unknown.code(), 1);
    assert!(
        unknown.stdout.contains(
            "unknown CA: the server's certificate is issued by CN=kaprobe test intermediate, \
             which is not trusted (pass that CA with --ca FILE, or --ca system for the OS store)"
        ),
        "{}",
        unknown.stdout
    );
    assert_words(&unknown);
    for url in site.urls("localhost") {
        let out = once(&["--ca", path(&root)], &url);
        assert_eq!(out.code(), 0, "{url}: {}{}", out.stdout, out.stderr);
    }
    // The OS store, as rustls-native-certs reads it: SSL_CERT_FILE, or every file in
    // SSL_CERT_DIR, instead of the machine's own store. Both are always given (the
    // unused one empty), since the machine's environment may set either.
    let store = certs.path("store");
    std::fs::create_dir(&store).unwrap();
    std::fs::copy(&root, store.join("corp-root.pem")).unwrap();
    let unset = OsStr::new("");
    for env in [
        [("SSL_CERT_FILE", root.as_os_str()), ("SSL_CERT_DIR", unset)],
        [
            ("SSL_CERT_FILE", unset),
            ("SSL_CERT_DIR", store.as_os_str()),
        ],
    ] {
        let out = run_env(
            "kaping",
            &env,
            &["-c", "1", "--ca", "system", &site.https("localhost")],
        );
        assert_eq!(out.code(), 0, "{env:?}: {}{}", out.stdout, out.stderr);
        // Without --ca system the store is not read.
        let out = run_env("kaping", &env, &["-c", "1", &site.https("localhost")]);
        assert_eq!(out.code(), 1, "{env:?}: {}", out.stdout);
    }
    let empty = certs.path("empty.pem");
    std::fs::write(&empty, "").unwrap();
    let none = run_env(
        "kaping",
        &[
            ("SSL_CERT_FILE", empty.as_os_str()),
            ("SSL_CERT_DIR", unset),
        ],
        &["-c", "1", "--ca", "system", &site.https("localhost")],
    );
    assert_eq!(none.code(), 2, "{}", none.stderr);
    assert!(
        none.stderr
            .contains("--ca system: no certificates in the OS store"),
        "{}",
        none.stderr
    );
    assert_eq!(none.stderr.lines().count(), 1, "{}", none.stderr);
}

#[test]
fn expired_certificates_are_refused_with_their_dates() {
    if !peers() {
        return;
    }
    let certs = Openssl::new();
    let ca = certs.self_signed("ca", Key::Rsa);
    let leaf = certs.expired("leaf", Key::Ecdsa, Some(&ca));
    let signed = Site::start(&leaf, "TLSv1.2 TLSv1.3");
    let out = once(&["--ca", path(&ca.cert)], &signed.https("localhost"));
    assert_eq!(out.code(), 1);
    assert!(
        out.stdout
            .contains("the server's certificate expired: valid until 2020-01-01T00:00:00Z, now "),
        "{}",
        out.stdout
    );
    // Pinned, an expired certificate is still expired.
    let own = certs.expired("own", Key::Ecdsa, None);
    let pinned = Site::start(&own, "TLSv1.2 TLSv1.3");
    let out = once(&["--ca", path(&own.cert)], &pinned.https("localhost"));
    assert_eq!(out.code(), 1);
    assert!(
        out.stdout
            .contains("expired: valid until 2020-01-01T00:00:00Z"),
        "{}",
        out.stdout
    );
    assert_words(&out);
}

#[test]
fn a_plain_text_server_behind_a_tls_scheme_is_named() {
    if !have_nginx() {
        return;
    }
    let plain = Nginx::http("5s", 100, None);
    let port = plain.addr.port();
    for url in [
        format!("https://127.0.0.1:{port}/"),
        format!("wss://127.0.0.1:{port}/"),
        format!("grpcs://127.0.0.1:{port}"),
    ] {
        let out = once(&[], &url);
        assert_eq!(out.code(), 1, "{url}");
        assert!(
            out.stdout.contains("the server did not answer in TLS"),
            "{url}: {}",
            out.stdout
        );
        assert_words(&out);
    }
}
