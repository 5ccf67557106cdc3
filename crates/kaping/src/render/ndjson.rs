//! NDJSON: one record a line as things happen, flushed per line, then a summary
//! record per target.

use std::io::{self, Write};
use std::time::SystemTime;

use kaprobe::proto::Prober;
use kaprobe::record::{Record, Recorder, run_id, write_line};
use kaprobe::run::{Event, TargetResult};

use super::{Renderer, Verdict};

pub struct Ndjson<W: Write> {
    out: W,
    run: String,
    recorder: Option<Recorder>,
}

impl<W: Write> Ndjson<W> {
    pub fn new(out: W, started: SystemTime) -> Self {
        Ndjson {
            out,
            run: run_id(started),
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
        self.recorder = Some(Recorder::for_probers(self.run.clone(), probers));
        Ok(())
    }

    fn event(&mut self, event: &Event) -> io::Result<()> {
        let record = self.recorder().event(event);
        self.write(&record)
    }

    fn finish(&mut self, results: &[TargetResult], _verdict: &Verdict) -> io::Result<()> {
        for (idx, result) in results.iter().enumerate() {
            let record = self.recorder().summary(idx, result);
            self.write(&record)?;
        }
        Ok(())
    }
}
