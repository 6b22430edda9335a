//! v2 `authorizeApp`: GET tells, POST protects, DELETE removes the protection.

use reqwest::Method;
use serde_json::{Value, json};

use crate::cases::{Body, Case, Stored, Then, authorized, check};
use crate::harness::on_every_backend;

const PATH: &str = "/api/v2/authorizeApp";

fn cases() -> Vec<Case> {
    vec![
        Case::new(
            "GET on an authorized app",
            Method::GET,
            PATH,
            json!({"appId": "$APP"}),
        )
        .stored(authorized(json!({"codeunit": [1]})))
        .answers(200, Body::Json(json!({"authorized": true}))),
        Case::new(
            "GET on a fresh app writes nothing",
            Method::GET,
            PATH,
            json!({"appId": "$APP"}),
        )
        .answers(200, Body::Json(json!({"authorized": false})))
        .leaves(Stored::Is(Value::Null)),
        Case::new(
            "POST on a fresh app",
            Method::POST,
            PATH,
            json!({"appId": "$APP"}),
        )
        .stored(json!({"codeunit": [1]}))
        .answers(
            200,
            Body::Check(|body| match body["authKey"].as_str() {
                Some(key) if key.len() == 32 => Ok(()),
                _ => Err("expected a key of 32 hex digits".to_owned()),
            }),
        )
        .leaves(Stored::Check(|document, response| {
            let expected = json!({
                "codeunit": [1],
                "_authorization": {"key": response["authKey"], "valid": true},
            });
            if document == Some(&expected) {
                Ok(())
            } else {
                Err(format!("expected {expected}"))
            }
        }))
        .then(Then {
            method: Method::GET,
            path: "/api/v2/getConsumption",
            body: json!({"appId": "$APP", "authKey": "wrong"}),
            status: 401,
        }),
        Case::new(
            "POST on an authorized app",
            Method::POST,
            PATH,
            json!({"appId": "$APP", "authKey": "$KEY"}),
        )
        .stored(authorized(json!({})))
        .answers(
            405,
            Body::Problem("Invalid operation: app is already authorized"),
        ),
        Case::new(
            "DELETE with the right key",
            Method::DELETE,
            PATH,
            json!({"appId": "$APP", "authKey": "$KEY"}),
        )
        .stored(authorized(json!({"page": [2]})))
        .other(authorized(json!({})))
        .answers(200, Body::Json(json!({"deleted": true})))
        .leaves(Stored::Is(json!({"page": [2]})))
        .then(Then {
            method: Method::GET,
            path: "/api/v2/getConsumption",
            body: json!({"appId": "$APP"}),
            status: 200,
        }),
        Case::new(
            "DELETE with a wrong key",
            Method::DELETE,
            PATH,
            json!({"appId": "$APP", "authKey": "wrong"}),
        )
        .stored(authorized(json!({})))
        .answers(401, Body::Problem("Invalid credentials")),
        Case::new(
            "DELETE on an app that is not authorized",
            Method::DELETE,
            PATH,
            json!({"appId": "$APP"}),
        )
        .answers(
            405,
            Body::Problem("Invalid operation: app is not authorized"),
        )
        .leaves(Stored::Is(Value::Null)),
        Case::new(
            "DELETE while the store refuses writes",
            Method::DELETE,
            PATH,
            json!({"appId": "$APP", "authKey": "$KEY"}),
        )
        .stored(authorized(json!({})))
        .refusing_writes()
        .answers(
            503,
            Body::Problem("the service is not available, retry later"),
        ),
    ]
}

async fn run(backend: apivolve_store::testing::Backend) {
    check(backend, cases()).await;
}

on_every_backend!(run);
