//! How records are grouped: by target, protocol, mode, hour, day or hour of the
//! day, as `--group-by` names them.

use std::fmt;
use std::str::FromStr;

/// How records are grouped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GroupBy {
    Target,
    Protocol,
    Mode,
    Hour,
    Day,
    /// The hour of the day (UTC), across days: when in the day it goes bad.
    HourOfDay,
}

impl FromStr for GroupBy {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "target" => GroupBy::Target,
            "protocol" => GroupBy::Protocol,
            "mode" => GroupBy::Mode,
            "hour" => GroupBy::Hour,
            "day" => GroupBy::Day,
            "hour-of-day" => GroupBy::HourOfDay,
            _ => {
                return Err(format!(
                    "unknown grouping '{s}' (expected target, protocol, mode, hour, day or hour-of-day)"
                ));
            }
        })
    }
}

impl fmt::Display for GroupBy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            GroupBy::Target => "target",
            GroupBy::Protocol => "protocol",
            GroupBy::Mode => "mode",
            GroupBy::Hour => "hour",
            GroupBy::Day => "day",
            GroupBy::HourOfDay => "hour-of-day",
        })
    }
}
