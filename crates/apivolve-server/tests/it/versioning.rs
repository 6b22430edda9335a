//! The versioning layer on the `layer-api` fixture: five released versions whose changes touch
//! paths, parameters, methods, a removed endpoint with a successor, statuses, error shapes, field
//! renames inside arrays, an enum value with `down_map`, and lifecycle. The inner service is a
//! set of axum handlers that speak the latest version (4.1.0) only, at `/api/v4`.
//!
//! This module holds the fixture, the inner service and the helpers the `versioning_*` modules
//! share; the requests and responses of every endpoint at every version are checked here.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use apivolve_server::{ResponseValidation, Runtime, VersioningLayer, VersioningOptions};
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path as UrlPath, Request};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use http::{HeaderMap, Method, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::{Layer, ServiceExt};

/// The fixture's folder.
pub(crate) fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/layer-api")
}

/// What the inner service received: method, path and query, body bytes.
#[derive(Clone, Debug)]
pub(crate) struct Received {
    pub(crate) method: Method,
    pub(crate) uri: String,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

/// The requests the inner service received, in order.
pub(crate) type Log = Arc<Mutex<Vec<Received>>>;

/// The items the inner service knows, in latest's shape.
fn items() -> Value {
    json!([
        {"id": "1", "title": "Lamp", "status": "active", "price": 12},
        {"id": "2", "title": "Desk", "status": "draft", "price": 40},
        {"id": "3", "title": "Sofa", "status": "archived"}
    ])
}

/// The body `PUT /items` answers, byte for byte (odd spacing and key order on purpose).
pub(crate) const CREATED: &str = r#"{"title":"Chair" ,  "status":"draft","id":"4"}"#;

fn problem(status: StatusCode, detail: &str) -> Response {
    apivolve_server::Problem::new(status, detail).into_response()
}

async fn list(request: Request) -> Response {
    let query = request.uri().query().unwrap_or_default().to_owned();
    let pairs: Vec<(String, String)> = query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .collect();
    let find = |name: &str| pairs.iter().find(|(key, _)| key == name).map(|(_, v)| v);
    let limit = find("limit").and_then(|limit| limit.parse::<usize>().ok());
    let search = find("query").cloned().unwrap_or_default();
    let list: Vec<Value> = items()
        .as_array()
        .into_iter()
        .flatten()
        .filter(|item| item["title"].as_str().unwrap_or("").contains(&search))
        .take(limit.unwrap_or(usize::MAX))
        .cloned()
        .collect();
    axum::Json(json!({"items": list})).into_response()
}

async fn product(UrlPath(id): UrlPath<String>) -> Response {
    match items()
        .as_array()
        .and_then(|items| items.iter().find(|item| item["id"] == id))
    {
        Some(item) => axum::Json(item.clone()).into_response(),
        None => problem(StatusCode::NOT_FOUND, &format!("no item `{id}`")),
    }
}

async fn create(bytes: Bytes) -> Response {
    let value: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    if value["title"] == "taken" {
        return problem(StatusCode::CONFLICT, "an item named `taken` exists");
    }
    let title = value["title"].as_str().unwrap_or_default();
    if title != "Chair" {
        let status = value["status"].as_str().unwrap_or("draft");
        let body = json!({"id": "5", "title": title, "status": status});
        return (StatusCode::CREATED, axum::Json(body)).into_response();
    }
    (
        StatusCode::CREATED,
        [(header::CONTENT_TYPE, "application/json")],
        CREATED,
    )
        .into_response()
}

async fn count() -> Response {
    axum::Json(json!({"count": 3})).into_response()
}

/// The latest version's implementation, recording every request it receives.
pub(crate) fn inner(log: Log) -> Router {
    Router::new()
        .route("/api/v4/items", get(list).put(create))
        .route("/api/v4/products/{product_id}", get(product))
        .route("/api/v4/report", get(count))
        .route("/api/v4/stats", get(count))
        .layer(axum::middleware::from_fn(
            move |request: Request, next: axum::middleware::Next| {
                let log = log.clone();
                async move {
                    let (parts, body) = request.into_parts();
                    let bytes = body.collect().await.unwrap().to_bytes();
                    log.lock().unwrap().push(Received {
                        method: parts.method.clone(),
                        uri: parts.uri.to_string(),
                        headers: parts.headers.clone(),
                        body: bytes.clone(),
                    });
                    next.run(Request::from_parts(parts, Body::from(bytes)))
                        .await
                }
            },
        ))
}

/// The layer over the inner service, with strict response validation.
pub(crate) struct Served {
    pub(crate) service: apivolve_server::VersioningService<Router>,
    pub(crate) log: Log,
}

/// Serves the project at `dir`.
pub(crate) fn serve_dir(dir: &Path) -> Served {
    let options = VersioningOptions {
        response_validation: ResponseValidation::Strict,
        ..VersioningOptions::default()
    };
    let runtime = Runtime::load(dir, options).unwrap();
    let log = Log::default();
    let service = VersioningLayer::new(runtime).layer(inner(log.clone()));
    Served { service, log }
}

/// Serves the fixture.
pub(crate) fn serve() -> Served {
    serve_dir(&fixture())
}

/// A response, read whole.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

impl Answer {
    pub(crate) fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|error| panic!("{error}: {}", String::from_utf8_lossy(&self.body)))
    }

    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|value| value.to_str().unwrap())
    }

    pub(crate) fn media_type(&self) -> &str {
        self.header("content-type").unwrap_or_default()
    }
}

impl Served {
    /// Sends `request` through the layer.
    pub(crate) async fn send(&self, request: http::Request<Body>) -> Answer {
        let response = self.service.clone().oneshot(request).await.unwrap();
        let (parts, body) = response.into_parts();
        Answer {
            status: parts.status,
            headers: parts.headers,
            body: body.collect().await.unwrap().to_bytes(),
        }
    }

    /// Sends `method uri` with a JSON body (or none for `Value::Null`).
    pub(crate) async fn call(&self, method: &str, uri: &str, body: Value) -> Answer {
        let builder = http::Request::builder().method(method).uri(uri);
        let request = if body.is_null() {
            builder.body(Body::empty())
        } else {
            builder
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.to_string()))
        };
        self.send(request.unwrap()).await
    }

    /// The last request the inner service received.
    pub(crate) fn last(&self) -> Option<Received> {
        self.log.lock().unwrap().last().cloned()
    }

    /// How many requests the inner service received.
    pub(crate) fn received(&self) -> usize {
        self.log.lock().unwrap().len()
    }
}

#[tokio::test]
async fn items_list_at_every_version() {
    let served = serve();
    // (URI, what latest receives, the first item as the client's version has it)
    let table = [
        (
            "/api/1.0.0/items?q=a&limit=2",
            "/api/v4/items?query=a&limit=2",
            json!({"id": "1", "name": "Lamp", "status": "active"}),
        ),
        (
            "/api/2.0.0/items?query=a&limit=2",
            "/api/v4/items?query=a&limit=2",
            json!({"id": "1", "name": "Lamp", "status": "active"}),
        ),
        (
            "/api/3.0.0/items?query=a&limit=2",
            "/api/v4/items?query=a&limit=2",
            json!({"id": "1", "title": "Lamp", "status": "active"}),
        ),
        (
            "/api/4.0.0/items?query=a&limit=2",
            "/api/v4/items?query=a&limit=2",
            json!({"id": "1", "title": "Lamp", "status": "active"}),
        ),
        (
            "/api/4.1.0/items?query=a&limit=2",
            "/api/v4/items?query=a&limit=2",
            json!({"id": "1", "title": "Lamp", "status": "active", "price": 12}),
        ),
    ];
    for (uri, inner_uri, first) in table {
        let answer = served.call("GET", uri, Value::Null).await;
        assert_eq!(answer.status, StatusCode::OK, "{uri}: {}", answer.text());
        assert_eq!(served.last().unwrap().uri, inner_uri, "{uri}");
        let list = answer.json();
        assert_eq!(list["items"][0], first, "{uri}");
        assert_eq!(list["items"].as_array().unwrap().len(), 2, "{uri}");
    }
}

#[tokio::test]
async fn enum_values_inside_arrays_are_mapped_down() {
    let served = serve();
    // The desk is a draft at latest; versions before 3.0.0 have no drafts and see it active.
    for (version, name, status) in [
        ("1.0.0", "name", "active"),
        ("2.0.0", "name", "active"),
        ("3.0.0", "title", "draft"),
        ("4.1.0", "title", "draft"),
    ] {
        let query = if version == "1.0.0" { "q" } else { "query" };
        let answer = served
            .call(
                "GET",
                &format!("/api/{version}/items?{query}=Desk"),
                Value::Null,
            )
            .await;
        let desk = &answer.json()["items"][0];
        assert_eq!(desk[name], "Desk", "{version}: {desk}");
        assert_eq!(desk["status"], status, "{version}: {desk}");
    }
}

#[tokio::test]
async fn items_get_follows_its_path_and_parameter_renames() {
    let served = serve();
    let table = [
        (
            "/api/v1/items/2",
            json!({"id": "2", "name": "Desk", "status": "active"}),
        ),
        (
            "/api/v2/products/2",
            json!({"id": "2", "name": "Desk", "status": "active"}),
        ),
        (
            "/api/3.0.0/products/2",
            json!({"id": "2", "title": "Desk", "status": "draft"}),
        ),
        (
            "/api/v4/products/2",
            json!({"id": "2", "title": "Desk", "status": "draft", "price": 40}),
        ),
    ];
    for (uri, item) in table {
        let answer = served.call("GET", uri, Value::Null).await;
        assert_eq!(answer.status, StatusCode::OK, "{uri}: {}", answer.text());
        assert_eq!(answer.json(), item, "{uri}");
        assert_eq!(served.last().unwrap().uri, "/api/v4/products/2", "{uri}");
    }
    // The old paths are not routes of the newer versions, and the reverse.
    for uri in ["/api/v2/items/2", "/api/v1/products/2"] {
        let answer = served.call("GET", uri, Value::Null).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{uri}");
    }
}

#[tokio::test]
async fn error_shapes_per_version() {
    let served = serve();
    // Plain text before 4.0.0 (the detail alone), problem details from 4.0.0 on.
    for (uri, text) in [
        ("/api/v1/items/9", true),
        ("/api/v2/products/9", true),
        ("/api/3.0.0/products/9", true),
        ("/api/4.0.0/products/9", false),
        ("/api/v4/products/9", false),
    ] {
        let answer = served.call("GET", uri, Value::Null).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{uri}");
        if text {
            assert!(answer.media_type().starts_with("text/plain"), "{uri}");
            assert_eq!(answer.text(), "no item `9`", "{uri}");
        } else {
            assert_eq!(answer.media_type(), "application/problem+json", "{uri}");
            assert_eq!(answer.json()["detail"], "no item `9`", "{uri}");
        }
    }
}

#[tokio::test]
async fn items_create_changes_method_status_and_fields() {
    let served = serve();
    // (method and URI, request, status, the created item as the client's version has it)
    let table = [
        (
            "POST",
            "/api/v1/items",
            json!({"name": "Stool"}),
            200,
            "name",
            "active",
        ),
        (
            "PUT",
            "/api/v2/items",
            json!({"name": "Stool"}),
            200,
            "name",
            "active",
        ),
        (
            "PUT",
            "/api/3.0.0/items",
            json!({"title": "Stool"}),
            201,
            "title",
            "draft",
        ),
        (
            "PUT",
            "/api/v4/items",
            json!({"title": "Stool"}),
            201,
            "title",
            "draft",
        ),
    ];
    for (method, uri, request, status, field, state) in table {
        let answer = served.call(method, uri, request).await;
        assert_eq!(answer.status.as_u16(), status, "{uri}: {}", answer.text());
        let item = answer.json();
        assert_eq!(item[field], "Stool", "{uri}: {item}");
        assert_eq!(item["status"], state, "{uri}: {item}");
        let received = served.last().unwrap();
        assert_eq!(received.method, Method::PUT, "{uri}");
        assert_eq!(received.uri, "/api/v4/items", "{uri}");
        let sent: Value = serde_json::from_slice(&received.body).unwrap();
        assert_eq!(sent, json!({"title": "Stool"}), "{uri}");
    }
    // Each version answers only its own method.
    for (method, uri) in [("PUT", "/api/v1/items"), ("POST", "/api/v2/items")] {
        let answer = served.call(method, uri, json!({"title": "Stool"})).await;
        assert_eq!(
            answer.status,
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {uri}"
        );
    }
    // A request invalid in v1's terms is refused in v1's error shape, before the inner service.
    let before = served.received();
    let answer = served
        .call("POST", "/api/v1/items", json!({"name": ""}))
        .await;
    assert!(answer.status.is_client_error(), "{}", answer.status);
    assert!(answer.media_type().starts_with("text/plain"));
    assert_eq!(served.received(), before);
    // An inner error keeps its status and takes v1's error shape.
    let answer = served
        .call("POST", "/api/v1/items", json!({"name": "taken"}))
        .await;
    assert_eq!(answer.status, StatusCode::CONFLICT);
    assert_eq!(answer.text(), "an item named `taken` exists");
}

#[tokio::test]
async fn a_removed_endpoint_is_served_by_its_successor_in_its_own_shape() {
    let served = serve();
    let answer = served.call("GET", "/api/v1/all", Value::Null).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    assert_eq!(served.last().unwrap().uri, "/api/v4/items");
    let list = answer.json();
    assert_eq!(list["items"].as_array().unwrap().len(), 3);
    assert_eq!(
        list["items"][1],
        json!({"id": "2", "name": "Desk", "status": "active"}),
        "v1 sees the successor's items in v1's shape"
    );
    let answer = served.call("GET", "/api/v2/all", Value::Null).await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
}
