//! The table: a row per group, RTT in milliseconds, a sparkline of RTT over time,
//! watch figures where there were watches; a line about the input under it. Fitted
//! to the terminal, or Markdown.

use std::io::{self, Write};

use comfy_table::{Cell, CellAlignment, ContentArrangement, Table, presets};
use kawire::record::ReportDoc;

fn ms(us: Option<f64>) -> String {
    us.map_or_else(|| "-".to_string(), |v| format!("{:.3}", v / 1000.0))
}

fn counts(map: &std::collections::BTreeMap<String, u64>) -> String {
    map.iter()
        .map(|(k, v)| format!("{} {v}", kacli::term::shown(k)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Writes the table; `sparks` holds each group's sparkline, in the same order.
pub fn write(
    out: &mut impl Write,
    doc: &ReportDoc,
    sparks: &[String],
    markdown: bool,
) -> io::Result<()> {
    let mut table = Table::new();
    if markdown {
        table.load_style(presets::ASCII_MARKDOWN);
    } else {
        table
            .load_style(presets::UTF8_FULL_CONDENSED)
            .set_content_arrangement(ContentArrangement::Dynamic);
    }
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
    for (i, g) in doc.targets.iter().enumerate() {
        let mut notes = counts(&g.failures);
        let closes = counts(&g.closes);
        if !closes.is_empty() {
            notes = if notes.is_empty() {
                closes
            } else {
                format!("{notes}; {closes}")
            };
        }
        table.add_row(vec![
            Cell::new(&g.group),
            Cell::new(g.runs),
            Cell::new(g.probes),
            Cell::new(format!("{:.2}%", g.loss_pct)),
            Cell::new(ms(g.rtt.min_us)),
            Cell::new(ms(g.rtt.avg_us)),
            Cell::new(ms(g.rtt.p50_us)),
            Cell::new(ms(g.rtt.p90_us)),
            Cell::new(ms(g.rtt.p99_us)),
            Cell::new(ms(g.rtt.p999_us)),
            Cell::new(ms(g.rtt.max_us)),
            Cell::new(ms(g.rtt.jitter_us)),
            Cell::new(sparks.get(i).map_or("", |s| s.as_str())),
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
    writeln!(out, "{table}")?;
    if markdown {
        writeln!(out)?;
    }
    let i = &doc.input;
    writeln!(
        out,
        "RTT in ms; rtt over time: mean RTT from first to last record, lowest ▁ to highest █, × all lost or down. Read {} record(s) from {} line(s) in {} input(s); {} invalid skipped, {} of unknown types, {} outside the window.",
        i.records, i.lines, i.files, i.invalid, i.unknown, i.outside_window
    )?;
    out.flush()
}
