//! Words like ping's: a header, a line per test connection as it ends (those
//! cancelled once the answer was known are counted, not listed), live progress
//! on a terminal, then a closing block with the count and the verdict.

use std::io::{self, Write};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use kaprobe::discover::Origin;
use kaprobe::discover::idle::ladder;
use kaprobe::discover::idle::{IdleEvent, IdleReport, RungResult};
use kaprobe::proto::Prober;

use super::config::Config;
use super::sentence::summary;
use crate::common::dur;
use kacli::Render;

pub struct Human<'a> {
    config: &'a Config,
    /// The target and the route to it, as the header names them.
    target: String,
    route: String,
    out: Box<dyn Write + 'a>,
    bar: ProgressBar,
    server_pinged: bool,
}

impl<'a> Human<'a> {
    pub fn new(config: &'a Config, prober: &Prober, out: Box<dyn Write + 'a>) -> Self {
        // Drawn only when stderr is a terminal.
        let bar = if config.progress {
            ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr())
        } else {
            ProgressBar::hidden()
        };
        if let Ok(style) = ProgressStyle::with_template("{spinner} {elapsed} {msg}") {
            bar.set_style(style);
        }
        bar.enable_steady_tick(Duration::from_millis(200));
        Human {
            config,
            target: prober.target().to_string(),
            route: prober.route(),
            out,
            bar,
            server_pinged: false,
        }
    }

    fn line(&mut self, text: &str) -> io::Result<()> {
        self.bar.suspend(|| {
            writeln!(self.out, "{text}")?;
            self.out.flush()
        })
    }
}

fn outcome_text(r: &RungResult) -> String {
    let mut text = r.outcome.word().replace('_', " ");
    if let Some(after) = r.outcome.died_after() {
        text.push_str(&format!(" after {}", dur(after)));
    }
    if let Some(cause) = r.outcome.cause() {
        text.push_str(&format!(": {}", kacli::term::shown(&cause.to_string())));
    }
    text
}

impl Render<IdleEvent, IdleReport> for Human<'_> {
    fn start(&mut self) -> io::Result<()> {
        let plan = &self.config.idle.plan;
        let rungs = ladder::ladder(plan.min, plan.max).len();
        let text = format!(
            "KAFIND idle-timeout {} ({}): {} mode, idle ages {}..{} ({rungs} rungs), precision {}%, at most {} connections",
            self.target,
            self.route,
            self.config.mode.as_str(),
            dur(plan.min),
            dur(plan.max),
            plan.precision * 100.0,
            plan.max_connections
        );
        self.line(&text)
    }

    fn event(&mut self, event: &IdleEvent) -> io::Result<()> {
        match event {
            IdleEvent::Rung(r) if r.outcome.word() == "cancelled" => Ok(()),
            IdleEvent::Rung(r) => {
                let origin = if r.origin == Origin::Refine {
                    " (refine)"
                } else {
                    ""
                };
                let text = format!("idle {}{origin}: {}", dur(r.idle), outcome_text(r));
                self.line(&text)
            }
            IdleEvent::ServerPing { interval } if !self.server_pinged => {
                self.server_pinged = true;
                let every = interval.map_or(String::new(), |i| format!(" (every {})", dur(i)));
                self.line(&format!("the server pings idle connections{every}"))
            }
            IdleEvent::ServerPing { .. } => Ok(()),
            IdleEvent::KeepAlive(ka) => {
                self.line(&format!("the server announces Keep-Alive: {ka}"))
            }
            IdleEvent::Progress(p) => {
                let bracket = match (p.low, p.high) {
                    (Some(lo), Some(hi)) => format!(", bracket {}..{}", dur(lo), dur(hi)),
                    (Some(lo), None) => format!(", alive at {}", dur(lo)),
                    _ => String::new(),
                };
                self.bar.set_message(format!(
                    "{} alive, {} died, {} open, {} pending{bracket}; at worst {} left",
                    p.alive,
                    p.died,
                    p.open,
                    p.pending,
                    dur(p.left)
                ));
                Ok(())
            }
        }
    }

    fn finish(&mut self, report: &IdleReport) -> io::Result<()> {
        self.bar.finish_and_clear();
        let cancelled = report
            .rungs
            .iter()
            .filter(|r| r.outcome.word() == "cancelled")
            .count();
        let answered = report.rungs.len() - cancelled;
        let cancelled = match cancelled {
            0 => String::new(),
            n => format!(" ({n} more cancelled once the answer was known)"),
        };
        let verdict = summary(self.config, report);
        let text = format!(
            "--- {} idle-timeout ---\n{answered} rungs answered{cancelled}; {} connections in all, at most {} at once; {}\n{verdict}",
            self.config.target,
            report.connections,
            self.config.idle.plan.max_connections,
            dur(report.elapsed),
        );
        self.line(&text)
    }
}
