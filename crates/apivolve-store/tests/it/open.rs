//! Opening stores by URL.

use apivolve_store::{
    ErrorKind, SharedStore, StoreOptions, UnitOfWork, Write, open_store, open_store_with,
};
use serde_json::json;

async fn write_and_read(store: &SharedStore) {
    let unit = UnitOfWork::new(store.clone());
    unit.put("k", json!({"v": 1})).unwrap();
    unit.commit().await.unwrap();
    let again = UnitOfWork::new(store.clone());
    assert_eq!(again.get("k").await.unwrap(), Some(json!({"v": 1})));
}

#[tokio::test]
async fn sqlite_creates_its_file_and_keeps_documents_across_opens() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("nested-name.db");
    let url = format!("sqlite://{}", path.display());
    assert!(url.starts_with("sqlite:///"), "an absolute path: {url}");
    let store = open_store(&url).await.unwrap();
    assert_eq!(store.backend(), "sqlite");
    write_and_read(&store).await;
    drop(store);
    assert!(path.exists());
    let reopened = open_store(&url).await.unwrap();
    let found = reopened.get_many(&["k".into()]).await.unwrap();
    assert_eq!(found[0].as_ref().unwrap().value, json!({"v": 1}));
}

#[tokio::test]
async fn sqlite_takes_a_relative_path() {
    let directory = tempfile::tempdir().unwrap();
    let current = std::env::current_dir().unwrap();
    let mut relative = std::path::PathBuf::new();
    for _ in current.components().skip(1) {
        relative.push("..");
    }
    let absolute = directory.path().join("relative.db");
    relative.push(absolute.strip_prefix("/").unwrap());
    assert!(relative.is_relative());
    let store = open_store(&format!("sqlite://{}", relative.display()))
        .await
        .unwrap();
    write_and_read(&store).await;
    assert!(absolute.exists());
}

#[tokio::test]
async fn sqlite_in_memory_and_memory_urls() {
    for url in ["sqlite::memory:", "memory://"] {
        let store = open_store(url).await.unwrap();
        write_and_read(&store).await;
    }
    let options = StoreOptions::default()
        .group_commit(false)
        .max_connections(2);
    let store = open_store_with("sqlite::memory:", &options).await.unwrap();
    write_and_read(&store).await;
}

#[tokio::test]
async fn unreachable_or_unknown_stores_are_errors() {
    let error = open_store("redis://localhost").await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Other);
    let directory = tempfile::tempdir().unwrap();
    let inside_a_file = directory.path().join("file");
    std::fs::write(&inside_a_file, "not a directory").unwrap();
    let url = format!("sqlite://{}/store.db", inside_a_file.display());
    assert!(open_store(&url).await.is_err());
}

#[tokio::test]
async fn a_caching_sqlite_store_has_its_file_to_itself() {
    let directory = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", directory.path().join("store.db").display());
    let store = open_store(&url).await.unwrap();
    let error = open_store(&url).await.unwrap_err();
    assert!(
        error.to_string().contains("in use by another store"),
        "{error}"
    );
    let uncached = StoreOptions::default().cache_documents(0);
    assert!(open_store_with(&url, &uncached).await.is_err());
    drop(store);
    // Uncached stores share the file; a caching one then cannot open it.
    let first = open_store_with(&url, &uncached).await.unwrap();
    let second = open_store_with(&url, &uncached).await.unwrap();
    assert!(open_store(&url).await.is_err());
    drop((first, second));
    open_store(&url).await.unwrap();
}

#[tokio::test]
async fn a_read_only_sqlite_store_reads_beside_the_owner_and_writes_nothing() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("store.db");
    let url = format!("sqlite://{}", path.display());
    let read_only = StoreOptions::default().read_only(true);
    // No file: nothing to read, and nothing is created.
    assert!(open_store_with(&url, &read_only).await.is_err());
    assert!(!path.exists());

    let owner = open_store(&url).await.unwrap();
    write_and_read(&owner).await;
    let reader = open_store_with(&url, &read_only).await.unwrap();
    let found = reader.get_many(&["k".into()]).await.unwrap();
    assert_eq!(found[0].as_ref().unwrap().value, json!({"v": 1}));
    let page = reader.list("", None, 10).await.unwrap();
    assert_eq!(page.items.len(), 1);
    let refused = reader
        .commit(vec![Write::Insert {
            key: "other".into(),
            value: json!(1),
        }])
        .await;
    assert!(refused.is_err());
    // The owner's later commits are seen by the reader (it keeps no cache).
    let unit = UnitOfWork::new(owner.clone());
    unit.get("k").await.unwrap();
    unit.put("k", json!({"v": 2})).unwrap();
    unit.commit().await.unwrap();
    let found = reader
        .get_many(&["k".into(), "other".into()])
        .await
        .unwrap();
    assert_eq!(found[0].as_ref().unwrap().value, json!({"v": 2}));
    assert!(found[1].is_none());
}

#[tokio::test]
async fn sqlite_reads_of_cached_documents_see_every_commit() {
    let directory = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", directory.path().join("store.db").display());
    let store = open_store(&url).await.unwrap();
    let key = |name: &str| vec![name.to_owned()];
    assert_eq!(store.get_many(&key("a")).await.unwrap(), [None]);
    let versions = store
        .commit(vec![Write::Insert {
            key: "a".to_owned(),
            value: json!({"n": 1}),
        }])
        .await
        .unwrap();
    let read = store.get_many(&key("a")).await.unwrap();
    let document = read[0].clone().unwrap();
    assert_eq!(
        (document.value, Some(document.version)),
        (json!({"n": 1}), versions[0])
    );
    store
        .commit(vec![Write::Merge {
            key: "a".to_owned(),
            patch: json!({"m": 2}),
            expected_version: versions[0],
        }])
        .await
        .unwrap();
    let read = store.get_many(&key("a")).await.unwrap();
    assert_eq!(read[0].clone().unwrap().value, json!({"n": 1, "m": 2}));
    store
        .commit(vec![Write::Delete {
            key: "a".to_owned(),
            expected_version: None,
        }])
        .await
        .unwrap();
    assert_eq!(store.get_many(&key("a")).await.unwrap(), [None]);
}

/// Reads run on the reading thread (a few keys of a file), or on a blocking thread (many keys,
/// in-memory databases, whose readers wait for the writer's table locks): on a runtime of one
/// thread, reads and commits interleaved must all finish and every read sees a whole commit.
#[tokio::test]
async fn sqlite_reads_beside_commits_on_one_thread() {
    let directory = tempfile::tempdir().unwrap();
    let file = format!("sqlite://{}", directory.path().join("store.db").display());
    let uncached = StoreOptions::default().cache_documents(0);
    for url in [file.as_str(), "sqlite::memory:"] {
        let store = open_store_with(url, &uncached).await.unwrap();
        let keys: Vec<String> = (0..40).map(|n| format!("doc/{n:02}")).collect();
        let writer = {
            let (store, keys) = (store.clone(), keys.clone());
            tokio::spawn(async move {
                for round in 0..30 {
                    let unit = UnitOfWork::new(store.clone());
                    for key in &keys {
                        unit.get(key).await.unwrap();
                        unit.put(key, json!({"round": round})).unwrap();
                    }
                    unit.commit().await.unwrap();
                    tokio::task::yield_now().await;
                }
            })
        };
        let mut reads = 0;
        while !writer.is_finished() || reads < 10 {
            // Many keys (a blocking thread), then a few (inline for the file).
            for wanted in [&keys[..], &keys[..2]] {
                let found = store.get_many(wanted).await.unwrap();
                let rounds: Vec<_> = found
                    .iter()
                    .map(|document| document.as_ref().map(|document| document.value.clone()))
                    .collect();
                assert!(
                    rounds.windows(2).all(|pair| pair[0] == pair[1]),
                    "{url}: one read sees one commit: {rounds:?}"
                );
            }
            reads += 1;
            tokio::task::yield_now().await;
        }
        writer.await.unwrap();
        let last = store.get_many(&keys[..1]).await.unwrap();
        assert_eq!(
            last[0].as_ref().unwrap().value,
            json!({"round": 29}),
            "{url}"
        );
        let page = store.list("doc/", None, 100).await.unwrap();
        assert_eq!(page.items.len(), 40, "{url}");
    }
}
