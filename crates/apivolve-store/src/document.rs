//! The values a store holds and the writes it accepts.

use std::sync::Arc;

use serde_json::Value;

/// A stored JSON document and its version.
///
/// Versions are drawn from one store-wide counter that only grows, so a version identifies one
/// state of one document: a document that is deleted and created again never gets back a version
/// it had before, and a stale expected version can never match by accident.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// The document's JSON value.
    pub value: Value,
    /// The version of this state; compare it, never compute with it.
    pub version: u64,
}

/// A stored document whose value is shared, not copied: what a store's cache and the units of
/// work that read it hand round.
///
/// The value behind the [`Arc`] is never changed in place: a unit that writes a document stages a
/// new value (copy on write), so a reader's edit of its own copy
/// ([`Arc::make_mut`] copies a shared value first) never reaches the cache or another unit.
#[derive(Debug, Clone, PartialEq)]
pub struct SharedDocument {
    /// The document's JSON value.
    pub value: Arc<Value>,
    /// The version of this state; compare it, never compute with it.
    pub version: u64,
}

impl From<Document> for SharedDocument {
    fn from(document: Document) -> Self {
        Self {
            value: Arc::new(document.value),
            version: document.version,
        }
    }
}

impl From<SharedDocument> for Document {
    /// The value is copied only when it is still shared.
    fn from(document: SharedDocument) -> Self {
        Self {
            value: Arc::unwrap_or_clone(document.value),
            version: document.version,
        }
    }
}

/// One conditional write of a commit; a commit applies all of its writes or none.
#[derive(Debug, Clone, PartialEq)]
pub enum Write {
    /// Create `key` with `value`; conflicts if `key` exists.
    Insert {
        /// The key to create.
        key: String,
        /// The new document.
        value: Value,
    },
    /// Overwrite `key` with `value`; conflicts unless `key` exists at `expected_version`.
    Replace {
        /// The key to overwrite.
        key: String,
        /// The new document.
        value: Value,
        /// The version the document must have.
        expected_version: u64,
    },
    /// Apply an RFC 7396 JSON merge patch to `key`.
    ///
    /// With `Some(version)` the document must exist at that version. With `None` the document must
    /// be absent, and the patch applied to nothing (`null`) becomes the new document.
    Merge {
        /// The key to patch.
        key: String,
        /// The merge patch; `null` members delete.
        patch: Value,
        /// The version the document must have, or `None` for "must be absent".
        expected_version: Option<u64>,
    },
    /// Delete `key`.
    ///
    /// With `Some(version)` the document must exist at that version. With `None` whatever is
    /// there is deleted, and deleting an absent key is not an error: the result does not depend on
    /// what was there.
    Delete {
        /// The key to delete.
        key: String,
        /// The version the document must have, or `None` for "any, or absent".
        expected_version: Option<u64>,
    },
}

impl Write {
    /// The key this write touches.
    #[must_use]
    pub fn key(&self) -> &str {
        match self {
            Self::Insert { key, .. }
            | Self::Replace { key, .. }
            | Self::Merge { key, .. }
            | Self::Delete { key, .. } => key,
        }
    }
}

/// One page of a listing by key prefix, in ascending key order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Page {
    /// The documents of this page with their keys.
    pub items: Vec<(String, Document)>,
    /// Pass this as `after` to get the next page; `None` on the last page.
    pub next: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_write_names_its_key() {
        let writes = [
            Write::Insert {
                key: "a".into(),
                value: Value::Null,
            },
            Write::Replace {
                key: "b".into(),
                value: Value::Null,
                expected_version: 1,
            },
            Write::Merge {
                key: "c".into(),
                patch: Value::Null,
                expected_version: None,
            },
            Write::Delete {
                key: "d".into(),
                expected_version: None,
            },
        ];
        let keys: Vec<_> = writes.iter().map(Write::key).collect();
        assert_eq!(keys, ["a", "b", "c", "d"]);
    }
}
