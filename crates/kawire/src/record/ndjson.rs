//! The NDJSON records about a target as they happen: a probe's result, a connection
//! event, a watched connection's change of state.

use serde::{Deserialize, Serialize};

use super::Header;

/// A watched connection changed state (kawatch).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StateRecord {
    #[serde(flatten)]
    pub header: Header,
    pub from: String,
    pub to: String,
    /// Why, in a network engineer's words (`timeout`, `reset`, `goaway ...`), or
    /// what happened (`connect 1.2ms`, `missed 1/3 pongs`, `attempt 2 in 2.1s`).
    pub cause: String,
    /// The cause's kind, from a closed set (`connected`, `reply`, `slow`, `missed`,
    /// `backoff`, `attempt`, or a cause kind such as `timeout` or `ws-close 1011`):
    /// what groupings and metrics key on. Absent in records of older versions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// `reconnecting` only: the attempt and the wait before it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempt: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_in_ms: Option<f64>,
    /// `down` from `up` or `degraded`: how long the connection lived.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifetime_ms: Option<f64>,
}

/// The result of one probe.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProbeRecord {
    #[serde(flatten)]
    pub header: Header,
    pub seq: u64,
    pub ok: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rtt_us: Option<f64>,
    /// Why the probe failed (`timeout`, `refused`, `reset`, `eof`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cause: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Phase times of a probe on a fresh connection (`--fresh`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phases: Option<PhasesRecord>,
    /// HTTP: the response's status (also on a probe failed by its status).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// HTTP: from sending the request to the response's head.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttfb_us: Option<f64>,
    /// HTTP: whether the request went on a connection that had carried one before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reused: Option<bool>,
    /// HTTP: `1.1` or `2`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_version: Option<String>,
    /// The reply's text, when the probes are lines read from stdin (`--send -`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply: Option<String>,
}

/// How long each step of opening a connection took.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PhasesRecord {
    /// TCP handshake (with the proxy, when there is one).
    pub connect_us: f64,
    /// The proxy's CONNECT tunnel (through a proxy only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proxy_us: Option<f64>,
    /// TLS handshake (TLS targets only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_us: Option<f64>,
    /// WebSocket upgrade or HTTP/2 handshake.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handshake_us: Option<f64>,
    /// First keepalive round trip on the new connection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_us: Option<f64>,
}

/// A connection event: `connected`, `disconnected`, `server-ping` or `keep-alive`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EventRecord {
    #[serde(flatten)]
    pub header: Header,
    pub event: String,
    /// How the connection was opened; `connected` only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phases: Option<PhasesRecord>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cause: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Time since the server's previous ping of the same kind; `server-ping` only,
    /// not on the first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval_ms: Option<f64>,
    /// `server-ping` only: `keepalive`, `bdp` (a bandwidth estimate that follows
    /// our data, grpc-go's and grpc-core's) or `drain` (before a graceful GOAWAY).
    /// Absent in records of older versions, whose server pings were all counted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ping_kind: Option<String>,
    /// `server-ping` over HTTP/2 only: the PING's 8 opaque bytes, in hex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ping_data: Option<String>,
    /// `server-ping` only, when pings came less than a second apart: how many
    /// this record stands for (itself included), at most one record a second.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ping_count: Option<u64>,
    /// With `ping_count`: the milliseconds those pings took.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ping_span_ms: Option<f64>,
    /// `keep-alive` only: the server's `Keep-Alive: timeout=N` in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub announced_timeout_ms: Option<f64>,
    /// `keep-alive` only: its `max=M`, the requests one connection may carry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub announced_max: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::super::Record;
    use super::*;

    #[test]
    fn probe_record_wire_form() {
        let rec = Record::Probe(ProbeRecord {
            header: Header {
                v: 1,
                ts: "2026-11-21T10:00:00.000000Z".into(),
                run: "r".into(),
                target: "tcp://h:1".into(),
                protocol: "tcp".into(),
                mode: "echo".into(),
                addr: None,
            },
            seq: 3,
            ok: true,
            rtt_us: Some(52.5),
            cause: None,
            detail: None,
            phases: None,
            status: None,
            ttfb_us: None,
            reused: None,
            http_version: None,
            reply: None,
        });
        let line = serde_json::to_string(&rec).unwrap();
        assert_eq!(
            line,
            r#"{"type":"probe","v":1,"ts":"2026-11-21T10:00:00.000000Z","run":"r","target":"tcp://h:1","protocol":"tcp","mode":"echo","seq":3,"ok":true,"rtt_us":52.5}"#
        );
        let back: Record = serde_json::from_str(&line).unwrap();
        assert_eq!(back, rec);
    }
}
