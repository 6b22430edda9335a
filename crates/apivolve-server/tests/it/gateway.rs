//! The gateway against a real upstream on 127.0.0.1.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use apivolve_server::{Gateway, GatewayOptions};
use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use bytes::Bytes;
use http::{StatusCode, header};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot};
use tower::ServiceExt;

/// Serves `router` on 127.0.0.1 (a free port) until the test ends.
async fn spawn(router: Router) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    address
}

/// Answers with what it received: method, URI, headers and body.
async fn echo(request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = body.collect().await.unwrap().to_bytes();
    let headers: BTreeMap<String, String> = parts
        .headers
        .iter()
        .map(|(name, value)| (name.to_string(), value.to_str().unwrap().to_owned()))
        .collect();
    axum::Json(json!({
        "method": parts.method.as_str(),
        "uri": parts.uri.to_string(),
        "headers": headers,
        "body": String::from_utf8_lossy(&body),
    }))
    .into_response()
}

/// Sends the request body straight back.
async fn mirror(request: Request) -> Response {
    Response::new(request.into_body())
}

/// Answers with hop-by-hop headers that must not reach the client.
async fn hop() -> Response {
    (
        [
            (header::CONNECTION, "x-upstream-hop"),
            (header::HeaderName::from_static("x-upstream-hop"), "1"),
            (header::HeaderName::from_static("keep-alive"), "timeout=5"),
            (header::HeaderName::from_static("x-kept"), "1"),
        ],
        "ok",
    )
        .into_response()
}

async fn slow() -> &'static str {
    tokio::time::sleep(Duration::from_secs(5)).await;
    "late"
}

/// Reads the first chunk of the request body only, then answers while the body is still open.
async fn first_chunk(request: Request) -> String {
    let mut body = request.into_body();
    let frame = body.frame().await.unwrap().unwrap();
    format!("first chunk: {} bytes", frame.into_data().unwrap().len())
}

fn upstream() -> Router {
    Router::new()
        .route("/base/mirror", post(mirror))
        .route("/base/hop", get(hop))
        .route("/base/slow", get(slow))
        .route("/base/first-chunk", post(first_chunk))
        .route("/base/{*rest}", any(echo))
}

async fn gateway_to(address: SocketAddr, options: GatewayOptions) -> Gateway {
    Gateway::new(&format!("http://{address}/base"), options).unwrap()
}

async fn json_body(response: Response) -> Value {
    serde_json::from_slice(&response.into_body().collect().await.unwrap().to_bytes()).unwrap()
}

#[tokio::test]
async fn forwards_method_path_query_headers_and_body() {
    let address = spawn(upstream()).await;
    let gateway = gateway_to(address, GatewayOptions::default()).await;
    let request = http::Request::post("http://evil.example.com/api/v1/things?a=1&b=two")
        .header(header::HOST, "client.example")
        .header(header::CONNECTION, "x-secret")
        .header("x-secret", "s")
        .header("proxy-authorization", "Basic eA==")
        .header("x-custom", "c")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(r#"{"hello":"world"}"#))
        .unwrap();
    let response = gateway.oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let seen = json_body(response).await;
    assert_eq!(seen["method"], "POST");
    assert_eq!(seen["uri"], "/base/api/v1/things?a=1&b=two");
    assert_eq!(seen["body"], r#"{"hello":"world"}"#);
    let headers = &seen["headers"];
    assert_eq!(headers["host"], address.to_string());
    assert_eq!(headers["x-custom"], "c");
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(headers["x-forwarded-host"], "client.example");
    assert_eq!(headers["x-forwarded-proto"], "http");
    for gone in ["x-secret", "connection", "proxy-authorization"] {
        assert!(headers.get(gone).is_none(), "{gone} forwarded: {headers}");
    }
}

#[tokio::test]
async fn hop_by_hop_response_headers_are_removed() {
    let address = spawn(upstream()).await;
    let gateway = gateway_to(address, GatewayOptions::default()).await;
    let response = gateway
        .oneshot(http::Request::get("/hop").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers();
    assert_eq!(headers["x-kept"], "1");
    for gone in ["x-upstream-hop", "connection", "keep-alive"] {
        assert!(!headers.contains_key(gone), "{gone}: {headers:?}");
    }
}

#[tokio::test]
async fn large_bodies_stream_both_ways() {
    let address = spawn(upstream()).await;
    let gateway = gateway_to(address, GatewayOptions::default()).await;
    let chunk = Bytes::from(vec![b'x'; 64 * 1024]);
    let chunks: Vec<Result<Bytes, std::io::Error>> = (0..128).map(|_| Ok(chunk.clone())).collect();
    let request = http::Request::post("/mirror")
        .body(Body::from_stream(futures::stream::iter(chunks)))
        .unwrap();
    let response = gateway.oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body = response.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(body.len(), 128 * 64 * 1024);
    assert!(body.iter().all(|byte| *byte == b'x'));
}

#[tokio::test]
async fn request_body_is_not_buffered() {
    let address = spawn(upstream()).await;
    let gateway = gateway_to(address, GatewayOptions::default()).await;
    let (sender, receiver) = mpsc::channel::<Result<Bytes, std::io::Error>>(1);
    sender.send(Ok(Bytes::from_static(b"12345"))).await.unwrap();
    let stream = futures::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|item| (item, receiver))
    });
    let request = http::Request::post("/first-chunk")
        .body(Body::from_stream(stream))
        .unwrap();
    // The body is still open (the sender lives on): a buffering gateway would wait forever.
    let response = tokio::time::timeout(Duration::from_secs(10), gateway.oneshot(request))
        .await
        .unwrap()
        .unwrap();
    let text = response.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(text, "first chunk: 5 bytes");
    drop(sender);
}

#[tokio::test]
async fn response_body_is_not_buffered() {
    let (release, released) = oneshot::channel::<()>();
    let released = std::sync::Arc::new(std::sync::Mutex::new(Some(released)));
    let streaming = Router::new().route(
        "/base/stream",
        get(move || {
            let released = released.lock().unwrap().take();
            async move {
                let first = futures::stream::once(async {
                    Ok::<_, std::io::Error>(Bytes::from_static(b"first"))
                });
                let second = futures::stream::once(async move {
                    if let Some(released) = released {
                        released.await.ok();
                    }
                    Ok(Bytes::from_static(b"second"))
                });
                Body::from_stream(futures::StreamExt::chain(first, second))
            }
        }),
    );
    let address = spawn(streaming).await;
    let gateway = gateway_to(address, GatewayOptions::default()).await;
    let response = gateway
        .oneshot(http::Request::get("/stream").body(Body::empty()).unwrap())
        .await
        .unwrap();
    let mut body = response.into_body();
    let first = tokio::time::timeout(Duration::from_secs(10), body.frame())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(first.into_data().unwrap(), "first");
    release.send(()).unwrap();
    let rest = body.collect().await.unwrap().to_bytes();
    assert_eq!(rest, "second");
}

#[tokio::test]
async fn unreachable_upstream_is_a_502_problem_without_internals() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    let gateway = gateway_to(address, GatewayOptions::default()).await;
    let response = gateway
        .oneshot(http::Request::get("/x").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_GATEWAY);
    assert_eq!(
        response.headers()[header::CONTENT_TYPE],
        "application/problem+json"
    );
    let problem = json_body(response).await;
    assert_eq!(
        problem["detail"],
        "the upstream service could not be reached"
    );
    assert!(
        !problem.to_string().contains(&address.port().to_string()),
        "{problem}"
    );
}

#[tokio::test]
async fn slow_upstream_is_a_504_problem() {
    let address = spawn(upstream()).await;
    let options = GatewayOptions {
        timeout: Duration::from_millis(200),
        ..GatewayOptions::default()
    };
    let gateway = gateway_to(address, options).await;
    let response = gateway
        .oneshot(http::Request::get("/slow").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::GATEWAY_TIMEOUT);
    let problem = json_body(response).await;
    assert_eq!(problem["status"], 504);
    assert_eq!(
        problem["detail"],
        "the upstream service did not answer in time"
    );
}

#[tokio::test]
async fn served_gateway_adds_the_client_address() {
    let upstream_address = spawn(upstream()).await;
    let gateway = gateway_to(upstream_address, GatewayOptions::default()).await;
    let gateway_address = spawn(Router::new().fallback_service(gateway)).await;
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http::<Body>();
    let uri = format!("http://{gateway_address}/api/v2/items?page=2");
    let request = http::Request::put(uri)
        .header("x-forwarded-for", "203.0.113.9")
        .body(Body::from("x"))
        .unwrap();
    let response = client.request(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body = response.into_body().collect().await.unwrap().to_bytes();
    let seen: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(seen["method"], "PUT");
    assert_eq!(seen["uri"], "/base/api/v2/items?page=2");
    assert_eq!(seen["headers"]["x-forwarded-for"], "203.0.113.9, 127.0.0.1");
    assert_eq!(
        seen["headers"]["forwarded"],
        format!("for=127.0.0.1;proto=http;host=\"{gateway_address}\"")
    );
    assert_eq!(seen["headers"]["host"], upstream_address.to_string());
}
