//! Output formats, one file each: a terminal table, one JSON document.

pub mod json;
pub mod table;
