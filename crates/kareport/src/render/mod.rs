//! Output formats, one file each: a terminal or Markdown table (with its
//! sparkline column), one JSON document, CSV, an SVG plot; and the view of a
//! group the table and the plot draw from.

pub mod csv;
pub mod json;
pub mod spark;
pub mod svg;
pub mod table;
pub mod view;
