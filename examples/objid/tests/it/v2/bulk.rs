//! Bulk: mixed operations in one request, with references between lines, in one unit of work.

use apivolve_store::testing::Backend;
use reqwest::Method;
use serde_json::{Value, json};

use crate::harness::{self, on_every_backend, unique_app};

fn rows(text: &str) -> Vec<Value> {
    text.lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

async fn mixed_operations_with_references(backend: Backend) {
    let Some((test_store, server)) = harness::start(backend).await else {
        return;
    };
    let app = unique_app();
    let ranges = json!([{"from": 50000, "to": 59999}]);
    let lines = json!([
        ["configure", {"mode": "atomic"}],
        ["authorizeApp", {"appId": app, "$anchor": "auth"}, {"method": "POST"}],
        ["getNext", {"appId": app, "authKey": {"$ref": "auth#/authKey"}, "type": "codeunit", "ranges": ranges}, {"method": "POST"}],
        ["storeAssignment", {"appId": app, "authKey": {"$ref": "auth#/authKey"}, "type": "page", "id": 7}, {"method": "POST"}],
        ["getConsumption", {"appId": app, "authKey": {"$ref": "auth#/authKey"}}],
    ]);
    let (status, _, text) = server
        .send(Method::POST, "/api/v2/bulk", Some(&lines))
        .await;
    assert_eq!(status, 200, "{text}");
    let rows = rows(&text);
    assert_eq!(rows.len(), 5, "{text}");
    for row in &rows[..4] {
        assert_eq!(row["status"], 200, "{row}");
    }
    let key = rows[0]["body"]["authKey"].as_str().unwrap().to_owned();
    assert_eq!(rows[0]["$anchor"], "auth", "{text}");
    assert_eq!(rows[1]["body"]["id"], 50000, "{text}");
    // The last line reads what the earlier lines staged in the same unit.
    assert_eq!(
        rows[3]["body"],
        json!({"codeunit": [50000], "page": [7], "_total": 2}),
        "{text}"
    );
    assert_eq!(rows[4]["summary"]["committed"], true, "{text}");

    let stored = server.document(&app).await.unwrap();
    assert_eq!(stored["_authorization"]["key"], key);
    assert_eq!(stored["codeunit"], json!([50000]));
    assert_eq!(stored["page"], json!([7]));
    harness::finish(test_store, server).await;
}

async fn a_failing_line_commits_nothing_in_atomic_mode(backend: Backend) {
    let Some((test_store, server)) = harness::start(backend).await else {
        return;
    };
    let app = unique_app();
    let lines = json!([
        ["configure", {"mode": "atomic"}],
        ["storeAssignment", {"appId": app, "type": "page", "id": 7}, {"method": "POST"}],
        ["getNext", {"appId": app, "type": "fake", "ranges": [{"from": 1, "to": 9}]}, {"method": "POST"}],
    ]);
    let (status, _, text) = server
        .send(Method::POST, "/api/v2/bulk", Some(&lines))
        .await;
    assert_eq!(status, 200, "{text}");
    let rows = rows(&text);
    assert_eq!(rows[1]["status"], 400, "{text}");
    assert_eq!(
        rows[1]["problem"]["detail"], "Invalid object type: fake",
        "{text}"
    );
    assert_eq!(
        rows.last().unwrap()["summary"]["committed"],
        false,
        "{text}"
    );
    assert_eq!(server.document(&app).await, None);
    harness::finish(test_store, server).await;
}

async fn v1_lines_are_migrated_like_single_calls(backend: Backend) {
    let Some((test_store, server)) = harness::start(backend).await else {
        return;
    };
    let app = unique_app();
    let lines = json!([
        ["getNext", {"appId": app, "type": "codeunit", "ranges": [{"from": 60000, "to": 60009}, {"from": 50000, "to": 50009}], "content": {"user": "ada"}}, {"method": "POST"}],
        ["syncIds", {"appId": unique_app(), "ids": {"page": [1]}}, {"method": "POST"}],
    ]);
    let (status, _, text) = server
        .send(Method::POST, "/api/v1/bulk", Some(&lines))
        .await;
    assert_eq!(status, 200, "{text}");
    let rows = rows(&text);
    // v1 sorts the ranges: the first free number is in the lower range.
    assert_eq!(rows[0]["body"]["id"], 50000, "{text}");
    // v1's sync answers list all 13 types.
    assert_eq!(
        rows[1]["body"].as_object().map(|body| body.len()),
        Some(13),
        "{text}"
    );
    harness::finish(test_store, server).await;
}

mod mixed {
    use super::*;
    on_every_backend!(mixed_operations_with_references);
}

mod atomic {
    use super::*;
    on_every_backend!(a_failing_line_commits_nothing_in_atomic_mode);
}

mod v1_lines {
    use super::*;
    on_every_backend!(v1_lines_are_migrated_like_single_calls);
}
