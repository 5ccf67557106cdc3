//! `kaserve stdio`: the keepalive registry protocol driven through the real
//! binary's stdin and stdout with scripted transcripts, compared byte for byte.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::util::bin;

/// Feeds `input` to `kaserve stdio`, returns (status, stdout lines, stderr).
fn registry(input: &[&str]) -> (i32, Vec<String>, String) {
    let mut bytes = Vec::new();
    for line in input {
        bytes.extend_from_slice(line.as_bytes());
        bytes.push(b'\n');
    }
    registry_bytes(&bytes)
}

fn registry_bytes(input: &[u8]) -> (i32, Vec<String>, String) {
    let mut child = Command::new(bin("kaserve"))
        .arg("stdio")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("kaserve starts");
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(input).unwrap();
    drop(stdin);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || tx.send(child.wait_with_output()));
    let out = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("kaserve stdio exits when stdin ends")
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(!stderr.contains("panicked"), "{stderr}");
    (
        out.status.code().unwrap(),
        stdout.lines().map(str::to_string).collect(),
        stderr,
    )
}

/// A request from `src` with `body` (a JSON object's inside).
fn req(src: &str, body: &str) -> String {
    format!(r#"{{"src":"{src}","dest":"n1","body":{{{body}}}}}"#)
}

/// A reply to `dest` with `body`.
fn rep(dest: &str, body: &str) -> String {
    format!(r#"{{"src":"n1","dest":"{dest}","body":{{{body}}}}}"#)
}

const INIT: &str = r#""type":"init","msg_id":1,"node_id":"n1","node_ids":["n1"]"#;

/// A request from `src` and the reply expected back to it.
fn step(src: &str, request: &str, reply: &str) -> (String, String) {
    (req(src, request), rep(src, reply))
}

/// The init message and its reply, every transcript's first step.
fn init() -> (String, String) {
    step("c0", INIT, r#""type":"init_ok","in_reply_to":1,"msg_id":0"#)
}

/// Runs a transcript of (request, expected reply) pairs.
fn transcript(steps: &[(String, String)]) {
    let input: Vec<&str> = steps.iter().map(|(i, _)| i.as_str()).collect();
    let (code, lines, stderr) = registry(&input);
    assert_eq!(code, 0, "{stderr}");
    for (i, ((request, want), got)) in steps.iter().zip(&lines).enumerate() {
        assert_eq!(got, want, "reply {i} to {request}");
    }
    assert_eq!(
        lines.len(),
        steps.len(),
        "one reply per request: {lines:#?}"
    );
}

#[test]
fn the_examples_of_the_protocol() {
    transcript(&[
        init(),
        step(
            "c1",
            r#""type":"ka_register","msg_id":2,"client_id":"a","timeout_ms":1000,"ping_interval_ms":300"#,
            r#""type":"ka_register_ok","in_reply_to":2,"msg_id":1"#,
        ),
    ]);
}

#[test]
fn every_message_with_msg_ids_counting_up() {
    transcript(&[
        init(),
        step(
            "c1",
            r#""type":"ka_register","msg_id":7,"client_id":"b","timeout_ms":1000,"ping_interval_ms":300"#,
            r#""type":"ka_register_ok","in_reply_to":7,"msg_id":1"#,
        ),
        step(
            "c2",
            r#""type":"ka_register","msg_id":8,"client_id":"a","timeout_ms":500,"ping_interval_ms":100"#,
            r#""type":"ka_register_ok","in_reply_to":8,"msg_id":2"#,
        ),
        // Time moves to 200: a is idle (past 100), b active (within 300).
        step(
            "c1",
            r#""type":"ka_check","msg_id":9,"current_time_ms":200"#,
            r#""type":"ka_check_ok","in_reply_to":9,"msg_id":3,"active":["a","b"],"expired":[]"#,
        ),
        step(
            "c1",
            r#""type":"ka_status","msg_id":10"#,
            r#""type":"ka_status_ok","in_reply_to":10,"msg_id":4,"connections":[{"client_id":"a","last_seen_ms_ago":200,"status":"idle"},{"client_id":"b","last_seen_ms_ago":200,"status":"active"}]"#,
        ),
        // A heartbeat makes a seen now.
        step(
            "c2",
            r#""type":"ka_heartbeat","msg_id":11,"client_id":"a""#,
            r#""type":"ka_heartbeat_ok","in_reply_to":11,"msg_id":5,"last_seen_ms_ago":0"#,
        ),
        step(
            "c1",
            r#""type":"ka_status","msg_id":12"#,
            r#""type":"ka_status_ok","in_reply_to":12,"msg_id":6,"connections":[{"client_id":"a","last_seen_ms_ago":0,"status":"active"},{"client_id":"b","last_seen_ms_ago":200,"status":"active"}]"#,
        ),
    ]);
}

#[test]
fn expiry_exactly_at_and_just_past_the_timeout() {
    transcript(&[
        init(),
        step(
            "c",
            r#""type":"ka_register","msg_id":2,"client_id":"x","timeout_ms":1000,"ping_interval_ms":400"#,
            r#""type":"ka_register_ok","in_reply_to":2,"msg_id":1"#,
        ),
        step(
            "c",
            r#""type":"ka_register","msg_id":3,"client_id":"y","timeout_ms":1500,"ping_interval_ms":400"#,
            r#""type":"ka_register_ok","in_reply_to":3,"msg_id":2"#,
        ),
        // Exactly at x's timeout: not expired.
        step(
            "c",
            r#""type":"ka_check","msg_id":4,"current_time_ms":1000"#,
            r#""type":"ka_check_ok","in_reply_to":4,"msg_id":3,"active":["x","y"],"expired":[]"#,
        ),
        // One millisecond past: expired, closed and forgotten.
        step(
            "c",
            r#""type":"ka_check","msg_id":5,"current_time_ms":1001"#,
            r#""type":"ka_check_ok","in_reply_to":5,"msg_id":4,"active":["y"],"expired":["x"]"#,
        ),
        step(
            "c",
            r#""type":"ka_heartbeat","msg_id":6,"client_id":"x""#,
            r#""type":"error","in_reply_to":6,"msg_id":5,"code":20,"text":"unknown client_id \"x\"""#,
        ),
        // An earlier time does not move the clock back: y stays as it was.
        step(
            "c",
            r#""type":"ka_check","msg_id":7,"current_time_ms":10"#,
            r#""type":"ka_check_ok","in_reply_to":7,"msg_id":6,"active":["y"],"expired":[]"#,
        ),
        step(
            "c",
            r#""type":"ka_check","msg_id":8,"current_time_ms":1501"#,
            r#""type":"ka_check_ok","in_reply_to":8,"msg_id":7,"active":[],"expired":["y"]"#,
        ),
        step(
            "c",
            r#""type":"ka_status","msg_id":9"#,
            r#""type":"ka_status_ok","in_reply_to":9,"msg_id":8,"connections":[]"#,
        ),
    ]);
}

#[test]
fn errors_and_garbage() {
    let steps = [
        req("c0", INIT),
        "this is not json".to_string(),
        req("c", r#""type":"ka_frobnicate","msg_id":2"#),
        req(
            "c",
            r#""type":"ka_register","msg_id":3,"client_id":"a","timeout_ms":"soon","ping_interval_ms":1"#,
        ),
        req(
            "c",
            r#""type":"ka_register","msg_id":4,"timeout_ms":5,"ping_interval_ms":1"#,
        ),
        req(
            "c",
            r#""type":"ka_heartbeat","msg_id":5,"client_id":"nobody""#,
        ),
        r#"{"src":"c","dest":"n1","body":{"type":"ka_check","msg_id":6"#.to_string(),
        req("c", r#""type":"ka_check","msg_id":7"#),
        // Integer ids sort numerically, before strings.
        req(
            "c",
            r#""type":"ka_register","msg_id":8,"client_id":10,"timeout_ms":5,"ping_interval_ms":1"#,
        ),
        req(
            "c",
            r#""type":"ka_register","msg_id":9,"client_id":9,"timeout_ms":5,"ping_interval_ms":1"#,
        ),
        req("c", r#""type":"ka_check","msg_id":10,"current_time_ms":5"#),
    ];
    let input: Vec<&str> = steps.iter().map(String::as_str).collect();
    let (code, lines, stderr) = registry(&input);
    assert_eq!(code, 0, "bad input never ends the node");
    assert_eq!(
        lines,
        vec![
            rep("c0", r#""type":"init_ok","in_reply_to":1,"msg_id":0"#),
            rep(
                "c",
                r#""type":"error","in_reply_to":2,"msg_id":1,"code":10,"text":"unknown message type 'ka_frobnicate'""#
            ),
            rep(
                "c",
                r#""type":"error","in_reply_to":3,"msg_id":2,"code":12,"text":"timeout_ms must be a non-negative integer, not \"soon\"""#
            ),
            rep(
                "c",
                r#""type":"error","in_reply_to":4,"msg_id":3,"code":12,"text":"missing client_id""#
            ),
            rep(
                "c",
                r#""type":"error","in_reply_to":5,"msg_id":4,"code":20,"text":"unknown client_id \"nobody\"""#
            ),
            rep(
                "c",
                r#""type":"error","in_reply_to":7,"msg_id":5,"code":12,"text":"missing current_time_ms""#
            ),
            rep("c", r#""type":"ka_register_ok","in_reply_to":8,"msg_id":6"#),
            rep("c", r#""type":"ka_register_ok","in_reply_to":9,"msg_id":7"#),
            rep(
                "c",
                r#""type":"ka_check_ok","in_reply_to":10,"msg_id":8,"active":[9,10],"expired":[]"#
            ),
        ]
    );
    let complaints: Vec<&str> = stderr.lines().collect();
    assert_eq!(complaints.len(), 2, "{stderr}");
    assert!(
        complaints[0].starts_with("kaserve: stdin line 2: invalid JSON"),
        "{stderr}"
    );
    assert!(
        complaints[1].starts_with("kaserve: stdin line 7: invalid JSON"),
        "{stderr}"
    );
}

#[test]
fn bytes_that_are_not_utf8_are_skipped_too() {
    let mut input = b"\xff\xfe not text\n".to_vec();
    input.extend_from_slice(req("c0", INIT).as_bytes());
    input.extend_from_slice(b"\r\n");
    let (code, lines, stderr) = registry_bytes(&input);
    assert_eq!(code, 0);
    assert_eq!(
        lines,
        vec![rep("c0", r#""type":"init_ok","in_reply_to":1,"msg_id":0"#)],
        "the next line (CRLF-ended) is answered"
    );
    assert!(
        stderr.starts_with("kaserve: stdin line 1: not UTF-8"),
        "{stderr}"
    );
}
