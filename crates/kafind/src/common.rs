//! What every verb shares: the run's one cancel token and its exit status, its
//! identity and the one prober it measures through, where its words go, how a
//! duration reads, a table's style, the head of its document and `--json`'s one
//! document.

use std::future::Future;
use std::io::{self, Write};
use std::process::ExitCode;
use std::time::{Duration, SystemTime};

use anyhow::bail;
use kaprobe::proto::{Mode, ProbeConfig, Prober};
use kaprobe::target::Target;
use kawire::record::{DocHeader, SCHEMA_VERSION, timestamp};
use serde::Serialize;
use tokio_util::sync::CancellationToken;

use kacli::Render;

/// Runs a verb on the runtime under the run's one cancel token: a first Ctrl-C or
/// SIGTERM cancels it (the verb ends with what it has, and prints it), a second
/// exits 130 at once. A healthy answer is exit status 0, another 1.
pub fn block_on<F, Fut>(verb: F) -> anyhow::Result<ExitCode>
where
    F: FnOnce(CancellationToken) -> Fut,
    Fut: Future<Output = anyhow::Result<bool>>,
{
    kacli::block_on(async {
        let cancel = CancellationToken::new();
        tokio::spawn(kacli::stop_on_signals(cancel.clone()));
        Ok(if verb(cancel).await? {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        })
    })
}

/// Who is speaking, and of what run.
#[derive(Clone, Debug)]
pub struct RunInfo {
    pub run: String,
    pub started: SystemTime,
}

/// The run's identity, from now, and the one prober of `target` in `mode`.
pub async fn start(
    target: &Target,
    mode: Mode,
    probe: &ProbeConfig,
) -> anyhow::Result<(RunInfo, Prober)> {
    let started = SystemTime::now();
    let info = RunInfo {
        run: kawire::record::run_id(started),
        started,
    };
    let mut probers = kacli::probers(&[(target.clone(), mode)], probe, None).await?;
    Ok((info, probers.remove(0)))
}

/// Stdout for a verb's words: escaped for people; as it is for programs (JSON
/// keeps a peer's text exact).
pub fn stdout(human: bool) -> Box<dyn Write> {
    if human {
        Box::new(kacli::term::Escaped::new(io::stdout()))
    } else {
        Box::new(io::stdout())
    }
}

pub use kaprobe::units::measured as dur;

/// `--min` must be shorter than `--max`, in every verb.
pub fn check_range(min: Duration, max: Duration) -> anyhow::Result<()> {
    if min >= max {
        bail!(
            "--min {} must be shorter than --max {}",
            humantime::format_duration(min),
            humantime::format_duration(max)
        );
    }
    Ok(())
}

/// The head of a `kind` document about `target`.
pub fn header(kind: &str, info: &RunInfo, target: &Target) -> DocHeader {
    DocHeader {
        kind: kind.into(),
        v: SCHEMA_VERSION,
        tool: "kafind".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        run: info.run.clone(),
        ts: timestamp(info.started),
        target: target.url(),
        protocol: target.protocol().to_string(),
        addr: target.addr.map(|a| a.to_string()),
        via_proxy: None,
    }
}

/// A table in the verbs' one style, headed by `header`.
pub fn table<const N: usize>(header: [&str; N]) -> comfy_table::Table {
    let mut table = comfy_table::Table::new();
    table.load_style(comfy_table::presets::UTF8_FULL_CONDENSED);
    table.set_header(header);
    table
}

/// `--json`: one document at the end, built from the report by `doc`, pretty.
pub struct Json<'a, F> {
    out: Box<dyn Write + 'a>,
    doc: F,
}

impl<'a, F> Json<'a, F> {
    pub fn new(out: Box<dyn Write + 'a>, doc: F) -> Self {
        Json { out, doc }
    }
}

impl<E, R, D: Serialize, F: Fn(&R) -> D> Render<E, R> for Json<'_, F> {
    fn finish(&mut self, report: &R) -> io::Result<()> {
        serde_json::to_writer_pretty(&mut self.out, &(self.doc)(report))?;
        writeln!(self.out)?;
        self.out.flush()
    }
}

/// Says nothing: a run whose words are another's (JSON's first pass).
pub struct Quiet;

impl<E, R> Render<E, R> for Quiet {
    fn finish(&mut self, _report: &R) -> io::Result<()> {
        Ok(())
    }
}
