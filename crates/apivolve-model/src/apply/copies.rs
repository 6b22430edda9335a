//! Copies of a base snapshot's types, made on a second thread while the changes are applied.
//!
//! Building a version on a [`Layer`](super::Layer) copies every type of its parent once: on its
//! first edit, or at the end when no change touched it. On a large project that copying is most
//! of the fold, and it does not depend on the changes, so a helper thread makes the copies ahead
//! of need while the fold's own thread applies the changes. Each copy is made once, by whichever
//! thread claims it first; the fold takes a finished copy instead of cloning the type itself.
//! What comes out is exactly what the fold would build alone.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

use crate::snapshot::{Schema, Snapshot};

/// Below this many types a second thread costs more than it saves.
pub(crate) const PARALLEL_TYPES: usize = 64;

/// Whether copying a base of `types` types on a second thread pays: enough types, and a
/// second core (asked once: the answer reads cgroup files).
pub(crate) fn worth_a_thread(types: usize) -> bool {
    static CORES: OnceLock<usize> = OnceLock::new();
    types >= PARALLEL_TYPES
        && *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, usize::from)) > 1
}

/// Copies of the types of one base snapshot, in the base's (sorted) order.
pub(crate) struct Copies<'a> {
    names: Vec<&'a str>,
    schemas: Vec<&'a Schema>,
    slots: Vec<Mutex<Slot>>,
    /// How many slots the helper has looked at, from the last one down: the fold mostly meets
    /// types in name order, so the two work from opposite ends and rarely wait for each other.
    looked: AtomicUsize,
    /// Set when the fold needs no more copies.
    stopped: AtomicBool,
}

enum Slot {
    /// Nobody has claimed it yet.
    Open,
    /// The helper is copying it.
    Copying,
    /// A finished copy, waiting to be taken.
    Ready(Schema),
    /// Taken by the fold (or claimed by it and copied there).
    Taken,
}

impl<'a> Copies<'a> {
    /// Slots for every type of `base`, none copied yet.
    pub(crate) fn new(base: &'a Snapshot) -> Self {
        let (names, schemas) = base
            .types
            .iter()
            .map(|(name, schema)| (name.as_str(), schema))
            .unzip();
        Self {
            names,
            schemas,
            slots: (0..base.types.len())
                .map(|_| Mutex::new(Slot::Open))
                .collect(),
            looked: AtomicUsize::new(0),
            stopped: AtomicBool::new(false),
        }
    }

    /// The helper's loop: copies every open slot, last first, until all are claimed or
    /// [`Copies::stop`] is called.
    pub(crate) fn fill(&self) {
        while !self.stopped.load(Ordering::Relaxed) {
            let looked = self.looked.fetch_add(1, Ordering::Relaxed);
            let Some(index) = self.slots.len().checked_sub(looked + 1) else {
                return;
            };
            let slot = &self.slots[index];
            {
                let mut state = lock(slot);
                if !matches!(*state, Slot::Open) {
                    continue;
                }
                *state = Slot::Copying;
            }
            let copy = self.schemas[index].clone();
            *lock(slot) = Slot::Ready(copy);
        }
    }

    /// Tells the helper to stop after the copy it is making.
    pub(crate) fn stop(&self) {
        self.stopped.store(true, Ordering::Relaxed);
    }

    /// A copy of the base's type `name`: the helper's when it has made one, otherwise cloned
    /// here. `None` when the base has no such type or its copy was already taken.
    pub(crate) fn take(&self, name: &str) -> Option<Schema> {
        let index = self.names.binary_search(&name).ok()?;
        let slot = &self.slots[index];
        loop {
            let mut state = lock(slot);
            match std::mem::replace(&mut *state, Slot::Taken) {
                Slot::Ready(copy) => return Some(copy),
                Slot::Open => {
                    drop(state);
                    return Some(self.schemas[index].clone());
                }
                Slot::Taken => return None,
                Slot::Copying => {
                    // The helper is one type's copy away from finishing it.
                    *state = Slot::Copying;
                    drop(state);
                    std::thread::yield_now();
                }
            }
        }
    }
}

/// A slot's lock; a panic while holding it leaves a valid state behind, so poisoning is ignored.
fn lock(slot: &Mutex<Slot>) -> std::sync::MutexGuard<'_, Slot> {
    slot.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apply::testing::sample;

    #[test]
    fn each_copy_is_taken_once_and_equals_the_base() {
        let base = sample();
        let copies = Copies::new(&base);
        assert_eq!(copies.take("Order").as_ref(), base.types.get("Order"));
        assert_eq!(copies.take("Order"), None, "a copy is handed out once");
        assert_eq!(copies.take("Nope"), None);
        copies.fill();
        assert_eq!(copies.take("User").as_ref(), base.types.get("User"));
        assert_eq!(copies.take("Role").as_ref(), base.types.get("Role"));
    }

    #[test]
    fn the_helper_and_the_fold_share_the_work() {
        let mut base = Snapshot::default();
        for index in 0..500 {
            base.types.insert(
                format!("T{index}"),
                serde_json::json!({"type": "object", "properties": {"n": {"const": index}}}),
            );
        }
        let copies = Copies::new(&base);
        let taken: Vec<_> = std::thread::scope(|scope| {
            scope.spawn(|| copies.fill());
            let taken = base
                .types
                .keys()
                .rev()
                .map(|name| (name, copies.take(name)))
                .collect();
            copies.stop();
            taken
        });
        for (name, copy) in taken {
            assert_eq!(copy.as_ref(), base.types.get(name), "{name}");
        }
    }
}
