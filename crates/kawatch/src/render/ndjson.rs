//! NDJSON: state, probe and event records as they happen, flushed per line, then a
//! summary record per target with its watch section.

use std::io::{self, Write};
use std::time::SystemTime;

use kaprobe::proto::Prober;
use kaprobe::record::{Record, Recorder, run_id, write_line};
use kaprobe::watch::driver::{WatchEvent, WatchResult};

use super::Renderer;

pub struct Ndjson<W: Write> {
    out: W,
    recorder: Option<Recorder>,
}

impl<W: Write> Ndjson<W> {
    pub fn new(out: W) -> Self {
        Ndjson {
            out,
            recorder: None,
        }
    }

    fn write(&mut self, record: &Record) -> io::Result<()> {
        write_line(&mut self.out, record)
    }

    fn recorder(&self) -> &Recorder {
        self.recorder.as_ref().expect("start() comes first")
    }
}

impl<W: Write> Renderer for Ndjson<W> {
    fn start(&mut self, probers: &[Prober]) -> io::Result<()> {
        self.recorder = Some(Recorder::for_probers(run_id(SystemTime::now()), probers));
        Ok(())
    }

    fn event(&mut self, event: &WatchEvent) -> io::Result<()> {
        let record = self.recorder().watch_event(event);
        self.write(&record)
    }

    fn finish(&mut self, results: &[WatchResult]) -> io::Result<()> {
        for (idx, result) in results.iter().enumerate() {
            let record = self.recorder().watch_summary(idx, result);
            self.write(&record)?;
        }
        Ok(())
    }
}
