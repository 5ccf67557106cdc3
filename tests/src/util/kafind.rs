//! kafind for the tests: a verb run with `--json`, its document read back through
//! its schema type, and the flags each test file takes by default.

use serde::de::DeserializeOwned;

use super::{KaServe, Output, run};

/// `kafind VERB TARGET --json ARGS`, then each `(flag, value)` of `defaults` whose
/// flag `extra` does not give, then `extra`: the verb's document and the output.
pub fn json<T: DeserializeOwned>(
    verb: &str,
    target: &str,
    args: &[&str],
    defaults: &[(&str, &str)],
    extra: &[&str],
) -> (T, Output) {
    let mut all = vec![verb, target, "--json"];
    all.extend_from_slice(args);
    for (flag, value) in defaults {
        if !extra.contains(flag) {
            all.extend_from_slice(&[flag, value]);
        }
    }
    all.extend_from_slice(extra);
    let out = run("kafind", &all);
    out.assert_no_panic();
    let doc = serde_json::from_str(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not a kafind {verb} document ({e}):\n{}\n{}",
            out.stdout, out.stderr
        )
    });
    (doc, out)
}

/// A kaserve of `proto` on a free loopback port, its records on stdout, with
/// `extra` flags: a peer to discover.
pub fn kaserve(proto: &str, extra: &[&str]) -> KaServe {
    let mut all = vec![proto, "--listen", "127.0.0.1:0", "--ndjson"];
    all.extend_from_slice(extra);
    KaServe::start(&all)
}

/// For each `(flags, says)` of `cases`, `kafind VERB TARGET FLAGS` is a usage
/// error (exit status 2) that says `says`.
pub fn refuses(verb: &str, target: &str, cases: &[(&[&str], &str)]) {
    for (flags, says) in cases {
        let args = [&[verb, target][..], flags].concat();
        let out = run("kafind", &args);
        out.assert_no_panic();
        assert_eq!(out.code(), 2, "{args:?}: {}", out.stderr);
        assert!(out.stderr.contains(says), "{args:?}: {}", out.stderr);
    }
}

/// Every JSON document in `stdout`, one after another (`--each-address`: one an
/// address).
pub fn documents<T: DeserializeOwned>(stdout: &str) -> Vec<T> {
    serde_json::Deserializer::from_str(stdout)
        .into_iter()
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("not kafind documents ({e}):\n{stdout}"))
}
