//! v1 `getConsumption`: cases 17 to 21.

use reqwest::Method;
use serde_json::json;

use crate::cases::{Body, Case, authorized, check};
use crate::harness::on_every_backend;

const PATH: &str = "/api/v1/getConsumption";

fn cases() -> Vec<Case> {
    vec![
        Case::new("17 no appId", Method::GET, PATH, json!({}))
            .answers(400, Body::Text("Missing property: appId")),
        Case::new(
            "18 authorized app, no key",
            Method::GET,
            PATH,
            json!({"appId": "$APP"}),
        )
        .stored(authorized(json!({"codeunit": [50000]})))
        .answers(401, Body::Text("Invalid credentials")),
        Case::new(
            "19 authorized app, wrong key",
            Method::GET,
            PATH,
            json!({"appId": "$APP", "authKey": "wrong"}),
        )
        .stored(authorized(json!({"codeunit": [50000]})))
        .answers(401, Body::Text("Invalid credentials")),
        Case::new(
            "20 authorized app, right key",
            Method::GET,
            PATH,
            json!({"appId": "$APP", "authKey": "$KEY"}),
        )
        .stored(authorized(json!({"codeunit": [50000]})))
        .answers(200, Body::Json(json!({"codeunit": [50000], "_total": 1}))),
        Case::new(
            "21 never authorized, codeunit and page stored",
            Method::GET,
            PATH,
            json!({"appId": "$APP"}),
        )
        .stored(json!({
            "_ranges": [{"from": 50000, "to": 59999}],
            "codeunit": [50000, 50001],
            "page": [50000],
        }))
        .answers(
            200,
            Body::Json(json!({"codeunit": [50000, 50001], "page": [50000], "_total": 3})),
        ),
    ]
}

async fn run(backend: apivolve_store::testing::Backend) {
    check(backend, cases()).await;
}

on_every_backend!(run);
