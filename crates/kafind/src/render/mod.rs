//! Output formats, one file each, behind one small trait: words and a table, one
//! JSON document, or NDJSON records as they happen.

mod human;
mod json;
mod ndjson;

use std::io;

use kaprobe::discover::idle::{IdleEvent, IdleReport};
use kaprobe::proto::Prober;

use crate::config::{Config, Output};
use crate::doc::RunInfo;

/// Speaks for a discovery: told when it starts, of each event, and of the answer.
pub trait Renderer {
    fn start(&mut self, prober: &Prober) -> io::Result<()>;
    fn event(&mut self, event: &IdleEvent) -> io::Result<()>;
    fn finish(&mut self, report: &IdleReport) -> io::Result<()>;
}

/// The renderer the configuration asks for, writing to `out`.
pub fn new<'a>(
    config: &'a Config,
    info: RunInfo,
    out: Box<dyn io::Write + 'a>,
) -> Box<dyn Renderer + 'a> {
    match config.output {
        Output::Human => Box::new(human::Human::new(config, out)),
        Output::Json => Box::new(json::Json::new(config, info, out)),
        Output::Ndjson => Box::new(ndjson::Ndjson::new(config, info, out)),
    }
}
