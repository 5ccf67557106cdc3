//! The one NDJSON writer: a record a line, flushed per line, so a reader never sees
//! half a record and a run cut short leaves only whole lines.

use std::io::{self, Write};

use kaprobe::recorder::Recorder;
use kawire::record::Record;
use serde::Serialize;

/// Writes one record as one line and flushes it.
pub fn write_line<W: Write>(out: &mut W, record: &impl Serialize) -> io::Result<()> {
    let mut line = serde_json::to_vec(record).map_err(io::Error::other)?;
    line.push(b'\n');
    out.write_all(&line)?;
    out.flush()
}

/// A stream of records about the targets of one run.
#[derive(Debug)]
pub struct NdjsonOut<W: Write> {
    out: W,
    recorder: Recorder,
}

impl<W: Write> NdjsonOut<W> {
    /// Records of the run `run` (see `kawire::record::run_id`).
    pub fn new(out: W, run: String) -> Self {
        NdjsonOut {
            out,
            recorder: Recorder::new(run),
        }
    }

    /// Writes the record `make` builds from the recorder.
    pub fn write(&mut self, make: impl FnOnce(&Recorder) -> Record) -> io::Result<()> {
        let record = make(&self.recorder);
        write_line(&mut self.out, &record)
    }
}
