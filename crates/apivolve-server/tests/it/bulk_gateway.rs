//! Bulk in gateway mode: lines are independent calls, run concurrently, answered in order;
//! `atomic` is refused, and async jobs and idempotency keys on bulk need a record store.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use apivolve_model::BulkConfig;
use apivolve_server::{Gateway, GatewayOptions, VersioningLayer};
use apivolve_store::{MemoryStore, SharedStore};
use http::StatusCode;
use serde_json::json;
use tokio::net::TcpListener;
use tower::Layer;

use super::bulk::{Calls, Setup, bulk_request, demo, outline, router, runtime, send, stored};

fn independent() -> Setup {
    Setup {
        shared_store: false,
        ..Setup::default()
    }
}

#[tokio::test]
async fn lines_without_a_store_are_independent_calls_answered_in_order() {
    let demo = demo(independent());
    let mut lines: Vec<String> = (0..40)
        .map(|n| {
            json!(["items.put", {"name": format!("item-{n}"), "qty": n}, {"params": {"id": format!("i{n}")}}])
                .to_string()
        })
        .collect();
    lines.push(
        r#"["items.put", {"$anchor": "x", "name": "bad", "qty": -1}, {"params": {"id": "bad"}}]"#
            .into(),
    );
    lines.push(r#"["items.get", {"$anchor": "y"}, {"params": {"id": {"$ref": "x"}}}]"#.into());
    lines.push(
        r#"["items.put", {"$anchor": "z", "name": "a", "qty": 1}, {"params": {"id": "a"}}]"#.into(),
    );
    lines.push(r#"["items.get", null, {"params": {"id": {"$ref": "z"}}}]"#.into());
    let answer = send(&demo.service, bulk_request("v2", &lines.join("\n"), &[])).await;
    assert_eq!(answer.status, StatusCode::OK);
    let numbers: Vec<u64> = answer
        .lines()
        .iter()
        .map(|row| row["line"].as_u64().unwrap())
        .collect();
    assert_eq!(numbers, (1..=44).collect::<Vec<_>>(), "rows in line order");
    assert!(
        outline(&answer.lines()[40..]).starts_with("41:400 42:424 43:201:created 44:200"),
        "{}",
        answer.text
    );
    assert_eq!(answer.lines()[43]["body"]["name"], "a");
    let summary = answer.summary();
    assert_eq!(
        (summary["ok"].as_u64(), summary["failed"].as_u64()),
        (Some(42), Some(1))
    );
    assert_eq!(summary["skipped"], 1);
    assert!(
        summary.get("commits").is_none(),
        "each line committed on its own"
    );
    assert_eq!(stored(&demo.store, "items/i39").await.unwrap()["qty"], 39);
}

#[tokio::test]
async fn stop_on_error_without_a_store_stops_at_the_first_failure() {
    let demo = demo(independent());
    let body = [
        r#"["configure", {"mode": "stop_on_error"}]"#,
        r#"["items.put", {"name": "a", "qty": 1}, {"params": {"id": "a"}}]"#,
        r#"["items.put", {"name": "reject", "qty": 1}, {"params": {"id": "b"}}]"#,
        r#"["items.put", {"name": "c", "qty": 1}, {"params": {"id": "c"}}]"#,
    ]
    .join("\n");
    let answer = send(&demo.service, bulk_request("v2", &body, &[])).await;
    assert_eq!(outline(answer.lines()), "2:201:created 3:422 4:424");
    assert_eq!(demo.calls.load(Ordering::SeqCst), 2);
    assert!(stored(&demo.store, "items/a").await.is_some());
    assert!(stored(&demo.store, "items/b").await.is_none());
    assert!(stored(&demo.store, "items/c").await.is_none());
}

#[tokio::test]
async fn what_needs_a_store_is_refused_before_anything_runs() {
    let demo = demo(independent());
    let put = r#"["items.put", {"name": "a", "qty": 1}, {"params": {"id": "a"}}]"#;
    for (configure, headers, expected) in [
        (
            r#"["configure", {"mode": "atomic"}]"#,
            vec![],
            "`atomic` needs one unit of work",
        ),
        (
            r#"["configure", {"respond": "async"}]"#,
            vec![],
            "needs a store for the job's rows",
        ),
        ("", vec![("idempotency-key", "k")], "needs a store"),
    ] {
        let body = format!("{configure}\n{put}\n");
        let answer = send(&demo.service, bulk_request("v2", &body, &headers)).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{configure}");
        let detail = answer.rows[0]["detail"].as_str().unwrap();
        assert!(detail.contains(expected), "{detail}");
    }
    assert_eq!(demo.calls.load(Ordering::SeqCst), 0);
}

/// The upstream: the v2 implementation alone, on a socket; a gateway to it, its store and its
/// call count.
async fn upstream() -> (Gateway, SharedStore, Calls) {
    let store: SharedStore = Arc::new(MemoryStore::new());
    let calls = Calls::default();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address: SocketAddr = listener.local_addr().unwrap();
    let upstream = router(store.clone(), calls.clone());
    tokio::spawn(async move { axum::serve(listener, upstream).await.unwrap() });
    let gateway = Gateway::new(&format!("http://{address}"), GatewayOptions::default()).unwrap();
    (gateway, store, calls)
}

#[tokio::test]
async fn lines_reach_an_upstream_through_the_gateway_migrated() {
    let (gateway, upstream_store, calls) = upstream().await;
    let limits = BulkConfig {
        concurrency: 4,
        ..BulkConfig::default()
    };
    let service = VersioningLayer::new(runtime(limits)).layer(gateway);
    let lines: Vec<String> = (0..12)
        .map(|n| {
            json!(["items.put", {"name": "bolt", "quantity": n}, {"params": {"id": format!("g{n}")}}])
                .to_string()
        })
        .collect();
    let response = tower::ServiceExt::oneshot(service, bulk_request("v1", &lines.join("\n"), &[]))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = http_body_util::BodyExt::collect(response.into_body())
        .await
        .unwrap()
        .to_bytes();
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    let rows: Vec<serde_json::Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(rows.len(), 13);
    assert_eq!(
        rows[11]["body"],
        json!({"id": "g11", "name": "bolt", "quantity": 11, "created": true})
    );
    assert_eq!(rows[12]["summary"]["ok"], 12);
    assert_eq!(calls.load(Ordering::SeqCst), 12);
    assert_eq!(
        stored(&upstream_store, "items/g5").await,
        Some(json!({"name": "bolt", "qty": 5}))
    );
}

/// Sends `request` to a gateway service; the status, headers and body text.
async fn through(
    service: &apivolve_server::VersioningService<Gateway>,
    request: http::Request<axum::body::Body>,
) -> (StatusCode, http::HeaderMap, String) {
    let response = tower::ServiceExt::oneshot(service.clone(), request)
        .await
        .unwrap();
    let (parts, body) = response.into_parts();
    let bytes = http_body_util::BodyExt::collect(body)
        .await
        .unwrap()
        .to_bytes();
    (
        parts.status,
        parts.headers,
        String::from_utf8(bytes.to_vec()).unwrap(),
    )
}

#[tokio::test]
async fn a_gateway_with_a_record_store_keeps_keys_and_jobs_but_not_units() {
    let (gateway, _, calls) = upstream().await;
    let records: SharedStore = Arc::new(MemoryStore::new());
    let service = VersioningLayer::new(runtime(BulkConfig::default()))
        .with_record_store(records.clone())
        .layer(gateway);
    let put = r#"["items.put", {"name": "bolt", "quantity": 1}, {"params": {"id": "k"}}]"#;

    let atomic = format!("[\"configure\", {{\"mode\": \"atomic\"}}]\n{put}\n");
    let (status, _, text) = through(&service, bulk_request("v1", &atomic, &[])).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(text.contains("`atomic` needs one unit of work"), "{text}");

    let key = [("idempotency-key", "once")];
    let (status, _, first) = through(&service, bulk_request("v1", put, &key)).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    let (_, headers, retry) = through(&service, bulk_request("v1", put, &key)).await;
    assert_eq!(retry, first);
    assert_eq!(headers["idempotent-replayed"], "true");
    assert_eq!(
        calls.load(Ordering::SeqCst),
        1,
        "the retry did not reach the upstream"
    );

    let job = format!("[\"configure\", {{\"respond\": \"async\"}}]\n{put}\n");
    let (status, headers, _) = through(&service, bulk_request("v1", &job, &[])).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let location = headers["location"].to_str().unwrap().to_owned();
    for _ in 0..500 {
        let request = http::Request::get(&location)
            .body(axum::body::Body::empty())
            .unwrap();
        let (status, _, text) = through(&service, request).await;
        if status == StatusCode::OK {
            assert!(text.contains("\"status\":200"), "{text}");
            assert_eq!(calls.load(Ordering::SeqCst), 2);
            return;
        }
        assert_eq!(status, StatusCode::ACCEPTED, "{text}");
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("the job did not end");
}
