//! Output formats, one file each: lines and a summary table for people, NDJSON
//! records for programs.

mod human;
mod ndjson;

use std::io;
use std::time::Instant;

use kaprobe::event::TargetEvent;
use kaprobe::proto::Prober;
use kaprobe::watch::driver::WatchResult;

use crate::config::Config;

pub trait Renderer {
    fn start(&mut self, probers: &[Prober]) -> io::Result<()>;
    fn event(&mut self, event: &TargetEvent) -> io::Result<()>;
    fn finish(&mut self, results: &[WatchResult]) -> io::Result<()>;
}

pub fn new(config: &Config, started: Instant) -> Box<dyn Renderer> {
    let out = io::stdout();
    if config.ndjson {
        Box::new(ndjson::Ndjson::new(out))
    } else {
        Box::new(human::Human::new(
            kacli::term::Escaped::new(out),
            started,
            config.relative,
            config.verbose,
        ))
    }
}
