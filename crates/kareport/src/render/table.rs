//! The table: a row per group, RTT in milliseconds, a sparkline of RTT over time,
//! watch figures where there were watches; a line about the input under it. Fitted
//! to the terminal, or Markdown.

use std::io::{self, Write};

use comfy_table::{Cell, CellAlignment, ContentArrangement, Table, presets};
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
    /// Box-drawing characters, fitted to the terminal.
    Terminal,
    /// A Markdown table.
    Markdown,
}

impl Style {
    fn apply(self, table: &mut Table) {
        match self {
            Style::Terminal => {
                table
                    .load_style(presets::UTF8_FULL_CONDENSED)
                    .set_content_arrangement(ContentArrangement::Dynamic);
            }
            Style::Markdown => {
                table.load_style(presets::ASCII_MARKDOWN);
            }
        }
    }

    /// What ends the table before the line about the input: Markdown needs a
    /// blank line, or the line becomes part of the table.
    fn end(self) -> &'static str {
        match self {
            Style::Terminal => "",
            Style::Markdown => "\n",
        }
    }
}

/// Writes the table: a row per group view, in `style`.
pub fn write(
    out: &mut impl Write,
    doc: &ReportDoc,
    views: &[GroupView<'_>],
    style: Style,
) -> io::Result<()> {
    let mut table = Table::new();
    style.apply(&mut table);
    table.set_header([
        doc.group_by.as_str(),
        "runs",
        "probes",
        "loss",
        "min",
        "avg",
        "p50",
        "p90",
        "p99",
        "p99.9",
        "max",
        "jitter",
        "rtt over time",
        "avail",
        "outages",
        "failures / closes",
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
        table.add_row(vec![
            Cell::new(&g.group),
            Cell::new(g.runs),
            Cell::new(g.probes),
            // No probes, no loss to speak of (a watch-only group).
            Cell::new(if g.probes == 0 {
                "-".to_string()
            } else {
                format!("{:.2}%", g.loss_pct)
            }),
            Cell::new(ms(g.rtt.min_us)),
            Cell::new(ms(g.rtt.avg_us)),
            Cell::new(ms(g.rtt.p50_us)),
            Cell::new(ms(g.rtt.p90_us)),
            Cell::new(ms(g.rtt.p99_us)),
            Cell::new(ms(g.rtt.p999_us)),
            Cell::new(ms(g.rtt.max_us)),
            Cell::new(ms(g.rtt.jitter_us)),
            Cell::new(&view.spark),
            Cell::new(
                g.availability_pct
                    .map_or("-".to_string(), |a| format!("{a:.3}%")),
            ),
            Cell::new(g.outages),
            Cell::new(notes),
        ]);
    }
    for col in (1..15).filter(|c| *c != 12) {
        if let Some(c) = table.column_mut(col) {
            c.set_cell_alignment(CellAlignment::Right);
        }
    }
    writeln!(out, "{table}{}", style.end())?;
    let i = &doc.input;
    writeln!(
        out,
        "RTT in ms; rtt over time: mean RTT from first to last record, lowest ▁ to highest █, × all lost or down. Read {} record(s) from {} line(s) in {} input(s); {} invalid skipped, {} of unknown types, {} outside the window.",
        i.records, i.lines, i.files, i.invalid, i.unknown, i.outside_window
    )?;
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
