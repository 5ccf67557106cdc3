//! What a record must hold to be counted: durations that are finite and not
//! negative. A record that fails is an invalid line, like one that is not JSON.

use kawire::record::{PhasesRecord, Record};

use super::line::LineError;

/// A duration field must be a finite number, zero or more.
pub fn check_duration(field: &'static str, value: Option<f64>) -> Result<(), LineError> {
    match value {
        Some(v) if !v.is_finite() || v < 0.0 => Err(LineError::BadDuration(field)),
        _ => Ok(()),
    }
}

/// Every duration a record carries, checked.
pub fn check_durations(record: &Record) -> Result<(), LineError> {
    let phases = |p: &Option<PhasesRecord>| -> Result<(), LineError> {
        if let Some(p) = p {
            check_duration("connect_us", Some(p.connect_us))?;
            check_duration("tls_us", p.tls_us)?;
            check_duration("handshake_us", p.handshake_us)?;
            check_duration("first_us", p.first_us)?;
        }
        Ok(())
    };
    match record {
        Record::Probe(p) => {
            check_duration("rtt_us", p.rtt_us)?;
            phases(&p.phases)
        }
        Record::Event(e) => {
            check_duration("interval_ms", e.interval_ms)?;
            phases(&e.phases)
        }
        Record::State(s) => {
            check_duration("retry_in_ms", s.retry_in_ms)?;
            check_duration("lifetime_ms", s.lifetime_ms)
        }
        Record::Summary(s) => {
            check_duration("elapsed_ms", Some(s.summary.elapsed_ms))?;
            if let Some(w) = &s.watch {
                for v in w.time_in_ms.values() {
                    check_duration("time_in_ms", Some(*v))?;
                }
                check_duration("longest_outage_ms", Some(w.longest_outage_ms))?;
                check_duration("total_outage_ms", Some(w.total_outage_ms))?;
                check_duration("longest_lifetime_ms", Some(w.longest_lifetime_ms))?;
            }
            Ok(())
        }
    }
}
