//! Integration tests of `apivolve-store`: one binary, one module per concern.
#![allow(clippy::unwrap_used)]

mod concurrency;
mod conformance;
mod counters;
mod crash;
mod faults;
mod following;
mod fork;
mod open;
mod processes;
mod savepoint;
mod sharing;
mod unit_of_work;

use apivolve_store::SharedStore;
use serde_json::Value;

/// The value stored at `key`, read straight from the store.
async fn stored(store: &SharedStore, key: &str) -> Option<Value> {
    let found = store.get_many(&[key.to_owned()]).await.unwrap();
    found
        .into_iter()
        .next()
        .flatten()
        .map(|document| document.value)
}
