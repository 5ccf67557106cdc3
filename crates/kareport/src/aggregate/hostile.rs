//! Property tests: any line, and records with hostile values, are read or refused
//! without a panic.

use proptest::prelude::*;

use super::aggregator::Aggregator;
use super::doc::group_doc;
use super::group_by::GroupBy;

proptest! {
    /// Any line: a record, an unknown type or a named error, never a panic.
    #[test]
    fn any_line_is_read_or_refused(line in ".{0,400}") {
        let mut agg = Aggregator::new(GroupBy::Target, None, None);
        let _ = agg.ingest(&line);
        agg.finish();
    }

    /// Records with hostile values in their fields.
    #[test]
    fn hostile_field_values(
        kind in "(probe|event|state|summary)",
        ts in "(2026-11-21T10:00:00Z|9999-12-31T23:59:59.999Z|0000-01-01T00:00:00Z|x)",
        number in "(-1|0|1e308|-1e308|1.5|18446744073709551616|null|\"7\")",
    ) {
        let line = format!(
            r#"{{"type":"{kind}","v":1,"ts":"{ts}","run":"r","target":"t","protocol":"tcp","mode":"echo","seq":{number},"ok":true,"rtt_us":{number},"from":"up","to":"down","cause":"x","event":"server-ping","interval_ms":{number},"transmitted":1,"received":1,"loss_pct":{number},"elapsed_ms":{number},"rtt":{{}},"failures":{{}},"disconnects":{{}}}}"#
        );
        for by in [GroupBy::Target, GroupBy::Hour, GroupBy::HourOfDay] {
            let mut agg = Aggregator::new(by, None, None);
            let _ = agg.ingest(&line);
            agg.finish();
            for (key, group) in agg.groups() {
                let _ = group_doc(key, group);
            }
        }
    }
}
