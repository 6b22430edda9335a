//! v1 `getLog`: case 22. Retired before v1 was frozen, gone in v2.

use reqwest::Method;
use serde_json::json;

use crate::cases::{Body, Case, check};
use crate::harness::on_every_backend;

fn cases() -> Vec<Case> {
    vec![
        Case::new("22 GET", Method::GET, "/api/v1/getLog", json!({}))
            .without_body()
            .answers(410, Body::Text("getLog is retired")),
        Case::new(
            "22b GET with a body",
            Method::GET,
            "/api/v1/getLog",
            json!({"appId": "$APP"}),
        )
        .answers(410, Body::Text("getLog is retired")),
    ]
}

async fn run(backend: apivolve_store::testing::Backend) {
    check(backend, cases()).await;
}

on_every_backend!(run);
