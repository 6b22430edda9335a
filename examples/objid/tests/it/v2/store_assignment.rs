//! v2 `storeAssignment`: POST adds one number, DELETE removes it, a no-op writes nothing.

use reqwest::Method;
use serde_json::json;

use crate::cases::{Body, Case, Stored, authorized, check};
use crate::harness::on_every_backend;

const PATH: &str = "/api/v2/storeAssignment";

fn cases() -> Vec<Case> {
    let stored = json!({"codeunit": [50000, 50002], "page": [1]});
    vec![
        Case::new(
            "add",
            Method::POST,
            PATH,
            json!({"appId": "$APP", "type": "codeunit", "id": 50001}),
        )
        .stored(stored.clone())
        .answers(200, Body::Json(json!({"updated": true})))
        .leaves(Stored::Is(
            json!({"codeunit": [50000, 50001, 50002], "page": [1]}),
        )),
        Case::new(
            "add to a fresh app",
            Method::POST,
            PATH,
            json!({"appId": "$APP", "type": "PAGE", "id": 7}),
        )
        .answers(200, Body::Json(json!({"updated": true})))
        .leaves(Stored::Is(json!({"page": [7]}))),
        Case::new(
            "add a number already there",
            Method::POST,
            PATH,
            json!({"appId": "$APP", "type": "codeunit", "id": 50002}),
        )
        .stored(stored.clone())
        .answers(200, Body::Json(json!({"updated": false}))),
        Case::new(
            "remove",
            Method::DELETE,
            PATH,
            json!({"appId": "$APP", "type": "codeunit", "id": 50000}),
        )
        .stored(stored.clone())
        .answers(200, Body::Json(json!({"updated": true})))
        .leaves(Stored::Is(json!({"codeunit": [50002], "page": [1]}))),
        Case::new(
            "remove a number not there",
            Method::DELETE,
            PATH,
            json!({"appId": "$APP", "type": "codeunit", "id": 50001}),
        )
        .stored(stored.clone())
        .answers(200, Body::Json(json!({"updated": false}))),
        Case::new(
            "remove from a fresh app writes nothing",
            Method::DELETE,
            PATH,
            json!({"appId": "$APP", "type": "codeunit", "id": 1}),
        )
        .answers(200, Body::Json(json!({"updated": false})))
        .leaves(Stored::Is(serde_json::Value::Null)),
        Case::new(
            "no id",
            Method::POST,
            PATH,
            json!({"appId": "$APP", "type": "codeunit"}),
        )
        .answers(400, Body::Problem("Missing property: id")),
        Case::new(
            "authorized app, wrong key",
            Method::POST,
            PATH,
            json!({"appId": "$APP", "authKey": "wrong", "type": "codeunit", "id": 1}),
        )
        .stored(authorized(stored))
        .answers(401, Body::Problem("Invalid credentials")),
    ]
}

async fn run(backend: apivolve_store::testing::Backend) {
    check(backend, cases()).await;
}

on_every_backend!(run);
