//! NDJSON: state, probe and event records as they happen, flushed per line, then a
//! summary record per target with its watch section.

use std::io::{self, Write};
use std::time::SystemTime;

use kacli::ndjson::NdjsonOut;
use kaprobe::proto::Prober;
use kaprobe::watch::driver::{WatchEvent, WatchResult};
use kawire::record::run_id;

use super::Renderer;

pub struct Ndjson<W: Write>(NdjsonOut<W>);

impl<W: Write> Ndjson<W> {
    pub fn new(out: W) -> Self {
        Ndjson(NdjsonOut::new(out, run_id(SystemTime::now())))
    }
}

impl<W: Write> Renderer for Ndjson<W> {
    fn start(&mut self, probers: &[Prober]) -> io::Result<()> {
        self.0.start(probers);
        Ok(())
    }

    fn event(&mut self, event: &WatchEvent) -> io::Result<()> {
        self.0.write(|r| r.watch_event(event))
    }

    fn finish(&mut self, results: &[WatchResult]) -> io::Result<()> {
        for (idx, result) in results.iter().enumerate() {
            self.0.write(|r| r.watch_summary(idx, result))?;
        }
        Ok(())
    }
}
