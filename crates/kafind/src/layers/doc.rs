//! The `layers` document, built from what the run measured.

use std::time::Duration;

use kaprobe::discover::layers::{LayersConfig, LayersReport, MechanismResult, verdict::kept};
use kawire::record::{LayerRecord, LayersDoc, millis};

use super::config::Config;
use super::sentence::summary;
use crate::common::{RunInfo, header};

fn record(all: &[MechanismResult], r: &MechanismResult) -> LayerRecord {
    LayerRecord {
        mechanism: r.mechanism.name().into(),
        interval_ms: millis(r.interval),
        kept_alive: if r.failed {
            "failed".into()
        } else {
            kept(all, r).as_str().into()
        },
        cause: r.cause.as_ref().map(|c| c.kind.to_string()),
        detail: r.cause.as_ref().map(|c| c.detail.clone()),
        died_after_ms: r.died_after.map(millis),
        detect_dead_within_ms: r.detect_within.map(millis),
        detected_after_ms: r.detected_after.map(millis),
    }
}

pub fn layers_doc(
    info: &RunInfo,
    config: &Config,
    cfg: &LayersConfig,
    idle: Option<Duration>,
    report: &LayersReport,
) -> LayersDoc {
    LayersDoc {
        header: header("layers", info, &config.target),
        summary: summary(cfg, report),
        recommended: report.recommended.map(|m| m.name().into()),
        interval_ms: millis(cfg.interval),
        duration_ms: millis(cfg.duration),
        detect_within_ms: millis(cfg.detect_within),
        idle_timeout_ms: idle.map(millis),
        measure_detection_ms: cfg.measure.map(millis),
        elapsed_ms: millis(report.elapsed),
        interrupted: report.interrupted,
        healthy: Config::healthy(report),
        mechanisms: report
            .results
            .iter()
            .map(|r| record(&report.results, r))
            .collect(),
    }
}
