//! v1 `getNext`: cases 23 to 31, then what the chain absorbs for v1 clients: `content.user`,
//! ranges sorted and checked strictly, 418 after the retry bound.

use reqwest::Method;
use serde_json::{Value, json};

use crate::cases::{Body, Case, Stored, authorized, check};
use crate::harness::on_every_backend;

const PATH: &str = "/api/v1/getNext";

fn request(rest: Value) -> Value {
    let mut body =
        json!({"appId": "$APP", "type": "codeunit", "ranges": [{"from": 50000, "to": 59999}]});
    if let (Some(target), Value::Object(members)) = (body.as_object_mut(), rest) {
        target.extend(members);
    }
    body
}

fn answer(id: u64, updated: bool, has_consumption: bool) -> Body {
    Body::Json(json!({
        "id": id,
        "updated": updated,
        "available": true,
        "updateAttempts": 0,
        "hasConsumption": has_consumption,
    }))
}

fn cases() -> Vec<Case> {
    let gap = json!({"codeunit": [50000, 50001, 50002, 50004]});
    vec![
        Case::new(
            "23 no appId",
            Method::GET,
            PATH,
            json!({"type": "codeunit", "ranges": [{"from": 50000, "to": 59999}]}),
        )
        .answers(400, Body::Text("Missing property: appId")),
        Case::new(
            "24 authorized app, no key",
            Method::GET,
            PATH,
            request(json!({})),
        )
        .stored(authorized(json!({})))
        .answers(401, Body::Text("Invalid credentials")),
        Case::new(
            "25 no type",
            Method::GET,
            PATH,
            json!({"appId": "$APP", "ranges": [{"from": 50000, "to": 59999}]}),
        )
        .answers(400, Body::Text("Missing property: type")),
        Case::new(
            "26 no ranges",
            Method::GET,
            PATH,
            json!({"appId": "$APP", "type": "codeunit"}),
        )
        .answers(400, Body::Text("Missing property: ranges")),
        Case::new(
            "27 type fake",
            Method::GET,
            PATH,
            request(json!({"type": "fake"})),
        )
        .answers(400, Body::Text("Invalid object type: fake")),
        Case::new(
            "28 GET, nothing stored",
            Method::GET,
            PATH,
            request(json!({})),
        )
        .answers(200, answer(50000, false, false)),
        Case::new("29 GET with a gap", Method::GET, PATH, request(json!({})))
            .stored(gap.clone())
            .answers(200, answer(50003, false, true)),
        Case::new(
            "30 POST, nothing stored",
            Method::POST,
            PATH,
            request(json!({})),
        )
        .answers(200, answer(50000, true, false))
        .leaves(Stored::Is(json!({
            "_ranges": [{"from": 50000, "to": 59999}],
            "codeunit": [50000],
        }))),
        Case::new("31 POST with a gap", Method::POST, PATH, request(json!({})))
            .stored(gap)
            .answers(200, answer(50003, true, true))
            .leaves(Stored::Members(vec![(
                "/codeunit",
                json!([50000, 50001, 50002, 50003, 50004]),
            )])),
        // What v1 does differently, absorbed by the chain.
        Case::new(
            "v1 content.user is accepted",
            Method::POST,
            PATH,
            request(json!({"content": {"user": "ada"}})),
        )
        .answers(200, answer(50000, true, false))
        .leaves(Stored::Members(vec![("/codeunit", json!([50000]))])),
        Case::new(
            "v1 sorts ranges by from",
            Method::POST,
            PATH,
            request(
                json!({"ranges": [{"from": 60000, "to": 60009}, {"from": 50000, "to": 50009}]}),
            ),
        )
        .answers(200, answer(50000, true, false))
        .leaves(Stored::Members(vec![(
            "/_ranges",
            json!([{"from": 50000, "to": 50009}, {"from": 60000, "to": 60009}]),
        )])),
        Case::new(
            "v1 refuses overlapping ranges",
            Method::GET,
            PATH,
            request(
                json!({"ranges": [{"from": 50000, "to": 50100}, {"from": 50100, "to": 50200}]}),
            ),
        )
        .answers(400, Body::Text("Invalid ranges: ranges must not overlap")),
        Case::new(
            "v1 refuses a reversed range",
            Method::GET,
            PATH,
            request(json!({"ranges": [{"from": 50100, "to": 50000}]})),
        )
        .answers(
            400,
            Body::Text("Invalid ranges: `from` must not be greater than `to`"),
        ),
        Case::new(
            "v1 refuses zero",
            Method::GET,
            PATH,
            request(json!({"ranges": [{"from": 0, "to": 10}]})),
        )
        .answers(400, Body::Text("Invalid ranges: range numbers must not be zero")),
        Case::new(
            "v1 full ranges: id 0, nothing written",
            Method::POST,
            PATH,
            request(json!({"ranges": [{"from": 5, "to": 6}]})),
        )
        .stored(json!({"codeunit": [5, 6]}))
        .answers(
            200,
            Body::Json(json!({
                "id": 0,
                "updated": false,
                "available": false,
                "updateAttempts": 0,
                "hasConsumption": true,
            })),
        ),
        Case::new(
            "v1 too many attempts is 418",
            Method::POST,
            PATH,
            request(json!({})),
        )
        .stored(json!({"codeunit": [50000]}))
        .conflicting()
        .answers(418, Body::Text("Too many attempts at updating the store")),
        Case::new(
            "v1 has no field-number types",
            Method::GET,
            PATH,
            request(json!({"type": "table_50100"})),
        )
        .answers(400, Body::Text("Invalid object type: table_50100")),
        Case::new(
            "v1 ignores v2's perRange",
            Method::GET,
            PATH,
            request(json!({"perRange": true, "ranges": [{"from": 50000, "to": 59999}, {"from": 70000, "to": 70010}]})),
        )
        .answers(
            200,
            Body::Json(json!({
                "id": 50000,
                "updated": false,
                "available": true,
                "updateAttempts": 0,
                "hasConsumption": false,
            })),
        ),
    ]
}

async fn run(backend: apivolve_store::testing::Backend) {
    check(backend, cases()).await;
}

on_every_backend!(run);
