//! The keepalive registry protocol (`kaserve stdio`): one JSON message a line,
//! `{"src", "dest", "body": {"type", "msg_id", ...}}`, answered from this node to the
//! sender with `in_reply_to` and a `msg_id` counting from 0 across every reply.
//! Clients live in a [`Liveness`] table on a logical clock: milliseconds since
//! `init`, moved forward only by `ka_check`'s `current_time_ms`, so a scripted run
//! gives the same answers every time.

use std::cmp::Ordering;

use serde_json::{Map, Value};

use crate::liveness::Liveness;

/// Error codes of the protocol.
pub const UNKNOWN_TYPE: u64 = 10;
pub const MALFORMED: u64 = 12;
pub const UNKNOWN_CLIENT: u64 = 20;
/// Maelstrom's "temporarily unavailable": the table is full.
pub const TABLE_FULL: u64 = 11;

/// The most clients the table holds; registering one more is refused.
pub const MAX_CLIENTS: usize = 100_000;

/// A client id as the sender wrote it: a string or an integer. Integers sort
/// before strings, numerically; strings sort by their bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClientId {
    Int(i128),
    Text(String),
}

impl Ord for ClientId {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (ClientId::Int(a), ClientId::Int(b)) => a.cmp(b),
            (ClientId::Text(a), ClientId::Text(b)) => a.cmp(b),
            (ClientId::Int(_), ClientId::Text(_)) => Ordering::Less,
            (ClientId::Text(_), ClientId::Int(_)) => Ordering::Greater,
        }
    }
}

impl PartialOrd for ClientId {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl ClientId {
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::String(s) => Some(ClientId::Text(s.clone())),
            Value::Number(n) => n
                .as_i64()
                .map(i128::from)
                .or_else(|| n.as_u64().map(i128::from))
                .map(ClientId::Int),
            _ => None,
        }
    }

    fn to_value(&self) -> Value {
        match self {
            ClientId::Int(i) => i64::try_from(*i)
                .map(Value::from)
                .unwrap_or_else(|_| Value::from(*i as u64)),
            ClientId::Text(s) => Value::from(s.as_str()),
        }
    }
}

/// A reply, its fields in the order the protocol's examples show.
#[derive(serde::Serialize)]
struct Envelope {
    src: String,
    dest: String,
    body: Body,
}

#[derive(serde::Serialize)]
struct Body {
    #[serde(rename = "type")]
    kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    in_reply_to: Option<Value>,
    msg_id: u64,
    #[serde(flatten)]
    fields: Map<String, Value>,
}

/// One registry node.
#[derive(Debug, Default)]
pub struct Node {
    node_id: Option<String>,
    next_msg_id: u64,
    clock_ms: u64,
    clients: Liveness<ClientId>,
}

/// What a line produced.
#[derive(Debug, PartialEq)]
pub enum Outcome {
    /// A reply line to write on stdout.
    Reply(String),
    /// A line that is not a message: say why on stderr, skip it.
    Invalid(String),
}

/// A request that cannot be served, as (code, text).
type Refusal = (u64, String);

fn malformed(text: impl Into<String>) -> Refusal {
    (MALFORMED, text.into())
}

/// A non-negative whole number of milliseconds.
fn millis(body: &Map<String, Value>, key: &str) -> Result<u64, Refusal> {
    let v = body
        .get(key)
        .ok_or_else(|| malformed(format!("missing {key}")))?;
    v.as_u64()
        .or_else(|| {
            v.as_f64()
                .filter(|f| f.is_finite() && *f >= 0.0 && f.fract() == 0.0)
                .map(|f| f as u64)
        })
        .ok_or_else(|| malformed(format!("{key} must be a non-negative integer, not {v}")))
}

fn client_id(body: &Map<String, Value>) -> Result<ClientId, Refusal> {
    let v = body
        .get("client_id")
        .ok_or_else(|| malformed("missing client_id"))?;
    ClientId::from_value(v)
        .ok_or_else(|| malformed(format!("client_id must be a string or an integer, not {v}")))
}

impl Node {
    pub fn new() -> Self {
        Node::default()
    }

    /// The node's clock: milliseconds since `init` as moved by `ka_check`.
    pub fn clock_ms(&self) -> u64 {
        self.clock_ms
    }

    /// Handles one input line.
    pub fn handle(&mut self, line: &str) -> Outcome {
        let message: Value = match serde_json::from_str(line) {
            Ok(v) => v,
            Err(e) => return Outcome::Invalid(format!("invalid JSON: {e}")),
        };
        let Some(src) = message.get("src").and_then(Value::as_str) else {
            return Outcome::Invalid("not a message: no \"src\" to reply to".into());
        };
        let src = src.to_string();
        let dest = message
            .get("dest")
            .and_then(Value::as_str)
            .map(str::to_string);
        let body = message.get("body").and_then(Value::as_object);
        let in_reply_to = body.and_then(|b| b.get("msg_id")).cloned();
        let reply = match body {
            None => Err(malformed("missing body object")),
            Some(body) => self.answer(body),
        };
        let me = self
            .node_id
            .clone()
            .or(dest)
            .unwrap_or_else(|| "n0".to_string());
        let (kind, fields) = match reply {
            Ok(reply) => reply,
            Err((code, text)) => {
                let mut m = Map::new();
                m.insert("code".into(), code.into());
                m.insert("text".into(), text.into());
                ("error".to_string(), m)
            }
        };
        let reply = Envelope {
            src: me,
            dest: src,
            body: Body {
                kind,
                in_reply_to,
                msg_id: self.next_msg_id,
                fields,
            },
        };
        self.next_msg_id += 1;
        Outcome::Reply(serde_json::to_string(&reply).expect("a reply serializes"))
    }

    /// The reply's type and its other fields.
    fn answer(
        &mut self,
        body: &Map<String, Value>,
    ) -> Result<(String, Map<String, Value>), Refusal> {
        let kind = match body.get("type") {
            Some(Value::String(t)) => t.as_str(),
            Some(other) => return Err(malformed(format!("type must be a string, not {other}"))),
            None => return Err(malformed("missing type")),
        };
        let mut out = Map::new();
        match kind {
            "init" => {
                let node_id = body
                    .get("node_id")
                    .and_then(Value::as_str)
                    .ok_or_else(|| malformed("init needs a string node_id"))?;
                if !body.get("node_ids").is_none_or(Value::is_array) {
                    return Err(malformed("node_ids must be an array"));
                }
                self.node_id = Some(node_id.to_string());
                self.clock_ms = 0;
            }
            "ka_register" => {
                let id = client_id(body)?;
                let timeout = millis(body, "timeout_ms")?;
                let interval = millis(body, "ping_interval_ms")?;
                if self.clients.len() >= MAX_CLIENTS && self.clients.get(&id).is_none() {
                    return Err((
                        TABLE_FULL,
                        format!("the client table is full ({MAX_CLIENTS} clients)"),
                    ));
                }
                self.clients.register(id, timeout, interval, self.clock_ms);
            }
            "ka_heartbeat" => {
                let id = client_id(body)?;
                self.clients.seen(&id, self.clock_ms).map_err(|_| {
                    (
                        UNKNOWN_CLIENT,
                        format!("unknown client_id {}", id.to_value()),
                    )
                })?;
                let ago = self
                    .clients
                    .get(&id)
                    .map_or(0, |c| c.silent_ms(self.clock_ms));
                out.insert("last_seen_ms_ago".into(), ago.into());
            }
            "ka_check" => {
                let now = millis(body, "current_time_ms")?;
                self.clock_ms = self.clock_ms.max(now);
                let (expired, active) = self.clients.check(self.clock_ms);
                let ids = |v: Vec<ClientId>| {
                    Value::from(v.iter().map(ClientId::to_value).collect::<Vec<_>>())
                };
                out.insert("expired".into(), ids(expired));
                out.insert("active".into(), ids(active));
            }
            "ka_status" => {
                let connections: Vec<Value> = self
                    .clients
                    .statuses(self.clock_ms)
                    .into_iter()
                    .map(|(id, ago, status)| {
                        let mut c = Map::new();
                        c.insert("client_id".into(), id.to_value());
                        c.insert("last_seen_ms_ago".into(), ago.into());
                        c.insert("status".into(), status.as_str().into());
                        Value::Object(c)
                    })
                    .collect();
                out.insert("connections".into(), connections.into());
            }
            other => {
                return Err((UNKNOWN_TYPE, format!("unknown message type '{other}'")));
            }
        }
        Ok((format!("{kind}_ok"), out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body(node: &mut Node, line: &str) -> Value {
        match node.handle(line) {
            Outcome::Reply(r) => serde_json::from_str::<Value>(&r).unwrap()["body"].clone(),
            Outcome::Invalid(why) => panic!("invalid: {why}"),
        }
    }

    #[test]
    fn the_issue_example() {
        let mut n = Node::new();
        let a = n.handle(r#"{"src":"c0","dest":"n1","body":{"type":"init","msg_id":1,"node_id":"n1","node_ids":["n1"]}}"#);
        let b = n.handle(r#"{"src":"c1","dest":"n1","body":{"type":"ka_register","msg_id":2,"client_id":"a","timeout_ms":100,"ping_interval_ms":50}}"#);
        // Byte for byte as the protocol's text writes them.
        assert_eq!(
            a,
            Outcome::Reply(
                r#"{"src":"n1","dest":"c0","body":{"type":"init_ok","in_reply_to":1,"msg_id":0}}"#
                    .into()
            )
        );
        assert_eq!(
            b,
            Outcome::Reply(
                r#"{"src":"n1","dest":"c1","body":{"type":"ka_register_ok","in_reply_to":2,"msg_id":1}}"#
                    .into()
            )
        );
    }

    #[test]
    fn ids_sort_numbers_first() {
        let mut ids = [
            ClientId::Text("b".into()),
            ClientId::Int(10),
            ClientId::Text("a".into()),
            ClientId::Int(9),
        ];
        ids.sort();
        let v: Vec<Value> = ids.iter().map(ClientId::to_value).collect();
        assert_eq!(v, vec![json!(9), json!(10), json!("a"), json!("b")]);
    }

    #[test]
    fn the_clock_never_goes_back() {
        let mut n = Node::new();
        body(
            &mut n,
            r#"{"src":"c","body":{"type":"ka_check","msg_id":1,"current_time_ms":500}}"#,
        );
        body(
            &mut n,
            r#"{"src":"c","body":{"type":"ka_check","msg_id":2,"current_time_ms":100}}"#,
        );
        assert_eq!(n.clock_ms(), 500);
        let e = body(
            &mut n,
            r#"{"src":"c","body":{"type":"ka_check","msg_id":3,"current_time_ms":-1}}"#,
        );
        assert_eq!(e["code"], json!(MALFORMED));
    }

    #[test]
    fn the_client_table_is_bounded() {
        let mut n = Node::new();
        let register = |n: &mut Node, id: usize| {
            body(
                n,
                &format!(
                    r#"{{"src":"c","body":{{"type":"ka_register","msg_id":{id},"client_id":{id},"timeout_ms":100,"ping_interval_ms":50}}}}"#
                ),
            )
        };
        for id in 0..MAX_CLIENTS {
            assert_eq!(register(&mut n, id)["type"], json!("ka_register_ok"));
        }
        let full = register(&mut n, MAX_CLIENTS);
        assert_eq!(full["code"], json!(TABLE_FULL), "{full}");
        assert!(full["text"].as_str().unwrap().contains("full"));
        // A client already in the table may register again.
        assert_eq!(register(&mut n, 7)["type"], json!("ka_register_ok"));
    }
}

#[cfg(test)]
mod hostile {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// Any line, JSON or not: a reply or a named skip, never a panic.
        #[test]
        fn any_line_is_answered_or_skipped(line in ".{0,300}") {
            let _ = Node::new().handle(&line);
        }

        #[test]
        fn any_message_shape_is_answered_or_skipped(
            kind in "(init|ka_register|ka_heartbeat|ka_check|ka_status|x)",
            field in "(client_id|timeout_ms|ping_interval_ms|current_time_ms|node_id|msg_id)",
            value in "(-1|0|1e308|18446744073709551616|\"a\"|null|\\[\\]|\\{\\}|1.5)",
        ) {
            let line = format!(r#"{{"src":"c","body":{{"type":"{kind}","msg_id":1,"{field}":{value}}}}}"#);
            let mut node = Node::new();
            let _ = node.handle(&line);
            let _ = node.handle(&line);
        }
    }
}
