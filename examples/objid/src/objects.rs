//! Object types and the first free number in a list of ranges.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The 13 object types, lower case.
pub const OBJECT_TYPES: [&str; 13] = [
    "codeunit",
    "enum",
    "enumextension",
    "page",
    "pageextension",
    "permissionset",
    "permissionsetextension",
    "query",
    "report",
    "reportextension",
    "table",
    "tableextension",
    "xmlport",
];

/// Types whose objects have numbered fields or values (`table_50100`).
const FIELD_TYPES: [&str; 4] = ["table", "tableextension", "enum", "enumextension"];

/// A parsed object type: one of the 13, or the fields of object `n` of a field type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ObjectType {
    /// `codeunit`, `page`, ...
    Object(&'static str),
    /// `table_50100`: the fields of table 50100.
    Fields {
        /// `table`, `tableextension`, `enum` or `enumextension`.
        kind: &'static str,
        /// The object's number.
        object: u64,
    },
}

impl ObjectType {
    /// Parses a type name, case-insensitively.
    pub fn parse(name: &str) -> Option<Self> {
        let lower = name.to_ascii_lowercase();
        if let Some(known) = OBJECT_TYPES.iter().find(|known| **known == lower) {
            return Some(Self::Object(known));
        }
        let (kind, number) = lower.rsplit_once('_')?;
        let kind = FIELD_TYPES.iter().find(|known| **known == kind)?;
        let object = number
            .parse::<u64>()
            .ok()
            .filter(|n| *n > 0 && !number.starts_with('+'))?;
        Some(Self::Fields { kind, object })
    }

    /// The key of this type in an app's document.
    pub fn key(&self) -> String {
        match self {
            Self::Object(name) => (*name).to_owned(),
            Self::Fields { kind, object } => format!("{kind}_{object}"),
        }
    }
}

/// A range of numbers, both ends included.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Range {
    /// First number.
    pub from: u64,
    /// Last number.
    pub to: u64,
}

impl Range {
    /// Whether `number` lies in the range.
    pub fn contains(&self, number: u64) -> bool {
        self.from <= number && number <= self.to
    }
}

/// The first number of `range` not in `used` (sorted ascending), if any.
pub fn first_free(range: Range, used: &[u64]) -> Option<u64> {
    if range.from > range.to {
        return None;
    }
    // Skip the used numbers below the range, then walk the range and the used list together.
    let start = used.partition_point(|n| *n < range.from);
    let mut candidate = range.from;
    for &number in &used[start..] {
        if number > candidate || candidate > range.to {
            break;
        }
        if number == candidate {
            candidate = candidate.checked_add(1)?;
        }
    }
    (candidate <= range.to).then_some(candidate)
}

/// The numbers stored under a key of an app's document, sorted.
pub fn used_numbers(document: &Value, key: &str) -> Vec<u64> {
    let mut numbers: Vec<u64> = document
        .get(key)
        .and_then(Value::as_array)
        .map(|items| items.iter().filter_map(Value::as_u64).collect())
        .unwrap_or_default();
    numbers.sort_unstable();
    numbers.dedup();
    numbers
}

/// Whether a document key holds consumption (a type), not bookkeeping (`_authorization`, `_ranges`).
pub fn is_consumption_key(key: &str) -> bool {
    !key.starts_with('_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_types() {
        assert_eq!(
            ObjectType::parse("CodeUnit"),
            Some(ObjectType::Object("codeunit"))
        );
        assert_eq!(
            ObjectType::parse("table_50100"),
            Some(ObjectType::Fields {
                kind: "table",
                object: 50100
            })
        );
        assert_eq!(ObjectType::parse("page_1"), None);
        assert_eq!(ObjectType::parse("table_0"), None);
        assert_eq!(ObjectType::parse("table_x"), None);
        assert_eq!(ObjectType::parse("fake"), None);
        assert_eq!(ObjectType::parse("interface"), None);
    }

    #[test]
    fn finds_the_first_free_number() {
        let range = Range {
            from: 50000,
            to: 59999,
        };
        assert_eq!(first_free(range, &[]), Some(50000));
        assert_eq!(
            first_free(range, &[50000, 50001, 50002, 50004]),
            Some(50003)
        );
        assert_eq!(first_free(range, &[1, 2, 50000]), Some(50001));
        assert_eq!(first_free(Range { from: 5, to: 6 }, &[5, 6]), None);
        assert_eq!(first_free(Range { from: 7, to: 6 }, &[]), None);
        assert_eq!(
            first_free(
                Range {
                    from: u64::MAX,
                    to: u64::MAX
                },
                &[u64::MAX]
            ),
            None
        );
    }
}
