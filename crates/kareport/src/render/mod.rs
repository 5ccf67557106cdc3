//! Output formats, one file each: a terminal or Markdown table (with its
//! sparkline column), one JSON document, CSV, an SVG plot.

pub mod csv;
pub mod json;
pub mod spark;
pub mod svg;
pub mod table;
