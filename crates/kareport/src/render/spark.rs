//! The sparkline column: mean RTT over a group's time span in a few block
//! characters, lowest to highest, `×` where every probe was lost or it was down.

use crate::aggregate::Series;

const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// Characters in the sparkline column.
pub const WIDTH: usize = 16;

/// The series in `width` characters, scaled from its lowest to its highest mean.
pub fn sparkline(series: &Series, width: usize) -> String {
    let slots = series.resample(width);
    let avgs: Vec<f64> = slots.iter().flatten().filter_map(|b| b.avg_us()).collect();
    let lo = avgs.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = avgs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let line: String = slots
        .iter()
        .map(|slot| match slot {
            None => ' ',
            Some(b) => match b.avg_us() {
                None => '×',
                Some(_) if hi <= lo => BARS[0],
                Some(avg) => BARS[(((avg - lo) / (hi - lo)) * 7.0).round() as usize],
            },
        })
        .collect();
    line.trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_step_shows_low_then_high_and_losses_as_crosses() {
        let mut s = Series::new(64);
        for i in 0..64u64 {
            match i {
                0..16 => s.reply(i * 100, 1000.0),
                16..32 => s.lost(i * 100),
                _ => s.reply(i * 100, 8000.0),
            }
        }
        assert_eq!(sparkline(&s, 4), "▁×██");
        assert_eq!(sparkline(&Series::default(), 4), "");
        let mut flat = Series::new(8);
        flat.reply(0, 5.0);
        flat.reply(7, 5.0);
        assert_eq!(sparkline(&flat, 2), "▁▁");
    }
}
