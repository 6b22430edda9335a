//! Helpers shared by the SQL backends.

use serde_json::Value;

use crate::{Document, Error, Page, Result};

/// The table that records which of the store's migrations ran, apart from an application's own
/// `_sqlx_migrations`.
pub(crate) const MIGRATIONS_TABLE: &str = "_apivolve_store_migrations";

/// A document from its row.
pub(crate) fn document(key: &str, text: &str, version: i64) -> Result<Document> {
    let value = parse(key, text)?;
    Ok(Document {
        value,
        version: version_from_row(version),
    })
}

/// A stored JSON text as a value.
pub(crate) fn parse(key: &str, text: &str) -> Result<Value> {
    serde_json::from_str(text).map_err(|source| Error::CorruptDocument {
        key: key.to_owned(),
        source,
    })
}

/// A value as stored JSON text.
pub(crate) fn text(value: &Value) -> String {
    // Straight into a buffer (`Display` goes through a formatter, write by write); serialising a
    // `Value` cannot fail: its map keys are strings.
    serde_json::to_string(value).unwrap_or_else(|_| value.to_string())
}

/// Versions are positive and below 2^63 (one per write); clamp rather than panic on a bad row.
pub(crate) fn version_from_row(version: i64) -> u64 {
    u64::try_from(version).unwrap_or_default()
}

/// A version as a database integer.
pub(crate) fn version_to_row(version: u64) -> i64 {
    i64::try_from(version).unwrap_or(i64::MAX)
}

/// The listing query's shape: whether it has a lower bound from `after` and an upper bound.
pub(crate) struct ListBounds {
    /// `key > after` (true) or `key >= prefix` (false).
    pub(crate) after: bool,
    /// The lower bound's value.
    pub(crate) lower: String,
    /// `key < end`, when the prefix has an end.
    pub(crate) end: Option<String>,
    /// Rows to fetch: one more than the page, to learn whether another page follows.
    pub(crate) fetch: i64,
    /// The page size.
    pub(crate) limit: usize,
}

impl ListBounds {
    pub(crate) fn new(prefix: &str, after: Option<&str>, limit: usize) -> Self {
        let limit = limit.clamp(1, 100_000);
        let (after, lower) = match after {
            Some(after) if after >= prefix => (true, after.to_owned()),
            _ => (false, prefix.to_owned()),
        };
        Self {
            after,
            lower,
            end: crate::store::prefix_end(prefix),
            fetch: i64::try_from(limit + 1).unwrap_or(i64::MAX),
            limit,
        }
    }

    /// Cut the fetched rows to a page and set its cursor.
    pub(crate) fn page(&self, mut items: Vec<(String, Document)>) -> Page {
        let next = if items.len() > self.limit {
            items.truncate(self.limit);
            items.last().map(|(key, _)| key.clone())
        } else {
            None
        };
        Page { items, next }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_start_after_the_cursor_inside_the_prefix() {
        let bounds = ListBounds::new("user/", Some("user/7"), 10);
        assert!(bounds.after);
        assert_eq!(bounds.lower, "user/7");
        assert_eq!(bounds.end.as_deref(), Some("user0"));
        let before = ListBounds::new("user/", Some("a"), 0);
        assert!(!before.after);
        assert_eq!(before.lower, "user/");
        assert_eq!(before.fetch, 2);
    }

    #[test]
    fn corrupt_rows_are_errors() {
        let error = document("k", "{not json", 1).expect_err("invalid JSON");
        assert!(matches!(error, Error::CorruptDocument { key, .. } if key == "k"));
        assert_eq!(version_from_row(-1), 0);
        assert_eq!(version_to_row(u64::MAX), i64::MAX);
    }
}
