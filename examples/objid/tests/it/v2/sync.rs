//! v2 `syncIds` and `autoSyncIds`: only stored types are answered; `autoSyncIds` is
//! all-or-nothing unless `skipUnauthorized`.

use reqwest::Method;
use serde_json::{Value, json};

use crate::cases::{Body, Case, Stored, authorized, check};
use crate::harness::on_every_backend;

const SYNC: &str = "/api/v2/syncIds";
const AUTO: &str = "/api/v2/autoSyncIds";

fn folders(skip_unauthorized: Option<bool>) -> Value {
    let mut body = json!({"appFolders": [
        {"appId": "$APP", "ids": {"codeunit": [1]}},
        {"appId": "$OTHER", "ids": {"codeunit": [7]}},
    ]});
    if let Some(skip) = skip_unauthorized {
        body["skipUnauthorized"] = json!(skip);
    }
    body
}

fn cases() -> Vec<Case> {
    vec![
        Case::new(
            "syncIds POST answers only the stored types",
            Method::POST,
            SYNC,
            json!({"appId": "$APP", "ids": {"codeunit": [2, 1, 2]}}),
        )
        .stored(json!({"page": [1], "_ranges": [{"from": 1, "to": 5}]}))
        .answers(200, Body::Json(json!({"codeunit": [1, 2]})))
        .leaves(Stored::Is(
            json!({"_ranges": [{"from": 1, "to": 5}], "codeunit": [1, 2]}),
        )),
        Case::new(
            "syncIds PATCH merges",
            Method::PATCH,
            SYNC,
            json!({"appId": "$APP", "ids": {"codeunit": [3, 1]}}),
        )
        .stored(json!({"codeunit": [1, 2], "page": [1]}))
        .answers(200, Body::Json(json!({"codeunit": [1, 2, 3], "page": [1]})))
        .leaves(Stored::Is(json!({"codeunit": [1, 2, 3], "page": [1]}))),
        Case::new(
            "syncIds with an unknown type",
            Method::POST,
            SYNC,
            json!({"appId": "$APP", "ids": {"interface": [1]}}),
        )
        .answers(
            400,
            Body::Problem("Invalid object ids specification: invalid object type specified"),
        ),
        Case::new(
            "autoSyncIds: one bad key fails all, nothing written",
            Method::POST,
            AUTO,
            folders(None),
        )
        .stored(authorized(json!({"codeunit": [50000]})))
        .answers(401, Body::Problem("Invalid credentials"))
        .leaves_other(Stored::Is(Value::Null)),
        Case::new(
            "autoSyncIds: skipUnauthorized false fails all",
            Method::PATCH,
            AUTO,
            folders(Some(false)),
        )
        .stored(authorized(json!({"codeunit": [50000]})))
        .other(json!({"page": [2]}))
        .answers(401, Body::Problem("Invalid credentials")),
        Case::new(
            "autoSyncIds: skipUnauthorized skips the bad folder",
            Method::POST,
            AUTO,
            folders(Some(true)),
        )
        .stored(authorized(json!({"codeunit": [50000]})))
        .answers(200, Body::Json(json!({"$OTHER": {"codeunit": [7]}})))
        .leaves_other(Stored::Is(json!({"codeunit": [7]}))),
        Case::new(
            "autoSyncIds: every key right, every folder written",
            Method::PATCH,
            AUTO,
            json!({"appFolders": [
                {"appId": "$APP", "authKey": "$KEY", "ids": {"codeunit": [1]}},
                {"appId": "$OTHER", "ids": {"codeunit": [7]}},
            ]}),
        )
        .stored(authorized(json!({"codeunit": [50000]})))
        .other(json!({"page": [2]}))
        .answers(
            200,
            Body::Json(json!({
                "$APP": {"codeunit": [1, 50000]},
                "$OTHER": {"page": [2], "codeunit": [7]},
            })),
        )
        .leaves(Stored::Members(vec![
            ("/codeunit", json!([1, 50000])),
            ("/_authorization/valid", json!(true)),
        ]))
        .leaves_other(Stored::Is(json!({"page": [2], "codeunit": [7]}))),
    ]
}

async fn run(backend: apivolve_store::testing::Backend) {
    check(backend, cases()).await;
}

on_every_backend!(run);
