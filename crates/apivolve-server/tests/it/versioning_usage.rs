//! Usage tracking and client pins through the whole layer: calls are counted per client,
//! version, endpoint and day, flushed to the store without loss, and a pinned client that names
//! no version gets its pin.

use std::fs;
use std::sync::Arc;

use apivolve_server::usage::{ANONYMOUS, NOT_NEGOTIATED, UNKNOWN_VERSION, UsageCount, read_usage};
use apivolve_server::{Runtime, VersioningLayer, VersioningOptions, VersioningService};
use apivolve_store::testing::FaultyStore;
use apivolve_store::{MemoryStore, SharedStore};
use axum::Router;
use axum::body::Body;
use http::StatusCode;
use serde_json::Value;
use tower::Layer;

use crate::versioning::{Answer, Log, fixture, inner};
use crate::versioning_negotiation::copy_dir;

/// The fixture with `extra` appended to its `apivolve.toml`, served over `store`.
fn served(extra: &str, store: SharedStore) -> (tempfile::TempDir, VersioningService<Router>) {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture(), dir.path());
    let path = dir.path().join("apivolve.toml");
    let config = fs::read_to_string(&path).unwrap();
    fs::write(&path, format!("{config}\n{extra}")).unwrap();
    let runtime = Runtime::load(dir.path(), VersioningOptions::default()).unwrap();
    let service = VersioningLayer::new(runtime)
        .with_record_store(store)
        .layer(inner(Log::default()));
    (dir, service)
}

async fn get(service: &VersioningService<Router>, uri: &str, key: Option<&str>) -> Answer {
    let mut request = http::Request::get(uri);
    if let Some(key) = key {
        request = request.header("x-api-key", key);
    }
    let response =
        tower::ServiceExt::oneshot(service.clone(), request.body(Body::empty()).unwrap())
            .await
            .unwrap();
    let (parts, body) = response.into_parts();
    Answer {
        status: parts.status,
        headers: parts.headers,
        body: http_body_util::BodyExt::collect(body)
            .await
            .unwrap()
            .to_bytes(),
    }
}

fn hash(key: &str) -> String {
    apivolve_model::client_hash("shop", key)
}

/// (client, version, endpoint, calls), sorted, for today.
fn rows(counts: &[UsageCount]) -> Vec<(String, String, String, u64)> {
    let today = chrono::Utc::now().date_naive();
    counts
        .iter()
        .map(|count| {
            assert_eq!(count.day, today);
            (
                count.client.clone(),
                count.version.clone(),
                count.endpoint.clone(),
                count.calls,
            )
        })
        .collect()
}

fn row(client: &str, version: &str, endpoint: &str, calls: u64) -> (String, String, String, u64) {
    (
        client.to_owned(),
        version.to_owned(),
        endpoint.to_owned(),
        calls,
    )
}

const CLIENTS: &str = "[clients]\nheader = \"x-api-key\"\n\n[usage]\nflush_seconds = 3600\n";

#[tokio::test]
async fn calls_are_counted_per_client_version_and_endpoint_and_flushed_to_the_store() {
    let store: SharedStore = Arc::new(MemoryStore::new());
    let (_dir, service) = served(CLIENTS, store.clone());
    for _ in 0..2 {
        assert_eq!(
            get(&service, "/api/v1/items", Some("acme")).await.status,
            StatusCode::OK
        );
    }
    get(&service, "/api/v4/products/1", Some("acme")).await;
    get(&service, "/api/v1/items", None).await;
    // Refused calls count too: a client still calling is who a team must find.
    let missing = get(&service, "/api/v1/items/999", Some("other")).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    // Unrouted paths name no endpoint and are not counted.
    get(&service, "/api/v1/nothing-here", Some("acme")).await;

    let usage = service.runtime().usage();
    let acme = hash("acme");
    let other = hash("other");
    let mut expected = vec![
        row(&acme, "1.0.0", "items.list", 2),
        row(&acme, "4.1.0", "items.get", 1),
        row(ANONYMOUS, "1.0.0", "items.list", 1),
        row(&other, "1.0.0", "items.get", 1),
    ];
    expected.sort();
    assert_eq!(rows(&usage.pending()), expected);

    assert_eq!(usage.flush().await.unwrap(), 5);
    assert!(usage.pending().is_empty());
    assert_eq!(
        rows(&read_usage(&store, None, None).await.unwrap()),
        expected
    );

    // A second flush adds to the stored documents.
    get(&service, "/api/v1/items", Some("acme")).await;
    assert_eq!(usage.flush().await.unwrap(), 1);
    let stored = rows(&read_usage(&store, None, None).await.unwrap());
    assert!(
        stored.contains(&row(&acme, "1.0.0", "items.list", 3)),
        "{stored:?}"
    );
    assert_eq!(stored.len(), 4);

    // Days outside the asked range are left out.
    let tomorrow = chrono::Utc::now().date_naive().succ_opt().unwrap();
    assert!(
        read_usage(&store, Some(tomorrow), None)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        read_usage(&store, None, Some(tomorrow))
            .await
            .unwrap()
            .len(),
        4
    );

    // The stored document is the documented shape.
    let key = format!("_usage/{}/{acme}", chrono::Utc::now().date_naive());
    let document = store.get_many(&[key]).await.unwrap().remove(0).unwrap();
    assert_eq!(document.value["client"], Value::from(acme.as_str()));
    assert_eq!(
        document.value["calls"]["1.0.0"]["items.list"],
        Value::from(3)
    );
}

/// A call refused at negotiation reaches no endpoint; it still counts, at the unsupported version
/// it named (whom to tell that their version is gone), or as an unknown version.
#[tokio::test]
async fn calls_refused_at_negotiation_are_counted() {
    let store: SharedStore = Arc::new(MemoryStore::new());
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture(), dir.path());
    let path = dir.path().join("apivolve.toml");
    let config = fs::read_to_string(&path)
        .unwrap()
        .replace("supported_majors = 10", "supported_majors = 3");
    fs::write(&path, format!("{config}\n{CLIENTS}")).unwrap();
    let runtime = Runtime::load(dir.path(), VersioningOptions::default()).unwrap();
    let service = VersioningLayer::new(runtime)
        .with_record_store(store.clone())
        .layer(inner(Log::default()));

    for uri in ["/api/v1/items", "/api/1.0.0/items/1"] {
        let answer = get(&service, uri, Some("legacy")).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{uri}");
    }
    for uri in ["/api/v9/items", "/api/v2.7/items", "/api/9.9.9/items"] {
        let answer = get(&service, uri, Some("lost")).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{uri}");
    }
    get(&service, "/api/v2/items", Some("legacy")).await;

    let (legacy, lost) = (hash("legacy"), hash("lost"));
    let mut expected = vec![
        row(&legacy, "1.0.0", NOT_NEGOTIATED, 2),
        row(&legacy, "2.0.0", "items.list", 1),
        row(&lost, UNKNOWN_VERSION, NOT_NEGOTIATED, 3),
    ];
    expected.sort();
    let usage = service.runtime().usage();
    assert_eq!(rows(&usage.pending()), expected);
    usage.flush().await.unwrap();
    assert_eq!(
        rows(&read_usage(&store, None, None).await.unwrap()),
        expected
    );
}

#[tokio::test]
async fn a_failed_flush_keeps_every_count_for_the_next_one() {
    let faulty = FaultyStore::new(Arc::new(MemoryStore::new()));
    let faults = faulty.faults();
    let store: SharedStore = Arc::new(faulty);
    let (_dir, service) = served(CLIENTS, store.clone());
    get(&service, "/api/v1/items", Some("acme")).await;
    let usage = service.runtime().usage();

    faults.refuse_writes(true);
    assert!(usage.flush().await.is_err());
    get(&service, "/api/v1/items", Some("acme")).await;
    assert_eq!(
        rows(&usage.pending()),
        vec![row(&hash("acme"), "1.0.0", "items.list", 2)]
    );
    assert!(read_usage(&store, None, None).await.unwrap().is_empty());

    faults.refuse_writes(false);
    assert_eq!(usage.flush().await.unwrap(), 2);
    assert_eq!(
        rows(&read_usage(&store, None, None).await.unwrap()),
        vec![row(&hash("acme"), "1.0.0", "items.list", 2)]
    );
}

#[tokio::test]
async fn usage_can_be_turned_off() {
    let store: SharedStore = Arc::new(MemoryStore::new());
    let (_dir, service) = served("[usage]\nenabled = false\n", store.clone());
    get(&service, "/api/v1/items", None).await;
    assert!(service.runtime().usage().pending().is_empty());
    assert_eq!(service.runtime().usage().flush().await.unwrap(), 0);
}

#[tokio::test]
async fn a_pinned_client_gets_its_version_when_it_names_none() {
    let pins = format!(
        "[clients]\nheader = \"x-api-key\"\n\n[clients.pins]\n\"{}\" = \"1\"\n",
        hash("old-app")
    );
    let (_dir, service) = served(&pins, Arc::new(MemoryStore::new()));

    let pinned = get(&service, "/api/items", Some("old-app")).await;
    assert_eq!(pinned.status, StatusCode::OK);
    assert_eq!(pinned.header("api-version"), Some("1.0.0"));
    // The pin routes and migrates like a v1 call: v1 names an item's title `name`.
    assert_eq!(pinned.json()["items"][0]["name"], "Lamp");

    let other = get(&service, "/api/items", Some("new-app")).await;
    assert_eq!(other.header("api-version"), Some("4.1.0"));
    assert_eq!(other.json()["items"][0]["title"], "Lamp");
    let anonymous = get(&service, "/api/items", None).await;
    assert_eq!(anonymous.header("api-version"), Some("4.1.0"));

    // A version the client names wins over its pin.
    let named = get(&service, "/api/v4/items", Some("old-app")).await;
    assert_eq!(named.header("api-version"), Some("4.1.0"));

    // The answer depends on the client header: caches must know.
    let vary = pinned.header("vary").unwrap().to_ascii_lowercase();
    assert!(vary.contains("x-api-key"), "{vary}");
}

#[test]
fn a_pin_to_a_version_that_is_not_served_is_refused_at_start_up() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture(), dir.path());
    let path = dir.path().join("apivolve.toml");
    let config = fs::read_to_string(&path).unwrap();
    let pins = format!(
        "{config}\n[clients]\nheader = \"x-api-key\"\n\n[clients.pins]\n\"{}\" = \"7\"\n",
        hash("old-app")
    );
    fs::write(&path, pins).unwrap();
    let error = Runtime::load(dir.path(), VersioningOptions::default()).unwrap_err();
    assert!(error.to_string().contains("bad-client-pin"), "{error}");
}

#[tokio::test]
async fn each_bulk_line_counts_as_a_call_of_its_endpoint() {
    use crate::bulk::{Setup, bulk_request, demo, send};
    let demo = demo(Setup::default());
    let body = [
        r#"["items.put", {"name": "bolt", "quantity": 3}, {"params": {"id": "a"}}]"#,
        r#"["items.get", null, {"params": {"id": "a"}}]"#,
        r#"["items.put", {"name": "nut", "quantity": 1}, {"params": {"id": "b"}}]"#,
    ]
    .join("\n");
    let answer = send(&demo.service, bulk_request("v1", &body, &[])).await;
    assert_eq!(answer.status, StatusCode::OK);
    let mut expected = vec![
        row(ANONYMOUS, "1.0.0", "items.get", 1),
        row(ANONYMOUS, "1.0.0", "items.put", 2),
    ];
    expected.sort();
    // The bulk request itself is no endpoint of the API: only its lines count.
    assert_eq!(rows(&demo.service.runtime().usage().pending()), expected);
}

#[tokio::test]
async fn days_older_than_keep_days_are_deleted_by_a_flush() {
    let today = chrono::Utc::now().date_naive();
    let old = today - chrono::Days::new(31);
    let recent = today - chrono::Days::new(29);
    let document = |day: chrono::NaiveDate| serde_json::json!({"day": day.to_string(), "client": ANONYMOUS, "calls": {"1.0.0": {"items.list": 1}}});
    for (keep, left) in [(30, vec![recent, today]), (0, vec![old, recent, today])] {
        let store: SharedStore = Arc::new(MemoryStore::new());
        store
            .commit(vec![
                apivolve_store::Write::Insert {
                    key: format!("_usage/{old}/{ANONYMOUS}"),
                    value: document(old),
                },
                apivolve_store::Write::Insert {
                    key: format!("_usage/{recent}/{ANONYMOUS}"),
                    value: document(recent),
                },
            ])
            .await
            .unwrap();
        let config = format!("[usage]\nkeep_days = {keep}\n");
        let (_dir, service) = served(&config, store.clone());
        get(&service, "/api/v1/items", None).await;
        service.runtime().usage().flush().await.unwrap();
        let days: Vec<_> = read_usage(&store, None, None)
            .await
            .unwrap()
            .iter()
            .map(|count| count.day)
            .collect();
        assert_eq!(days, left, "keep_days = {keep}");
    }
}
