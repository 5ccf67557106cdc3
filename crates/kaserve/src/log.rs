//! kaserve's log: a line (or with `--ndjson` a record) for each listener and for
//! what happens to each client.

use std::io::Write;
use std::time::SystemTime;

use kacli::ndjson::write_line;
use kacli::term::shown;
use kawire::record::{SCHEMA_VERSION, ServeRecord, millis, timestamp};

use crate::serve::Protocol;
use crate::serve::event::{Happened, ServeEvent};

/// The record of a responder that became ready `at`.
pub fn listening(
    at: SystemTime,
    proto: Protocol,
    addr: std::net::SocketAddr,
    tls: bool,
    generated_cert: Option<String>,
) -> ServeRecord {
    ServeRecord::Listening {
        v: SCHEMA_VERSION,
        ts: timestamp(at),
        proto: proto.to_string(),
        addr: addr.to_string(),
        tls,
        generated_cert,
    }
}

/// The record of something that happened to a client, stamped when it happened.
pub fn from_event(event: &ServeEvent) -> ServeRecord {
    let (name, cause, detail, lifetime_ms) = match &event.what {
        Happened::Connected => ("connected", None, None, None),
        Happened::Note { event, detail } => (*event, None, Some(detail.clone()), None),
        Happened::Closed { cause, lifetime } => (
            "closed",
            Some(
                cause
                    .as_ref()
                    .map_or("shutdown".into(), |c| c.kind.to_string()),
            ),
            cause.as_ref().map(|c| c.detail.clone()),
            Some(millis(*lifetime)),
        ),
    };
    ServeRecord::Client {
        v: SCHEMA_VERSION,
        ts: timestamp(event.at),
        proto: event.proto.to_string(),
        peer: event.peer.to_string(),
        event: name.to_string(),
        cause,
        detail,
        lifetime_ms,
    }
}

/// Writes one log line; a closed stdout does not stop the server.
pub fn log(ndjson: bool, record: &ServeRecord) {
    let mut out = std::io::stdout().lock();
    let _ = if ndjson {
        write_line(&mut out, record)
    } else {
        writeln!(out, "{}", kacli::term::escape(&human(record))).and_then(|()| out.flush())
    };
}

fn human(record: &ServeRecord) -> String {
    match record {
        ServeRecord::Listening {
            ts, proto, addr, ..
        } => {
            format!("{ts} {proto} listening on {addr}")
        }
        ServeRecord::Client {
            ts,
            proto,
            peer,
            event,
            cause,
            detail,
            lifetime_ms,
            ..
        } => {
            let mut line = format!("{ts} {proto} {peer} {event}");
            let detail = detail.as_deref().filter(|d| !d.is_empty()).map(shown);
            if let Some(cause) = cause {
                line.push_str(&format!(": {cause}"));
                if let Some(detail) = detail {
                    line.push_str(&format!(" ({detail})"));
                }
            } else if let Some(detail) = detail {
                line.push_str(&format!(": {detail}"));
            }
            if let Some(ms) = lifetime_ms {
                line.push_str(&format!(" after {:.1}s", ms / 1000.0));
            }
            line
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_record_is_stamped_when_its_event_happened() {
        let at = SystemTime::UNIX_EPOCH + Duration::from_millis(1500);
        let event = ServeEvent {
            at,
            proto: Protocol::Tcp,
            peer: std::net::SocketAddr::from(([127, 0, 0, 1], 9)),
            what: Happened::Closed {
                cause: None,
                lifetime: Duration::from_secs(2),
            },
        };
        let ServeRecord::Client {
            ts, event, cause, ..
        } = from_event(&event)
        else {
            panic!("a client record");
        };
        assert_eq!(ts, "1970-01-01T00:00:01.500000Z", "not when it was written");
        assert_eq!(
            (event.as_str(), cause.as_deref()),
            ("closed", Some("shutdown"))
        );
    }
}
