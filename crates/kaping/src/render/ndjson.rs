//! NDJSON: one record a line as things happen, flushed per line, then a summary
//! record per target.

use std::io::{self, Write};
use std::time::SystemTime;

use kacli::ndjson::NdjsonOut;
use kaprobe::event::TargetEvent;
use kawire::record::run_id;

use super::Finished;
use kacli::Render;

pub struct Ndjson<W: Write>(NdjsonOut<W>);

impl<W: Write> Ndjson<W> {
    pub fn new(out: W, started: SystemTime) -> Self {
        Ndjson(NdjsonOut::new(out, run_id(started)))
    }
}

impl<W: Write> Render<TargetEvent, Finished> for Ndjson<W> {
    fn event(&mut self, event: &TargetEvent) -> io::Result<()> {
        self.0.write(|r| r.event(event))
    }

    fn finish(&mut self, done: &Finished) -> io::Result<()> {
        let results = &done.results;
        for result in results {
            self.0.write(|r| r.summary(result))?;
        }
        Ok(())
    }
}
