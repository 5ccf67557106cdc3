//! Careless and hostile input from the user's side: files that are not files,
//! secrets in malformed flags, header text with line breaks.

use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::time::Duration;

use crate::util::hostile::{Act, HostilePeer};
use crate::util::{KaServe, closed_port, kaping, run, run_env};

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

/// kaserve wrote its generated certificate to a predictable
/// `$TMPDIR/kaserve-PID-cert.pem` (a planted link there was written through)
/// and never removed it: the file is now new, of a random name, and gone at exit.
#[test]
fn kaserves_generated_certificate_is_a_new_file_removed_at_exit() {
    let tmp = tempfile::tempdir().unwrap();
    let server = KaServe::start_env(
        &[("TMPDIR", tmp.path().as_os_str())],
        &["ws", "--listen", "127.0.0.1:0", "--ndjson", "--tls"],
    );
    let first = server.log()[0].clone();
    let record: serde_json::Value = serde_json::from_str(&first).unwrap();
    let path = std::path::PathBuf::from(record["generated_cert"].as_str().expect(&first));
    assert_eq!(path.parent(), Some(tmp.path()), "{first}");
    let predictable = format!("kaserve-{}-cert.pem", server.pid());
    assert_ne!(
        path.file_name().unwrap().to_str(),
        Some(predictable.as_str())
    );
    let pem = std::fs::read_to_string(&path).unwrap();
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"), "{pem}");
    let out = server.stop("TERM");
    assert_eq!(out.code(), 0, "{}", out.stderr);
    assert!(!path.exists(), "{} is left behind", path.display());
}

/// `--metrics-file /dev/full` (as root) replaced the device with a regular file
/// and exited 0, and a planted `PATH.PID.tmp` link was written through: a target
/// that is not a regular file is refused in one line (exit 2) and left as it was.
#[test]
fn a_metrics_file_that_is_not_a_regular_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("metrics.fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let victim = dir.path().join("victim");
    std::fs::write(&victim, "keep me").unwrap();
    let link = dir.path().join("metrics.link");
    std::os::unix::fs::symlink(&victim, &link).unwrap();
    let target = format!("tcp://{}", closed_port());
    for path in [&fifo, &link] {
        let args = [
            "--duration",
            "1s",
            "--metrics-file",
            path.to_str().unwrap(),
            target.as_str(),
        ];
        let out = run("kawatch", &args);
        out.assert_no_panic();
        assert_eq!(out.code(), 2, "{}", out.stderr);
        assert!(out.stderr.contains("not a regular file"), "{}", out.stderr);
        assert_eq!(out.stderr.trim().lines().count(), 1, "{}", out.stderr);
    }
    assert!(
        std::fs::symlink_metadata(&fifo)
            .unwrap()
            .file_type()
            .is_fifo()
    );
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep me");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// Through a proxy the proxy resolves the target's name, so a `--resolve` rule
/// for the target was silently ignored: it is refused in words (exit 2), while
/// a rule for the proxy's own name applies, as curl applies it.
#[test]
fn a_resolve_rule_for_the_target_is_refused_through_a_proxy() {
    let proxy = closed_port();
    let proxy_url = format!("http://{proxy}");
    let out = kaping(&[
        "-c",
        "1",
        "--proxy",
        &proxy_url,
        "--resolve",
        "lb.test:80:127.0.0.1",
        "tcp://lb.test:80",
    ]);
    out.assert_no_panic();
    assert_eq!(out.code(), 2, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("--resolve lb.test:80 cannot apply through the proxy"),
        "{}",
        out.stderr
    );
    // A rule naming the proxy is used to reach it: the failure is the proxy's
    // refused connection at the pinned address, not a name lookup.
    let rule = format!("proxy.test:{}:127.0.0.1", proxy.port());
    let named = format!("http://proxy.test:{}", proxy.port());
    let out = kaping(&[
        "-c",
        "1",
        "-W",
        "1s",
        "--proxy",
        &named,
        "--resolve",
        &rule,
        "tcp://lb.test:80",
    ]);
    out.assert_no_panic();
    assert_eq!(out.code(), 1, "{}", out.stderr);
    assert!(out.stdout.contains(&proxy.to_string()), "{}", out.stdout);
}
