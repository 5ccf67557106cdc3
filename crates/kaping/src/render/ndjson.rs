//! NDJSON: one record a line as things happen, flushed per line, then a summary
//! record per target.

use std::io::{self, Write};
use std::time::SystemTime;

use kacli::ndjson::NdjsonOut;
use kaprobe::event::TargetEvent;
use kaprobe::proto::Prober;
use kaprobe::run::TargetResult;
use kawire::record::run_id;

use super::{Renderer, Verdict};

pub struct Ndjson<W: Write>(NdjsonOut<W>);

impl<W: Write> Ndjson<W> {
    pub fn new(out: W, started: SystemTime) -> Self {
        Ndjson(NdjsonOut::new(out, run_id(started)))
    }
}

impl<W: Write> Renderer for Ndjson<W> {
    fn start(&mut self, _probers: &[Prober]) -> io::Result<()> {
        Ok(())
    }

    fn event(&mut self, event: &TargetEvent) -> io::Result<()> {
        self.0.write(|r| r.event(event))
    }

    fn finish(&mut self, results: &[TargetResult], _verdict: &Verdict) -> io::Result<()> {
        for result in results {
            self.0.write(|r| r.summary(result))?;
        }
        Ok(())
    }
}
