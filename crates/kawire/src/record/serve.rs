//! kaserve's `--ndjson` log: its listeners and what happens to its clients.

use serde::{Deserialize, Serialize};

/// One line of kaserve's `--ndjson` log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServeRecord {
    /// A responder is ready: `addr` is the bound address (the real port when 0 was asked).
    Listening {
        v: u32,
        ts: String,
        proto: String,
        addr: String,
        /// Whether the listener speaks TLS.
        #[serde(default)]
        tls: bool,
        /// Path of a generated self-signed certificate, to pass to `--ca`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        generated_cert: Option<String>,
    },
    /// A client connected or its connection ended.
    Client {
        v: u32,
        ts: String,
        proto: String,
        peer: String,
        /// `connected`, `idle`, `pinged`, `expired`, `fault` or `closed`.
        event: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cause: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        detail: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        lifetime_ms: Option<f64>,
    },
}
