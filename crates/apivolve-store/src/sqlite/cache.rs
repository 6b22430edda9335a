//! The SQLite store's document cache: what a key holds, kept coherent by the writer.
//!
//! The cache is only sound while this process is the file's one writer: [`super::SqliteStore`]
//! holds an exclusive lock on the file while its cache is on. Then every change of the file goes
//! through the writer, which updates the cache after each committed transaction (write
//! through) and bumps the cache's epoch. A reader that missed fills the cache with what it read
//! only when no transaction committed while it was reading (the epoch did not move), so a read
//! that raced with a commit can never leave a stale entry behind.
//!
//! The bound is in documents. Eviction is by generations: entries live in a young map until it
//! holds half the bound, then the young map becomes the old one (dropping the previous old map);
//! a hit in the old map moves the entry back to the young one. Recently used documents stay;
//! lookups and fills cost one or two hash lookups.

use std::mem;
use std::sync::{Mutex, MutexGuard, PoisonError};

use foldhash::HashMap;

use crate::SharedDocument;

/// Cached documents, with `None` for a key known to be absent. Documents are shared: the lock is
/// held for a lookup, and a reader gets the cache's own value, never a copy of it (values are
/// never changed in place; a commit replaces an entry with the new value).
#[derive(Debug)]
pub(super) struct Cache {
    state: Mutex<State>,
    /// Entries per generation; 0 turns the cache off.
    generation: usize,
}

#[derive(Debug, Default)]
struct State {
    young: HashMap<String, Option<SharedDocument>>,
    old: HashMap<String, Option<SharedDocument>>,
    /// Committed transactions so far.
    epoch: u64,
}

/// A mark taken before reading the file; see [`Cache::fill`].
#[derive(Debug, Clone, Copy)]
pub(super) struct Epoch(u64);

impl Cache {
    /// A cache of at most about `documents` entries; 0 turns it off.
    pub(super) fn new(documents: usize) -> Self {
        Self {
            state: Mutex::new(State::default()),
            generation: documents.div_ceil(2),
        }
    }

    pub(super) fn is_on(&self) -> bool {
        self.generation > 0
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The cached state of each of `keys` (`None` when unknown), and the epoch to fill misses
    /// with.
    pub(super) fn lookup(&self, keys: &[String]) -> (Vec<Option<Option<SharedDocument>>>, Epoch) {
        let mut state = self.state();
        let found = keys
            .iter()
            .map(|key| state.get(key, self.generation))
            .collect();
        (found, Epoch(state.epoch))
    }

    /// Remember what was read from the file at `epoch`, unless a transaction committed since.
    pub(super) fn fill(
        &self,
        epoch: Epoch,
        read: impl IntoIterator<Item = (String, Option<SharedDocument>)>,
    ) {
        if !self.is_on() {
            return;
        }
        let mut state = self.state();
        if state.epoch != epoch.0 {
            return;
        }
        for (key, document) in read {
            state.insert(key, document, self.generation);
        }
    }

    /// Record a committed transaction: what each written key holds now.
    pub(super) fn committed(
        &self,
        written: impl IntoIterator<Item = (String, Option<SharedDocument>)>,
    ) {
        let mut state = self.state();
        state.epoch += 1;
        if !self.is_on() {
            return;
        }
        for (key, document) in written {
            state.insert(key, document, self.generation);
        }
    }
}

impl State {
    fn get(&mut self, key: &str, generation: usize) -> Option<Option<SharedDocument>> {
        if let Some(document) = self.young.get(key) {
            return Some(document.clone());
        }
        let (key, document) = self.old.remove_entry(key)?;
        self.insert(key, document.clone(), generation);
        Some(document)
    }

    fn insert(&mut self, key: String, document: Option<SharedDocument>, generation: usize) {
        self.old.remove(&key);
        if self.young.len() >= generation && !self.young.contains_key(&key) {
            // The new generation fills to the same size: allocate it once, not by doublings.
            let young = HashMap::with_capacity_and_hasher(generation, Default::default());
            self.old = mem::replace(&mut self.young, young);
        }
        self.young.insert(key, document);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use serde_json::json;

    use super::*;

    fn document(version: u64) -> Option<SharedDocument> {
        Some(SharedDocument {
            value: Arc::new(json!({"v": version})),
            version,
        })
    }

    fn keys(names: &[&str]) -> Vec<String> {
        names.iter().map(|name| (*name).to_owned()).collect()
    }

    #[test]
    fn a_fill_after_a_commit_is_dropped() {
        let cache = Cache::new(10);
        let (found, epoch) = cache.lookup(&keys(&["a"]));
        assert_eq!(found, [None]);
        cache.committed([("a".to_owned(), document(2))]);
        // The reader saw the state before the commit: it must not overwrite the newer one.
        cache.fill(epoch, [("a".to_owned(), document(1))]);
        assert_eq!(cache.lookup(&keys(&["a"])).0, [Some(document(2))]);
    }

    #[test]
    fn absent_keys_are_remembered_and_deletes_are_written_through() {
        let cache = Cache::new(10);
        let (_, epoch) = cache.lookup(&keys(&["a", "b"]));
        cache.fill(
            epoch,
            [("a".to_owned(), None), ("b".to_owned(), document(1))],
        );
        assert_eq!(
            cache.lookup(&keys(&["a", "b"])).0,
            [Some(None), Some(document(1))]
        );
        cache.committed([("b".to_owned(), None)]);
        assert_eq!(cache.lookup(&keys(&["b"])).0, [Some(None)]);
    }

    #[test]
    fn the_bound_keeps_recently_used_entries() {
        let cache = Cache::new(4);
        for (index, name) in ["a", "b", "c", "d"].into_iter().enumerate() {
            cache.committed([(name.to_owned(), document(index as u64))]);
        }
        // `a` and `b` are in the old generation; using `a` keeps it.
        assert_eq!(cache.lookup(&keys(&["a"])).0, [Some(document(0))]);
        cache.committed([("e".to_owned(), document(9))]);
        let state = cache.state();
        assert!(state.young.len() + state.old.len() <= 4);
        drop(state);
        assert_eq!(cache.lookup(&keys(&["b"])).0, [None], "b was evicted");
        assert_eq!(cache.lookup(&keys(&["a"])).0, [Some(document(0))]);
        assert_eq!(cache.lookup(&keys(&["e"])).0, [Some(document(9))]);
    }

    #[test]
    fn a_cache_of_no_documents_keeps_nothing() {
        let cache = Cache::new(0);
        cache.committed([("a".to_owned(), document(1))]);
        let (found, epoch) = cache.lookup(&keys(&["a"]));
        cache.fill(epoch, [("a".to_owned(), document(1))]);
        assert_eq!(found, [None]);
        assert_eq!(cache.lookup(&keys(&["a"])).0, [None]);
    }
}
