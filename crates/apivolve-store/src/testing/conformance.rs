//! The conformance suite: what every [`DocumentStore`] must do. Each check starts from an empty
//! store and panics on the first deviation.

use serde_json::{Value, json};

use crate::{DocumentStore, ErrorKind, Write};

fn insert(key: &str, value: Value) -> Write {
    Write::Insert {
        key: key.to_owned(),
        value,
    }
}

async fn commit_ok(store: &dyn DocumentStore, writes: Vec<Write>) -> Vec<Option<u64>> {
    store
        .commit(writes)
        .await
        .unwrap_or_else(|error| panic!("commit should succeed: {error:?}"))
}

async fn conflict(store: &dyn DocumentStore, writes: Vec<Write>) -> Vec<String> {
    let error = store
        .commit(writes)
        .await
        .expect_err("commit should conflict");
    assert_eq!(error.kind(), ErrorKind::Conflict, "{error:?}");
    error.conflicting_keys().to_vec()
}

async fn value(store: &dyn DocumentStore, key: &str) -> Option<Value> {
    let mut found = store
        .get_many(&[key.to_owned()])
        .await
        .expect("get_many should succeed");
    found.pop().flatten().map(|document| document.value)
}

async fn version(store: &dyn DocumentStore, key: &str) -> u64 {
    let mut found = store
        .get_many(&[key.to_owned()])
        .await
        .expect("get_many should succeed");
    found
        .pop()
        .flatten()
        .unwrap_or_else(|| panic!("`{key}` should exist"))
        .version
}

/// `get_many` answers every key in order, absent ones as `None`, repeated ones twice.
pub async fn get_many(store: &dyn DocumentStore) {
    let versions = commit_ok(
        store,
        vec![insert("a", json!({"n": 1})), insert("b", json!([2]))],
    )
    .await;
    let keys = ["a", "missing", "b", "a"].map(str::to_owned);
    let found = store
        .get_many(&keys)
        .await
        .expect("get_many should succeed");
    let values: Vec<_> = found
        .iter()
        .map(|d| d.as_ref().map(|d| d.value.clone()))
        .collect();
    assert_eq!(
        values,
        [
            Some(json!({"n": 1})),
            None,
            Some(json!([2])),
            Some(json!({"n": 1}))
        ]
    );
    let read: Vec<_> = found
        .iter()
        .map(|d| d.as_ref().map(|d| d.version))
        .collect();
    assert_eq!(read, [versions[0], None, versions[1], versions[0]]);
    assert!(
        store
            .get_many(&[])
            .await
            .expect("empty get_many")
            .is_empty()
    );
}

/// An insert of an existing key conflicts and changes nothing.
pub async fn insert_if_absent(store: &dyn DocumentStore) {
    commit_ok(store, vec![insert("k", json!("first"))]).await;
    let keys = conflict(store, vec![insert("k", json!("second"))]).await;
    assert_eq!(keys, ["k"]);
    assert_eq!(value(store, "k").await, Some(json!("first")));
}

/// A replace needs the current version; a conflict names every failing key, in write order.
pub async fn replace_reports_all_conflicts(store: &dyn DocumentStore) {
    let v = commit_ok(
        store,
        vec![
            insert("a", json!(1)),
            insert("b", json!(1)),
            insert("c", json!(1)),
        ],
    )
    .await;
    let replace = |key: &str, expected_version: Option<u64>| Write::Replace {
        key: key.to_owned(),
        value: json!(2),
        expected_version: expected_version.unwrap_or(u64::MAX),
    };
    let keys = conflict(
        store,
        vec![
            replace("a", v[0]),
            replace("c", Some(v[2].unwrap_or_default() + 1000)),
            replace("b", None),
            replace("absent", v[0]),
        ],
    )
    .await;
    assert_eq!(keys, ["c", "b", "absent"]);
    assert_eq!(value(store, "a").await, Some(json!(1)), "nothing applied");
    let new = commit_ok(store, vec![replace("a", v[0]), replace("b", v[1])]).await;
    assert!(
        new[0] > v[0] && new[1] > v[1],
        "versions grow: {v:?} then {new:?}"
    );
    assert_eq!(value(store, "b").await, Some(json!(2)));
}

/// Merge applies RFC 7396: `null` deletes, objects merge, the rest replaces; member order holds.
pub async fn merge_patch(store: &dyn DocumentStore) {
    let v = commit_ok(
        store,
        vec![insert(
            "m",
            json!({"a": 1, "b": {"c": 2, "d": 3}, "e": [1]}),
        )],
    )
    .await;
    let patch = json!({"b": {"d": null, "x": true}, "e": null, "f": "new"});
    let merge = |expected_version| Write::Merge {
        key: "m".to_owned(),
        patch: patch.clone(),
        expected_version,
    };
    assert_eq!(
        conflict(store, vec![merge(None)]).await,
        ["m"],
        "None means absent"
    );
    let stale = v[0].map(|v| v + 1000);
    assert_eq!(conflict(store, vec![merge(stale)]).await, ["m"]);
    commit_ok(store, vec![merge(v[0])]).await;
    let merged = value(store, "m").await.expect("merged document");
    assert_eq!(
        merged.to_string(),
        r#"{"a":1,"b":{"c":2,"x":true},"f":"new"}"#
    );
    let create = Write::Merge {
        key: "fresh".to_owned(),
        patch: json!({"keep": 1, "drop": null, "nested": {"gone": null}}),
        expected_version: None,
    };
    commit_ok(store, vec![create]).await;
    assert_eq!(
        value(store, "fresh").await,
        Some(json!({"keep": 1, "nested": {}}))
    );
    let scalar = Write::Merge {
        key: "fresh".to_owned(),
        patch: json!("whole"),
        expected_version: Some(version(store, "fresh").await),
    };
    commit_ok(store, vec![scalar]).await;
    assert_eq!(value(store, "fresh").await, Some(json!("whole")));
}

/// Delete with a version needs that version; without one it removes whatever is there.
pub async fn delete(store: &dyn DocumentStore) {
    let v = commit_ok(store, vec![insert("x", json!(1)), insert("y", json!(1))]).await;
    let delete = |key: &str, expected_version| Write::Delete {
        key: key.to_owned(),
        expected_version,
    };
    let stale = v[0].map(|v| v + 1000);
    assert_eq!(conflict(store, vec![delete("x", stale)]).await, ["x"]);
    assert_eq!(
        conflict(store, vec![delete("nothing", Some(1))]).await,
        ["nothing"]
    );
    let versions = commit_ok(
        store,
        vec![
            delete("x", v[0]),
            delete("y", None),
            delete("nothing", None),
        ],
    )
    .await;
    assert_eq!(versions, [None, None, None]);
    assert_eq!(value(store, "x").await, None);
    assert_eq!(value(store, "y").await, None);
}

/// One failing condition fails the whole commit: nothing of it is applied.
pub async fn all_or_nothing(store: &dyn DocumentStore) {
    let v = commit_ok(
        store,
        vec![
            insert("y", json!("old")),
            insert("z", json!("old")),
            insert("w", json!("old")),
        ],
    )
    .await;
    let writes = vec![
        insert("x", json!("new")),
        Write::Replace {
            key: "y".to_owned(),
            value: json!("new"),
            expected_version: v[0].unwrap_or_default(),
        },
        Write::Delete {
            key: "z".to_owned(),
            expected_version: v[1],
        },
        insert("w", json!("new")),
    ];
    assert_eq!(conflict(store, writes).await, ["w"]);
    assert_eq!(value(store, "x").await, None);
    assert_eq!(value(store, "y").await, Some(json!("old")));
    assert_eq!(value(store, "z").await, Some(json!("old")));
    assert_eq!(value(store, "w").await, Some(json!("old")));
}

/// A commit that names one key twice is refused whole.
pub async fn duplicate_keys(store: &dyn DocumentStore) {
    let error = store
        .commit(vec![
            insert("d", json!(1)),
            insert("e", json!(1)),
            insert("d", json!(2)),
        ])
        .await
        .expect_err("duplicate keys are refused");
    assert_eq!(error.kind(), ErrorKind::Other, "{error:?}");
    assert_eq!(value(store, "e").await, None);
}

/// A document deleted and created again gets a new version, so a stale version never matches.
pub async fn versions_never_repeat(store: &dyn DocumentStore) {
    let first = commit_ok(store, vec![insert("v", json!(1))]).await;
    commit_ok(
        store,
        vec![Write::Delete {
            key: "v".to_owned(),
            expected_version: first[0],
        }],
    )
    .await;
    let second = commit_ok(store, vec![insert("v", json!(2))]).await;
    assert!(second[0] > first[0], "{first:?} then {second:?}");
    let stale = Write::Replace {
        key: "v".to_owned(),
        value: json!(3),
        expected_version: first[0].unwrap_or_default(),
    };
    assert_eq!(conflict(store, vec![stale]).await, ["v"]);
    assert_eq!(version(store, "v").await, second[0].unwrap_or_default());
}

/// Listing pages through `count` documents under a prefix with a small page size, in key order,
/// each exactly once, and nothing outside the prefix.
pub async fn list_with_cursor(store: &dyn DocumentStore) {
    const COUNT: usize = 2_500;
    const PAGE: usize = 97;
    let keys: Vec<String> = (0..COUNT).map(|i| format!("list/{i:05}")).collect();
    for chunk in keys.chunks(500) {
        let writes = chunk
            .iter()
            .map(|key| insert(key, json!({"key": key})))
            .collect();
        commit_ok(store, writes).await;
    }
    let outside = ["lis", "list", "list0", "lisa", "list.x", "m"];
    commit_ok(
        store,
        outside.iter().map(|key| insert(key, json!(null))).collect(),
    )
    .await;
    let mut seen = Vec::with_capacity(COUNT);
    let mut after: Option<String> = None;
    let mut pages = 0;
    loop {
        let page = store
            .list("list/", after.as_deref(), PAGE)
            .await
            .expect("list should succeed");
        pages += 1;
        assert!(page.items.len() <= PAGE);
        for (key, document) in &page.items {
            assert_eq!(document.value, json!({"key": key}));
        }
        seen.extend(page.items.into_iter().map(|(key, _)| key));
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
        assert!(pages <= COUNT / PAGE + 1, "the cursor must advance");
    }
    assert_eq!(seen, keys);
    assert_eq!(pages, COUNT.div_ceil(PAGE));
    let everything = store.list("", None, 10_000).await.expect("list everything");
    assert_eq!(everything.items.len(), COUNT + outside.len());
    assert_eq!(everything.next, None);
    let after_all = store
        .list("list/", Some("list/99999"), 10)
        .await
        .expect("past the end");
    assert!(after_all.items.is_empty() && after_all.next.is_none());
}

/// Keys are opaque strings: SQL wildcards, quotes and non-ASCII are plain characters, and order is
/// by code point.
pub async fn keys_are_opaque(store: &dyn DocumentStore) {
    let keys = [
        "%/a",
        "%/b",
        "_/c",
        "o'brien/\"x\"",
        "é/1",
        "é/2",
        "\u{1F600}/z",
        "a/\u{10FFFF}",
    ];
    commit_ok(
        store,
        keys.iter().map(|key| insert(key, json!(key))).collect(),
    )
    .await;
    for prefix in ["%/", "_/", "é/", "\u{1F600}", "a/"] {
        let page = store
            .list(prefix, None, 100)
            .await
            .expect("list should succeed");
        let listed: Vec<&str> = page.items.iter().map(|(key, _)| key.as_str()).collect();
        let expected: Vec<&str> = keys
            .iter()
            .copied()
            .filter(|key| key.starts_with(prefix))
            .collect();
        assert_eq!(listed, expected, "prefix {prefix:?}");
    }
    let all = store
        .list("", None, 100)
        .await
        .expect("list should succeed");
    let listed: Vec<&str> = all.items.iter().map(|(key, _)| key.as_str()).collect();
    let mut sorted = keys.to_vec();
    sorted.sort_unstable();
    assert_eq!(listed, sorted);
    assert_eq!(
        value(store, "o'brien/\"x\"").await,
        Some(json!("o'brien/\"x\""))
    );
}
