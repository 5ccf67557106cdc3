//! Output formats, one file each: a terminal or Markdown table, one JSON document,
//! CSV.

pub mod csv;
pub mod json;
pub mod table;
