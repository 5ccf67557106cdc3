//! Text for people: a line per transition (and server ping), aligned, with RFC 3339
//! UTC or relative timestamps; a summary table at the end.

use std::io::{self, Write};
use std::time::{Duration, Instant, SystemTime};

use comfy_table::{Cell, CellAlignment, Table, presets};
use kacli::term::shown;
use kaprobe::event::{TargetEvent, TargetId, What};
use kaprobe::stats::Stat;
use kaprobe::units::{ms3, short};
use kaprobe::watch::driver::WatchResult;
use kaprobe::watch::{State, Transition};

use kacli::Render;

pub struct Human<W: Write> {
    out: W,
    /// When the watch started, by the wall clock (for `--relative`).
    started_wall: SystemTime,
    relative: bool,
    verbose: bool,
    width: usize,
    pings: kacli::words::PingWords,
}

impl<W: Write> Human<W> {
    /// `width` is the longest target's name, for aligned lines.
    pub fn new(out: W, started: Instant, width: usize, relative: bool, verbose: bool) -> Self {
        Human {
            out,
            started_wall: SystemTime::now() - started.elapsed(),
            relative,
            verbose,
            width,
            pings: Default::default(),
        }
    }

    /// When the thing happened (not when its line is written).
    fn stamp(&self, at: SystemTime) -> String {
        if self.relative {
            let since = at.duration_since(self.started_wall).unwrap_or_default();
            format!("+{:.3}s", since.as_secs_f64())
        } else {
            humantime::format_rfc3339_millis(at).to_string()
        }
    }

    fn line(&mut self, who: &TargetId, at: SystemTime, what: &str) -> io::Result<()> {
        let stamp = self.stamp(at);
        let name = who.to_string();
        writeln!(self.out, "{stamp} {name:<w$} {what}", w = self.width)?;
        self.out.flush()
    }
}

/// `(timeout: missed 3/3 pongs, lifetime 12.3s)`
fn because(t: &Transition) -> String {
    let mut text = t.words();
    if let Some(detail) = t.detail() {
        text.push_str(&format!(": {}", shown(&detail)));
    }
    if let Some(life) = t.lifetime {
        text.push_str(&format!(", lifetime {}", short(life)));
    }
    format!("({text})")
}

impl<W: Write> Render<TargetEvent, Vec<WatchResult>> for Human<W> {
    fn event(&mut self, event: &TargetEvent) -> io::Result<()> {
        let (who, at) = (&*event.who, event.at);
        match &event.what {
            What::Transition(t) => {
                let arrow = format!("{} -> {}", t.from, t.to);
                self.line(who, at, &format!("{arrow:<26} {}", because(t)))
            }
            What::ServerPing {
                interval,
                kind,
                folded,
                ..
            } => {
                match self
                    .pings
                    .line(who.index, *kind, interval.map(short), *folded)
                {
                    Some(what) => self.line(who, at, &what),
                    None => Ok(()),
                }
            }
            What::KeepAlive(keep_alive) => self.line(
                who,
                at,
                &format!("server announces Keep-Alive: {keep_alive}"),
            ),
            What::Probe(done) if self.verbose => {
                let seq = done.seq;
                let status = done
                    .http
                    .map_or(String::new(), |h| format!(" status={}", h.status));
                let what = match &done.result {
                    Ok(rtt) => format!("keepalive seq={seq}{status} time={} ms", ms3(*rtt)),
                    Err(cause) => format!("keepalive seq={seq} {}", shown(&cause.to_string())),
                };
                self.line(who, at, &what)
            }
            // A connection's end is told by the transition it makes.
            What::Probe(_) | What::Connected(_) | What::Disconnected(_) => Ok(()),
        }
    }

    fn finish(&mut self, results: &Vec<WatchResult>) -> io::Result<()> {
        let mut table = Table::new();
        table.load_style(presets::UTF8_FULL_CONDENSED);
        table.set_header([
            "target",
            "state",
            "avail",
            "up",
            "degraded",
            "down",
            "transitions",
            "outages",
            "longest",
            "outage total",
            "rtt p50 ms",
            "rtt p99 ms",
            "last cause",
        ]);
        let time_in = |r: &WatchResult, states: &[State]| -> Duration {
            states.iter().filter_map(|s| r.summary.time_in.get(s)).sum()
        };
        let time = |r: &WatchResult, states: &[State]| short(time_in(r, states));
        for r in results {
            let s = &r.summary;
            let ms = |st| r.stats.rtt.get(st).map_or("-".to_string(), ms3);
            table.add_row(vec![
                Cell::new(r.who.to_string()),
                Cell::new(s.state.to_string()),
                Cell::new(format!("{:.2}%", s.availability_pct)),
                Cell::new(time(r, &[State::Up])),
                Cell::new(time(r, &[State::Degraded])),
                // The watch starting (its first connect) is not time down.
                Cell::new(short(
                    time_in(r, &[State::Down, State::Reconnecting, State::Connecting])
                        .saturating_sub(s.starting),
                )),
                Cell::new(s.transitions),
                Cell::new(s.outages),
                Cell::new(short(s.longest_outage)),
                Cell::new(short(s.total_outage)),
                Cell::new(ms(Stat::P50)),
                Cell::new(ms(Stat::P99)),
                Cell::new(s.last_cause.as_deref().map_or_else(|| "-".into(), shown)),
            ]);
        }
        for col in 2..12 {
            if let Some(c) = table.column_mut(col) {
                c.set_cell_alignment(CellAlignment::Right);
            }
        }
        writeln!(self.out, "\n{table}")?;
        self.out.flush()
    }
}
