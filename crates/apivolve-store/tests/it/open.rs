//! Opening stores by URL.

use apivolve_store::{
    ErrorKind, SharedStore, StoreOptions, UnitOfWork, open_store, open_store_with,
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
