//! v1 `syncIds`: cases 32 to 40. Responses list all 13 types.

use reqwest::Method;
use serde_json::json;

use crate::cases::{Body, Case, Stored, all_types, authorized, check};
use crate::harness::on_every_backend;

const PATH: &str = "/api/v1/syncIds";

fn cases() -> Vec<Case> {
    vec![
        Case::new(
            "32 no appId",
            Method::POST,
            PATH,
            json!({"ids": {"codeunit": [1]}}),
        )
        .answers(400, Body::Text("Missing property: appId")),
        Case::new(
            "33 authorized app, no key",
            Method::POST,
            PATH,
            json!({"appId": "$APP", "ids": {"codeunit": [1]}}),
        )
        .stored(authorized(json!({"codeunit": [50000]})))
        .answers(401, Body::Text("Invalid credentials")),
        Case::new("34 no ids", Method::POST, PATH, json!({"appId": "$APP"}))
            .answers(400, Body::Text("Missing property: ids")),
        Case::new(
            "35 ids: 2",
            Method::POST,
            PATH,
            json!({"appId": "$APP", "ids": 2}),
        )
        .answers(
            400,
            Body::Text("Invalid type for property [ids]: expected object"),
        ),
        Case::new(
            "36 unknown type in ids",
            Method::POST,
            PATH,
            json!({"appId": "$APP", "ids": {"codeunit": [1], "interface": [2]}}),
        )
        .answers(
            400,
            Body::Text("Invalid object ids specification: invalid object type specified"),
        ),
        Case::new(
            "37 POST on a fresh app",
            Method::POST,
            PATH,
            json!({"appId": "$APP", "ids": {"codeunit": [1, 2], "page": [3]}}),
        )
        .answers(
            200,
            Body::Json(all_types(json!({"codeunit": [1, 2], "page": [3]}))),
        )
        .leaves(Stored::Is(json!({"codeunit": [1, 2], "page": [3]}))),
        Case::new(
            "38 POST replaces all types",
            Method::POST,
            PATH,
            json!({"appId": "$APP", "ids": {"codeunit": [1, 2]}}),
        )
        .stored(json!({"page": [1]}))
        .answers(200, Body::Json(all_types(json!({"codeunit": [1, 2]}))))
        .leaves(Stored::Is(json!({"codeunit": [1, 2]}))),
        Case::new(
            "39 PATCH on a fresh app",
            Method::PATCH,
            PATH,
            json!({"appId": "$APP", "ids": {"codeunit": [1, 2], "page": [3]}}),
        )
        .answers(
            200,
            Body::Json(all_types(json!({"codeunit": [1, 2], "page": [3]}))),
        )
        .leaves(Stored::Is(json!({"codeunit": [1, 2], "page": [3]}))),
        Case::new(
            "40 PATCH merges",
            Method::PATCH,
            PATH,
            json!({"appId": "$APP", "ids": {"codeunit": [7, 8, 9]}}),
        )
        .stored(json!({"codeunit": [1, 2, 3], "page": [4]}))
        .answers(
            200,
            Body::Json(all_types(
                json!({"codeunit": [1, 2, 3, 7, 8, 9], "page": [4]}),
            )),
        )
        .leaves(Stored::Is(
            json!({"codeunit": [1, 2, 3, 7, 8, 9], "page": [4]}),
        )),
        Case::new(
            "v1 authorized app, right key",
            Method::PATCH,
            PATH,
            json!({"appId": "$APP", "authKey": "$KEY", "ids": {"page": [4]}}),
        )
        .stored(authorized(json!({"codeunit": [1]})))
        .answers(
            200,
            Body::Json(all_types(json!({"codeunit": [1], "page": [4]}))),
        )
        .leaves(Stored::Members(vec![
            ("/codeunit", json!([1])),
            ("/page", json!([4])),
            ("/_authorization/valid", json!(true)),
        ])),
    ]
}

async fn run(backend: apivolve_store::testing::Backend) {
    check(backend, cases()).await;
}

on_every_backend!(run);
