//! Following units: a batch that runs while the batch before it commits, and commits as if it had
//! run after it.

use std::sync::Arc;

use super::stored;
use apivolve_store::testing::{Backend, TestStore};
use apivolve_store::{ErrorKind, MemoryStore, SharedStore, UnitOfWork, Write};
use serde_json::json;

async fn seeded(key: &str, value: serde_json::Value) -> SharedStore {
    let store: SharedStore = Arc::new(MemoryStore::new());
    store
        .commit(vec![Write::Insert {
            key: key.to_owned(),
            value,
        }])
        .await
        .unwrap();
    store
}

/// Another writer overwrites `key` with `value`.
async fn overwrite(store: &SharedStore, key: &str, value: serde_json::Value) {
    let other = UnitOfWork::new(store.clone());
    other.get(key).await.unwrap();
    other.put(key, value).unwrap();
    other.commit().await.unwrap();
}

#[tokio::test]
async fn a_follower_reads_what_the_unit_before_staged_and_commits_after_it() {
    for backend in [Backend::Memory, Backend::Sqlite, Backend::Postgres] {
        let Some(test_store) = TestStore::open(backend).await else {
            continue;
        };
        let store = test_store.store().clone();
        let first = UnitOfWork::new(store.clone());
        first.put("counter", json!(1)).unwrap();
        first.put("gone", json!("soon")).unwrap();
        let next = first.following();
        // Before `first` commits, `next` sees its staged writes and builds on them.
        let n = next
            .get("counter")
            .await
            .unwrap()
            .unwrap()
            .as_i64()
            .unwrap();
        next.put("counter", json!(n + 1)).unwrap();
        next.put("other", json!("new")).unwrap();
        first.commit().await.unwrap();
        next.delete("gone").await.unwrap();
        next.commit().await.unwrap();
        assert_eq!(stored(&store, "counter").await, Some(json!(2)), "{backend}");
        assert_eq!(
            stored(&store, "other").await,
            Some(json!("new")),
            "{backend}"
        );
        assert_eq!(stored(&store, "gone").await, None, "{backend}");
        assert_eq!(next.stats().reads, 0, "{backend}: nothing fetched");
        test_store.teardown().await;
    }
}

#[tokio::test]
async fn a_follower_conflicts_until_the_unit_before_committed_what_it_saw() {
    let store = seeded("a", json!(1)).await;
    let first = UnitOfWork::new(store.clone());
    first.merge("a", json!(2)).await.unwrap();
    let next = first.following();
    assert_eq!(next.get("a").await.unwrap(), Some(json!(2)));
    next.put("b", json!("after")).unwrap();
    // Too early: `first` has not committed.
    let error = next.commit().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Conflict);
    assert_eq!(stored(&store, "b").await, None);
    first.commit().await.unwrap();
    next.commit().await.unwrap();
    assert_eq!(stored(&store, "b").await, Some(json!("after")));
}

#[tokio::test]
async fn a_follower_of_a_failed_commit_writes_nothing() {
    let store = seeded("a", json!(1)).await;
    let first = UnitOfWork::new(store.clone());
    first.get("a").await.unwrap();
    first.put("a", json!(2)).unwrap();
    let next = first.following();
    let n = next.get("a").await.unwrap().unwrap().as_i64().unwrap();
    next.put("a", json!(n * 10)).unwrap();
    // Another writer gets there first: `first` conflicts, and so must `next`.
    overwrite(&store, "a", json!(7)).await;
    assert_eq!(
        first.commit().await.unwrap_err().kind(),
        ErrorKind::Conflict
    );
    assert_eq!(next.commit().await.unwrap_err().kind(), ErrorKind::Conflict);
    assert_eq!(stored(&store, "a").await, Some(json!(7)));
}

#[tokio::test]
async fn what_the_unit_before_only_read_is_still_checked_against_the_store() {
    let store = seeded("a", json!(1)).await;
    let first = UnitOfWork::new(store.clone());
    assert_eq!(first.get("a").await.unwrap(), Some(json!(1)));
    let next = first.following();
    let n = next.get("a").await.unwrap().unwrap().as_i64().unwrap();
    next.put("a", json!(n + 1)).unwrap();
    first.commit().await.unwrap();
    // A writer changes `a` after `first` read it: `next` built on a stale value.
    overwrite(&store, "a", json!(5)).await;
    assert_eq!(next.commit().await.unwrap_err().kind(), ErrorKind::Conflict);
    assert_eq!(stored(&store, "a").await, Some(json!(5)));
}

#[tokio::test]
async fn children_of_a_follower_read_through_it() {
    let store = seeded("a", json!(1)).await;
    let first = UnitOfWork::new(store.clone());
    first.merge("a", json!(2)).await.unwrap();
    let next = first.following();
    let child = next.fork();
    let n = child.get("a").await.unwrap().unwrap().as_i64().unwrap();
    child.put("a", json!(n + 1)).unwrap();
    child.commit().await.unwrap();
    first.commit().await.unwrap();
    next.commit().await.unwrap();
    assert_eq!(stored(&store, "a").await, Some(json!(3)));
}
