//! Text for people, in ping's words: a line per probe, then the summary; a table
//! when there are several targets.

use std::io::{self, Write};
use std::time::Duration;

use kacli::table::{Col, FitTable, Fitted};
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
    opts: crate::config::Human,
    /// A line per target saying what is probed how, said at the start.
    headers: Vec<String>,
    pings: kacli::words::PingWords,
}

impl<W: Write> Human<W> {
    pub fn new(out: W, opts: crate::config::Human, probers: &[Prober]) -> Self {
        Human {
            out,
            opts,
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
        if self.opts.quiet {
            return Ok(());
        }
        let mut lines = Vec::new();
        self.event_lines(&mut lines, event)?;
        if !self.opts.timestamps {
            self.out.write_all(&lines)?;
            return self.out.flush();
        }
        // ping -D: the time each line is printed, in Unix seconds.
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        for line in lines.split_inclusive(|b| *b == b'\n') {
            write!(self.out, "[{}.{:06}] ", now.as_secs(), now.subsec_micros())?;
            self.out.write_all(line)?;
        }
        self.out.flush()
    }

    fn finish(&mut self, done: &Finished) -> io::Result<()> {
        match done.results.as_slice() {
            [one] => summary_block(&mut self.out, one)?,
            many => {
                let width = if self.opts.wide {
                    None
                } else {
                    kacli::table::width()
                };
                let fitted = table(many, width);
                writeln!(self.out, "\n{}", fitted.text)?;
                if let Some(note) = fitted.note() {
                    writeln!(self.out, "{note}")?;
                }
            }
        }
        self.out.flush()
    }
}

impl<W: Write> Human<W> {
    /// The lines an event prints.
    fn event_lines(&mut self, out: &mut Vec<u8>, event: &TargetEvent) -> io::Result<()> {
        let name = &event.who;
        match &event.what {
            What::Connected(info) => {
                writeln!(
                    out,
                    "{name}: connected to {} ({})",
                    info.addr,
                    phases(&info.phases)
                )?;
                trace_lines(out, &info.trace)?;
            }
            What::Probe(done) => {
                trace_lines(out, &done.trace)?;
                probe_line(out, event, done)?;
            }
            What::ServerPing {
                interval,
                kind,
                folded,
                ..
            } => {
                let interval = interval.map(|i| format!("{} s", secs(i)));
                if let Some(what) = self.pings.line(name.index, *kind, interval, *folded) {
                    writeln!(out, "{name}: {what}")?;
                }
            }
            What::KeepAlive(keep_alive) => {
                writeln!(out, "{name}: server announces Keep-Alive: {keep_alive}")?
            }
            What::Disconnected(cause) => writeln!(
                out,
                "{name}: connection lost: {}",
                shown(&cause.to_string())
            )?,
            What::Outstanding { seq } => writeln!(out, "no answer yet from {name}: seq={seq}")?,
            // kaping watches no state.
            What::Transition(_) => {}
        }
        Ok(())
    }
}

/// `-v`'s lines, as curl -v prints them: escaped, cut to a terminal's 200.
fn trace_lines(out: &mut impl Write, lines: &[String]) -> io::Result<()> {
    for line in lines {
        writeln!(out, "{}", shown(line))?;
    }
    Ok(())
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
    if let Some(text) = &done.reply {
        write!(out, ": {}", shown(text))?;
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

/// The multi-target table, fitted to `width`: target, sent, received, loss,
/// p50, p99 and failures always; mode, then min/avg/max and p90, then mdev and
/// jitter while there is room.
fn table(results: &[TargetResult], width: Option<usize>) -> Fitted {
    let mut table = FitTable::new(vec![
        Col::text("target", 0),
        Col::text("mode", 1),
        Col::number("sent", 0),
        Col::number("recv", 0),
        Col::number("loss", 0),
        Col::number("min ms", 2),
        Col::number("avg ms", 2),
        Col::number("max ms", 2),
        Col::number("mdev ms", 3),
        Col::number("p50 ms", 0),
        Col::number("p90 ms", 2),
        Col::number("p99 ms", 0),
        Col::number("jitter ms", 3),
        Col::wrapping("failures", 0),
    ]);
    for r in results {
        let s = &r.stats;
        let g = |st| opt_ms(s.rtt.get(st));
        let mut failures = counts(&s.failures);
        if !s.disconnects.is_empty() {
            failures = format!("{failures} lost: {}", counts(&s.disconnects))
                .trim()
                .to_string();
        }
        table.row(vec![
            r.who.to_string(),
            r.who.mode.to_string(),
            s.transmitted.to_string(),
            s.received.to_string(),
            pct(s.loss_pct()),
            g(Stat::Min),
            g(Stat::Avg),
            g(Stat::Max),
            g(Stat::Mdev),
            g(Stat::P50),
            g(Stat::P90),
            g(Stat::P99),
            g(Stat::Jitter),
            failures,
        ]);
    }
    table.fit(width)
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
