//! What a record must hold to be counted: durations that are finite, not
//! negative and below a sane maximum. A record that fails is an invalid line,
//! like one that is not JSON.

use kawire::record::{PhasesRecord, Record};

use super::line::LineError;

/// The longest duration a record may carry, in seconds: a century. The tools
/// cap a timeout or interval at 366 days; a watch may run for years, not for
/// 1e300 µs, which would swamp every sum and average it joined.
pub const MAX_DURATION_S: f64 = 100.0 * 366.0 * 86_400.0;

/// A duration field must be a finite number, zero or more, at most
/// [`MAX_DURATION_S`] in the unit its name ends with (`_us` or `_ms`).
pub fn check_duration(field: &'static str, value: Option<f64>) -> Result<(), LineError> {
    let per_second = if field.ends_with("_us") { 1e6 } else { 1e3 };
    match value {
        Some(v) if !v.is_finite() || v < 0.0 => Err(LineError::BadDuration(field)),
        Some(v) if v > MAX_DURATION_S * per_second => Err(LineError::HugeDuration(field)),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_beyond_a_century_are_refused_in_their_unit() {
        let century_us = MAX_DURATION_S * 1e6;
        assert!(check_duration("rtt_us", Some(century_us)).is_ok());
        assert!(check_duration("rtt_us", Some(century_us * 1.01)).is_err());
        assert!(check_duration("rtt_us", Some(1e308)).is_err());
        // The same number of milliseconds is a thousand centuries.
        assert!(check_duration("elapsed_ms", Some(century_us)).is_err());
        assert!(check_duration("elapsed_ms", Some(century_us / 1e3)).is_ok());
        assert!(check_duration("rtt_us", Some(-1.0)).is_err());
        assert!(check_duration("rtt_us", None).is_ok());
    }
}
