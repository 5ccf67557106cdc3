//! `--json`: one document at the end of the run, for `jq`.

use std::io::{self, Write};
use std::time::SystemTime;

use kaprobe::event::TargetEvent;
use kaprobe::recorder::ping_target;
use kawire::record::{PingDoc, SCHEMA_VERSION, run_id, timestamp};

use super::Finished;
use kacli::Render;

pub struct Json<W: Write> {
    out: W,
    started: SystemTime,
}

impl<W: Write> Json<W> {
    pub fn new(out: W, started: SystemTime) -> Self {
        Json { out, started }
    }
}

impl<W: Write> Render<TargetEvent, Finished> for Json<W> {
    fn event(&mut self, _event: &TargetEvent) -> io::Result<()> {
        Ok(())
    }

    fn finish(&mut self, done: &Finished) -> io::Result<()> {
        let (results, verdict) = (&done.results, &done.verdict);
        let doc = PingDoc {
            v: SCHEMA_VERSION,
            tool: "kaping".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            run: run_id(self.started),
            ts: timestamp(self.started),
            targets: results.iter().map(ping_target).collect(),
            healthy: verdict.healthy(),
            breaches: verdict
                .breaches
                .iter()
                .flat_map(|(t, list)| list.iter().map(move |b| format!("{t}: {b}")))
                .collect(),
        };
        serde_json::to_writer_pretty(&mut self.out, &doc).map_err(io::Error::other)?;
        writeln!(self.out)?;
        self.out.flush()
    }
}
