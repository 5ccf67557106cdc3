//! Careless and hostile input from the user's side: files that are not files,
//! secrets in malformed flags, header text with line breaks.

use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use crate::util::hostile::{Act, HostilePeer};
use crate::util::{closed_port, kaping, run_env};

/// `SSLKEYLOGFILE` naming a FIFO hung every tool in `open()` for good: it is now
/// refused in words and the run goes on; a new key log is readable by its owner
/// alone (it was 0644).
#[test]
fn a_key_log_that_is_not_a_file_is_refused_and_a_new_one_is_private() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("keys.fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let target = format!("wss://{}/", closed_port());
    let args = ["-c", "1", "-W", "1s", target.as_str()];
    let out = run_env("kaping", &[("SSLKEYLOGFILE", fifo.as_os_str())], &args);
    out.assert_no_panic();
    assert!(
        out.elapsed < Duration::from_secs(5),
        "took {:?}",
        out.elapsed
    );
    assert_eq!(out.code(), 1, "refused, not a hang:\n{}", out.stderr);
    assert!(out.stderr.contains("not a regular file"), "{}", out.stderr);

    let log = dir.path().join("new.log");
    let out = run_env("kaping", &[("SSLKEYLOGFILE", log.as_os_str())], &args);
    assert_eq!(out.code(), 1, "{}", out.stderr);
    let mode = std::fs::metadata(&log).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "{mode:o}");
}

/// `user:password` without `@host` is read as host:port; the port's error used
/// to print the password.
#[test]
fn a_proxy_without_a_host_does_not_echo_its_password() {
    let target = format!("tcp://{}", closed_port());
    let out = kaping(&["-c", "1", "--proxy", "alice:Hunter2secret", &target]);
    out.assert_no_panic();
    assert_eq!(out.code(), 2, "{}", out.stderr);
    assert!(out.stderr.contains("invalid proxy port"), "{}", out.stderr);
    assert!(!out.stderr.contains("Hunter2secret") && !out.stdout.contains("Hunter2secret"));
}

/// A line break in `--authority` or `--subprotocol` would split a request
/// header: a usage error, not a header silently dropped or a failure per probe.
#[test]
fn header_text_with_a_line_break_is_a_usage_error() {
    let target = format!("ws://{}/", closed_port());
    for flag in ["--authority", "--subprotocol"] {
        let out = kaping(&["-c", "1", flag, "api\r\nX-Evil: 1", &target]);
        out.assert_no_panic();
        assert_eq!(out.code(), 2, "{flag}: {}", out.stderr);
        assert!(out.stderr.contains("control characters"), "{}", out.stderr);
    }
}

/// `--ca /dev/zero` grew to 2.7 GB: a PEM file must be a regular file of at most
/// 16 MiB, and anything else is a one-line usage error at once.
#[test]
fn pem_files_that_are_not_files_are_refused() {
    let target = format!("wss://{}/", closed_port());
    for args in [
        vec!["--ca", "/dev/zero"],
        vec!["--cert", "/dev/zero", "--key", "/dev/zero"],
    ] {
        let mut all = args.clone();
        all.extend(["-c", "1", target.as_str()]);
        let out = kaping(&all);
        out.assert_no_panic();
        assert_eq!(out.code(), 2, "{args:?}: {}", out.stderr);
        assert!(out.stderr.contains("not a regular file"), "{}", out.stderr);
        assert!(
            out.elapsed < Duration::from_secs(5),
            "took {:?}",
            out.elapsed
        );
    }
}

/// More addresses in one `--resolve` rule than it takes: refused in words, not
/// the rest dropped without a word.
#[test]
fn a_resolve_rule_with_too_many_addresses_says_so() {
    let many: Vec<String> = (1..=65).map(|i| format!("127.0.0.{i}")).collect();
    let rule = format!("lb.test:80:{}", many.join(","));
    let out = kaping(&["-c", "1", "--resolve", &rule, "tcp://lb.test:80"]);
    out.assert_no_panic();
    assert_eq!(out.code(), 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("more than 64 addresses"),
        "{}",
        out.stderr
    );
}

/// A proxy's 407 whose reason phrase echoes our `Proxy-Authorization` was printed
/// in every output format: the status is named by its standard reason instead.
#[test]
fn a_proxys_reason_phrase_is_not_repeated() {
    let secret = "YWxpY2U6SHVudGVyMnNlY3JldA=="; // alice:Hunter2secret
    let echo =
        format!("HTTP/1.1 407 Proxy-Authorization: Basic {secret}\r\nContent-Length: 0\r\n\r\n");
    let proxy = HostilePeer::start(Act::Send(echo.into_bytes()));
    let url = format!("http://alice:Hunter2secret@{}", proxy.addr);
    for format in [None, Some("--ndjson"), Some("--json")] {
        let mut args = vec!["-c", "1", "--proxy", url.as_str(), "tcp://backend.test:80"];
        args.extend(format);
        let out = kaping(&args);
        out.assert_no_panic();
        assert_eq!(out.code(), 1, "{}", out.stderr);
        let all = format!("{}{}", out.stdout, out.stderr);
        assert!(all.contains("407 Proxy Authentication Required"), "{all}");
        assert!(
            !all.contains(secret) && !all.contains("Hunter2secret"),
            "{all}"
        );
    }
}
