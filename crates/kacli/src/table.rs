//! Tables that fit a terminal: columns are chosen by width (the essentials
//! always, the rest by rank while there is room, all with `--wide` or off a
//! terminal), a number is never wrapped, and one text column (a cause) may wrap
//! on words. JSON and CSV keep every figure; the table says what it left out.

use comfy_table::{
    Cell, CellAlignment, ColumnConstraint, ContentArrangement, Table, Width, presets,
};
use unicode_width::UnicodeWidthStr;

/// How many columns a cell's padding and separator take.
const CELL_EDGES: usize = 3;
/// The narrowest a wrapping text column is made before it is left out.
const MIN_WRAP: usize = 14;

/// A column: its header, how much it matters, how it is aligned.
#[derive(Clone, Debug)]
pub struct Col {
    header: String,
    /// 0 is always shown; higher ranks go first when room is short.
    rank: u8,
    right: bool,
    /// Free text that may wrap on words (a cause, a list of failures).
    wraps: bool,
}

impl Col {
    /// A left-aligned column that is never wrapped (a name, a state).
    pub fn text(header: impl Into<String>, rank: u8) -> Self {
        Col {
            header: header.into(),
            rank,
            right: false,
            wraps: false,
        }
    }

    /// A right-aligned figure, never wrapped.
    pub fn number(header: impl Into<String>, rank: u8) -> Self {
        Col {
            right: true,
            ..Col::text(header, rank)
        }
    }

    /// Free text that may wrap on words to fit.
    pub fn wrapping(header: impl Into<String>, rank: u8) -> Self {
        Col {
            wraps: true,
            ..Col::text(header, rank)
        }
    }
}

/// The terminal width to fit: `COLUMNS` when set (as ls and ps read it), else
/// stdout's terminal, else none (all columns, unwrapped).
pub fn width() -> Option<usize> {
    if let Some(n) = std::env::var("COLUMNS")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|n| *n > 0)
    {
        return Some(n);
    }
    terminal_size::terminal_size_of(std::io::stdout())
        .map(|(terminal_size::Width(w), _)| usize::from(w))
}

/// A table before it is fitted.
#[derive(Clone, Debug, Default)]
pub struct FitTable {
    cols: Vec<Col>,
    rows: Vec<Vec<String>>,
}

/// A fitted table: its text and the headers of the columns left out.
#[derive(Clone, Debug)]
pub struct Fitted {
    pub text: String,
    pub hidden: Vec<String>,
}

impl Fitted {
    /// What to say under the table when columns were left out, if any.
    pub fn note(&self) -> Option<String> {
        (!self.hidden.is_empty()).then(|| {
            format!(
                "(not shown for the width: {}; --wide shows every column)",
                self.hidden.join(", ")
            )
        })
    }
}

impl FitTable {
    pub fn new(cols: Vec<Col>) -> Self {
        FitTable {
            cols,
            rows: Vec::new(),
        }
    }

    /// Adds a row, a cell per column.
    pub fn row(&mut self, cells: Vec<String>) {
        debug_assert_eq!(cells.len(), self.cols.len(), "a cell per column");
        self.rows.push(cells);
    }

    /// The widest cell of each column, its header included.
    fn widths(&self) -> Vec<usize> {
        self.cols
            .iter()
            .enumerate()
            .map(|(i, c)| {
                self.rows
                    .iter()
                    .filter_map(|r| r.get(i))
                    .map(|s| s.lines().map(UnicodeWidthStr::width).max().unwrap_or(0))
                    .chain([c.header.width()])
                    .max()
                    .unwrap_or(0)
            })
            .collect()
    }

    /// The columns to show within `width`: the essentials, then by rank (in
    /// their order within a rank) each that still fits.
    fn choose(&self, width: Option<usize>) -> Vec<usize> {
        let widths = self.widths();
        let Some(width) = width else {
            return (0..self.cols.len()).collect();
        };
        let cost = |i: usize| {
            let w = if self.cols[i].wraps {
                widths[i].min(MIN_WRAP.max(self.cols[i].header.width()))
            } else {
                widths[i]
            };
            w + CELL_EDGES
        };
        let mut chosen: Vec<usize> = (0..self.cols.len())
            .filter(|i| self.cols[*i].rank == 0)
            .collect();
        let mut total = 1 + chosen.iter().map(|i| cost(*i)).sum::<usize>();
        let max_rank = self.cols.iter().map(|c| c.rank).max().unwrap_or(0);
        for rank in 1..=max_rank {
            for i in (0..self.cols.len()).filter(|i| self.cols[*i].rank == rank) {
                if total + cost(i) <= width {
                    total += cost(i);
                    chosen.push(i);
                }
            }
        }
        chosen.sort_unstable();
        chosen
    }

    /// Every column as a Markdown table.
    pub fn markdown(&self) -> String {
        let mut table = Table::new();
        table.load_style(presets::ASCII_MARKDOWN);
        table.set_header(self.cols.iter().map(|c| Cell::new(&c.header)));
        for row in &self.rows {
            table.add_row(row.iter().map(Cell::new));
        }
        for (at, col) in self.cols.iter().enumerate() {
            if let (true, Some(c)) = (col.right, table.column_mut(at)) {
                c.set_cell_alignment(CellAlignment::Right);
            }
        }
        table.to_string()
    }

    /// The table fitted to `width` (`None`: every column, nothing wrapped).
    pub fn fit(&self, width: Option<usize>) -> Fitted {
        let chosen = self.choose(width);
        let widths = self.widths();
        let mut table = Table::new();
        table.load_style(presets::UTF8_FULL_CONDENSED);
        table.set_header(chosen.iter().map(|i| Cell::new(&self.cols[*i].header)));
        for row in &self.rows {
            table.add_row(chosen.iter().map(|i| Cell::new(&row[*i])));
        }
        match width {
            Some(w) => {
                table
                    .set_content_arrangement(ContentArrangement::Dynamic)
                    .set_width(u16::try_from(w).unwrap_or(u16::MAX));
            }
            None => {
                table.set_content_arrangement(ContentArrangement::Disabled);
            }
        }
        for (at, i) in chosen.iter().enumerate() {
            let col = &self.cols[*i];
            let Some(c) = table.column_mut(at) else {
                continue;
            };
            if col.right {
                c.set_cell_alignment(CellAlignment::Right);
            }
            if !col.wraps {
                // A constraint's width counts the cell's padding too.
                let w = u16::try_from(widths[*i] + CELL_EDGES - 1).unwrap_or(u16::MAX);
                c.set_constraint(ColumnConstraint::Absolute(Width::Fixed(w)));
            } else {
                // Wrapped text keeps room for its header on one line.
                let w = u16::try_from(col.header.width() + CELL_EDGES - 1).unwrap_or(u16::MAX);
                c.set_constraint(ColumnConstraint::LowerBoundary(Width::Fixed(w)));
            }
        }
        let hidden = (0..self.cols.len())
            .filter(|i| !chosen.contains(i))
            .map(|i| self.cols[i].header.clone())
            .collect();
        Fitted {
            text: table.to_string(),
            hidden,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> FitTable {
        let mut t = FitTable::new(vec![
            Col::text("target", 0),
            Col::number("sent", 0),
            Col::number("loss", 0),
            Col::number("p50 ms", 0),
            Col::number("p99 ms", 0),
            Col::number("min ms", 2),
            Col::number("mdev ms", 3),
            Col::text("mode", 1),
            Col::wrapping("failures", 0),
        ]);
        t.row(
            [
                "tcp://127.0.0.1:44005",
                "5",
                "0.57%",
                "1052.066",
                "1.255",
                "0.708",
                "0.202",
                "echo",
                "timeout 3, refused (127.0.0.1:1: Connection refused) 2",
            ]
            .map(String::from)
            .to_vec(),
        );
        t.row(
            [
                "tcp://localhost:7999",
                "3",
                "0%",
                "0.430",
                "0.478",
                "0.294",
                "0.079",
                "echo",
                "",
            ]
            .map(String::from)
            .to_vec(),
        );
        t
    }

    #[test]
    fn fits_the_width_without_wrapping_a_number() {
        for width in [80, 120, 200] {
            let fitted = sample().fit(Some(width));
            for line in fitted.text.lines() {
                assert!(line.width() <= width, "{width}: {line:?}\n{}", fitted.text);
            }
            // Names and numbers stay whole on their line.
            for n in [
                "tcp://127.0.0.1:44005",
                "tcp://localhost:7999",
                "0.57%",
                "1052.066",
                "1.255",
            ] {
                assert!(fitted.text.contains(n), "{width}: {n}\n{}", fitted.text);
            }
        }
        let narrow = sample().fit(Some(80));
        assert!(narrow.hidden.contains(&"mdev ms".to_string()), "{narrow:?}");
        let wide = sample().fit(Some(200));
        assert!(wide.hidden.is_empty(), "{}", wide.text);
        assert!(wide.note().is_none());
        assert!(narrow.note().unwrap().contains("mdev ms"));
    }

    #[test]
    fn without_a_width_every_column_shows_unwrapped() {
        let fitted = sample().fit(None);
        assert!(fitted.hidden.is_empty());
        assert!(fitted.text.contains("Connection refused) 2"));
        assert_eq!(fitted.text.lines().count(), 6, "{}", fitted.text);
    }

    #[test]
    fn lower_ranks_go_first() {
        // The essentials take 77 columns (the failures at their narrowest, 14);
        // at 84 there is room for mode (rank 1, 7 more) but not min ms (rank 2).
        let t = sample();
        assert_eq!(t.choose(None).len(), 9);
        assert_eq!(t.choose(Some(77)), vec![0, 1, 2, 3, 4, 8]);
        assert_eq!(t.choose(Some(84)), vec![0, 1, 2, 3, 4, 7, 8]);
        assert_eq!(t.choose(Some(93)), vec![0, 1, 2, 3, 4, 5, 7, 8]);
    }
}
