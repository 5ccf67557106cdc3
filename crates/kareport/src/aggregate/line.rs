//! Reading one NDJSON line: a record this version understands, a record of an
//! unknown type, or why it is neither; and the borrowed fast path for probe
//! records, which are most of any input.

use kawire::record::{Record, SCHEMA_VERSION};

/// Why a line was not a record this version understands.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LineError {
    #[error("not JSON: {0}")]
    NotJson(String),
    #[error("schema version {0} is newer than this kareport understands ({SCHEMA_VERSION})")]
    FutureVersion(u64),
    #[error("not a record: {0}")]
    NotRecord(String),
    #[error("not UTF-8: {0}")]
    NotUtf8(String),
    #[error("line longer than {0} bytes")]
    TooLong(usize),
    #[error("{0} is not a duration (negative or not finite)")]
    BadDuration(&'static str),
    #[error("{0} is beyond a century: not a duration a run can measure")]
    HugeDuration(&'static str),
}

/// What one line turned out to be.
#[derive(Debug, Clone, PartialEq)]
pub enum Parsed {
    Record(Box<Record>),
    /// A record of a type this version does not know (kept out, counted).
    Unknown(String),
}

/// A probe record read without copying its strings: probe records are most of
/// any input, and the general path (a JSON value, then the typed record with its
/// flattened header) costs several times more.
#[derive(Debug, serde::Deserialize)]
pub(super) struct ProbeLine<'a> {
    pub(super) v: u32,
    #[serde(borrow)]
    pub(super) ts: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    pub(super) run: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    pub(super) target: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    pub(super) protocol: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    pub(super) mode: std::borrow::Cow<'a, str>,
    /// A pinned target's address (`--each-address`).
    #[serde(default, borrow)]
    pub(super) addr: Option<std::borrow::Cow<'a, str>>,
    pub(super) ok: bool,
    #[serde(default)]
    pub(super) rtt_us: Option<f64>,
    #[serde(default, borrow)]
    pub(super) cause: Option<std::borrow::Cow<'a, str>>,
    #[serde(default, borrow)]
    pub(super) detail: Option<std::borrow::Cow<'a, str>>,
}

/// What adding a line did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ingested {
    Record,
    Unknown,
}

/// Parses one NDJSON line.
pub fn parse_line(line: &str) -> Result<Parsed, LineError> {
    let value: serde_json::Value =
        serde_json::from_str(line).map_err(|e| LineError::NotJson(e.to_string()))?;
    let v = value.get("v").and_then(|v| v.as_u64()).unwrap_or(0);
    if v > u64::from(SCHEMA_VERSION) {
        return Err(LineError::FutureVersion(v));
    }
    let kind = value
        .get("type")
        .and_then(|t| t.as_str())
        .unwrap_or("")
        .to_string();
    if !matches!(kind.as_str(), "probe" | "event" | "state" | "summary") {
        return Ok(Parsed::Unknown(kind));
    }
    serde_json::from_value(value)
        .map(|r| Parsed::Record(Box::new(r)))
        .map_err(|e| LineError::NotRecord(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_records_unknowns_or_errors() {
        let probe = r#"{"type":"probe","v":1,"ts":"2026-11-21T10:00:00.000000Z","run":"r","target":"tcp://h:1","protocol":"tcp","mode":"echo","seq":1,"ok":true,"rtt_us":50.0}"#;
        assert!(matches!(parse_line(probe), Ok(Parsed::Record(_))));
        assert_eq!(
            parse_line(r#"{"type":"hello","v":1}"#),
            Ok(Parsed::Unknown("hello".into()))
        );
        assert_eq!(
            parse_line(r#"{"type":"probe","v":2}"#),
            Err(LineError::FutureVersion(2))
        );
        assert!(matches!(
            parse_line("{\"type\":\"probe\",\"v\":1"),
            Err(LineError::NotJson(_))
        ));
        assert!(matches!(
            parse_line(r#"{"type":"probe","v":1}"#),
            Err(LineError::NotRecord(_))
        ));
    }
}
