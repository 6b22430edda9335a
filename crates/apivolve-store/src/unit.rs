//! The unit of work: cached reads, staged writes, one conditional commit.

use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};

use foldhash::HashMap;
use serde_json::Value;

use crate::merge::merged;
use crate::{Error, Result, SharedDocument, SharedStore, Write};

/// Reads, writes and attempts of a unit of work.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UnitStats {
    /// Documents fetched from the store (a key asked for and found absent counts too).
    pub reads: u64,
    /// Documents written by successful commits.
    pub writes: u64,
    /// Runs of the unit: 1 when its first commit succeeded; 0 for a unit used by hand.
    pub attempts: u32,
}

impl UnitStats {
    pub(crate) fn add(&mut self, other: Self) {
        self.reads += other.reads;
        self.writes += other.writes;
        self.attempts += other.attempts;
    }
}

/// Reads through a cache, staged writes and one commit with optimistic concurrency.
///
/// - **Reads** ([`get`](Self::get), [`get_many`](Self::get_many)) fetch each key from the store
///   at most once per unit, batching the misses of one call into one
///   [`DocumentStore::get_many`](crate::DocumentStore::get_many). They see the unit's own staged
///   writes.
/// - **Writes** are staged, not sent: [`put`](Self::put) overwrites, [`merge`](Self::merge)
///   applies an RFC 7396 merge patch, [`delete`](Self::delete) removes. Writes to one key are
///   consolidated: put, merge, merge is one write of the merged value.
/// - **[`commit`](Self::commit)** sends every staged write in one atomic
///   [`DocumentStore::commit`](crate::DocumentStore::commit), each conditional on what the unit saw:
///   a key read at version *v* must still be at *v*, a key read as absent must still be absent,
///   and a key **put without being read must be absent** (the put creates it). `merge` and
///   `delete` need the current document, so they read it (through the cache) unless the unit
///   already staged a value for the key. A put that leaves a read document unchanged is dropped.
///
/// - **[`savepoint`](Self::savepoint)** marks the staged writes; [`rollback_to`](Self::rollback_to)
///   undoes what was staged since, so one failing step of a batch leaves nothing behind.
/// - **[`fork`](Self::fork)** makes a child unit that reads through this one and commits into it,
///   with the same optimistic check one level down: steps of a batch can run concurrently in
///   children and join the batch's unit in order, each only if what it read is still what the
///   batch sees.
/// - **[`following`](Self::following)** makes a unit that runs after this one: it reads what this
///   unit staged and read, and commits only once this unit committed exactly that, so the next
///   batch can run while this one commits.
///
/// Dropping a unit without committing discards its staged writes (rollback on drop). The unit is
/// a cheap handle: clones share one cache and one set of staged writes, so one bulk request can
/// pass it to every line. It is `Send + Sync`; its lock is never held across an `.await`. Two
/// clones reading one uncached key at the same moment may both fetch it; the first answer is kept.
///
/// [`run_unit`](crate::run_unit) creates units, commits them and retries on conflict.
#[derive(Clone, Debug)]
pub struct UnitOfWork {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    store: SharedStore,
    state: Mutex<State>,
    /// For a child unit: its parent, and the parent's `stage_serial` when it was forked.
    parent: Option<(UnitOfWork, u64)>,
    /// The `store_reads_total` counter, looked up once per unit (a bulk window's unit fetches
    /// for each of its lines).
    reads_counter: OnceLock<metrics::Counter>,
}

#[derive(Debug, Default)]
struct State {
    entries: HashMap<String, Entry>,
    /// Keys in the order they were first staged, so commits are deterministic.
    staged_order: Vec<String>,
    /// Counts staging operations, so a commit can tell which staged writes changed under it.
    stage_serial: u64,
    stats: UnitStats,
    closed: Option<&'static str>,
    /// What each staging since the oldest open savepoint replaced, newest last.
    journal: Vec<Undo>,
    /// Savepoints taken and not yet rolled back to or released.
    savepoints: usize,
    /// Bumped when a commit or a discard ends every open savepoint.
    generation: u64,
    /// The unit this one follows ([`UnitOfWork::following`]), until this one commits or is
    /// discarded.
    follows: Option<UnitOfWork>,
}

/// The staged state of a key before one staging, so a rollback can put it back.
#[derive(Debug)]
struct Undo {
    key: String,
    staged: Option<Staged>,
    serial: u64,
}

/// A mark in a unit's staged writes: [`UnitOfWork::rollback_to`] undoes what was staged after it,
/// [`UnitOfWork::release`] keeps it.
///
/// A bulk request runs many lines in one unit and takes a savepoint before each line, so a line
/// that fails leaves no staged write behind while the good lines still commit together.
#[derive(Debug)]
#[must_use = "a savepoint journals every staging until it is rolled back to or released"]
pub struct Savepoint {
    generation: u64,
    position: usize,
}

#[derive(Debug)]
struct Entry {
    base: Base,
    staged: Option<Staged>,
    /// `State::stage_serial` when `staged` was last set.
    serial: u64,
    /// `State::stage_serial` when `staged` last changed, by a staging or a rollback: a child
    /// that read the key before then saw another state.
    touched: u64,
}

/// What the unit knows of a key's stored state.
#[derive(Debug)]
enum Base {
    Unread,
    Absent,
    Present(SharedDocument),
    /// Learned from the unit this one follows, before that unit committed: the value it had
    /// then. The version is taken when this unit commits.
    Following(Option<Arc<Value>>),
}

/// What a read must learn: the value the unit sees (a staged value will do), or the stored
/// version (only a read will do).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Need {
    Value,
    Version,
}

/// A staged value is shared like a read one: staging copies nothing, and neither does a clone of
/// the unit's view (a child's read, a savepoint's journal, the cache after the commit).
#[derive(Debug, Clone)]
enum Staged {
    Put(Arc<Value>),
    Delete,
}

impl Entry {
    /// The value the unit sees, or `None` inside when it does not know without a read.
    fn visible(&self) -> Option<Option<&Arc<Value>>> {
        match (&self.staged, &self.base) {
            (Some(Staged::Put(value)), _) => Some(Some(value)),
            (Some(Staged::Delete), _) | (None, Base::Absent) => Some(None),
            (None, Base::Present(document)) => Some(Some(&document.value)),
            (None, Base::Following(value)) => Some(value.as_ref()),
            (None, Base::Unread) => None,
        }
    }
}

impl UnitOfWork {
    /// A fresh unit over `store`, with an empty cache.
    #[must_use]
    pub fn new(store: SharedStore) -> Self {
        Self {
            inner: Arc::new(Inner {
                store,
                state: Mutex::new(State::default()),
                parent: None,
                reads_counter: OnceLock::new(),
            }),
        }
    }

    /// A child unit over this one.
    ///
    /// The child reads through this unit (its cache and its staged writes; keys it does not know
    /// are fetched into this unit's cache) and stages its own writes apart.
    /// [`commit`](Self::commit) on the child joins its staged writes into this unit, as if they
    /// had been staged here, and conflicts (joining nothing) when this unit staged a write since
    /// the fork to a key the child read. Children can run side by side and join in a chosen
    /// order: a child that joins is exactly as if it had run on this unit at that point, and one
    /// that conflicts can run again on this unit itself.
    #[must_use]
    pub fn fork(&self) -> Self {
        let serial = self.state().stage_serial;
        Self {
            inner: Arc::new(Inner {
                store: self.inner.store.clone(),
                state: Mutex::new(State::default()),
                parent: Some((self.clone(), serial)),
                reads_counter: OnceLock::new(),
            }),
        }
    }

    /// A fresh unit that runs after this one, while this one commits.
    ///
    /// It reads what this unit sees (its staged writes and its reads) and fetches what this unit
    /// does not know from the store. Its [`commit`](Self::commit) takes the versions of what it
    /// learned here from this unit's commit, so it must come after this unit committed: it
    /// conflicts (writing nothing) when this unit has not committed, or committed something
    /// other than what it saw. A batch of work can therefore run while the batch before it
    /// commits, and commit as if it had run after it.
    #[must_use]
    pub fn following(&self) -> Self {
        let unit = Self::new(self.inner.store.clone());
        unit.state().follows = Some(self.clone());
        unit
    }

    /// The store this unit reads and commits to.
    #[must_use]
    pub fn store(&self) -> &SharedStore {
        &self.inner.store
    }

    /// Reads and writes so far (`attempts` is set by [`run_unit`](crate::run_unit)).
    #[must_use]
    pub fn stats(&self) -> UnitStats {
        self.state().stats
    }

    /// How many keys have staged writes waiting for [`commit`](Self::commit).
    #[must_use]
    pub fn staged_writes(&self) -> usize {
        self.state().staged_order.len()
    }

    /// The document at `key` as this unit sees it.
    ///
    /// # Errors
    ///
    /// A store error when the key had to be fetched; [`Error::UnitClosed`] after
    /// [`discard`](Self::discard).
    pub async fn get(&self, key: &str) -> Result<Option<Value>> {
        let mut values = self.get_many(&[key]).await?;
        Ok(values.pop().flatten())
    }

    /// The documents at `keys` as this unit sees them, fetching all uncached keys in one batch.
    ///
    /// # Errors
    ///
    /// As [`get`](Self::get).
    pub async fn get_many<K: AsRef<str>>(&self, keys: &[K]) -> Result<Vec<Option<Value>>> {
        let shared = self.get_many_shared(keys).await?;
        Ok(shared
            .into_iter()
            .map(|value| value.map(Arc::unwrap_or_clone))
            .collect())
    }

    /// [`get`](Self::get) without a copy: the value the unit holds, shared with the store's cache
    /// where it came from there. It cannot be changed in place; [`Arc::make_mut`] gives the caller
    /// its own copy, and what the unit, the cache and other units see stays as it was.
    ///
    /// # Errors
    ///
    /// As [`get`](Self::get).
    pub async fn get_shared(&self, key: &str) -> Result<Option<Arc<Value>>> {
        let mut values = self.get_many_shared(&[key]).await?;
        Ok(values.pop().flatten())
    }

    /// [`get_many`](Self::get_many) without copies; see [`get_shared`](Self::get_shared).
    ///
    /// # Errors
    ///
    /// As [`get`](Self::get).
    pub async fn get_many_shared<K: AsRef<str>>(
        &self,
        keys: &[K],
    ) -> Result<Vec<Option<Arc<Value>>>> {
        self.ensure_read(keys, Need::Value).await?;
        let state = self.state();
        Ok(keys
            .iter()
            .map(|key| {
                state
                    .entries
                    .get(key.as_ref())
                    .and_then(Entry::visible)
                    .flatten()
                    .cloned()
            })
            .collect())
    }

    /// Stage an overwrite of `key` with `value`.
    ///
    /// If the unit has not read `key`, the commit creates it and conflicts if it exists.
    ///
    /// # Errors
    ///
    /// [`Error::UnitClosed`] after [`discard`](Self::discard).
    pub fn put(&self, key: impl Into<String>, value: Value) -> Result<()> {
        let mut state = self.open_state()?;
        state.stage(key.into(), Staged::Put(Arc::new(value)));
        Ok(())
    }

    /// Stage an RFC 7396 merge patch of `key`; merging into an absent key creates it from the
    /// patch.
    ///
    /// # Errors
    ///
    /// As [`get`](Self::get): the current document is read unless the unit already knows it.
    pub async fn merge(&self, key: impl Into<String>, patch: Value) -> Result<()> {
        let key = key.into();
        self.ensure_read(&[key.as_str()], Need::Value).await?;
        let mut state = self.open_state()?;
        let value = {
            // After the read the unit knows the key; `None` (absent) is the only other answer.
            let current = state.entries.get(&key).and_then(Entry::visible).flatten();
            merged(current.map(|value| &**value), &patch)
        };
        state.stage(key, Staged::Put(Arc::new(value)));
        Ok(())
    }

    /// Stage the deletion of `key`; deleting an absent key does nothing.
    ///
    /// # Errors
    ///
    /// As [`get`](Self::get): the current version is read unless the unit already knows it.
    pub async fn delete(&self, key: impl Into<String>) -> Result<()> {
        let key = key.into();
        self.ensure_read(&[key.as_str()], Need::Version).await?;
        let mut state = self.open_state()?;
        state.stage(key, Staged::Delete);
        Ok(())
    }

    /// Commit every staged write in one conditional store commit.
    ///
    /// On success the cache holds the written documents and the unit can go on. A unit with no
    /// staged writes commits without touching the store.
    ///
    /// # Errors
    ///
    /// [`Error::Conflict`] when another writer changed a key since this unit read it (nothing is
    /// written; the staged writes stay, and a retry must start from a fresh unit); other store
    /// errors as [`DocumentStore::commit`](crate::DocumentStore::commit).
    pub async fn commit(&self) -> Result<()> {
        if let Some((parent, forked_at)) = &self.inner.parent {
            return self.join(parent, *forked_at);
        }
        let (writes, keys, values, snapshot) = {
            let mut state = self.open_state()?;
            state.settle_following()?;
            let mut writes = Vec::with_capacity(state.staged_order.len());
            let mut keys = Vec::with_capacity(state.staged_order.len());
            let mut values = Vec::with_capacity(state.staged_order.len());
            let mut snapshot = Vec::with_capacity(state.staged_order.len());
            for key in &state.staged_order {
                let Some(entry) = state.entries.get(key) else {
                    continue;
                };
                snapshot.push((key.clone(), entry.serial));
                if let Some(write) = write_for(key, entry) {
                    writes.push(write);
                    keys.push(key.clone());
                    values.push(match &entry.staged {
                        Some(Staged::Put(value)) => Some(Arc::clone(value)),
                        _ => None,
                    });
                }
            }
            (writes, keys, values, snapshot)
        };
        let backend = self.inner.store.backend();
        if writes.is_empty() {
            self.state().settle(snapshot);
            return Ok(());
        }
        match self.inner.store.commit(writes).await {
            Ok(versions) => {
                let written = u64::try_from(keys.len()).unwrap_or(u64::MAX);
                metrics::counter!("store_commits_total", "backend" => backend).increment(1);
                metrics::counter!("store_writes_total", "backend" => backend).increment(written);
                let mut state = self.state();
                state.stats.writes += written;
                for ((key, value), version) in keys.into_iter().zip(values).zip(versions) {
                    let base = match (value, version) {
                        (Some(value), Some(version)) => {
                            Base::Present(SharedDocument { value, version })
                        }
                        _ => Base::Absent,
                    };
                    if let Some(entry) = state.entries.get_mut(&key) {
                        entry.base = base;
                    }
                }
                state.settle(snapshot);
                Ok(())
            }
            Err(error) => {
                if error.kind() == crate::ErrorKind::Conflict {
                    metrics::counter!("store_conflicts_total", "backend" => backend).increment(1);
                }
                Err(error)
            }
        }
    }

    /// A child's commit: stage its writes in `parent` unless `parent` staged a key the child read
    /// after `forked_at`.
    fn join(&self, parent: &UnitOfWork, forked_at: u64) -> Result<()> {
        let mut state = self.open_state()?;
        let mut into = parent.open_state()?;
        let stale: Vec<String> = state
            .entries
            .iter()
            .filter(|(_, entry)| !matches!(entry.base, Base::Unread))
            .filter(|(key, _)| {
                into.entries
                    .get(key.as_str())
                    .is_some_and(|entry| entry.touched > forked_at)
            })
            .map(|(key, _)| key.clone())
            .collect();
        if !stale.is_empty() {
            return Err(Error::Conflict { keys: stale });
        }
        let mut snapshot = Vec::with_capacity(state.staged_order.len());
        for key in &state.staged_order {
            let Some(entry) = state.entries.get(key) else {
                continue;
            };
            snapshot.push((key.clone(), entry.serial));
            if let Some(staged) = &entry.staged {
                into.stage(key.clone(), staged.clone());
            }
        }
        state.settle(snapshot);
        Ok(())
    }

    /// Drop every staged write and close the unit; later calls fail with
    /// [`Error::UnitClosed`]. Dropping the last handle discards too.
    pub fn discard(&self) {
        let mut state = self.state();
        state.clear_staged();
        state.follows = None;
        state.closed = Some("discarded");
    }

    /// Mark the staged writes as they are now.
    ///
    /// Savepoints nest: roll back to or release the newest first. A commit or a discard ends every
    /// open savepoint (rolling back to one afterwards does nothing). Reads are not undone: the
    /// cache keeps what the store answered.
    pub fn savepoint(&self) -> Savepoint {
        let mut state = self.state();
        state.savepoints += 1;
        Savepoint {
            generation: state.generation,
            position: state.journal.len(),
        }
    }

    /// Undo every write staged since `savepoint` (through any clone) and end it.
    pub fn rollback_to(&self, savepoint: Savepoint) {
        let mut state = self.state();
        if savepoint.generation != state.generation {
            return;
        }
        while state.journal.len() > savepoint.position {
            let Some(undo) = state.journal.pop() else {
                break;
            };
            state.stage_serial += 1;
            let touched = state.stage_serial;
            if let Some(entry) = state.entries.get_mut(&undo.key) {
                entry.staged = undo.staged;
                entry.serial = undo.serial;
                entry.touched = touched;
            }
        }
        let entries = &state.entries;
        let kept: Vec<String> = state
            .staged_order
            .iter()
            .filter(|key| {
                entries
                    .get(*key)
                    .is_some_and(|entry| entry.staged.is_some())
            })
            .cloned()
            .collect();
        state.staged_order = kept;
        state.end_savepoint();
    }

    /// Keep the writes staged since `savepoint` and end it.
    pub fn release(&self, savepoint: Savepoint) {
        let mut state = self.state();
        if savepoint.generation == state.generation {
            state.end_savepoint();
        }
    }

    /// Fetch, in one batch, the keys whose stored state the unit does not know and needs.
    async fn ensure_read<K: AsRef<str>>(&self, keys: &[K], need: Need) -> Result<()> {
        let missing: Vec<String> = {
            let state = self.open_state()?;
            let mut missing: Vec<String> = Vec::new();
            for key in keys {
                let key = key.as_ref();
                let unknown = state.entries.get(key).is_none_or(|entry| {
                    matches!(entry.base, Base::Unread)
                        && (need == Need::Version || entry.visible().is_none())
                });
                if unknown && !missing.iter().any(|seen| seen == key) {
                    missing.push(key.to_owned());
                }
            }
            missing
        };
        if missing.is_empty() {
            return Ok(());
        }
        if let Some((parent, _)) = &self.inner.parent {
            // What the parent sees now stands for the stored state; versions stay the parent's
            // business (a child never commits to the store).
            Box::pin(parent.ensure_read(&missing, need)).await?;
            let seen: Vec<Option<Arc<Value>>> = {
                let parent = parent.state();
                missing
                    .iter()
                    .map(|key| {
                        parent
                            .entries
                            .get(key)
                            .and_then(Entry::visible)
                            .flatten()
                            .cloned()
                    })
                    .collect()
            };
            let mut state = self.state();
            for (key, value) in missing.into_iter().zip(seen) {
                state.learn(key, value.map(|value| SharedDocument { value, version: 0 }));
            }
            return Ok(());
        }
        let follows = self.state().follows.clone();
        let missing = match follows {
            Some(before) => self.learn_from(&before, missing),
            None => missing,
        };
        if missing.is_empty() {
            return Ok(());
        }
        let documents = self.inner.store.get_many_shared(&missing).await?;
        let fetched = u64::try_from(missing.len()).unwrap_or(u64::MAX);
        self.inner
            .reads_counter
            .get_or_init(
                || metrics::counter!("store_reads_total", "backend" => self.inner.store.backend()),
            )
            .increment(fetched);
        let mut state = self.state();
        state.stats.reads += fetched;
        for (key, document) in missing.into_iter().zip(documents) {
            state.learn(key, document);
        }
        Ok(())
    }

    /// Learn from `before`, the unit this one follows, what it knows of `keys`; the keys it does
    /// not know.
    fn learn_from(&self, before: &UnitOfWork, keys: Vec<String>) -> Vec<String> {
        let seen: Vec<Option<Option<Arc<Value>>>> = {
            let before = before.state();
            keys.iter()
                .map(|key| {
                    before
                        .entries
                        .get(key)
                        .and_then(Entry::visible)
                        .map(|value| value.cloned())
                })
                .collect()
        };
        let mut state = self.state();
        let mut unknown = Vec::new();
        for (key, seen) in keys.into_iter().zip(seen) {
            match seen {
                Some(value) => state.learn_base(key, Base::Following(value)),
                None => unknown.push(key),
            }
        }
        unknown
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // The lock guards plain data updated in single steps; a panic elsewhere cannot leave it
        // half-changed in a way later calls would misread.
        self.inner
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn open_state(&self) -> Result<MutexGuard<'_, State>> {
        let state = self.state();
        match state.closed {
            Some(closed) => Err(Error::UnitClosed { state: closed }),
            None => Ok(state),
        }
    }
}

impl State {
    /// Record what a read found at `key`, unless the unit already knew.
    fn learn(&mut self, key: String, document: Option<SharedDocument>) {
        self.learn_base(key, document.map_or(Base::Absent, Base::Present));
    }

    /// Record `base` as what the unit knows of `key`'s stored state, unless it already knew.
    fn learn_base(&mut self, key: String, base: Base) {
        let entry = self.entries.entry(key).or_insert(Entry {
            base: Base::Unread,
            staged: None,
            serial: 0,
            touched: 0,
        });
        if matches!(entry.base, Base::Unread) {
            entry.base = base;
        }
    }

    fn stage(&mut self, key: String, staged: Staged) {
        self.stage_serial += 1;
        let serial = self.stage_serial;
        if self.savepoints > 0 {
            let (previous, previous_serial) = self
                .entries
                .get(&key)
                .map_or((None, 0), |entry| (entry.staged.clone(), entry.serial));
            self.journal.push(Undo {
                key: key.clone(),
                staged: previous,
                serial: previous_serial,
            });
        }
        match self.entries.get_mut(&key) {
            Some(entry) => {
                if entry.staged.is_none() {
                    self.staged_order.push(key);
                }
                entry.staged = Some(staged);
                entry.serial = serial;
                entry.touched = serial;
            }
            None => {
                self.staged_order.push(key.clone());
                let entry = Entry {
                    base: Base::Unread,
                    staged: Some(staged),
                    serial,
                    touched: serial,
                };
                self.entries.insert(key, entry);
            }
        }
    }

    /// After a commit of the staged writes in `committed` (key and serial when taken), unstage
    /// those not staged again since; a write staged by another clone during the commit stays.
    fn settle(&mut self, committed: Vec<(String, u64)>) {
        self.end_all_savepoints();
        for (key, serial) in committed {
            if let Some(entry) = self.entries.get_mut(&key)
                && entry.serial == serial
            {
                entry.staged = None;
            }
        }
        let entries = &self.entries;
        self.staged_order
            .retain(|key| entries.get(key).is_some_and(|entry| entry.staged.is_some()));
    }

    /// Before a commit of a following unit: take the versions of what it learned from the unit
    /// it follows from that unit's commit, and stop following it.
    ///
    /// # Errors
    ///
    /// [`Error::Conflict`] with the keys whose state the unit followed has not committed as
    /// this unit saw it (nothing changes).
    fn settle_following(&mut self) -> Result<()> {
        let Some(before) = self.follows.take() else {
            return Ok(());
        };
        let mut settled = Vec::new();
        let mut stale = Vec::new();
        {
            let before = before.state();
            for (key, entry) in &self.entries {
                let Base::Following(seen) = &entry.base else {
                    continue;
                };
                let committed = before.entries.get(key).and_then(|known| {
                    match (&known.staged, &known.base, seen) {
                        (None, Base::Present(document), Some(seen))
                            if same_value(&document.value, seen) =>
                        {
                            Some(Base::Present(document.clone()))
                        }
                        (None, Base::Absent, None) => Some(Base::Absent),
                        _ => None,
                    }
                });
                match committed {
                    Some(base) => settled.push((key.clone(), base)),
                    None => stale.push(key.clone()),
                }
            }
        }
        if !stale.is_empty() {
            self.follows = Some(before);
            return Err(Error::Conflict { keys: stale });
        }
        for (key, base) in settled {
            if let Some(entry) = self.entries.get_mut(&key) {
                entry.base = base;
            }
        }
        Ok(())
    }

    fn end_savepoint(&mut self) {
        self.savepoints = self.savepoints.saturating_sub(1);
        if self.savepoints == 0 {
            self.journal.clear();
        }
    }

    fn end_all_savepoints(&mut self) {
        self.journal.clear();
        self.savepoints = 0;
        self.generation += 1;
    }

    fn clear_staged(&mut self) {
        self.end_all_savepoints();
        for key in std::mem::take(&mut self.staged_order) {
            if let Some(entry) = self.entries.get_mut(&key) {
                entry.staged = None;
            }
        }
    }
}

/// The conditional write that commits `entry`'s staged change, or `None` when there is nothing to
/// write.
fn write_for(key: &str, entry: &Entry) -> Option<Write> {
    let key = key.to_owned();
    // A commit settles every `Following` base first; one left would be treated as unread.
    match (entry.staged.as_ref()?, &entry.base) {
        (Staged::Put(value), Base::Unread | Base::Absent | Base::Following(_)) => {
            Some(Write::Insert {
                key,
                value: Value::clone(value),
            })
        }
        (Staged::Put(value), Base::Present(document)) if same_value(value, &document.value) => None,
        (Staged::Put(value), Base::Present(document)) => Some(Write::Replace {
            key,
            value: Value::clone(value),
            expected_version: document.version,
        }),
        (Staged::Delete, Base::Present(document)) => Some(Write::Delete {
            key,
            expected_version: Some(document.version),
        }),
        (Staged::Delete, Base::Absent) => None,
        (Staged::Delete, Base::Unread | Base::Following(_)) => Some(Write::Delete {
            key,
            expected_version: None,
        }),
    }
}

/// Whether two shared values are the same value (the same allocation, or equal).
fn same_value(a: &Arc<Value>, b: &Arc<Value>) -> bool {
    Arc::ptr_eq(a, b) || **a == **b
}
