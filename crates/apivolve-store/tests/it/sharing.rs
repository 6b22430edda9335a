//! Documents are shared between the SQLite store's cache and the units that read them, not
//! copied: nothing a unit or a handler does to its view reaches the cache or another unit before
//! a commit, and a commit that fails leaves the cache as it was.

use std::sync::Arc;

use apivolve_store::testing::{Backend, TestStore};
use apivolve_store::{ErrorKind, UnitOfWork};
use serde_json::json;
use sqlx::ConnectOptions;

use crate::stored;

async fn sqlite() -> TestStore {
    TestStore::open(Backend::Sqlite)
        .await
        .expect("SQLite is always available")
}

async fn seeded(test: &TestStore) {
    let unit = UnitOfWork::new(test.store().clone());
    unit.put("doc", json!({"n": [1, 2], "name": "a"})).unwrap();
    unit.commit().await.unwrap();
}

#[tokio::test]
async fn a_read_is_the_cache_own_value_and_an_edit_of_it_stays_with_the_reader() {
    let test = sqlite().await;
    seeded(&test).await;
    let first = UnitOfWork::new(test.store().clone());
    let second = UnitOfWork::new(test.store().clone());
    let mut mine = first.get_shared("doc").await.unwrap().unwrap();
    let theirs = second.get_shared("doc").await.unwrap().unwrap();
    assert!(
        Arc::ptr_eq(&mine, &theirs),
        "both units share the cached value"
    );

    // A handler that edits what it read gets its own copy.
    Arc::make_mut(&mut mine)["name"] = json!("edited");
    assert_eq!(mine["name"], "edited");
    assert_eq!(theirs["name"], "a");
    assert_eq!(first.get("doc").await.unwrap().unwrap()["name"], "a");
    assert_eq!(stored(test.store(), "doc").await.unwrap()["name"], "a");
    // An owned read is a copy too.
    let mut owned = second.get("doc").await.unwrap().unwrap();
    owned["n"] = json!([]);
    assert_eq!(
        second.get("doc").await.unwrap().unwrap()["n"],
        json!([1, 2])
    );
    test.teardown().await;
}

#[tokio::test]
async fn staged_writes_reach_neither_the_cache_nor_another_unit_before_the_commit() {
    let test = sqlite().await;
    seeded(&test).await;
    let writer = UnitOfWork::new(test.store().clone());
    let reader = UnitOfWork::new(test.store().clone());
    let before = writer.get_shared("doc").await.unwrap().unwrap();
    writer.merge("doc", json!({"name": "b"})).await.unwrap();
    let child = writer.fork();
    child.merge("doc", json!({"n": null})).await.unwrap();

    assert_eq!(before["name"], "a", "what the writer read is unchanged");
    assert_eq!(
        writer.get("doc").await.unwrap().unwrap()["n"],
        json!([1, 2])
    );
    assert_eq!(
        reader.get("doc").await.unwrap(),
        Some(json!({"n": [1, 2], "name": "a"}))
    );
    assert_eq!(
        stored(test.store(), "doc").await,
        Some(json!({"n": [1, 2], "name": "a"}))
    );

    child.commit().await.unwrap();
    writer.commit().await.unwrap();
    assert_eq!(
        stored(test.store(), "doc").await,
        Some(json!({"name": "b"}))
    );
    assert_eq!(before["name"], "a", "a value once read never changes");
    test.teardown().await;
}

#[tokio::test]
async fn a_conflicting_commit_leaves_the_cache_unchanged() {
    let test = sqlite().await;
    seeded(&test).await;
    let late = UnitOfWork::new(test.store().clone());
    late.get("doc").await.unwrap();
    let early = UnitOfWork::new(test.store().clone());
    early.merge("doc", json!({"name": "early"})).await.unwrap();
    early.commit().await.unwrap();

    late.merge("doc", json!({"name": "late"})).await.unwrap();
    let error = late.commit().await.expect_err("the document changed");
    assert_eq!(error.kind(), ErrorKind::Conflict);
    assert_eq!(
        stored(test.store(), "doc").await,
        Some(json!({"n": [1, 2], "name": "early"}))
    );
    test.teardown().await;
}

/// A transaction that fails in the database (here a trigger refuses the row) must not reach
/// the cache: later reads, served from the cache, still see the committed document.
#[tokio::test]
async fn a_commit_the_database_refuses_leaves_the_cache_unchanged() {
    let test = sqlite().await;
    seeded(&test).await;
    assert_eq!(stored(test.store(), "doc").await.unwrap()["name"], "a");
    let path = test.url().trim_start_matches("sqlite://").to_owned();
    let mut connection = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(&path)
        .connect()
        .await
        .unwrap();
    sqlx::query(
        "CREATE TRIGGER refuse BEFORE UPDATE ON apivolve_documents \
         WHEN NEW.value LIKE '%refused%' BEGIN SELECT RAISE(ABORT, 'refused'); END",
    )
    .execute(&mut connection)
    .await
    .unwrap();

    let unit = UnitOfWork::new(test.store().clone());
    let read = unit.get_shared("doc").await.unwrap().unwrap();
    unit.merge("doc", json!({"name": "refused"})).await.unwrap();
    let error = unit
        .commit()
        .await
        .expect_err("the trigger refuses the row");
    assert_ne!(error.kind(), ErrorKind::Conflict);

    assert_eq!(read["name"], "a");
    assert_eq!(
        stored(test.store(), "doc").await,
        Some(json!({"n": [1, 2], "name": "a"}))
    );
    let fresh = UnitOfWork::new(test.store().clone());
    assert_eq!(fresh.get("doc").await.unwrap().unwrap()["name"], "a");
    test.teardown().await;
}
