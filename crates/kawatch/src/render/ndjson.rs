//! NDJSON: state, probe and event records as they happen, flushed per line, then a
//! summary record per target with its watch section.

use std::io::{self, Write};
use std::time::SystemTime;

use kacli::ndjson::NdjsonOut;
use kaprobe::event::TargetEvent;
use kaprobe::watch::driver::WatchResult;
use kawire::record::run_id;

use kacli::Render;

pub struct Ndjson<W: Write>(NdjsonOut<W>);

impl<W: Write> Ndjson<W> {
    pub fn new(out: W) -> Self {
        Ndjson(NdjsonOut::new(out, run_id(SystemTime::now())))
    }
}

impl<W: Write> Render<TargetEvent, Vec<WatchResult>> for Ndjson<W> {
    fn event(&mut self, event: &TargetEvent) -> io::Result<()> {
        self.0.write(|r| r.event(event))
    }

    fn finish(&mut self, results: &Vec<WatchResult>) -> io::Result<()> {
        for result in results {
            self.0.write(|r| r.watch_summary(result))?;
        }
        Ok(())
    }
}
