//! v2 `checkApp` and `getConsumption`: reads that never write.

use reqwest::Method;
use serde_json::{Value, json};

use crate::cases::{Body, Case, Stored, authorized, check};
use crate::harness::on_every_backend;

fn cases() -> Vec<Case> {
    vec![
        Case::new(
            "checkApp: an app with something stored",
            Method::GET,
            "/api/v2/checkApp",
            json!({"appId": "$APP"}),
        )
        .stored(json!({"codeunit": [1]}))
        .answers(200, Body::Json(json!({"known": true}))),
        Case::new(
            "checkApp: an authorized app, without key",
            Method::GET,
            "/api/v2/checkApp",
            json!({"appId": "$APP"}),
        )
        .stored(authorized(json!({})))
        .answers(200, Body::Json(json!({"known": true}))),
        Case::new(
            "checkApp: an unknown app stays unknown",
            Method::GET,
            "/api/v2/checkApp",
            json!({"appId": "$APP"}),
        )
        .answers(200, Body::Json(json!({"known": false})))
        .leaves(Stored::Is(Value::Null)),
        Case::new(
            "checkApp: no appId",
            Method::GET,
            "/api/v2/checkApp",
            json!({}),
        )
        .answers(400, Body::Problem("Missing property: appId")),
        Case::new(
            "getConsumption: stored types and their total",
            Method::GET,
            "/api/v2/getConsumption",
            json!({"appId": "$APP"}),
        )
        .stored(json!({"_ranges": [{"from": 1, "to": 9}], "codeunit": [1, 2], "page": [3]}))
        .answers(
            200,
            Body::Json(json!({"codeunit": [1, 2], "page": [3], "_total": 3})),
        ),
        Case::new(
            "getConsumption: a fresh app",
            Method::GET,
            "/api/v2/getConsumption",
            json!({"appId": "$APP"}),
        )
        .answers(200, Body::Json(json!({"_total": 0})))
        .leaves(Stored::Is(Value::Null)),
        Case::new(
            "getConsumption: authorized app, wrong key",
            Method::GET,
            "/api/v2/getConsumption",
            json!({"appId": "$APP", "authKey": "wrong"}),
        )
        .stored(authorized(json!({"codeunit": [1]})))
        .answers(401, Body::Problem("Invalid credentials")),
    ]
}

async fn run(backend: apivolve_store::testing::Backend) {
    check(backend, cases()).await;
}

on_every_backend!(run);
