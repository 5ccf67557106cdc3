//! Output formats, one file each, behind kacli's one render trait: text like ping, one JSON
//! document, or NDJSON records as they happen.

mod human;
mod json;
mod ndjson;

use std::io;
use std::time::SystemTime;

use kacli::Render;
use kaprobe::event::TargetEvent;
use kaprobe::proto::Prober;
use kaprobe::run::TargetResult;

use kacli::term::Escaped;

use crate::config::{Config, Output};

/// Whether each target met the thresholds, and how it fell short.
#[derive(Debug)]
pub struct Verdict {
    /// (target, breaches) in run order; an empty list is a healthy target.
    pub breaches: Vec<(String, Vec<String>)>,
}

impl Verdict {
    pub fn healthy(&self) -> bool {
        self.breaches.iter().all(|(_, b)| b.is_empty())
    }
}

/// How a run ended: each target's results and whether it met the thresholds.
#[derive(Debug)]
pub struct Finished {
    pub results: Vec<TargetResult>,
    pub verdict: Verdict,
}

/// Speaks for a run, in one of the formats.
pub type Renderer = dyn Render<TargetEvent, Finished>;

/// The renderer the configuration asks for, writing to stdout.
pub fn new(config: &Config, probers: &[Prober]) -> Box<Renderer> {
    let out = io::stdout();
    let started = SystemTime::now();
    match config.output {
        Output::Human(opts) => Box::new(human::Human::new(Escaped::new(out), opts, probers)),
        Output::Json => Box::new(json::Json::new(out, started)),
        Output::Ndjson => Box::new(ndjson::Ndjson::new(out, started)),
    }
}
