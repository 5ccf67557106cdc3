//! The layers answer in one sentence.

use kaprobe::discover::layers::{Kept, LayersConfig, LayersReport, Mechanism, verdict::kept};
use kaprobe::units::short;

/// `use ws ping every 1s: ...`
pub fn summary(cfg: &LayersConfig, report: &LayersReport) -> String {
    if let Some(after) = cfg.measure {
        return measured(after, report);
    }
    let rs = &report.results;
    let mut text = if let Some(m) = report.recommended {
        let r = rs
            .iter()
            .find(|r| r.mechanism == m)
            .expect("recommended from the results");
        format!(
            "use {} every {}: the cheapest mechanism that kept the connection alive through this path, and it notices a dead peer within {}",
            m.name(),
            short(cfg.interval),
            r.detect_within.map_or("?".into(), short)
        )
    } else if rs.iter().any(|r| r.mechanism == Mechanism::None && r.alive) {
        format!(
            "the path killed nothing in {}, not even the idle control: nothing to choose between (run longer, or find the idle timeout first)",
            short(cfg.duration)
        )
    } else {
        let kept_alive: Vec<&str> = rs
            .iter()
            .filter(|r| r.mechanism != Mechanism::None && kept(rs, r) == Kept::Yes)
            .map(|r| r.mechanism.name())
            .collect();
        if kept_alive.is_empty() {
            format!(
                "no mechanism kept the connection alive at {}",
                short(cfg.interval)
            )
        } else {
            format!(
                "{} kept the connection alive, but none notices a dead peer within {} at these settings (lower --interval or -W)",
                kept_alive.join(", "),
                short(cfg.detect_within)
            )
        }
    };
    let lost: Vec<&str> = rs
        .iter()
        .filter(|r| r.mechanism != Mechanism::None && !r.failed && kept(rs, r) == Kept::No)
        .map(|r| r.mechanism.name())
        .collect();
    if !lost.is_empty() && report.recommended.is_some() {
        text.push_str(&format!("; {} did not", lost.join(", ")));
    }
    if report.interrupted {
        text.push_str(" (interrupted)");
    }
    text
}

/// `--measure-detection`: what each mechanism took to notice the dead peer.
fn measured(after: std::time::Duration, report: &LayersReport) -> String {
    let parts: Vec<String> = report
        .results
        .iter()
        .filter(|r| r.mechanism != Mechanism::None && !r.failed)
        .map(|r| match (r.detected_after, r.detect_within) {
            (Some(d), Some(bound)) => format!(
                "{} noticed in {} (bound {})",
                r.mechanism.name(),
                short(d),
                short(bound)
            ),
            (Some(d), None) => format!("{} noticed in {}", r.mechanism.name(), short(d)),
            // The kernel's probes are answered by the peer's kernel: their
            // bound is for a host that stops answering, not a hung process.
            (None, Some(bound)) if r.mechanism == Mechanism::TcpKeepalive => format!(
                "{} did not notice within the run's {} (its {} bound holds for a host \
                 that stops answering, not for a process whose kernel still acknowledges)",
                r.mechanism.name(),
                short(report.elapsed),
                short(bound)
            ),
            (None, Some(bound)) => format!(
                "{} did not notice within the run's {}, though its settings bound it at {}",
                r.mechanism.name(),
                short(report.elapsed),
                short(bound)
            ),
            (None, None) => format!(
                "{} did not notice within the run's {} (it never would at its settings)",
                r.mechanism.name(),
                short(report.elapsed)
            ),
        })
        .collect();
    format!(
        "against a peer dead {} after connecting: {}",
        short(after),
        parts.join("; ")
    )
}
