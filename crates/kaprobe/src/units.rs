//! Time as the suite says it: one short duration formatter for causes, lines and
//! tables, and the "far future" an unarmed timer waits for.

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
}
