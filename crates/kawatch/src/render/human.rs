//! Text for people: a line per transition (and server ping), aligned, with RFC 3339
//! UTC or relative timestamps; a summary table at the end.

use std::io::{self, Write};
use std::time::{Duration, Instant, SystemTime};

use kacli::table::{Col, FitTable};
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
    /// The terminal's width the closing table fits (`None`: every column).
    table_width: Option<usize>,
    pings: kacli::words::PingWords,
}

impl<W: Write> Human<W> {
    /// `width` is the longest target's name, for aligned lines.
    pub fn new(
        out: W,
        started: Instant,
        width: usize,
        relative: bool,
        verbose: bool,
        table_width: Option<usize>,
    ) -> Self {
        Human {
            table_width,
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
            What::Probe(_)
            | What::Connected(_)
            | What::Disconnected(_)
            | What::Outstanding { .. } => Ok(()),
        }
    }

    /// The closing table: target, state, availability, RTT p50/p99 and the
    /// last cause always; outages, then time in each state and the longest
    /// outage, then transitions and outage total while there is room.
    fn finish(&mut self, results: &Vec<WatchResult>) -> io::Result<()> {
        let mut table = FitTable::new(vec![
            Col::text("target", 0),
            Col::text("state", 0),
            Col::number("avail", 0),
            Col::number("up", 2),
            Col::number("degraded", 2),
            Col::number("down", 2),
            Col::number("transitions", 3),
            Col::number("outages", 1),
            Col::number("longest", 2),
            Col::number("outage total", 3),
            Col::number("p50 ms", 0),
            Col::number("p99 ms", 0),
            Col::wrapping("last cause", 0),
        ]);
        let time_in = |r: &WatchResult, states: &[State]| -> Duration {
            states.iter().filter_map(|s| r.summary.time_in.get(s)).sum()
        };
        let time = |r: &WatchResult, states: &[State]| short(time_in(r, states));
        for r in results {
            let s = &r.summary;
            let ms = |st| r.stats.rtt.get(st).map_or("-".to_string(), ms3);
            table.row(vec![
                r.who.to_string(),
                s.state.to_string(),
                format!("{:.2}%", s.availability_pct),
                time(r, &[State::Up]),
                time(r, &[State::Degraded]),
                // The watch starting (its first connect) is not time down.
                short(
                    time_in(r, &[State::Down, State::Reconnecting, State::Connecting])
                        .saturating_sub(s.starting),
                ),
                s.transitions.to_string(),
                s.outages.to_string(),
                short(s.longest_outage),
                short(s.total_outage),
                ms(Stat::P50),
                ms(Stat::P99),
                s.last_cause.as_deref().map_or_else(|| "-".into(), shown),
            ]);
        }
        let fitted = table.fit(self.table_width);
        writeln!(self.out, "\n{}", fitted.text)?;
        if let Some(note) = fitted.note() {
            writeln!(self.out, "{note}")?;
        }
        self.out.flush()
    }
}
