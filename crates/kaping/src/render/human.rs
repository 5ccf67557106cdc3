//! Text for people, in ping's words: a line per probe, then the summary; a table
//! when there are several targets.

use std::io::{self, Write};
use std::time::Duration;

use comfy_table::{Cell, CellAlignment, Table, presets};
use kacli::term::shown;
use kaprobe::event::{ProbeDone, TargetEvent, What};
use kaprobe::proto::Prober;
use kaprobe::run::TargetResult;
use kaprobe::stats::{ProbeStats, Stat};
use kaprobe::units::{ms3 as ms, secs3 as secs};

use super::Finished;
use kacli::Render;

pub struct Human<W: Write> {
    out: W,
    quiet: bool,
    /// A line per target saying what is probed how, said at the start.
    headers: Vec<String>,
    pings: kacli::words::PingWords,
}

impl<W: Write> Human<W> {
    pub fn new(out: W, quiet: bool, probers: &[Prober]) -> Self {
        Human {
            out,
            quiet,
            headers: probers.iter().map(header).collect(),
            pings: Default::default(),
        }
    }
}

/// `KAPING tcp://h:1 (127.0.0.1:1): echo mode, sending "PING"`
fn header(p: &Prober) -> String {
    let mode = p.config().mode;
    let info = mode.info();
    let mut what = format!("{mode} mode, {}", (info.describe)(p.config()));
    if p.config().fresh && !info.connection_per_probe {
        what.push_str(", a new connection per probe");
    }
    format!("KAPING {} ({}): {what}", p.target(), p.route())
}

/// `tcp 0.210 ms, proxy 0.800 ms, tls 1.502 ms, handshake 0.400 ms, first 0.090 ms`
fn phases(p: &kaprobe::proto::Phases) -> String {
    let mut parts = vec![format!("tcp {} ms", ms(p.connect))];
    let named = [
        ("proxy", p.proxy),
        ("tls", p.tls),
        ("handshake", p.handshake),
        ("first", p.first),
    ];
    for (name, value) in named {
        if let Some(v) = value {
            parts.push(format!("{name} {} ms", ms(v)));
        }
    }
    parts.join(", ")
}

fn opt_ms(d: Option<Duration>) -> String {
    d.map_or_else(|| "-".to_string(), ms)
}

/// A percentage without needless decimals: 0%, 20%, 33.3%.
pub fn pct(v: f64) -> String {
    let s = format!("{v:.1}");
    format!("{}%", s.strip_suffix(".0").unwrap_or(&s))
}

fn counts(map: &std::collections::BTreeMap<kaprobe::CauseKind, u64>) -> String {
    map.iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl<W: Write> Render<TargetEvent, Finished> for Human<W> {
    fn start(&mut self) -> io::Result<()> {
        for line in &self.headers {
            writeln!(self.out, "{line}")?;
        }
        self.out.flush()
    }

    fn event(&mut self, event: &TargetEvent) -> io::Result<()> {
        if self.quiet {
            return Ok(());
        }
        let name = &event.who;
        match &event.what {
            What::Connected(info) => writeln!(
                self.out,
                "{name}: connected to {} ({})",
                info.addr,
                phases(&info.phases)
            )?,
            What::Probe(done) => probe_line(&mut self.out, event, done)?,
            What::ServerPing {
                interval,
                kind,
                folded,
                ..
            } => {
                let interval = interval.map(|i| format!("{} s", secs(i)));
                if let Some(what) = self.pings.line(name.index, *kind, interval, *folded) {
                    writeln!(self.out, "{name}: {what}")?;
                }
            }
            What::KeepAlive(keep_alive) => writeln!(
                self.out,
                "{name}: server announces Keep-Alive: {keep_alive}"
            )?,
            What::Disconnected(cause) => writeln!(
                self.out,
                "{name}: connection lost: {}",
                shown(&cause.to_string())
            )?,
            // kaping watches no state.
            What::Transition(_) => {}
        }
        self.out.flush()
    }

    fn finish(&mut self, done: &Finished) -> io::Result<()> {
        match done.results.as_slice() {
            [one] => summary_block(&mut self.out, one)?,
            many => writeln!(self.out, "\n{}", table(many))?,
        }
        self.out.flush()
    }
}

/// `pong from tcp://h:1: seq=3 time=0.052 ms`, or why there was none.
fn probe_line(out: &mut impl Write, event: &TargetEvent, done: &ProbeDone) -> io::Result<()> {
    let (name, seq) = (&event.who, done.seq);
    let verb = event.who.mode.info().reply_verb;
    let rtt = match &done.result {
        Ok(rtt) => rtt,
        Err(cause) => {
            let cause = shown(&cause.to_string());
            return writeln!(out, "no reply from {name}: seq={seq} {cause}");
        }
    };
    write!(out, "{verb} {name}: seq={seq}")?;
    if let Some(h) = done.http {
        write!(out, " status={}", h.status)?;
    }
    write!(out, " time={} ms", ms(*rtt))?;
    if let Some(h) = done.http {
        let conn = if h.reused { "reused" } else { "new connection" };
        write!(
            out,
            " ttfb={} ms HTTP/{} {conn}",
            ms(h.first_byte),
            h.version
        )?;
    }
    if let Some(p) = &done.phases {
        write!(out, " ({})", phases(p))?;
    }
    writeln!(out)
}

fn summary_block(out: &mut impl Write, r: &TargetResult) -> io::Result<()> {
    let s: &ProbeStats = &r.stats;
    writeln!(out, "\n--- {} kaping statistics ---", r.who)?;
    writeln!(
        out,
        "{} probes transmitted, {} received, {} loss, time {}ms",
        s.transmitted,
        s.received,
        pct(s.loss_pct()),
        r.elapsed.as_millis()
    )?;
    if s.received > 0 {
        let g = |st| opt_ms(s.rtt.get(st));
        writeln!(
            out,
            "rtt min/avg/max/mdev = {}/{}/{}/{} ms",
            g(Stat::Min),
            g(Stat::Avg),
            g(Stat::Max),
            g(Stat::Mdev)
        )?;
        writeln!(
            out,
            "rtt p50/p90/p99 = {}/{}/{} ms, jitter {} ms",
            g(Stat::P50),
            g(Stat::P90),
            g(Stat::P99),
            g(Stat::Jitter)
        )?;
    }
    if !s.failures.is_empty() {
        writeln!(out, "failures: {}", counts(&s.failures))?;
    }
    if !s.disconnects.is_empty() {
        writeln!(out, "connections lost: {}", counts(&s.disconnects))?;
    }
    Ok(())
}

fn table(results: &[TargetResult]) -> Table {
    let mut table = Table::new();
    table.load_style(presets::UTF8_FULL_CONDENSED);
    let header = [
        "target",
        "mode",
        "sent",
        "recv",
        "loss",
        "min ms",
        "avg ms",
        "max ms",
        "mdev ms",
        "p50 ms",
        "p90 ms",
        "p99 ms",
        "jitter ms",
        "failures",
    ];
    table.set_header(header);
    for r in results {
        let s = &r.stats;
        let g = |st| opt_ms(s.rtt.get(st));
        let mut failures = counts(&s.failures);
        if !s.disconnects.is_empty() {
            failures = format!("{failures} lost: {}", counts(&s.disconnects))
                .trim()
                .to_string();
        }
        table.add_row(vec![
            Cell::new(r.who.to_string()),
            Cell::new(r.who.mode.to_string()),
            Cell::new(s.transmitted),
            Cell::new(s.received),
            Cell::new(pct(s.loss_pct())),
            Cell::new(g(Stat::Min)),
            Cell::new(g(Stat::Avg)),
            Cell::new(g(Stat::Max)),
            Cell::new(g(Stat::Mdev)),
            Cell::new(g(Stat::P50)),
            Cell::new(g(Stat::P90)),
            Cell::new(g(Stat::P99)),
            Cell::new(g(Stat::Jitter)),
            Cell::new(failures),
        ]);
    }
    for col in 2..13 {
        if let Some(c) = table.column_mut(col) {
            c.set_cell_alignment(CellAlignment::Right);
        }
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_formats() {
        assert_eq!(ms(Duration::from_micros(52)), "0.052");
        assert_eq!(ms(Duration::from_millis(1500)), "1500.000");
        assert_eq!(pct(0.0), "0%");
        assert_eq!(pct(20.0), "20%");
        assert_eq!(pct(100.0 / 3.0), "33.3%");
    }
}
