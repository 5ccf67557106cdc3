//! The table: a row per group, RTT in milliseconds, a sparkline of RTT over time,
//! watch figures where there were watches; a line about the input under it. Fitted
//! to the terminal, or Markdown.

use std::io::{self, Write};

use kacli::table::{Col, FitTable};
use kawire::record::ReportDoc;

use super::view::GroupView;

fn ms(us: Option<f64>) -> String {
    us.map_or_else(|| "-".to_string(), |v| kaprobe::units::millis3(v / 1000.0))
}

fn counts(map: &std::collections::BTreeMap<String, u64>) -> String {
    map.iter()
        .map(|(k, v)| format!("{} {v}", kacli::term::shown(k)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A watch's outages by kind (`down (eof) 2`), but for those the closes
/// already list with their words (a WebSocket close, a GOAWAY).
fn outages_unlisted(
    transitions: &std::collections::BTreeMap<String, u64>,
    closes: &std::collections::BTreeMap<String, u64>,
) -> std::collections::BTreeMap<String, u64> {
    transitions
        .iter()
        .filter_map(|(key, n)| {
            let kind = key.strip_prefix("down (")?.strip_suffix(')')?;
            let listed = closes
                .keys()
                .any(|c| c == kind || c.starts_with(&format!("{kind} (")));
            (!listed).then(|| (key.clone(), *n))
        })
        .collect()
}

/// How the table is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// Box-drawing characters, fitted to this width (`None`: every column).
    Terminal(Option<usize>),
    /// A Markdown table, every column.
    Markdown,
}

/// Writes the table: a row per group view, in `style`. The group, probes,
/// loss, p50, p99 and the failures always; availability and outages too when a
/// group was watched; then the sparkline, min, avg, p90 and max, then runs,
/// p99.9 and jitter, while there is room.
pub fn write(
    out: &mut impl Write,
    doc: &ReportDoc,
    views: &[GroupView<'_>],
    style: Style,
) -> io::Result<()> {
    let watched = views.iter().any(|v| v.report.availability_pct.is_some());
    let watch_rank = if watched { 0 } else { 4 };
    let mut table = FitTable::new(vec![
        Col::text(doc.group_by.as_str(), 0),
        Col::number("runs", 3),
        Col::number("probes", 0),
        Col::number("loss", 0),
        Col::number("min", 2),
        Col::number("avg", 2),
        Col::number("p50", 0),
        Col::number("p90", 2),
        Col::number("p99", 0),
        Col::number("p99.9", 3),
        Col::number("max", 2),
        Col::number("jitter", 3),
        Col::text("rtt over time", 1),
        Col::number("avail", watch_rank),
        Col::number("outages", if watched { 1 } else { 4 }),
        Col::wrapping("failures / closes", 0),
    ]);
    for view in views {
        let g = view.report;
        let notes = [
            counts(&g.failures),
            counts(&g.closes),
            counts(&outages_unlisted(&g.transitions, &g.closes)),
        ]
        .into_iter()
        .filter(|n| !n.is_empty())
        .collect::<Vec<_>>()
        .join("; ");
        table.row(vec![
            g.group.clone(),
            g.runs.to_string(),
            g.probes.to_string(),
            // No probes, no loss to speak of (a watch-only group).
            if g.probes == 0 {
                "-".to_string()
            } else {
                format!("{:.2}%", g.loss_pct)
            },
            ms(g.rtt.min_us),
            ms(g.rtt.avg_us),
            ms(g.rtt.p50_us),
            ms(g.rtt.p90_us),
            ms(g.rtt.p99_us),
            ms(g.rtt.p999_us),
            ms(g.rtt.max_us),
            ms(g.rtt.jitter_us),
            view.spark.clone(),
            g.availability_pct
                .map_or("-".to_string(), |a| format!("{a:.3}%")),
            g.outages.to_string(),
            notes,
        ]);
    }
    let mut sparkline = true;
    let note = match style {
        Style::Terminal(width) => {
            let fitted = table.fit(width);
            writeln!(out, "{}", fitted.text)?;
            sparkline = !fitted.hidden.iter().any(|h| h == "rtt over time");
            fitted.note()
        }
        // Markdown needs a blank line after it, or the next line joins it.
        Style::Markdown => {
            writeln!(out, "{}\n", table.markdown())?;
            None
        }
    };
    let i = &doc.input;
    let legend = if sparkline {
        "; rtt over time: mean RTT from first to last record, lowest ▁ to highest █, × all lost or down"
    } else {
        ""
    };
    writeln!(
        out,
        "RTT in ms{legend}. Read {} record(s) from {} line(s) in {} input(s); {} invalid skipped, {} of unknown types, {} outside the window.",
        i.records, i.lines, i.files, i.invalid, i.unknown, i.outside_window
    )?;
    if let Some(note) = note {
        writeln!(out, "{note}; --json and --csv have every figure")?;
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outages_are_noted_unless_a_close_lists_them() {
        let map = |pairs: &[(&str, u64)]| -> std::collections::BTreeMap<String, u64> {
            pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
        };
        let transitions = map(&[
            ("down (eof)", 2),
            ("down (ws-close 1011)", 1),
            ("up (connected)", 3),
        ]);
        let closes = map(&[("ws-close 1011 (overloaded)", 1)]);
        assert_eq!(
            counts(&outages_unlisted(&transitions, &closes)),
            "down (eof) 2"
        );
    }
}
