//! `Idempotency-Key` on bulk requests and on single POSTs.

use std::sync::atomic::Ordering;
use std::time::Duration;

use apivolve_server::BulkOptions;
use axum::body::Body;
use http::{Request, StatusCode};
use serde_json::json;
use tower::ServiceExt;

use super::bulk::{Setup, bulk_request, demo, outline, send, stored};

const LINES: &str = concat!(
    r#"["items.put", {"name": "bolt", "qty": 1}, {"params": {"id": "a"}}]"#,
    "\n",
    r#"["items.put", {"name": "nut", "qty": 2}, {"params": {"id": "b"}}]"#,
    "\n",
);

#[tokio::test]
async fn a_retried_bulk_request_gets_the_stored_rows_without_running_again() {
    let demo = demo(Setup::default());
    let key = [("idempotency-key", "order-7")];
    let first = send(&demo.service, bulk_request("v2", LINES, &key)).await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(outline(first.lines()), "1:201:created 2:201:created");
    assert_eq!(demo.calls.load(Ordering::SeqCst), 2);
    assert!(!first.headers.contains_key("idempotent-replayed"));

    let retry = send(&demo.service, bulk_request("v2", LINES, &key)).await;
    assert_eq!(retry.status, StatusCode::OK);
    assert_eq!(retry.text, first.text, "the same rows, created and all");
    assert_eq!(retry.headers["idempotent-replayed"], "true");
    assert_eq!(retry.headers["content-type"], "application/x-ndjson");
    assert_eq!(demo.calls.load(Ordering::SeqCst), 2, "no handler ran again");

    let other = LINES.replace("bolt", "screw");
    let refused = send(&demo.service, bulk_request("v2", &other, &key)).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(demo.calls.load(Ordering::SeqCst), 2);
    assert_eq!(
        stored(&demo.store, "items/a").await,
        Some(json!({"name": "bolt", "qty": 1}))
    );
}

#[tokio::test]
async fn an_expired_key_runs_again() {
    let demo = demo(Setup {
        options: BulkOptions::default().idempotency_ttl(Duration::ZERO),
        ..Setup::default()
    });
    let key = [("idempotency-key", "order-8")];
    let first = send(&demo.service, bulk_request("v2", LINES, &key)).await;
    assert_eq!(outline(first.lines()), "1:201:created 2:201:created");
    let again = send(&demo.service, bulk_request("v2", LINES, &key)).await;
    assert!(!again.headers.contains_key("idempotent-replayed"));
    assert_eq!(outline(again.lines()), "1:200:updated 2:200:updated");
    assert_eq!(demo.calls.load(Ordering::SeqCst), 4);
    // Even with a different body, once the old answer expired.
    let other = LINES.replace("bolt", "screw");
    let third = send(&demo.service, bulk_request("v2", &other, &key)).await;
    assert_eq!(third.status, StatusCode::OK);
    assert_eq!(demo.calls.load(Ordering::SeqCst), 6);
}

#[tokio::test]
async fn a_key_in_use_by_a_running_request_is_refused() {
    let demo = demo(Setup::default());
    let (sender, receiver) = tokio::sync::mpsc::channel::<Result<bytes::Bytes, std::io::Error>>(4);
    let stream = futures::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|item| (item, receiver))
    });
    let running = Request::post("/api/v2/bulk")
        .header("content-type", "application/x-ndjson")
        .header("idempotency-key", "order-9")
        .body(Body::from_stream(stream))
        .unwrap();
    sender
        .send(Ok(format!("{}\n", LINES.lines().next().unwrap()).into()))
        .await
        .unwrap();
    let response = demo.service.clone().oneshot(running).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let second = send(
        &demo.service,
        bulk_request("v2", LINES, &[("idempotency-key", "order-9")]),
    )
    .await;
    assert_eq!(second.status, StatusCode::CONFLICT);
    drop(sender);
    drop(response);
}

#[tokio::test]
async fn single_posts_with_a_key_run_once() {
    let demo = demo(Setup::default());
    let post = |query: &str| {
        Request::post(format!("/api/v2/counter?{query}"))
            .header("idempotency-key", "add-1")
            .body(Body::empty())
            .unwrap()
    };
    let first = send(&demo.service, post("by=2")).await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(first.rows[0], json!({"value": 2}));
    let retry = send(&demo.service, post("by=2")).await;
    assert_eq!(retry.rows[0], json!({"value": 2}));
    assert_eq!(retry.headers["idempotent-replayed"], "true");
    assert_eq!(retry.headers["content-type"], "application/json");
    assert_eq!(demo.calls.load(Ordering::SeqCst), 1);
    assert_eq!(stored(&demo.store, "counter").await, Some(json!(2)));
    let different = send(&demo.service, post("by=3")).await;
    assert_eq!(different.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(demo.calls.load(Ordering::SeqCst), 1);
    // Without a key every POST runs.
    let plain = send(
        &demo.service,
        Request::post("/api/v2/counter?by=2")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(plain.rows[0], json!({"value": 4}));
}

#[tokio::test]
async fn malformed_keys_are_refused() {
    let demo = demo(Setup::default());
    let answer = send(
        &demo.service,
        bulk_request("v2", LINES, &[("idempotency-key", "a/b")]),
    )
    .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    let single = send(
        &demo.service,
        Request::post("/api/v2/counter")
            .header("idempotency-key", "has space")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(single.status, StatusCode::BAD_REQUEST);
    assert_eq!(demo.calls.load(Ordering::SeqCst), 0);
}
