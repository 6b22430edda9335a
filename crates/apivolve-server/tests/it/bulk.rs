//! Bulk requests against a small demo app: the harness, and lines at an old version.
//!
//! The demo implements version 2.0.0 of `tests/fixtures/bulk-api` (items with an upsert and a
//! counter; `quantity` became `qty` in 2.0.0) in a unit of work, behind the versioning layer.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use apivolve_model::{BulkConfig, CheckOptions, Project, check};
use apivolve_server::{
    Attempt, BulkOptions, Problem, ResponseValidation, Runtime, UnitOfWorkLayer, Uow,
    VersioningLayer, VersioningOptions, VersioningService,
};
use apivolve_store::testing::{Backend, TestStore};
use apivolve_store::{MemoryStore, RetryPolicy, SharedStore, Write};
use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::{get, put};
use http::{HeaderMap, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::{Layer, ServiceExt};

/// Counts the calls the handlers answered.
pub(crate) type Calls = Arc<AtomicUsize>;

/// The demo service and what the tests look at.
pub(crate) struct Demo {
    pub(crate) service: VersioningService<Router>,
    pub(crate) store: SharedStore,
    pub(crate) calls: Calls,
}

/// How to build a demo.
#[derive(Clone)]
pub(crate) struct Setup {
    pub(crate) limits: BulkConfig,
    pub(crate) options: BulkOptions,
    /// Give the layer the store (library mode); without it lines are independent calls.
    pub(crate) shared_store: bool,
    /// The store (a memory store unless said).
    pub(crate) store: Option<SharedStore>,
}

impl Default for Setup {
    fn default() -> Self {
        Self {
            limits: BulkConfig::default(),
            options: BulkOptions::default(),
            shared_store: true,
            store: None,
        }
    }
}

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bulk-api")
}

/// The fixture's runtime with these `[bulk]` limits; responses validated strictly.
pub(crate) fn runtime(limits: BulkConfig) -> Runtime {
    let (mut project, diagnostics) = Project::load(fixture()).unwrap();
    project.config.bulk = limits;
    let report = check(&project, diagnostics, &CheckOptions::default());
    assert!(report.is_clean(), "the fixture checks clean");
    let options = VersioningOptions {
        response_validation: ResponseValidation::Strict,
        ..VersioningOptions::default()
    };
    Runtime::compile(&project, &report.history, options).unwrap()
}

/// The v2 implementation, counting its calls.
pub(crate) fn router(store: SharedStore, calls: Calls) -> Router {
    Router::new()
        .route("/api/v2/items/{id}", put(put_item).get(get_item))
        .route("/api/v2/counter", get(read_counter).post(add_counter))
        .layer(UnitOfWorkLayer::new(store, RetryPolicy::default()))
        .with_state(calls)
}

pub(crate) fn demo(setup: Setup) -> Demo {
    let store = setup
        .store
        .clone()
        .unwrap_or_else(|| Arc::new(MemoryStore::new()));
    let calls = Calls::default();
    let mut layer =
        VersioningLayer::new(runtime(setup.limits)).with_bulk_options(setup.options.clone());
    if setup.shared_store {
        layer = layer.with_store(store.clone());
    }
    Demo {
        service: layer.layer(router(store.clone(), calls.clone())),
        store,
        calls,
    }
}

async fn put_item(
    State(calls): State<Calls>,
    Path(id): Path<String>,
    Uow(unit): Uow,
    Attempt(attempt): Attempt,
    Json(body): Json<Value>,
) -> Response {
    calls.fetch_add(1, Ordering::SeqCst);
    let key = format!("items/{id}");
    let existed = match unit.get(&key).await {
        Ok(found) => found.is_some(),
        Err(error) => return Problem::internal(error).into_response(),
    };
    if body["name"] == "race" && attempt == 1 {
        // Another writer creates the item behind the unit's back: its commit conflicts.
        let write = Write::Insert {
            key: key.clone(),
            value: json!({"name": "other", "qty": 0}),
        };
        if let Err(error) = unit.store().commit(vec![write]).await {
            return Problem::internal(error).into_response();
        }
    }
    let item = json!({"name": body["name"], "qty": body["qty"]});
    if let Err(error) = unit.put(&key, item) {
        return Problem::internal(error).into_response();
    }
    if body["name"] == "reject" {
        // Staged a write, then refuses: the write must not be committed.
        return Problem::unprocessable("items named `reject` are refused").into_response();
    }
    let mut answer = json!({"id": id, "name": body["name"], "qty": body["qty"]});
    if existed {
        answer["updated"] = json!(true);
        (StatusCode::OK, Json(answer)).into_response()
    } else {
        answer["created"] = json!(true);
        (StatusCode::CREATED, Json(answer)).into_response()
    }
}

async fn get_item(State(calls): State<Calls>, Path(id): Path<String>, Uow(unit): Uow) -> Response {
    calls.fetch_add(1, Ordering::SeqCst);
    match unit.get(&format!("items/{id}")).await {
        Ok(Some(item)) => {
            Json(json!({"id": id, "name": item["name"], "qty": item["qty"]})).into_response()
        }
        Ok(None) => Problem::not_found(format!("no item `{id}`")).into_response(),
        Err(error) => Problem::internal(error).into_response(),
    }
}

async fn read_counter(State(calls): State<Calls>, Uow(unit): Uow) -> Response {
    calls.fetch_add(1, Ordering::SeqCst);
    let value = unit.get("counter").await.ok().flatten().unwrap_or(json!(0));
    Json(json!({"value": value})).into_response()
}

#[derive(serde::Deserialize)]
struct By {
    by: Option<i64>,
}

async fn add_counter(
    State(calls): State<Calls>,
    Query(query): Query<By>,
    Uow(unit): Uow,
) -> Response {
    calls.fetch_add(1, Ordering::SeqCst);
    let value = unit
        .get("counter")
        .await
        .ok()
        .flatten()
        .and_then(|value| value.as_i64())
        .unwrap_or(0)
        + query.by.unwrap_or(1);
    match unit.put("counter", json!(value)) {
        Ok(()) => Json(json!({"value": value})).into_response(),
        Err(error) => Problem::internal(error).into_response(),
    }
}

/// An answer: status, headers, and the NDJSON rows (or the JSON body as one row).
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) text: String,
    pub(crate) rows: Vec<Value>,
}

impl Answer {
    /// The summary row's members.
    pub(crate) fn summary(&self) -> &Value {
        self.rows
            .last()
            .and_then(|row| row.get("summary"))
            .unwrap_or(&Value::Null)
    }

    /// The rows of lines (all but the summary).
    pub(crate) fn lines(&self) -> &[Value] {
        match self.rows.split_last() {
            Some((last, rest)) if last.get("summary").is_some() => rest,
            _ => &self.rows,
        }
    }
}

/// Sends `request` and reads the whole answer.
pub(crate) async fn send(service: &VersioningService<Router>, request: Request<Body>) -> Answer {
    let response = service.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    let rows = text
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| serde_json::from_str(line).unwrap_or(Value::String(line.to_owned())))
        .collect();
    Answer {
        status,
        headers,
        text,
        rows,
    }
}

/// `POST /api/{version}/bulk` with an NDJSON body and extra headers.
pub(crate) fn bulk_request(version: &str, body: &str, headers: &[(&str, &str)]) -> Request<Body> {
    let mut builder = Request::post(format!("/api/{version}/bulk"))
        .header("content-type", "application/x-ndjson");
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder.body(Body::from(body.to_owned())).unwrap()
}

/// The stored document at `key`.
pub(crate) async fn stored(store: &SharedStore, key: &str) -> Option<Value> {
    let found = store.get_many(&[key.to_owned()]).await.unwrap();
    found
        .into_iter()
        .next()
        .flatten()
        .map(|document| document.value)
}

/// Rows as `line:status[:result]`, space separated.
pub(crate) fn outline(rows: &[Value]) -> String {
    rows.iter()
        .map(|row| {
            let mut text = format!("{}:{}", row["line"], row["status"]);
            if let Some(result) = row["result"].as_str() {
                text.push(':');
                text.push_str(result);
            }
            text
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[tokio::test]
async fn lines_at_an_old_version_are_migrated_like_single_calls() {
    let demo = demo(Setup::default());
    let body = [
        r#"["items.put", {"name": "bolt", "quantity": 3}, {"params": {"id": "a"}}]"#,
        r#"["items.get", null, {"params": {"id": "a"}}]"#,
        r#"["items.put", {"name": "nut", "qty": 1}, {"params": {"id": "b"}}]"#,
    ]
    .join("\n");
    let answer = send(&demo.service, bulk_request("v1", &body, &[])).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.headers["api-version"], "1.0.0");
    assert_eq!(outline(answer.lines()), "1:201:created 2:200 3:400");
    let lines = answer.lines();
    assert_eq!(
        lines[0]["body"],
        json!({"id": "a", "name": "bolt", "quantity": 3, "created": true})
    );
    assert_eq!(
        lines[1]["body"],
        json!({"id": "a", "name": "bolt", "quantity": 3})
    );
    // v1 knows no `qty`: the line fails validation at v1, exactly as a single call does.
    let single = send(
        &demo.service,
        Request::put("/api/v1/items/b")
            .header("content-type", "application/json")
            .body(Body::from(r#"{"name": "nut", "qty": 1}"#))
            .unwrap(),
    )
    .await;
    assert_eq!(single.status, StatusCode::BAD_REQUEST);
    assert_eq!(lines[2]["problem"], single.rows[0]);
    assert_eq!(
        stored(&demo.store, "items/a").await,
        Some(json!({"name": "bolt", "qty": 3}))
    );
    assert_eq!(stored(&demo.store, "items/b").await, None);
    // The same item read by a v2 line speaks v2.
    let answer = send(
        &demo.service,
        bulk_request("v2", r#"["items.get", null, {"params": {"id": "a"}}]"#, &[]),
    )
    .await;
    assert_eq!(
        answer.lines()[0]["body"],
        json!({"id": "a", "name": "bolt", "qty": 3})
    );
}

#[tokio::test]
async fn rows_stream_before_the_request_ends() {
    let demo = demo(Setup {
        options: BulkOptions::default().window(1, 1 << 20),
        ..Setup::default()
    });
    let (sender, receiver) = tokio::sync::mpsc::channel::<Result<bytes::Bytes, std::io::Error>>(4);
    let stream = futures::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|item| (item, receiver))
    });
    let request = Request::post("/api/v2/bulk")
        .header("content-type", "application/x-ndjson")
        .body(Body::from_stream(stream))
        .unwrap();
    let line = "[\"items.put\", {\"name\": \"x\", \"qty\": 1}, {\"params\": {\"id\": \"a\"}}]\n";
    sender.send(Ok(line.into())).await.unwrap();
    let response = demo.service.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let mut body = response.into_body();
    // Window of one line: its row comes while the request is still open.
    let first = body.frame().await.unwrap().unwrap().into_data().unwrap();
    assert!(String::from_utf8_lossy(&first).contains("\"line\":1"));
    drop(sender);
    let rest = body.collect().await.unwrap().to_bytes();
    assert!(String::from_utf8_lossy(&rest).contains("\"summary\""));
}

#[tokio::test]
async fn modes_commit_alike_on_every_backend() {
    for backend in [Backend::Memory, Backend::Sqlite, Backend::Postgres] {
        let Some(test_store) = TestStore::open(backend).await else {
            continue;
        };
        let demo = demo(Setup {
            store: Some(test_store.store().clone()),
            ..Setup::default()
        });
        for (mode, id, stored_ids) in [
            ("per_item", "p", ["p1", "p3"].as_slice()),
            ("stop_on_error", "s", ["s1"].as_slice()),
            ("atomic", "a", [].as_slice()),
        ] {
            let configure = json!(["configure", {"mode": mode}]).to_string();
            let lines: Vec<String> = [1, -1, 1]
                .iter()
                .enumerate()
                .map(|(n, qty)| {
                    json!(["items.put", {"name": "x", "qty": qty}, {"params": {"id": format!("{id}{}", n + 1)}}])
                        .to_string()
                })
                .collect();
            let body = format!("{configure}\n{}", lines.join("\n"));
            let answer = send(&demo.service, bulk_request("v2", &body, &[])).await;
            assert_eq!(answer.status, StatusCode::OK, "{backend} {mode}");
            for n in 1..=3 {
                let key = format!("{id}{n}");
                let found = stored(&demo.store, &format!("items/{key}")).await;
                assert_eq!(
                    found.is_some(),
                    stored_ids.contains(&key.as_str()),
                    "{backend} {mode} {key}"
                );
            }
        }
        let key = [("idempotency-key", "same")];
        let body = r#"["items.put", {"name": "x", "qty": 1}, {"params": {"id": "k"}}]"#;
        let first = send(&demo.service, bulk_request("v2", body, &key)).await;
        let retry = send(&demo.service, bulk_request("v2", body, &key)).await;
        assert_eq!(retry.text, first.text, "{backend}");
        assert_eq!(retry.headers["idempotent-replayed"], "true", "{backend}");
        test_store.teardown().await;
    }
}
