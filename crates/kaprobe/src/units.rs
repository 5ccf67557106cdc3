//! Time as the suite says it, every format in one place: as people say it
//! (`short`), as ping prints it (`ms3`, `secs3`), as a verdict states a measurement
//! (`measured`), in tenths of a second (`tenths`, `secs1`); and the "far future" an
//! unarmed timer waits for.

use std::time::Duration;

/// A duration as people say it: `250µs`, `1.2ms`, `150ms`, `1.5s`, `2m 30s`.
/// Below 10 ms a tenth of a millisecond still matters; above it, whole ones.
pub fn short(d: Duration) -> String {
    let secs = d.as_secs_f64();
    let trim = |s: String| s.strip_suffix(".0").map(str::to_string).unwrap_or(s);
    if d.is_zero() {
        "0s".to_string()
    } else if secs >= 60.0 {
        humantime::format_duration(Duration::from_secs(d.as_secs())).to_string()
    } else if secs >= 1.0 {
        format!("{}s", trim(format!("{secs:.1}")))
    } else if secs >= 0.01 {
        format!("{}ms", (secs * 1000.0).round())
    } else if secs >= 0.001 {
        format!("{}ms", trim(format!("{:.1}", secs * 1000.0)))
    } else {
        format!("{}µs", d.as_micros())
    }
}

/// Milliseconds with three decimals, as ping prints them: `0.052`, `1500.000`.
pub fn ms3(d: Duration) -> String {
    millis3(d.as_secs_f64() * 1000.0)
}

/// A count of milliseconds (read back from a record) as [`ms3`] prints it.
pub fn millis3(ms: f64) -> String {
    format!("{ms:.3}")
}

/// Seconds with three decimals, as ping prints an interval: `1.500`.
pub fn secs3(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64())
}

/// Seconds with one decimal: `0.3s`, `12.0s`.
pub fn secs1(d: Duration) -> String {
    format!("{:.1}s", d.as_secs_f64())
}

/// Tenths of a second from a second up, whole milliseconds below: `250ms`, `1.5s`.
pub fn tenths(d: Duration) -> String {
    if d >= Duration::from_secs(1) {
        secs1(d)
    } else {
        format!("{}ms", d.as_millis())
    }
}

/// A measured duration as a verdict states it, with the precision a measurement
/// has: `1.95s`, `59.1s`, `343.0s`, `20m 3s`.
pub fn measured(d: Duration) -> String {
    if d < Duration::from_secs(10) {
        format!("{:.2}s", d.as_secs_f64())
    } else if d < Duration::from_secs(1000) {
        format!("{:.1}s", d.as_secs_f64())
    } else {
        humantime::format_duration(Duration::from_secs(d.as_secs())).to_string()
    }
}

/// A moment no timer of a run will reach: a year from now.
pub fn far_future() -> tokio::time::Instant {
    tokio::time::Instant::now() + Duration::from_secs(86_400 * 365)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_people_say_them() {
        assert_eq!(short(Duration::ZERO), "0s");
        assert_eq!(short(Duration::from_micros(250)), "250µs");
        assert_eq!(short(Duration::from_micros(1200)), "1.2ms");
        assert_eq!(short(Duration::from_millis(3)), "3ms");
        assert_eq!(short(Duration::from_micros(50_400)), "50ms");
        assert_eq!(short(Duration::from_millis(100)), "100ms");
        assert_eq!(short(Duration::from_secs(1)), "1s");
        assert_eq!(short(Duration::from_millis(1500)), "1.5s");
        assert_eq!(short(Duration::from_secs(150)), "2m 30s");
    }

    #[test]
    fn the_other_formats() {
        assert_eq!(ms3(Duration::from_micros(52)), "0.052");
        assert_eq!(ms3(Duration::from_millis(1500)), "1500.000");
        assert_eq!(secs3(Duration::from_millis(1500)), "1.500");
        assert_eq!(tenths(Duration::from_millis(250)), "250ms");
        assert_eq!(tenths(Duration::from_millis(1500)), "1.5s");
        assert_eq!(measured(Duration::from_millis(1950)), "1.95s");
        assert_eq!(measured(Duration::from_millis(59_100)), "59.1s");
        assert_eq!(measured(Duration::from_secs(1203)), "20m 3s");
    }
}
