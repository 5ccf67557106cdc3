//! `--ndjson`: a `rung` record per test connection as it ends, flushed per line,
//! then the `idle_timeout` document on one line.

use std::io::{self, Write};

use kaprobe::discover::idle::{IdleEvent, IdleReport};

use super::config::Config;
use super::doc::{idle_doc, rung_line};
use crate::common::RunInfo;
use kacli::Render;

pub struct Ndjson<'a> {
    config: &'a Config,
    info: RunInfo,
    out: Box<dyn Write + 'a>,
}

impl<'a> Ndjson<'a> {
    pub fn new(config: &'a Config, info: RunInfo, out: Box<dyn Write + 'a>) -> Self {
        Ndjson { config, info, out }
    }
}

impl Render<IdleEvent, IdleReport> for Ndjson<'_> {
    fn event(&mut self, event: &IdleEvent) -> io::Result<()> {
        match event {
            IdleEvent::Rung(r) => {
                kacli::ndjson::write_line(&mut self.out, &rung_line(&self.info, self.config, r))
            }
            _ => Ok(()),
        }
    }

    fn finish(&mut self, report: &IdleReport) -> io::Result<()> {
        kacli::ndjson::write_line(&mut self.out, &idle_doc(&self.info, self.config, report))
    }
}
