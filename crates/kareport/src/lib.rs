//! kareport: reads recorded NDJSON, aggregates it ([`aggregate`]: groups, watch
//! figures, time series, hour of day), and prints a table, JSON, CSV, Markdown or
//! a plot; thresholds set the exit status.

pub mod aggregate;
pub mod cli;
mod render;

use std::io::{BufReader, Read};
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, bail};
use kawire::record::{InputCounts, ReportDoc, SCHEMA_VERSION};

use crate::aggregate::{Aggregator, Ingested, LineError, group_doc};

/// Runs kareport; `Err` is a usage or input error (exit status 2).
pub fn run(cli: cli::Cli) -> anyhow::Result<ExitCode> {
    let (agg, counts) = read_inputs(&cli)?;
    let doc = document(&cli, &agg, counts);
    let views = render::view::views(&doc, &agg);
    if let Some(plot) = &cli.plot {
        let mut file = std::io::BufWriter::new(
            std::fs::File::create(plot)
                .with_context(|| format!("cannot write {}", plot.display()))?,
        );
        render::svg::write(&mut file, &views)
            .with_context(|| format!("cannot write {}", plot.display()))?;
    }
    let mut out = std::io::stdout().lock();
    // Recorded details are a peer's text: escaped on their way to a person.
    let person = || kacli::term::Escaped::new(std::io::stdout().lock());
    let table = |style| render::table::write(&mut person(), &doc, &views, style);
    let written = match cli.output() {
        cli::Format::Json => render::json::write(&mut out, &doc),
        cli::Format::Csv => render::csv::write(&mut out, &doc),
        cli::Format::Table => table(render::table::Style::Terminal(if cli.wide {
            None
        } else {
            kacli::table::width()
        })),
        cli::Format::Markdown => table(render::table::Style::Markdown),
    };
    // A closed pipe (`kareport ... | head`) keeps the exit status the thresholds set.
    kacli::Pipe::from(written).failed()?;
    for breach in &doc.breaches {
        eprintln!("kareport: {}", kacli::term::shown(breach));
    }
    Ok(if doc.healthy {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Reads every input (files, then stdin if named or if there are none) into
/// one aggregation; says on stderr what was skipped or ignored.
fn read_inputs(cli: &cli::Cli) -> anyhow::Result<(Aggregator, InputCounts)> {
    let mut agg = Aggregator::new(cli.group_by, cli.since, cli.until);
    let mut counts = InputCounts::default();
    let stdin = cli.files.is_empty() || cli.files.iter().any(|f| f == Path::new("-"));
    let files: Vec<&Path> = cli
        .files
        .iter()
        .map(|f| f.as_path())
        .filter(|f| *f != Path::new("-"))
        .collect();
    let progress = progress_bar(&files);
    for file in files {
        let reader =
            std::fs::File::open(file).with_context(|| format!("cannot read {}", file.display()))?;
        let reader = progress.wrap_read(reader);
        read(
            &file.display().to_string(),
            reader,
            &mut agg,
            &mut counts,
            cli.skip_invalid,
        )?;
    }
    progress.finish_and_clear();
    if stdin {
        read(
            "<stdin>",
            std::io::stdin().lock(),
            &mut agg,
            &mut counts,
            cli.skip_invalid,
        )?;
    }
    agg.finish();
    counts.outside_window = agg.outside_window;
    if counts.invalid > 0 {
        eprintln!("kareport: skipped {} invalid line(s)", counts.invalid);
    }
    if counts.unknown > 0 {
        eprintln!(
            "kareport: ignored {} record(s) of unknown types",
            counts.unknown
        );
    }
    Ok((agg, counts))
}

/// The `--json` document every format renders: a group each, checked against
/// the thresholds.
fn document(cli: &cli::Cli, agg: &Aggregator, counts: InputCounts) -> ReportDoc {
    let thresholds = cli.thresholds.thresholds();
    let mut breaches = Vec::new();
    let mut groups = Vec::new();
    for (key, group) in agg.groups() {
        let report = group_doc(key, group);
        if group.probes.transmitted > 0 {
            breaches.extend(
                thresholds
                    .breaches(&group.probes)
                    .into_iter()
                    .map(|b| format!("{key}: {b}")),
            );
        }
        if let (Some(min), Some(avail)) = (cli.min_availability, report.availability_pct) {
            if avail < min.0 {
                breaches.push(format!(
                    "{key}: availability {avail:.3}% below --min-availability {min}"
                ));
            }
        }
        groups.push(report);
    }
    ReportDoc {
        v: SCHEMA_VERSION,
        tool: "kareport".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        group_by: cli.group_by.to_string(),
        input: counts,
        targets: groups,
        healthy: breaches.is_empty(),
        breaches,
    }
}

/// A progress bar on stderr for large inputs, only when stderr is a terminal.
fn progress_bar(files: &[&Path]) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    let total: u64 = files
        .iter()
        .filter_map(|f| std::fs::metadata(f).ok())
        .map(|m| m.len())
        .sum();
    if !std::io::stderr().is_terminal() || total < 16 * 1024 * 1024 {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(total);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "reading {bar:40} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
    ) {
        bar.set_style(style);
    }
    bar
}

/// Reads one input, line by line; a bad line is an error naming it, or with
/// `skip_invalid` a note on stderr.
fn read(
    name: &str,
    input: impl Read,
    agg: &mut Aggregator,
    counts: &mut InputCounts,
    skip_invalid: bool,
) -> anyhow::Result<()> {
    use kacli::lines::{Line, MAX_LINE, read_capped, skip_line};
    counts.files += 1;
    let mut reader = BufReader::new(input);
    let mut raw = Vec::new();
    let mut number = 0u64;
    loop {
        let line = read_capped(&mut reader, &mut raw, MAX_LINE)
            .with_context(|| format!("cannot read {name}"))?;
        if line == Line::TooLong && skip_invalid {
            // Only a run that goes on past the line reads the rest of it.
            skip_line(&mut reader).with_context(|| format!("cannot read {name}"))?;
        }
        let outcome = match line {
            Line::End => return Ok(()),
            Line::TooLong => Err(LineError::TooLong(MAX_LINE)),
            Line::Read => match std::str::from_utf8(&raw) {
                Ok(text) if text.trim().is_empty() => {
                    number += 1;
                    counts.lines += 1;
                    continue;
                }
                Ok(text) => agg.ingest(text),
                Err(e) => Err(LineError::NotUtf8(e.to_string())),
            },
        };
        number += 1;
        counts.lines += 1;
        match outcome {
            Ok(Ingested::Record) => counts.records += 1,
            Ok(Ingested::Unknown) => counts.unknown += 1,
            Err(e) if skip_invalid => {
                counts.invalid += 1;
                eprintln!("kareport: {name}:{number}: skipped: {e}");
            }
            Err(e) => bail!("{name}:{number}: {e} (use --skip-invalid to skip such lines)"),
        }
    }
}
