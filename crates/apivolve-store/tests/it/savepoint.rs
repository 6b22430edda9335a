//! Savepoints: undoing the writes one step of a batch staged, keeping the others.

use std::sync::Arc;

use super::stored;
use apivolve_store::{MemoryStore, SharedStore, UnitOfWork, Write};
use serde_json::json;

fn store() -> SharedStore {
    Arc::new(MemoryStore::new())
}

#[tokio::test]
async fn rollback_undoes_only_what_was_staged_after_the_savepoint() {
    let store = store();
    let unit = UnitOfWork::new(store.clone());
    unit.put("a", json!(1)).unwrap();
    let savepoint = unit.savepoint();
    unit.put("a", json!(2)).unwrap();
    unit.put("b", json!(1)).unwrap();
    unit.merge("c", json!({"x": 1})).await.unwrap();
    assert_eq!(unit.staged_writes(), 3);
    unit.rollback_to(savepoint);
    assert_eq!(unit.staged_writes(), 1);
    assert_eq!(unit.get("a").await.unwrap(), Some(json!(1)));
    unit.commit().await.unwrap();
    assert_eq!(stored(&store, "a").await, Some(json!(1)));
    assert_eq!(stored(&store, "b").await, None);
    assert_eq!(stored(&store, "c").await, None);
}

#[tokio::test]
async fn released_savepoints_keep_their_writes_and_nest() {
    let store = store();
    let unit = UnitOfWork::new(store.clone());
    let outer = unit.savepoint();
    unit.put("a", json!(1)).unwrap();
    let inner = unit.savepoint();
    unit.put("b", json!(1)).unwrap();
    unit.release(inner);
    let last = unit.savepoint();
    unit.put("c", json!(1)).unwrap();
    unit.delete("a").await.unwrap();
    unit.rollback_to(last);
    unit.release(outer);
    unit.commit().await.unwrap();
    assert_eq!(stored(&store, "a").await, Some(json!(1)));
    assert_eq!(stored(&store, "b").await, Some(json!(1)));
    assert_eq!(stored(&store, "c").await, None);
}

#[tokio::test]
async fn a_rolled_back_replace_leaves_the_stored_document_alone() {
    let store = store();
    store
        .commit(vec![Write::Insert {
            key: "a".into(),
            value: json!({"n": 1}),
        }])
        .await
        .unwrap();
    let unit = UnitOfWork::new(store.clone());
    let savepoint = unit.savepoint();
    unit.merge("a", json!({"n": 2})).await.unwrap();
    unit.rollback_to(savepoint);
    assert_eq!(unit.get("a").await.unwrap(), Some(json!({"n": 1})));
    assert_eq!(unit.stats().reads, 1, "the read stays cached");
    unit.commit().await.unwrap();
    assert_eq!(unit.stats().writes, 0);
    assert_eq!(stored(&store, "a").await, Some(json!({"n": 1})));
}

#[tokio::test]
async fn a_commit_ends_open_savepoints() {
    let store = store();
    let unit = UnitOfWork::new(store.clone());
    let savepoint = unit.savepoint();
    unit.put("a", json!(1)).unwrap();
    unit.commit().await.unwrap();
    unit.put("b", json!(1)).unwrap();
    unit.rollback_to(savepoint);
    assert_eq!(
        unit.staged_writes(),
        1,
        "a savepoint from before the commit undoes nothing"
    );
    unit.commit().await.unwrap();
    assert_eq!(stored(&store, "b").await, Some(json!(1)));
}
