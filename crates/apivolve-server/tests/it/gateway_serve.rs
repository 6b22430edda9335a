//! Gateway mode as `apivolve serve` runs it: the layer in front of an upstream that speaks the
//! latest version only, here objid's v2 implementation on 127.0.0.1, serving objid's v1.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use apivolve_server::{
    GatewayOptions, ResponseValidation, Runtime, UnitOfWorkLayer, VersioningOptions,
    gateway_service,
};
use apivolve_store::RetryPolicy;
use axum::body::Body;
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use http::{StatusCode, header};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tower::ServiceExt;

/// The request bodies the upstream received, with their method and path.
type Seen = Arc<Mutex<Vec<(String, String, Value)>>>;

/// objid's v2 router on a memory store, recording what it receives, on a free port.
async fn upstream() -> (SocketAddr, Seen) {
    let store = apivolve_store::open_store("memory://").await.unwrap();
    let seen: Seen = Arc::default();
    let record = seen.clone();
    let router = objid::v2_router()
        .layer(UnitOfWorkLayer::new(store, RetryPolicy::default()))
        .layer(axum::middleware::from_fn(
            move |request: Request, next: Next| {
                let record = record.clone();
                async move {
                    let (parts, body) = request.into_parts();
                    let bytes = body.collect().await.unwrap().to_bytes();
                    let value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
                    record.lock().unwrap().push((
                        parts.method.to_string(),
                        parts.uri.to_string(),
                        value,
                    ));
                    next.run(Request::from_parts(parts, Body::from(bytes)))
                        .await
                }
            },
        ));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, router).await.unwrap();
    });
    (address, seen)
}

/// The service `apivolve serve examples/objid/api --upstream URL --response-validation strict`
/// builds.
fn gateway(upstream: &str) -> apivolve_server::VersioningService<apivolve_server::Gateway> {
    let options = VersioningOptions {
        response_validation: ResponseValidation::Strict,
        ..VersioningOptions::default()
    };
    let runtime = Runtime::load(objid::api_dir(), options).unwrap();
    gateway_service(runtime, upstream, GatewayOptions::default()).unwrap()
}

async fn send(
    service: &apivolve_server::VersioningService<apivolve_server::Gateway>,
    method: &str,
    uri: &str,
    body: Value,
) -> (StatusCode, http::HeaderMap, Vec<u8>) {
    let request = http::Request::builder()
        .method(method)
        .uri(uri)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    let response: Response = service.clone().oneshot(request).await.unwrap();
    let (parts, body) = response.into_parts();
    let bytes = body.collect().await.unwrap().to_bytes().to_vec();
    (parts.status, parts.headers, bytes)
}

fn json(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).unwrap()
}

#[tokio::test]
async fn serves_objid_v1_in_front_of_a_v2_upstream() {
    let (address, seen) = upstream().await;
    let service = gateway(&format!("http://{address}"));

    // getNext in v1 terms: `content.user`, ranges out of order (v1 sorts them).
    let (status, headers, body) = send(
        &service,
        "POST",
        "/api/v1/getNext",
        json!({
            "appId": "app-1",
            "type": "codeunit",
            "ranges": [{"from": 60000, "to": 60009}, {"from": 50000, "to": 50009}],
            "content": {"user": "ada"}
        }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    assert_eq!(headers["api-version"], "1.0.0");
    assert!(headers.contains_key("deprecation"));
    let answer = json(&body);
    assert_eq!(answer["id"], 50000, "v1 searches sorted ranges: {answer}");
    assert_eq!(answer["updated"], true);
    let (method, uri, received) = seen.lock().unwrap().last().cloned().unwrap();
    assert_eq!((method.as_str(), uri.as_str()), ("POST", "/api/v2/getNext"));
    assert_eq!(
        received["user"], "ada",
        "v2 has `user` at the top: {received}"
    );
    assert!(received.get("content").is_none(), "{received}");
    assert_eq!(received["ranges"][0]["from"], 50000);

    // syncIds in v1: every one of the 13 types, `[]` where none.
    let (status, _, body) = send(
        &service,
        "POST",
        "/api/v1/syncIds",
        json!({"appId": "app-1", "ids": {"table": [50100, 50101]}}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let consumption = json(&body);
    let types = consumption.as_object().unwrap();
    assert_eq!(types.len(), 13, "{consumption}");
    assert_eq!(consumption["table"], json!([50100, 50101]));
    assert_eq!(consumption["codeunit"], json!([]));

    // The same call in v2 answers only the stored types.
    let (status, headers, body) = send(
        &service,
        "POST",
        "/api/v2/syncIds",
        json!({"appId": "app-2", "ids": {"table": [50100]}}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["api-version"], "2.0.0");
    assert_eq!(json(&body), json!({"table": [50100]}));

    // v1 errors are the message alone, as plain text; v2's are problem details.
    let request = json!({"appId": "app-1", "type": "gadget", "ranges": [{"from": 1, "to": 5}]});
    let (status, headers, body) = send(&service, "POST", "/api/v1/getNext", request.clone()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    assert_eq!(
        String::from_utf8(body).unwrap(),
        "Invalid object type: gadget"
    );
    let (status, headers, body) = send(&service, "POST", "/api/v2/getNext", request).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(headers[header::CONTENT_TYPE], "application/problem+json");
    assert_eq!(json(&body)["detail"], "Invalid object type: gadget");

    // A v1 rule enforced by the layer (reversed ranges) never reaches the upstream.
    let before = seen.lock().unwrap().len();
    let (status, _, body) = send(
        &service,
        "POST",
        "/api/v1/getNext",
        json!({"appId": "app-1", "type": "page", "ranges": [{"from": 9, "to": 1}]}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(String::from_utf8(body).unwrap().contains("Invalid ranges"));
    assert_eq!(seen.lock().unwrap().len(), before);
}

#[tokio::test]
async fn an_upstream_that_is_down_is_a_502_problem() {
    // A port that was free a moment ago: nothing listens there any more.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    let service = gateway(&format!("http://{address}"));

    let request = json!({"appId": "app-1", "type": "codeunit", "ranges": [{"from": 1, "to": 5}]});
    let (status, headers, body) = send(&service, "POST", "/api/v2/getNext", request.clone()).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    assert_eq!(headers[header::CONTENT_TYPE], "application/problem+json");
    let problem = json(&body);
    assert_eq!(problem["status"], 502);
    assert_eq!(
        problem["detail"],
        "the upstream service could not be reached"
    );
    assert!(
        !problem.to_string().contains(&address.port().to_string()),
        "the internal cause stays in the logs: {problem}"
    );
    // A v1 client gets the same failure in v1's error shape.
    let (status, headers, body) = send(&service, "POST", "/api/v1/getNext", request).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    assert!(
        headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    assert_eq!(
        String::from_utf8(body).unwrap(),
        "the upstream service could not be reached"
    );
}

#[test]
fn the_upstream_must_be_a_plain_http_url() {
    let runtime = Runtime::load(objid::api_dir(), VersioningOptions::default()).unwrap();
    let error =
        gateway_service(runtime, "ftp://example.com", GatewayOptions::default()).unwrap_err();
    assert!(error.to_string().contains("only `http`"), "{error}");
}

#[tokio::test]
async fn vary_is_sent_once_in_front_of_an_upstream_with_its_own_layer() {
    // objid's whole application (its own versioning layer included) as the upstream: both
    // layers name the same negotiation headers.
    let store = apivolve_store::open_store("memory://").await.unwrap();
    let app = objid::app(store, objid::AppOptions::default()).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, axum::ServiceExt::into_make_service(app))
            .await
            .unwrap();
    });
    let service = gateway(&format!("http://{address}"));
    let (status, headers, _) = send(
        &service,
        "POST",
        "/api/v1/getNext",
        json!({"appId": "app-3", "type": "page", "ranges": [{"from": 1, "to": 9}]}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        headers.get_all(header::VARY).iter().count(),
        1,
        "{headers:?}"
    );
}

/// A v1 `getNext` through the gateway in front of `upstream`.
async fn v1_get_next_through(upstream: axum::Router) -> (StatusCode, http::HeaderMap, Vec<u8>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, upstream).await.unwrap();
    });
    let service = gateway(&format!("http://{address}"));
    let request = json!({"appId": "app-1", "type": "page", "ranges": [{"from": 1, "to": 9}]});
    send(&service, "POST", "/api/v1/getNext", request).await
}

#[tokio::test]
async fn an_upstream_answering_broken_json_is_a_502_for_a_migrated_response() {
    let upstream = axum::Router::new().route(
        "/api/v2/getNext",
        axum::routing::post(|| async {
            (
                [(header::CONTENT_TYPE, "application/json")],
                r#"{"id": 5, "upd"#,
            )
        }),
    );
    let (status, headers, body) = v1_get_next_through(upstream).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    assert!(
        headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    assert_eq!(
        String::from_utf8(body).unwrap(),
        "the upstream service could not be reached"
    );
}

/// An error that is not JSON has no text for a version whose errors are plain text: the body
/// is empty, in the old media type.
#[tokio::test]
async fn an_upstream_error_that_is_not_json_is_empty_plain_text_for_v1() {
    let upstream = axum::Router::new().route(
        "/api/v2/getNext",
        axum::routing::post(|| async {
            (
                StatusCode::NOT_FOUND,
                [(header::CONTENT_TYPE, "text/html")],
                "<h1>not here</h1>",
            )
        }),
    );
    let (status, headers, body) = v1_get_next_through(upstream).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    assert!(body.is_empty(), "{:?}", String::from_utf8_lossy(&body));
}
