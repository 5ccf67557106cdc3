//! kareport's command line: clap definitions, whose doc comments are the help text.

use std::path::PathBuf;
use std::time::SystemTime;

use crate::aggregate::GroupBy;
use clap::{Parser, ValueEnum};
use kacli::{ThresholdArgs, parse_percent};
use kaprobe::threshold::Percent;

const AFTER_HELP: &str = "\
Input: NDJSON records from kaping --ndjson and kawatch --ndjson (docs/schema.md), any
mix of runs and targets, from files or stdin ('-' or nothing). A line that is not a
record is an error naming file and line, unless --skip-invalid.

Limits: a line at most 1 MiB; a longer one, one that is not UTF-8, or a record with
a negative, non-finite or over-a-century duration is an invalid line (skipped with
--skip-invalid; without it reading stops at the 1 MiB cap).
Recorded peer text is escaped and cut to 200 characters in tables, exact in --json.

Exit status:
  0  read everything and every group met the thresholds
  1  a group breached --max-loss, --max-rtt or --min-availability, never answered,
     or was answered not as asked (a health status other than SERVING, an HTTP status
     outside --expect-status), as kaping judges a run (each named on stderr)
  2  usage error, unreadable file, or an invalid line without --skip-invalid

Examples:
  kareport night.ndjson
  cat logs/*.ndjson | kareport --json | jq '.targets[] | select(.loss_pct > 1)'
  kareport --group-by hour --since 2026-11-20T00:00:00Z logs/*.ndjson
  kareport --format markdown logs/*.ndjson > report.md
  kareport --max-loss 1% --max-rtt 100ms --min-availability 99.9% logs/today.ndjson || page-someone
  kareport --group-by hour-of-day logs/*.ndjson
  kareport --plot rtt.svg logs/*.ndjson";

/// Statistics tables and JSON from recorded kaping and kawatch runs.
#[derive(Debug, Parser)]
#[command(name = "kareport", version, after_long_help = AFTER_HELP)]
pub struct Cli {
    /// NDJSON files to read; '-' or none reads stdin
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,

    /// Group by target, protocol, mode, hour, day or hour-of-day (UTC; hour-of-day
    /// puts the same hour of every day together: when in the day it goes bad)
    #[arg(long, value_name = "KEY", default_value = "target", value_parser = parse_group_by)]
    pub group_by: GroupBy,

    /// Only records at or after this time (RFC 3339, e.g. 2026-11-20T00:00:00Z)
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub since: Option<SystemTime>,

    /// Only records before this time (RFC 3339)
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub until: Option<SystemTime>,

    /// Output format
    #[arg(long, value_name = "FORMAT", value_enum, default_value = "table")]
    pub format: Format,

    /// Same as --format json
    #[arg(long, conflicts_with_all = ["csv", "format"])]
    pub json: bool,

    /// Same as --format csv
    #[arg(long, conflicts_with = "format")]
    pub csv: bool,

    /// Show every column of the table, however wide (it is fitted to the
    /// terminal, or to COLUMNS, otherwise)
    #[arg(long)]
    pub wide: bool,

    /// Also draw RTT over time per group, down periods shaded, as an SVG file
    #[arg(long, value_name = "FILE.svg")]
    pub plot: Option<PathBuf>,

    /// Count, report on stderr and skip lines that are not valid records
    #[arg(long)]
    pub skip_invalid: bool,

    #[command(flatten)]
    pub thresholds: ThresholdArgs,

    /// Exit 1 when a watched group's availability is below PCT
    #[arg(long, value_name = "PCT", value_parser = parse_percent)]
    pub min_availability: Option<Percent>,
}

/// How the report is printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A terminal table
    Table,
    /// One JSON document
    Json,
    /// Comma-separated values, one row per group
    Csv,
    /// A Markdown table
    Markdown,
}

impl Cli {
    /// The format asked for by --format, --json or --csv.
    pub fn output(&self) -> Format {
        if self.json {
            Format::Json
        } else if self.csv {
            Format::Csv
        } else {
            self.format
        }
    }
}

fn parse_group_by(s: &str) -> Result<GroupBy, String> {
    s.parse()
}

fn parse_time(s: &str) -> Result<SystemTime, String> {
    humantime::parse_rfc3339_weak(s).map_err(|e| {
        format!("invalid time '{s}': {e} (expected RFC 3339, e.g. 2026-11-20T00:00:00Z)")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_values_are_usage_errors() {
        for bad in [
            &["kareport", "--group-by", "week"][..],
            &["kareport", "--since", "yesterday"],
            &["kareport", "--max-loss", "200%"],
        ] {
            assert_eq!(
                Cli::try_parse_from(bad).unwrap_err().exit_code(),
                2,
                "{bad:?}"
            );
        }
    }
}
