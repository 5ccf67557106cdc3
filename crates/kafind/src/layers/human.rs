//! Words for people: that the idle timeout is found first, what is compared, a
//! line per mechanism as it ends, the answer in one sentence and a table.

use std::io::{self, Write};
use std::time::Duration;

use kaprobe::discover::idle::{IdleEvent, IdleReport};
use kaprobe::discover::layers::{
    LayersConfig, LayersReport, Mechanism, MechanismResult, verdict::kept,
};
use kaprobe::units::short;

use super::config::Config;
use super::sentence::summary;
use kacli::Render;

/// While the idle timeout is found first: says so, and nothing of its rungs.
pub struct Finding<'a> {
    config: &'a Config,
    out: Box<dyn Write + 'a>,
}

impl<'a> Finding<'a> {
    pub fn new(config: &'a Config, out: Box<dyn Write + 'a>) -> Self {
        Finding { config, out }
    }
}

impl Render<IdleEvent, IdleReport> for Finding<'_> {
    fn start(&mut self) -> io::Result<()> {
        writeln!(
            self.out,
            "kafind layers {}: finding the idle timeout first (up to {}; --interval skips this)",
            self.config.target,
            short(self.config.idle_max)
        )?;
        self.out.flush()
    }

    fn finish(&mut self, _report: &IdleReport) -> io::Result<()> {
        Ok(())
    }
}

/// The comparison at `cfg`, with the idle timeout found first, if it was.
pub struct Human<'a> {
    config: &'a Config,
    cfg: &'a LayersConfig,
    found: Option<Duration>,
    out: Box<dyn Write + 'a>,
}

impl<'a> Human<'a> {
    pub fn new(
        config: &'a Config,
        cfg: &'a LayersConfig,
        found: Option<Duration>,
        out: Box<dyn Write + 'a>,
    ) -> Self {
        Human {
            config,
            cfg,
            found,
            out,
        }
    }

    fn line(&mut self, text: &str) -> io::Result<()> {
        writeln!(self.out, "{text}")?;
        self.out.flush()
    }
}

impl Render<MechanismResult, LayersReport> for Human<'_> {
    fn start(&mut self) -> io::Result<()> {
        let cfg = self.cfg;
        let from = match (self.config.interval, self.found) {
            (Some(_), _) => String::new(),
            (None, Some(t)) => format!(" (half the idle timeout {})", short(t)),
            (None, None) => " (no idle timeout found)".into(),
        };
        let line = format!(
            "kafind layers {}: each mechanism alone every {}{from}, for {}, one connection each",
            self.config.target,
            short(cfg.interval),
            short(cfg.duration)
        );
        self.line(&line)
    }

    fn event(&mut self, r: &MechanismResult) -> io::Result<()> {
        let line = format!("  {:<14} {}", r.mechanism.name(), outcome(r));
        self.line(&line)
    }

    fn finish(&mut self, report: &LayersReport) -> io::Result<()> {
        let summary = summary(self.cfg, report);
        writeln!(self.out, "\n{}: {summary}", self.config.target)?;
        let table = if self.cfg.measure.is_some() {
            detection_table(report)
        } else {
            survival_table(report)
        };
        writeln!(self.out, "{table}")?;
        writeln!(self.out, "the run took {}", short(report.elapsed))?;
        self.out.flush()
    }
}

/// Which mechanism kept the connection alive, and what each would take to
/// notice a dead peer at its settings.
fn survival_table(report: &LayersReport) -> comfy_table::Table {
    let mut table = crate::common::table([
        "mechanism",
        "interval",
        "kept alive",
        "how it died",
        "notices a dead peer within",
    ]);
    for r in &report.results {
        let state = if r.failed {
            "failed"
        } else {
            kept(&report.results, r).as_str()
        };
        table.add_row([
            r.mechanism.name().to_string(),
            short(r.interval),
            state.to_string(),
            r.cause.as_ref().map_or("-".into(), |c| c.kind.to_string()),
            r.detect_within.map_or("never".into(), short),
        ]);
    }
    table
}

/// `--measure-detection`: what each mechanism took to notice the dead peer,
/// beside the bound its settings promise; survival means nothing here.
fn detection_table(report: &LayersReport) -> comfy_table::Table {
    let mut table = crate::common::table([
        "mechanism",
        "interval",
        "noticed after",
        "how",
        "bound at its settings",
    ]);
    for r in &report.results {
        let noticed = if r.failed {
            "failed".to_string()
        } else if r.mechanism == Mechanism::None {
            "-".to_string()
        } else {
            r.detected_after.map_or("not within the run".into(), short)
        };
        table.add_row([
            r.mechanism.name().to_string(),
            short(r.interval),
            noticed,
            r.cause.as_ref().map_or("-".into(), |c| c.kind.to_string()),
            r.detect_within.map_or("never".into(), short),
        ]);
    }
    table
}

fn outcome(r: &MechanismResult) -> String {
    let cause = r.cause.as_ref().map(|c| kacli::term::shown(&c.to_string()));
    match (r.failed, r.alive, r.died_after, cause) {
        (true, _, _, Some(c)) => format!("could not be tested: {c}"),
        (_, true, _, _) => "alive at the end".into(),
        (_, _, Some(after), Some(c)) => format!("died after {}: {c}", short(after)),
        (_, _, _, Some(c)) => c,
        _ => "died".into(),
    }
}
