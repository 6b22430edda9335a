//! Child units: steps that run side by side and join their parent's unit in order.

use std::sync::Arc;

use super::stored;
use apivolve_store::{ErrorKind, MemoryStore, SharedStore, UnitOfWork, Write};
use serde_json::{Value, json};

async fn seeded(documents: &[(&str, Value)]) -> SharedStore {
    let store: SharedStore = Arc::new(MemoryStore::new());
    let writes = documents
        .iter()
        .map(|(key, value)| Write::Insert {
            key: (*key).to_owned(),
            value: value.clone(),
        })
        .collect();
    store.commit(writes).await.unwrap();
    store
}

#[tokio::test]
async fn children_read_through_the_parent_and_join_into_it() {
    let store = seeded(&[("a", json!({"n": 1}))]).await;
    let parent = UnitOfWork::new(store.clone());
    parent.put("b", json!(2)).unwrap();
    let child = parent.fork();
    assert_eq!(
        child.get("b").await.unwrap(),
        Some(json!(2)),
        "sees staged writes"
    );
    child.merge("a", json!({"m": 1})).await.unwrap();
    child.put("c", json!(3)).unwrap();
    assert_eq!(
        parent.get("a").await.unwrap(),
        Some(json!({"n": 1})),
        "apart until joined"
    );
    child.commit().await.unwrap();
    assert_eq!(
        parent.get("a").await.unwrap(),
        Some(json!({"n": 1, "m": 1}))
    );
    assert_eq!(
        parent.stats().reads,
        1,
        "the parent fetched `a` once, for the child"
    );
    parent.commit().await.unwrap();
    assert_eq!(stored(&store, "a").await, Some(json!({"n": 1, "m": 1})));
    assert_eq!(stored(&store, "c").await, Some(json!(3)));
}

#[tokio::test]
async fn a_child_that_read_what_the_parent_changed_since_conflicts_and_joins_nothing() {
    let store = seeded(&[("a", json!(1))]).await;
    let parent = UnitOfWork::new(store.clone());
    let first = parent.fork();
    let second = parent.fork();
    // Both read `a` as 1 and increment it, side by side.
    for child in [&first, &second] {
        let n = child.get("a").await.unwrap().unwrap().as_i64().unwrap();
        child.put("a", json!(n + 1)).unwrap();
        child.put(format!("seen-{n}"), json!(true)).unwrap();
    }
    first.commit().await.unwrap();
    let error = second.commit().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Conflict);
    assert_eq!(parent.staged_writes(), 2, "only the first child's writes");
    // Run again on the parent itself, as the code that forked would.
    let n = parent.get("a").await.unwrap().unwrap().as_i64().unwrap();
    parent.put("a", json!(n + 1)).unwrap();
    parent.commit().await.unwrap();
    assert_eq!(stored(&store, "a").await, Some(json!(3)));
}

#[tokio::test]
async fn blind_writes_join_in_order_and_a_rolled_back_child_write_is_gone() {
    let store = seeded(&[]).await;
    let parent = UnitOfWork::new(store.clone());
    let first = parent.fork();
    let second = parent.fork();
    first.put("k", json!("first")).unwrap();
    second.put("k", json!("second")).unwrap();
    let savepoint = second.savepoint();
    second.put("other", json!(1)).unwrap();
    second.rollback_to(savepoint);
    first.commit().await.unwrap();
    second.commit().await.unwrap();
    parent.commit().await.unwrap();
    assert_eq!(stored(&store, "k").await, Some(json!("second")));
    assert_eq!(stored(&store, "other").await, None);
}

#[tokio::test]
async fn a_parent_commit_still_checks_what_children_read_against_the_store() {
    let store = seeded(&[("a", json!(1))]).await;
    let parent = UnitOfWork::new(store.clone());
    let child = parent.fork();
    child.put("a", json!(5)).unwrap();
    child.get("a").await.unwrap();
    child.commit().await.unwrap();
    // Another writer changes `a` after the parent read it for the child.
    let sneaky = UnitOfWork::new(store.clone());
    sneaky.get("a").await.unwrap();
    sneaky.put("a", json!(7)).unwrap();
    sneaky.commit().await.unwrap();
    let error = parent.commit().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Conflict);
    assert_eq!(stored(&store, "a").await, Some(json!(7)));
}

#[tokio::test]
async fn a_child_that_read_a_write_the_parent_rolled_back_conflicts() {
    let store = seeded(&[]).await;
    let parent = UnitOfWork::new(store.clone());
    let child = parent.fork();
    let savepoint = parent.savepoint();
    parent.put("k", json!("tentative")).unwrap();
    assert_eq!(child.get("k").await.unwrap(), Some(json!("tentative")));
    child.put("copy", json!("tentative")).unwrap();
    parent.rollback_to(savepoint);
    let error = child.commit().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Conflict);
    assert_eq!(parent.staged_writes(), 0);
}
