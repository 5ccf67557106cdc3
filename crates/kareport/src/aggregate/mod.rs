//! Aggregation of recorded runs: records from any mix of kaping and
//! kawatch runs, files and targets, grouped by target, protocol, mode, hour or day,
//! with bounded memory: histograms and counters, never a list of samples. Probe
//! statistics come from probe records only and watch time from summary records
//! only, so nothing is counted twice. Each group also keeps RTT over time (a
//! bounded [`Series`], with down periods from state records) and a 24-hour profile.

mod aggregator;
mod check;
mod doc;
mod group;
mod group_by;
mod line;
pub mod series;

#[cfg(test)]
mod hostile;

pub use aggregator::Aggregator;
pub use doc::group_doc;
pub use group::{Group, HourAgg, WatchAgg};
pub use group_by::GroupBy;
pub use line::{Ingested, LineError, Parsed, parse_line};
pub use series::Series;
