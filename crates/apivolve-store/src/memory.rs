//! The in-memory backend, for tests and examples.

use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;
use std::sync::{Mutex, MutexGuard, PoisonError};

use futures::future::{BoxFuture, FutureExt};
use serde_json::Value;

use crate::commit::{self, Current, Effect};
use crate::store::prefix_end;
use crate::{Document, DocumentStore, Error, Page, Result, Write};

/// A [`DocumentStore`] in process memory; everything is gone when it is dropped.
///
/// Commits are atomic and serialised by one lock, so it behaves like the database backends in
/// every observable way except durability.
#[derive(Debug, Default)]
pub struct MemoryStore {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    documents: BTreeMap<String, (Value, u64)>,
    last_version: u64,
}

impl MemoryStore {
    /// An empty store.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave a half-applied commit: effects are computed
        // before the map is touched, and inserting into a map does not panic midway.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn commit_now(&self, writes: Vec<Write>) -> Result<Vec<Option<u64>>> {
        commit::distinct_keys(&writes)?;
        let mut state = self.state();
        let current: HashMap<String, Current> = writes
            .iter()
            .filter_map(|write| {
                let (value, version) = state.documents.get(write.key())?;
                Some((
                    write.key().to_owned(),
                    Current {
                        version: *version,
                        value: Some(value.clone()),
                    },
                ))
            })
            .collect();
        let effects = commit::plan(writes, &current).map_err(|keys| Error::Conflict { keys })?;
        let versions = effects
            .into_iter()
            .map(|effect| match effect {
                Effect::Put { key, value, .. } => {
                    state.last_version += 1;
                    let version = state.last_version;
                    state
                        .documents
                        .insert(key, (std::sync::Arc::unwrap_or_clone(value), version));
                    Some(version)
                }
                Effect::Delete { key } => {
                    state.documents.remove(&key);
                    None
                }
                Effect::Nothing => None,
            })
            .collect();
        Ok(versions)
    }

    fn list_now(&self, prefix: &str, after: Option<&str>, limit: usize) -> Page {
        let limit = limit.max(1);
        let lower = match after {
            Some(after) if after >= prefix => Bound::Excluded(after.to_owned()),
            _ => Bound::Included(prefix.to_owned()),
        };
        let upper = prefix_end(prefix).map_or(Bound::Unbounded, Bound::Excluded);
        let state = self.state();
        let mut items: Vec<(String, Document)> = state
            .documents
            .range((lower, upper))
            .take(limit + 1)
            .map(|(key, (value, version))| {
                let document = Document {
                    value: value.clone(),
                    version: *version,
                };
                (key.clone(), document)
            })
            .collect();
        let next = if items.len() > limit {
            items.truncate(limit);
            items.last().map(|(key, _)| key.clone())
        } else {
            None
        };
        Page { items, next }
    }
}

impl DocumentStore for MemoryStore {
    fn get_many<'a>(&'a self, keys: &'a [String]) -> BoxFuture<'a, Result<Vec<Option<Document>>>> {
        let state = self.state();
        let documents = keys
            .iter()
            .map(|key| {
                state.documents.get(key).map(|(value, version)| Document {
                    value: value.clone(),
                    version: *version,
                })
            })
            .collect();
        futures::future::ready(Ok(documents)).boxed()
    }

    fn commit(&self, writes: Vec<Write>) -> BoxFuture<'_, Result<Vec<Option<u64>>>> {
        futures::future::ready(self.commit_now(writes)).boxed()
    }

    fn list<'a>(
        &'a self,
        prefix: &'a str,
        after: Option<&'a str>,
        limit: usize,
    ) -> BoxFuture<'a, Result<Page>> {
        futures::future::ready(Ok(self.list_now(prefix, after, limit))).boxed()
    }

    fn backend(&self) -> &'static str {
        "memory"
    }
}
