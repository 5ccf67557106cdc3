//! Value parsers for flags, each with a one-line error that names the bad value
//! and what was expected.

use std::time::Duration;

use kaprobe::proto::Mode;
use kaprobe::sockopt::KeepaliveSpec;
use kaprobe::target::Target;
use kaprobe::template::Template;

/// `--max-loss 1%`, `--jitter 20%`.
pub fn parse_percent(s: &str) -> Result<kaprobe::threshold::Percent, String> {
    s.parse()
}

pub(crate) fn parse_stat(s: &str) -> Result<kaprobe::stats::Stat, String> {
    s.parse()
}

pub fn parse_target(s: &str) -> Result<Target, String> {
    s.parse()
        .map_err(|e| format!("invalid target '{}': {e}", kaprobe::target::redact(s)))
}

/// Targets on the command line. Its errors name the target with its secrets
/// redacted: clap's own would repeat the value as given.
#[derive(Clone, Copy, Debug)]
pub struct TargetParser;

impl clap::builder::TypedValueParser for TargetParser {
    type Value = Target;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        _arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<Target, clap::Error> {
        use clap::error::ErrorKind;
        let text = value.to_str().ok_or_else(|| {
            clap::Error::raw(ErrorKind::InvalidUtf8, "a target is not UTF-8\n").with_cmd(cmd)
        })?;
        parse_target(text).map_err(|e| {
            clap::Error::raw(ErrorKind::ValueValidation, format!("{e}\n")).with_cmd(cmd)
        })
    }
}

pub fn parse_duration(s: &str) -> Result<Duration, String> {
    kaprobe::parse_duration(s)
}

pub fn parse_positive_duration(s: &str) -> Result<Duration, String> {
    match kaprobe::parse_duration(s)? {
        d if d.is_zero() => Err(format!("'{s}' must be longer than zero")),
        d => Ok(d),
    }
}

pub(crate) fn parse_mode(s: &str) -> Result<Mode, String> {
    s.parse()
}

/// A value that goes into a request header as it is (`--authority`,
/// `--subprotocol`): a control character would split or corrupt the header, so it
/// is a usage error rather than a header silently dropped.
pub(crate) fn parse_header_text(s: &str) -> Result<String, String> {
    if s.chars().any(|c| c.is_control()) {
        return Err("control characters (CR, LF, ...) cannot go into a header".into());
    }
    Ok(s.to_string())
}

pub(crate) fn parse_template(s: &str) -> Result<Template, String> {
    Template::new(s)
}

pub(crate) fn parse_keepalive(s: &str) -> Result<KeepaliveSpec, String> {
    s.parse()
}

pub(crate) fn parse_resolve(s: &str) -> Result<kaprobe::addressing::ResolveRule, String> {
    s.parse()
}

pub(crate) fn parse_method(s: &str) -> Result<kaprobe::proto::http::Method, String> {
    s.parse()
}

pub(crate) fn parse_status_set(s: &str) -> Result<kaprobe::proto::http::StatusSet, String> {
    s.parse()
}
