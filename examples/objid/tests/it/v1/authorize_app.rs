//! v1 `authorizeApp`: cases 1 to 7.

use reqwest::Method;
use serde_json::{Value, json};

use crate::cases::{Body, Case, Stored, Then, authorized, check};
use crate::harness::on_every_backend;

const PATH: &str = "/api/v1/authorizeApp";

fn cases() -> Vec<Case> {
    vec![
        Case::new("1 POST without appId", Method::POST, PATH, json!({}))
            .answers(400, Body::Text("Missing property: appId")),
        Case::new(
            "2 POST on an authorized app",
            Method::POST,
            PATH,
            json!({"appId": "$APP", "authKey": "$KEY"}),
        )
        .stored(authorized(json!({"codeunit": [50000]})))
        .answers(
            405,
            Body::Text("Invalid operation: app is already authorized"),
        ),
        Case::new(
            "3 POST on a fresh app",
            Method::POST,
            PATH,
            json!({"appId": "$APP"}),
        )
        .answers(200, Body::Check(has_new_key))
        .leaves(Stored::Check(holds_the_new_key))
        .then(Then {
            method: Method::GET,
            path: "/api/v1/getConsumption",
            body: json!({"appId": "$APP"}),
            status: 401,
        }),
        Case::new(
            "4 DELETE on an app that is not authorized",
            Method::DELETE,
            PATH,
            json!({"appId": "$APP"}),
        )
        .stored(json!({"codeunit": [50000]}))
        .answers(405, Body::Text("Invalid operation: app is not authorized")),
        Case::new(
            "5 DELETE with a wrong key",
            Method::DELETE,
            PATH,
            json!({"appId": "$APP", "authKey": "wrong"}),
        )
        .stored(authorized(json!({})))
        .answers(401, Body::Text("Invalid credentials")),
        Case::new(
            "6 DELETE with the right key, another app authorized",
            Method::DELETE,
            PATH,
            json!({"appId": "$APP", "authKey": "$KEY"}),
        )
        .stored(authorized(json!({"codeunit": [50000]})))
        .other(authorized(json!({})))
        .answers(200, Body::Json(json!({"deleted": true})))
        .leaves(Stored::Is(json!({"codeunit": [50000]}))),
        Case::new(
            "7 DELETE while the store refuses writes",
            Method::DELETE,
            PATH,
            json!({"appId": "$APP", "authKey": "$KEY"}),
        )
        .stored(authorized(json!({})))
        .refusing_writes()
        .answers(503, Body::Text("the service is not available, retry later")),
    ]
}

fn has_new_key(body: &Value) -> Result<(), String> {
    match body["authKey"].as_str() {
        Some(key) if !key.is_empty() && body.as_object().is_some_and(|b| b.len() == 1) => Ok(()),
        _ => Err("expected `{authKey}` with a non-empty key".to_owned()),
    }
}

fn holds_the_new_key(document: Option<&Value>, response: &Value) -> Result<(), String> {
    let expected = json!({"_authorization": {"key": response["authKey"], "valid": true}});
    if document == Some(&expected) {
        Ok(())
    } else {
        Err(format!("expected {expected}"))
    }
}

async fn run(backend: apivolve_store::testing::Backend) {
    check(backend, cases()).await;
}

on_every_backend!(run);
