//! One view per group: what the table and the plot show of it (its part of the
//! report, its RTT series, its sparkline), built once, each group's parts found
//! by its key rather than lined up by order.

use kawire::record::{ReportDoc, ReportGroup};

use super::spark::{WIDTH, sparkline};
use crate::aggregate::{Aggregator, Series};

/// What one group shows.
#[derive(Debug)]
pub struct GroupView<'a> {
    pub report: &'a ReportGroup,
    pub series: &'a Series,
    /// RTT over time in a few characters.
    pub spark: String,
}

/// A view for each group of `doc`, in its order.
pub fn views<'a>(doc: &'a ReportDoc, agg: &'a Aggregator) -> Vec<GroupView<'a>> {
    doc.targets
        .iter()
        .filter_map(|report| {
            let series = &agg.groups().get(&report.group)?.series;
            Some(GroupView {
                report,
                series,
                spark: sparkline(series, WIDTH),
            })
        })
        .collect()
}
