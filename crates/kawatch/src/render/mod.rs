//! Output formats, one file each: lines and a summary table for people, NDJSON
//! records for programs.

mod human;
mod ndjson;

use std::io;
use std::time::Instant;

use kacli::Render;
use kaprobe::event::TargetEvent;
use kaprobe::watch::driver::WatchResult;

use crate::config::Config;

/// Speaks for a watch, in one of the formats.
pub type Renderer = dyn Render<TargetEvent, Vec<WatchResult>>;

pub fn new(config: &Config, started: Instant) -> Box<Renderer> {
    let out = io::stdout();
    if config.ndjson {
        Box::new(ndjson::Ndjson::new(out))
    } else {
        Box::new(human::Human::new(
            kacli::term::Escaped::new(out),
            started,
            config
                .targets
                .iter()
                .map(|(t, _)| t.to_string().len())
                .max()
                .unwrap_or(0),
            config.relative,
            config.verbose,
            if config.wide {
                None
            } else {
                kacli::table::width()
            },
        ))
    }
}
