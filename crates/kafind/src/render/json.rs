//! `--json`: one `idle_timeout` document at the end.

use std::io::{self, Write};

use kaprobe::discover::idle::{IdleEvent, IdleReport};
use kaprobe::proto::Prober;

use super::Renderer;
use crate::config::Config;
use crate::doc::{RunInfo, idle_doc};

pub struct Json<'a> {
    config: &'a Config,
    info: RunInfo,
    out: Box<dyn Write + 'a>,
}

impl<'a> Json<'a> {
    pub fn new(config: &'a Config, info: RunInfo, out: Box<dyn Write + 'a>) -> Self {
        Json { config, info, out }
    }
}

impl Renderer for Json<'_> {
    fn start(&mut self, _prober: &Prober) -> io::Result<()> {
        Ok(())
    }

    fn event(&mut self, _event: &IdleEvent) -> io::Result<()> {
        Ok(())
    }

    fn finish(&mut self, report: &IdleReport) -> io::Result<()> {
        let doc = idle_doc(&self.info, self.config, report);
        serde_json::to_writer_pretty(&mut self.out, &doc)?;
        writeln!(self.out)?;
        self.out.flush()
    }
}
