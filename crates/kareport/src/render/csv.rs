//! `--csv`: one row per group, durations in microseconds as in the records.

use std::io::{self, Write};

use kawire::record::ReportDoc;

pub fn write(out: &mut impl Write, doc: &ReportDoc) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(&mut *out);
    w.write_record([
        "group",
        "runs",
        "probes",
        "replies",
        "loss_pct",
        "min_us",
        "avg_us",
        "max_us",
        "mdev_us",
        "p50_us",
        "p90_us",
        "p95_us",
        "p99_us",
        "p999_us",
        "jitter_us",
        "availability_pct",
        "outages",
        "longest_outage_ms",
        "total_outage_ms",
    ])?;
    let opt = |v: Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
    for g in &doc.targets {
        let r = &g.rtt;
        w.write_record([
            g.group.clone(),
            g.runs.to_string(),
            g.probes.to_string(),
            g.replies.to_string(),
            g.loss_pct.to_string(),
            opt(r.min_us),
            opt(r.avg_us),
            opt(r.max_us),
            opt(r.mdev_us),
            opt(r.p50_us),
            opt(r.p90_us),
            opt(r.p95_us),
            opt(r.p99_us),
            opt(r.p999_us),
            opt(r.jitter_us),
            opt(g.availability_pct),
            g.outages.to_string(),
            g.longest_outage_ms.to_string(),
            g.total_outage_ms.to_string(),
        ])?;
    }
    w.flush()
}
