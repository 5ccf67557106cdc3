//! `--json`: the report document, for `jq`.

use std::io::{self, Write};

use kawire::record::ReportDoc;

pub fn write(out: &mut impl Write, doc: &ReportDoc) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, doc).map_err(io::Error::other)?;
    writeln!(out)?;
    out.flush()
}
