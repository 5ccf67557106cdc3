//! `--expect-status`: which response statuses count as a reply (`200`, `2xx`,
//! `200,204,3xx`); by default any 2xx or 3xx.

use std::fmt;
use std::str::FromStr;

/// A set of statuses, each exact (`204`) or a class (`2xx`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusSet {
    items: Vec<StatusItem>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum StatusItem {
    Exact(u16),
    /// The hundreds digit: 2 for `2xx`.
    Class(u16),
}

impl Default for StatusSet {
    fn default() -> Self {
        StatusSet {
            items: vec![StatusItem::Class(2), StatusItem::Class(3)],
        }
    }
}

impl StatusSet {
    pub fn accepts(&self, status: u16) -> bool {
        self.items.iter().any(|item| match *item {
            StatusItem::Exact(s) => s == status,
            StatusItem::Class(c) => status / 100 == c,
        })
    }
}

impl FromStr for StatusSet {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut items = Vec::new();
        for part in s.split(',').map(str::trim) {
            let bad = || format!("invalid status '{part}' (expected 100-599 or a class like 2xx)");
            let lower = part.to_ascii_lowercase();
            let item = if let Some(class) = lower.strip_suffix("xx") {
                match class.parse::<u16>() {
                    Ok(c) if (1..=5).contains(&c) && class.len() == 1 => StatusItem::Class(c),
                    _ => return Err(bad()),
                }
            } else {
                match part.parse::<u16>() {
                    Ok(code) if (100..=599).contains(&code) => StatusItem::Exact(code),
                    _ => return Err(bad()),
                }
            };
            items.push(item);
        }
        Ok(StatusSet { items })
    }
}

impl fmt::Display for StatusSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self
            .items
            .iter()
            .map(|item| match item {
                StatusItem::Exact(s) => s.to_string(),
                StatusItem::Class(c) => format!("{c}xx"),
            })
            .collect();
        f.write_str(&parts.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_parse_and_match() {
        let default = StatusSet::default();
        assert!(default.accepts(200) && default.accepts(301) && default.accepts(399));
        assert!(!default.accepts(404) && !default.accepts(503) && !default.accepts(101));
        let set: StatusSet = "204, 4xx".parse().unwrap();
        assert!(set.accepts(204) && set.accepts(418));
        assert!(!set.accepts(200));
        assert_eq!(set.to_string(), "204,4xx");
        for bad in ["", "2x", "99", "600", "6xx", "20xx", "ok", "200,"] {
            assert!(bad.parse::<StatusSet>().is_err(), "{bad}");
        }
    }
}
