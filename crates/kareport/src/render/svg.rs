//! `--plot FILE.svg`: RTT over time, one panel per group on a shared time axis; the
//! mean RTT as a line over a min-max band, lost probes as ticks at the top, down
//! periods shaded. A small SVG writer: a plotting crate would bring fonts and a
//! raster stack for a few rectangles and lines.

use std::fmt::Write as _;
use std::io::{self, Write};
use std::time::{Duration, SystemTime};

use kawire::record::ReportGroup;

use super::view::GroupView;
use crate::aggregate::Series;

const WIDTH: f64 = 960.0;
const PANEL: f64 = 170.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 26.0;
const BOTTOM: f64 = 24.0;
const HEADER: f64 = 30.0;

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn at(ms: u64) -> SystemTime {
    // RFC 3339 ends at 9999-12-31T23:59:59.999Z; a bucket may end past it.
    const LAST_MS: u64 = 253_402_300_799_999;
    SystemTime::UNIX_EPOCH + Duration::from_millis(ms.min(LAST_MS))
}

/// A round number at or above `v`: 1, 2 or 5 times a power of ten.
fn nice_ceiling(v: f64) -> f64 {
    if v <= 0.0 || !v.is_finite() {
        return 1.0;
    }
    let power = 10f64.powf(v.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|c| *c >= v)
        .unwrap_or(10.0 * power)
}

/// The RTT axis: a round step (1, 2 or 5 times a power of ten) giving three to
/// six gridlines, and the top, a whole number of steps at or above `v`.
fn rtt_axis(v: f64) -> (f64, f64) {
    let step = nice_ceiling(v / 5.0);
    let steps = (v / step).ceil().max(1.0);
    (step * steps, step)
}

/// The round time steps the time axis chooses from, ms.
const TIME_STEPS: [u64; 27] = [
    1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 15_000, 30_000, 60_000,
    120_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000, 7_200_000, 10_800_000, 21_600_000,
    43_200_000, 86_400_000,
];

/// Time ticks on round UTC times (whole seconds, minutes, hours, days): the
/// smallest round step that makes at most six of them between `t0` and `t1`.
fn time_ticks(t0: u64, t1: u64) -> (Vec<u64>, u64) {
    let span = t1.saturating_sub(t0).max(1);
    let step = TIME_STEPS
        .into_iter()
        .find(|s| span / s <= 5)
        .unwrap_or_else(|| span.div_ceil(5).div_ceil(86_400_000) * 86_400_000);
    let first = t0.div_ceil(step) * step;
    let ticks = (0..)
        .map(|i| first + i * step)
        .take_while(|t| *t <= t1)
        .collect();
    (ticks, step)
}

/// A tick's label, as precise as its step: the millisecond, the second, the
/// minute, with the date when the span passes a day, and only the date (the
/// year with it) when it passes a year.
fn time_label(ms: u64, step_ms: u64, span_ms: u64) -> String {
    let stamp = humantime::format_rfc3339_millis(at(ms)).to_string();
    if span_ms > 366 * 86_400_000 {
        return stamp[..10].to_string();
    }
    let time = match step_ms {
        s if s < 1_000 => &stamp[11..23],
        s if s < 60_000 => &stamp[11..19],
        _ => &stamp[11..16],
    };
    if span_ms > 86_400_000 {
        format!("{} {time}", &stamp[5..10])
    } else {
        time.to_string()
    }
}

/// Where a panel's plot sits and how it maps time and RTT onto it.
struct Frame {
    /// The shared time axis, ms since the epoch.
    t0: u64,
    t1: u64,
    plot_w: f64,
    top: f64,
    plot_h: f64,
    /// The RTT at the top of the panel, ms.
    y_max: f64,
}

impl Frame {
    fn x(&self, ms: u64) -> f64 {
        LEFT + (ms.saturating_sub(self.t0)) as f64 / (self.t1 - self.t0) as f64 * self.plot_w
    }

    fn bottom(&self) -> f64 {
        self.top + self.plot_h
    }

    fn y(&self, us: f64) -> f64 {
        self.bottom() - (us / 1000.0 / self.y_max).min(1.0) * self.plot_h
    }
}

/// Writes the plot of `groups`, a panel each.
pub fn write(out: &mut impl Write, groups: &[GroupView<'_>]) -> io::Result<()> {
    let spans: Vec<(u64, u64)> = groups.iter().filter_map(|g| g.series.span_ms()).collect();
    let t0 = spans.iter().map(|s| s.0).min().unwrap_or(0);
    let t1 = spans.iter().map(|s| s.1).max().unwrap_or(1).max(t0 + 1);
    let height = HEADER + PANEL * groups.len().max(1) as f64;
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="11">"#
    );
    let _ = writeln!(
        svg,
        r#"<rect width="100%" height="100%" fill="white"/><text x="{LEFT}" y="18" font-size="13">RTT over time (ms, UTC): mean line, min-max band, lost probes as red ticks, down periods shaded</text>"#
    );
    for (i, GroupView { report, series, .. }) in groups.iter().enumerate() {
        let max_us = series
            .buckets()
            .filter(|(_, b)| b.replies > 0)
            .map(|(_, b)| b.max_us)
            .fold(0.0, f64::max);
        let frame = Frame {
            t0,
            t1,
            plot_w: WIDTH - LEFT - RIGHT,
            top: HEADER + i as f64 * PANEL + TOP,
            plot_h: PANEL - TOP - BOTTOM,
            y_max: rtt_axis(max_us / 1000.0 * 1.05).0,
        };
        let _ = writeln!(
            svg,
            r#"<g class="panel" data-group="{}">"#,
            escape(&report.group)
        );
        axes(&mut svg, &frame, report);
        downs(&mut svg, &frame, series);
        rtt(&mut svg, &frame, series);
        svg.push_str("</g>\n");
    }
    svg.push_str("</svg>\n");
    out.write_all(svg.as_bytes())?;
    out.flush()
}

/// A panel's title, frame, RTT grid and time labels.
fn axes(svg: &mut String, f: &Frame, report: &ReportGroup) {
    let (top, plot_w, plot_h, bottom) = (f.top, f.plot_w, f.plot_h, f.bottom());
    let mut title = format!(
        "{}: {} probes, {:.2}% loss",
        report.group, report.probes, report.loss_pct
    );
    if let Some(p50) = report.rtt.p50_us {
        let _ = write!(title, ", p50 {:.3} ms", p50 / 1000.0);
    }
    if let Some(p99) = report.rtt.p99_us {
        let _ = write!(title, ", p99 {:.3} ms", p99 / 1000.0);
    }
    if let Some(a) = report.availability_pct {
        let _ = write!(title, ", available {a:.3}%");
    }
    let _ = writeln!(
        svg,
        r#"<text x="{LEFT}" y="{:.1}" font-weight="bold">{}</text>"#,
        top - 8.0,
        escape(&title)
    );
    let _ = writeln!(
        svg,
        r##"<rect x="{LEFT}" y="{top:.1}" width="{plot_w:.1}" height="{plot_h:.1}" fill="#fafafa" stroke="#999"/>"##
    );
    let (_, y_step) = rtt_axis(f.y_max);
    let decimals = (-y_step.log10().floor()).max(0.0) as usize;
    let lines = (f.y_max / y_step).round() as u32;
    for step in 0..=lines {
        let v = y_step * f64::from(step);
        let gy = bottom - plot_h * v / f.y_max;
        let _ = writeln!(
            svg,
            r##"<line x1="{LEFT}" y1="{gy:.1}" x2="{:.1}" y2="{gy:.1}" stroke="#ddd"/><text x="{:.1}" y="{:.1}" text-anchor="end">{v:.decimals$} ms</text>"##,
            LEFT + plot_w,
            LEFT - 6.0,
            gy + 4.0,
        );
    }
    let (ticks, step) = time_ticks(f.t0, f.t1);
    for ms in ticks {
        let _ = writeln!(
            svg,
            r##"<line x1="{x:.1}" y1="{bottom:.1}" x2="{x:.1}" y2="{:.1}" stroke="#999"/><text x="{x:.1}" y="{:.1}" text-anchor="middle">{}</text>"##,
            bottom + 4.0,
            bottom + 15.0,
            time_label(ms, step, f.t1 - f.t0),
            x = f.x(ms),
        );
    }
}

/// Down periods: runs of buckets with down time, one shaded rectangle each.
fn downs(svg: &mut String, f: &Frame, series: &Series) {
    let (top, plot_h) = (f.top, f.plot_h);
    let width = series.width_ms();
    let mut run: Option<(u64, u64)> = None;
    let mut downs = Vec::new();
    for (start, b) in series.buckets() {
        if b.down_ms <= 0.0 {
            continue;
        }
        run = match run {
            Some((from, to)) if to == start => Some((from, start + width)),
            Some(done) => {
                downs.push(done);
                Some((start, start + width))
            }
            None => Some((start, start + width)),
        };
    }
    downs.extend(run);
    for (from, to) in downs {
        let _ = writeln!(
            svg,
            r##"<rect class="down" x="{:.1}" y="{top:.1}" width="{:.1}" height="{plot_h:.1}" fill="#d62728" fill-opacity="0.25" data-from="{}" data-to="{}"><title>down</title></rect>"##,
            f.x(from),
            (f.x(to.min(f.t1)) - f.x(from)).max(1.0),
            humantime::format_rfc3339_millis(at(from)),
            humantime::format_rfc3339_millis(at(to)),
        );
    }
}

/// The min-max band and the mean line, broken where probes were lost or it was
/// down with no reply, and a red tick for each bucket with losses.
fn rtt(svg: &mut String, f: &Frame, series: &Series) {
    let top = f.top;
    let width = series.width_ms();
    let mut band = String::new();
    let mut lines: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut broken = true;
    for (start, b) in series.buckets() {
        if let Some(avg) = b.avg_us() {
            let cx = f.x(start) + (f.x(start + width) - f.x(start)) / 2.0;
            let _ = write!(
                band,
                "M{cx:.1} {:.1}V{:.1}",
                f.y(b.max_us),
                f.y(b.min_us) + 0.5
            );
            if broken {
                lines.push(Vec::new());
                broken = false;
            }
            if let Some(line) = lines.last_mut() {
                line.push((cx, f.y(avg)));
            }
        } else if b.lost > 0 || b.down_ms > 0.0 {
            broken = true;
        }
        if b.lost > 0 {
            let _ = writeln!(
                svg,
                r##"<rect class="lost" x="{:.1}" y="{top:.1}" width="{:.1}" height="6" fill="#d62728"><title>{} lost</title></rect>"##,
                f.x(start),
                (f.x(start + width) - f.x(start)).max(1.0),
                b.lost
            );
        }
    }
    if !band.is_empty() {
        let _ = writeln!(
            svg,
            r##"<path class="band" d="{band}" stroke="#9ecae1" stroke-width="2" fill="none"/>"##
        );
    }
    for line in lines {
        let points: Vec<String> = line
            .iter()
            .map(|(px, py)| format!("{px:.1},{py:.1}"))
            .collect();
        let _ = writeln!(
            svg,
            r##"<polyline class="rtt" points="{}" stroke="#1f77b4" stroke-width="1.5" fill="none"/>"##,
            points.join(" ")
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ceilings_are_round() {
        assert_eq!(nice_ceiling(0.0), 1.0);
        assert_eq!(nice_ceiling(0.37), 0.5);
        assert_eq!(nice_ceiling(1.0), 1.0);
        assert_eq!(nice_ceiling(1.2), 2.0);
        assert_eq!(nice_ceiling(7.0), 10.0);
        assert_eq!(nice_ceiling(120.0), 200.0);
    }

    #[test]
    fn axes_fall_on_round_values_and_times() {
        // 0.37 ms: gridlines every 0.1 ms up to 0.4, never 0.375.
        let (top, step) = rtt_axis(0.37);
        assert!(
            (top - 0.4).abs() < 1e-9 && (step - 0.1).abs() < 1e-9,
            "{top} {step}"
        );
        let (top, step) = rtt_axis(7.0);
        assert_eq!((top, step), (8.0, 2.0));
        // 15:43:05.616 to 15:48:05.616: ticks on whole minutes.
        let t0 = 1_764_949_385_616;
        let (ticks, step) = time_ticks(t0, t0 + 300_000);
        assert_eq!(step, 60_000);
        assert_eq!(ticks.len(), 5);
        assert!(ticks.iter().all(|t| t % 60_000 == 0 && *t >= t0));
        assert_eq!(time_label(ticks[0], step, 300_000).len(), 5, "HH:MM");
        // Two seconds: every 500 ms, labelled to the millisecond.
        let (ticks, step) = time_ticks(t0, t0 + 2_000);
        assert_eq!(step, 500);
        assert!(time_label(ticks[0], step, 2_000).ends_with(".000"));
        // Three days: whole days, with the date.
        let (ticks, step) = time_ticks(t0, t0 + 3 * 86_400_000);
        assert_eq!(step, 86_400_000);
        assert!(time_label(ticks[0], step, 3 * 86_400_000).contains(' '));
        let years = 3 * 366 * 86_400_000;
        let (ticks, step) = time_ticks(t0, t0 + years);
        assert_eq!(time_label(ticks[0], step, years).len(), 10, "YYYY-MM-DD");
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            escape(r#"ws://h/?a=1&b="<x>""#),
            "ws://h/?a=1&amp;b=&quot;&lt;x&gt;&quot;"
        );
    }
}
