//! The unit of work: cache, staging, consolidation, commit conditions, retries.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use super::stored;
use apivolve_store::testing::{Backend, FaultyStore, TestStore};
use apivolve_store::{
    Error, ErrorKind, MemoryStore, RetryPolicy, SharedStore, UnitOfWork, Write, run_unit,
};
use serde_json::{Value, json};

/// A memory store behind a [`FaultyStore`], which counts `get_many` calls.
fn counted() -> (SharedStore, Arc<apivolve_store::testing::Faults>) {
    let store = FaultyStore::new(Arc::new(MemoryStore::new()));
    let faults = store.faults();
    (Arc::new(store), faults)
}

async fn seed(store: &SharedStore, key: &str, value: Value) -> u64 {
    let versions = store
        .commit(vec![Write::Insert {
            key: key.to_owned(),
            value,
        }])
        .await
        .unwrap();
    versions[0].unwrap()
}

#[tokio::test]
async fn read_modify_write_costs_one_read_and_one_write() {
    for backend in [Backend::Memory, Backend::Sqlite, Backend::Postgres] {
        let Some(test) = TestStore::open(backend).await else {
            continue;
        };
        let store = test.store().clone();
        seed(&store, "counter", json!({"n": 41})).await;
        let outcome = run_unit(&store, &RetryPolicy::default(), |unit| async move {
            let n = unit.get("counter").await?.unwrap()["n"].as_u64().unwrap();
            unit.put("counter", json!({"n": n + 1}))?;
            Ok::<_, Error>(n + 1)
        })
        .await
        .unwrap();
        assert_eq!(outcome.value, 42, "{backend}");
        assert_eq!(
            (
                outcome.stats.reads,
                outcome.stats.writes,
                outcome.stats.attempts
            ),
            (1, 1, 1),
            "{backend}"
        );
        assert_eq!(stored(&store, "counter").await, Some(json!({"n": 42})));
        test.teardown().await;
    }
}

#[tokio::test]
async fn a_key_read_twice_is_fetched_once_and_misses_are_batched() {
    let (store, faults) = counted();
    seed(&store, "a", json!(1)).await;
    let unit = UnitOfWork::new(store.clone());
    assert_eq!(unit.get("a").await.unwrap(), Some(json!(1)));
    assert_eq!(unit.get("a").await.unwrap(), Some(json!(1)));
    let values = unit.get_many(&["a", "b", "c", "b"]).await.unwrap();
    assert_eq!(values, [Some(json!(1)), None, None, None]);
    assert_eq!(
        unit.get("c").await.unwrap(),
        None,
        "absent keys are cached too"
    );
    assert_eq!(unit.stats().reads, 3, "a, b and c once each");
    assert_eq!(
        faults.get_many_calls(),
        2,
        "one call for a, one batch for b and c"
    );
}

#[tokio::test]
async fn staged_writes_to_one_key_are_consolidated() {
    let (store, faults) = counted();
    let unit = UnitOfWork::new(store.clone());
    unit.put("doc", json!({"a": 1, "b": 2})).unwrap();
    unit.merge("doc", json!({"b": null, "c": 3})).await.unwrap();
    unit.merge("doc", json!({"d": {"e": 4}})).await.unwrap();
    assert_eq!(
        unit.get("doc").await.unwrap(),
        Some(json!({"a": 1, "c": 3, "d": {"e": 4}}))
    );
    assert_eq!(unit.staged_writes(), 1);
    unit.commit().await.unwrap();
    assert_eq!((unit.stats().reads, unit.stats().writes), (0, 1));
    assert_eq!(faults.commits(), 1);
    assert_eq!(faults.get_many_calls(), 0, "a put needs no read");
    assert_eq!(
        stored(&store, "doc").await,
        Some(json!({"a": 1, "c": 3, "d": {"e": 4}}))
    );
}

#[tokio::test]
async fn reads_see_the_units_own_writes() {
    let (store, _) = counted();
    seed(&store, "gone", json!("here")).await;
    let unit = UnitOfWork::new(store.clone());
    unit.delete("gone").await.unwrap();
    assert_eq!(unit.get("gone").await.unwrap(), None);
    unit.merge("new", json!({"x": 1, "y": null})).await.unwrap();
    assert_eq!(unit.get("new").await.unwrap(), Some(json!({"x": 1})));
    unit.commit().await.unwrap();
    assert_eq!(stored(&store, "gone").await, None);
    assert_eq!(stored(&store, "new").await, Some(json!({"x": 1})));
    assert_eq!((unit.stats().reads, unit.stats().writes), (2, 2));
}

#[tokio::test]
async fn a_put_without_a_read_creates_and_conflicts_if_present() {
    let (store, _) = counted();
    seed(&store, "taken", json!("theirs")).await;
    let unit = UnitOfWork::new(store.clone());
    unit.put("taken", json!("mine")).unwrap();
    let error = unit.commit().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Conflict);
    assert_eq!(error.conflicting_keys(), ["taken"]);
    assert_eq!(stored(&store, "taken").await, Some(json!("theirs")));
}

#[tokio::test]
async fn a_commit_conditions_on_the_versions_read() {
    let (store, _) = counted();
    seed(&store, "doc", json!(1)).await;
    let unit = UnitOfWork::new(store.clone());
    assert_eq!(unit.get("doc").await.unwrap(), Some(json!(1)));
    let other = UnitOfWork::new(store.clone());
    other.merge("doc", json!(2)).await.unwrap();
    other.commit().await.unwrap();
    unit.put("doc", json!(3)).unwrap();
    assert_eq!(unit.commit().await.unwrap_err().kind(), ErrorKind::Conflict);
    assert_eq!(stored(&store, "doc").await, Some(json!(2)));
}

#[tokio::test]
async fn unchanged_documents_are_not_written_and_units_go_on_after_a_commit() {
    let (store, faults) = counted();
    seed(&store, "doc", json!({"a": 1})).await;
    let unit = UnitOfWork::new(store.clone());
    unit.merge("doc", json!({"a": 1})).await.unwrap();
    unit.commit().await.unwrap();
    assert_eq!(unit.stats().writes, 0);
    assert_eq!(
        faults.commits(),
        1,
        "only the seed: nothing to commit, no store call"
    );
    unit.merge("doc", json!({"b": 2})).await.unwrap();
    unit.commit().await.unwrap();
    unit.merge("doc", json!({"c": 3})).await.unwrap();
    unit.commit().await.unwrap();
    assert_eq!((unit.stats().reads, unit.stats().writes), (1, 2));
    assert_eq!(
        stored(&store, "doc").await,
        Some(json!({"a": 1, "b": 2, "c": 3}))
    );
}

#[tokio::test]
async fn dropping_or_discarding_a_unit_writes_nothing() {
    let (store, faults) = counted();
    {
        let unit = UnitOfWork::new(store.clone());
        unit.put("dropped", json!(1)).unwrap();
    }
    let unit = UnitOfWork::new(store.clone());
    unit.put("discarded", json!(1)).unwrap();
    unit.discard();
    let error = unit.commit().await.unwrap_err();
    assert!(
        matches!(error, Error::UnitClosed { state: "discarded" }),
        "{error:?}"
    );
    assert!(unit.put("again", json!(1)).is_err());
    assert_eq!(faults.commits(), 0);
    assert_eq!(stored(&store, "dropped").await, None);
}

#[tokio::test]
async fn a_closure_error_discards_the_staged_writes() {
    let (store, faults) = counted();
    let escaped = Arc::new(std::sync::Mutex::new(None));
    let keep = escaped.clone();
    let result = run_unit(&store, &RetryPolicy::default(), |unit| {
        let keep = keep.clone();
        async move {
            unit.put("half", json!("done"))?;
            *keep.lock().unwrap() = Some(unit);
            Err::<(), _>(Error::NotFound {
                key: "input".into(),
            })
        }
    })
    .await;
    assert_eq!(result.unwrap_err().kind(), ErrorKind::NotFound);
    assert_eq!(faults.commits(), 0);
    assert_eq!(stored(&store, "half").await, None);
    let escaped = escaped.lock().unwrap().take().unwrap();
    assert_eq!(
        escaped.staged_writes(),
        0,
        "a clone kept by the closure cannot commit later"
    );
    assert!(escaped.commit().await.is_err());
}

#[tokio::test]
async fn a_conflict_reruns_the_closure_from_fresh_reads() {
    let (store, _) = counted();
    seed(&store, "doc", json!(0)).await;
    let runs = Arc::new(AtomicU32::new(0));
    let outcome = run_unit(&store, &RetryPolicy::default(), |unit| {
        let runs = runs.clone();
        let store = store.clone();
        async move {
            let value = unit.get("doc").await?.unwrap().as_u64().unwrap();
            if runs.fetch_add(1, Ordering::SeqCst) == 0 {
                // Someone else writes between this unit's read and its commit.
                let interfering = UnitOfWork::new(store);
                interfering.get("doc").await?;
                interfering.put("doc", json!(100))?;
                interfering.commit().await?;
            }
            unit.put("doc", json!(value + 1))?;
            Ok::<_, Error>(value)
        }
    })
    .await
    .unwrap();
    assert_eq!(runs.load(Ordering::SeqCst), 2);
    assert_eq!(
        outcome.value, 100,
        "the second run read the other writer's value"
    );
    assert_eq!(outcome.stats.attempts, 2);
    assert_eq!((outcome.stats.reads, outcome.stats.writes), (2, 1));
    assert_eq!(stored(&store, "doc").await, Some(json!(101)));
}

#[tokio::test]
async fn retries_stop_at_the_bound_with_a_conflict() {
    let (store, _) = counted();
    seed(&store, "hot", json!(0)).await;
    let runs = Arc::new(AtomicU32::new(0));
    let policy = RetryPolicy::default().max_attempts(3);
    let error = run_unit(&store, &policy, |unit| {
        let runs = runs.clone();
        let store = store.clone();
        async move {
            runs.fetch_add(1, Ordering::SeqCst);
            let value = unit.get("hot").await?.unwrap();
            let interfering = UnitOfWork::new(store);
            interfering
                .merge("hot", json!(value.as_u64().unwrap() + 10))
                .await?;
            interfering.commit().await?;
            unit.put("hot", json!("never"))?;
            Ok::<_, Error>(())
        }
    })
    .await
    .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Conflict);
    assert!(matches!(&error, Error::RetriesExhausted { attempts: 3, keys } if keys == &["hot"]));
    assert_eq!(runs.load(Ordering::SeqCst), 3);
    assert_eq!(stored(&store, "hot").await, Some(json!(30)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_unit_is_shared_by_many_tasks_and_commits_once() {
    let (store, faults) = counted();
    let unit = UnitOfWork::new(store.clone());
    let tasks: Vec<_> = (0..16)
        .map(|line| {
            let unit = unit.clone();
            tokio::spawn(async move {
                unit.get("shared").await.unwrap();
                unit.put(format!("line/{line}"), json!(line)).unwrap();
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    unit.commit().await.unwrap();
    assert_eq!(faults.commits(), 1);
    assert_eq!(unit.stats().writes, 16);
    let page = store.list("line/", None, 100).await.unwrap();
    assert_eq!(page.items.len(), 16);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_staged_while_a_commit_runs_stay_staged() {
    let faulty = FaultyStore::new(Arc::new(MemoryStore::new()));
    let faults = faulty.faults();
    let store: SharedStore = Arc::new(faulty);
    let unit = UnitOfWork::new(store.clone());
    unit.put("first", json!(1)).unwrap();
    faults.set_latency(std::time::Duration::from_millis(100));
    let committing = tokio::spawn({
        let unit = unit.clone();
        async move { unit.commit().await }
    });
    tokio::time::sleep(std::time::Duration::from_millis(30)).await;
    unit.put("first", json!(2)).unwrap();
    unit.put("second", json!(2)).unwrap();
    committing.await.unwrap().unwrap();
    assert_eq!(
        unit.staged_writes(),
        2,
        "the later writes were not committed yet"
    );
    faults.set_latency(std::time::Duration::ZERO);
    unit.commit().await.unwrap();
    assert_eq!(stored(&store, "first").await, Some(json!(2)));
    assert_eq!(stored(&store, "second").await, Some(json!(2)));
    assert_eq!(unit.stats().writes, 3);
}
