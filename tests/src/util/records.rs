//! Reading records back through the schema types: every line of an output, and
//! the records of one type among them.

use kawire::record::{EventRecord, ProbeRecord, Record, StateRecord, SummaryRecord};

/// Every line of `text` parsed as a record; a line that is not one fails the test.
pub fn parse_records(text: &str) -> Vec<Record> {
    text.lines()
        .map(|line| {
            serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("not a record ({e}): {line:?}\nall:\n{text}"))
        })
        .collect()
}

/// The probe records among `records`.
pub fn probes(records: &[Record]) -> Vec<&ProbeRecord> {
    records
        .iter()
        .filter_map(|r| match r {
            Record::Probe(p) => Some(p),
            _ => None,
        })
        .collect()
}

/// The event records of one kind (`connected`, `disconnected`, `server-ping`).
pub fn events<'a>(records: &'a [Record], kind: &str) -> Vec<&'a EventRecord> {
    records
        .iter()
        .filter_map(|r| match r {
            Record::Event(e) if e.event == kind => Some(e),
            _ => None,
        })
        .collect()
}

/// The first summary record.
pub fn summary(records: &[Record]) -> &SummaryRecord {
    records
        .iter()
        .find_map(|r| match r {
            Record::Summary(s) => Some(&**s),
            _ => None,
        })
        .expect("a summary record")
}

/// The state records (a watch's transitions) among `records`.
pub fn states(records: &[Record]) -> Vec<&StateRecord> {
    records
        .iter()
        .filter_map(|r| match r {
            Record::State(s) => Some(s),
            _ => None,
        })
        .collect()
}
