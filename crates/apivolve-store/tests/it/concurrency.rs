//! Concurrent units on every backend: no lost update, and independent units never conflict.

use std::time::Duration;

use apivolve_store::testing::{Backend, TestStore};
use apivolve_store::{Error, ErrorKind, RetryPolicy, SharedStore, StoreOptions, Write, run_unit};
use serde_json::json;

const TASKS: u64 = 64;

/// `TASKS` tasks increment one counter through units; the final value is the number of units
/// that committed, and every unit either committed or ran out of attempts with a conflict.
async fn increments_are_never_lost(store: &SharedStore) {
    let policy = RetryPolicy::default()
        .max_attempts(400)
        .delays(Duration::from_micros(200), Duration::from_millis(20));
    let tasks: Vec<_> = (0..TASKS)
        .map(|_| {
            let store = store.clone();
            let policy = policy.clone();
            tokio::spawn(async move {
                run_unit(&store, &policy, |unit| async move {
                    let n = unit
                        .get("counter")
                        .await?
                        .and_then(|v| v.as_u64())
                        .unwrap_or(0);
                    unit.put("counter", json!(n + 1))?;
                    Ok::<_, Error>(())
                })
                .await
            })
        })
        .collect();
    let (mut committed, mut gave_up, mut attempts) = (0, 0, 0);
    for task in tasks {
        match task.await.unwrap() {
            Ok(outcome) => {
                committed += 1;
                attempts += u64::from(outcome.stats.attempts);
                assert_eq!(outcome.stats.writes, 1);
                assert_eq!(outcome.stats.reads, u64::from(outcome.stats.attempts));
            }
            Err(error) => {
                assert_eq!(error.kind(), ErrorKind::Conflict, "{error:?}");
                gave_up += 1;
            }
        }
    }
    assert_eq!(committed + gave_up, TASKS);
    let found = store.get_many(&["counter".to_owned()]).await.unwrap();
    let value = found[0].as_ref().map(|document| document.value.clone());
    assert_eq!(
        value,
        Some(json!(committed)),
        "{gave_up} gave up after {attempts} attempts"
    );
}

/// `TASKS` units on distinct keys, committed at once, all succeed on their first attempt even
/// when conflicting commits are mixed in (group commit must fail only the conflicting one).
async fn independent_units_do_not_fail_each_other(store: &SharedStore) {
    let doomed = Write::Replace {
        key: "doomed".to_owned(),
        value: json!("never"),
        expected_version: u64::MAX,
    };
    let tasks: Vec<_> = (0..TASKS)
        .map(|task| {
            let store = store.clone();
            let doomed = doomed.clone();
            tokio::spawn(async move {
                if task % 8 == 0 {
                    let error = store.commit(vec![doomed]).await.unwrap_err();
                    assert_eq!(error.kind(), ErrorKind::Conflict);
                    return 0;
                }
                let outcome = run_unit(&store, &RetryPolicy::default(), |unit| async move {
                    let key = format!("independent/{task}");
                    let n = unit.get(&key).await?.and_then(|v| v.as_u64()).unwrap_or(0);
                    unit.put(key, json!(n + 1))?;
                    Ok::<_, Error>(())
                })
                .await
                .unwrap();
                outcome.stats.attempts
            })
        })
        .collect();
    for task in tasks {
        assert!(task.await.unwrap() <= 1, "independent units never retry");
    }
    let page = store.list("independent/", None, 1000).await.unwrap();
    assert_eq!(page.items.len(), 56);
}

async fn on(backend: Backend, options: StoreOptions) {
    let Some(test) = TestStore::open_with(backend, options).await else {
        return;
    };
    increments_are_never_lost(test.store()).await;
    independent_units_do_not_fail_each_other(test.store()).await;
    test.teardown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn memory() {
    on(Backend::Memory, StoreOptions::default()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_with_group_commit() {
    on(Backend::Sqlite, StoreOptions::default()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_without_group_commit() {
    on(Backend::Sqlite, StoreOptions::default().group_commit(false)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres() {
    on(Backend::Postgres, StoreOptions::default()).await;
}

/// A cache too small for the keys: entries are evicted while the writer checks versions against
/// what it still holds.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_with_a_cache_of_two_documents() {
    on(Backend::Sqlite, StoreOptions::default().cache_documents(2)).await;
}
