//! v2 `getNext`: ranges in request order, `perRange`, `require`, field numbers; GET never writes.

use reqwest::Method;
use serde_json::{Value, json};

use crate::cases::{Body, Case, Stored, authorized, check};
use crate::harness::on_every_backend;

const PATH: &str = "/api/v2/getNext";

/// Three ranges; the middle one is full when [`FULL_MIDDLE`] is stored.
const THREE: [(u64, u64); 3] = [(1, 3), (10, 12), (20, 22)];

fn ranges(list: &[(u64, u64)]) -> Value {
    list.iter()
        .map(|(from, to)| json!({"from": from, "to": to}))
        .collect()
}

fn request(rest: Value) -> Value {
    let mut body =
        json!({"appId": "$APP", "type": "codeunit", "ranges": [{"from": 50000, "to": 59999}]});
    if let (Some(target), Value::Object(members)) = (body.as_object_mut(), rest) {
        target.extend(members);
    }
    body
}

fn answer(id: Value, updated: bool, available: bool, has_consumption: bool) -> Body {
    Body::Json(json!({
        "id": id,
        "updated": updated,
        "available": available,
        "updateAttempts": 0,
        "hasConsumption": has_consumption,
    }))
}

fn cases() -> Vec<Case> {
    let full_middle = json!({"codeunit": [10, 11, 12]});
    let per_range = |rest: Value| {
        let mut body = request(json!({"ranges": ranges(&THREE), "perRange": true}));
        if let (Some(target), Value::Object(members)) = (body.as_object_mut(), rest) {
            target.extend(members);
        }
        body
    };
    vec![
        Case::new(
            "no appId",
            Method::GET,
            PATH,
            json!({"type": "codeunit", "ranges": [{"from": 1, "to": 2}]}),
        )
        .answers(400, Body::Problem("Missing property: appId")),
        Case::new(
            "type fake",
            Method::GET,
            PATH,
            request(json!({"type": "fake"})),
        )
        .answers(400, Body::Problem("Invalid object type: fake")),
        Case::new(
            "authorized app, no key",
            Method::POST,
            PATH,
            request(json!({})),
        )
        .stored(authorized(json!({})))
        .answers(401, Body::Problem("Invalid credentials")),
        Case::new(
            "authorized app, right key",
            Method::POST,
            PATH,
            request(json!({"authKey": "$KEY"})),
        )
        .stored(authorized(json!({})))
        .answers(200, answer(json!(50000), true, true, false))
        .leaves(Stored::Members(vec![
            ("/codeunit", json!([50000])),
            ("/_authorization/key", json!("$KEY")),
        ])),
        Case::new(
            "GET on a fresh app writes nothing",
            Method::GET,
            PATH,
            request(json!({})),
        )
        .answers(200, answer(json!(50000), false, true, false))
        .leaves(Stored::Is(Value::Null)),
        Case::new(
            "GET on a stored app writes nothing",
            Method::GET,
            PATH,
            request(json!({"ranges": [{"from": 50000, "to": 50010}]})),
        )
        .stored(json!({"_ranges": [{"from": 1, "to": 2}], "codeunit": [50000]}))
        .answers(200, answer(json!(50001), false, true, true)),
        Case::new(
            "POST with a user",
            Method::POST,
            PATH,
            request(json!({"user": "ada"})),
        )
        .answers(200, answer(json!(50000), true, true, false))
        .leaves(Stored::Members(vec![("/codeunit", json!([50000]))])),
        Case::new(
            "ranges are searched in request order",
            Method::POST,
            PATH,
            request(
                json!({"ranges": [{"from": 60000, "to": 60009}, {"from": 50000, "to": 50009}]}),
            ),
        )
        .answers(200, answer(json!(60000), true, true, false))
        .leaves(Stored::Is(json!({
            "_ranges": [{"from": 60000, "to": 60009}, {"from": 50000, "to": 50009}],
            "codeunit": [60000],
        }))),
        Case::new(
            "overlapping ranges are accepted",
            Method::GET,
            PATH,
            request(
                json!({"ranges": [{"from": 50000, "to": 50100}, {"from": 50050, "to": 50200}]}),
            ),
        )
        .answers(200, answer(json!(50000), false, true, false)),
        Case::new(
            "full ranges: id 0, nothing written",
            Method::POST,
            PATH,
            request(json!({"ranges": [{"from": 5, "to": 6}]})),
        )
        .stored(json!({"codeunit": [5, 6]}))
        .answers(200, answer(json!(0), false, false, true)),
        Case::new(
            "perRange leaves full ranges out",
            Method::GET,
            PATH,
            per_range(json!({})),
        )
        .stored(full_middle.clone())
        .answers(200, answer(json!([1, 20]), false, true, true)),
        Case::new(
            "perRange POST commits the first",
            Method::POST,
            PATH,
            per_range(json!({})),
        )
        .stored(full_middle.clone())
        .answers(200, answer(json!([1, 20]), true, true, true))
        .leaves(Stored::Members(vec![("/codeunit", json!([1, 10, 11, 12]))])),
        Case::new(
            "perRange with every range full",
            Method::POST,
            PATH,
            per_range(json!({"ranges": ranges(&THREE[1..2])})),
        )
        .stored(full_middle.clone())
        .answers(200, answer(json!([]), false, false, true)),
        Case::new(
            "require inside the ranges commits it",
            Method::POST,
            PATH,
            per_range(json!({"require": 21})),
        )
        .stored(full_middle.clone())
        .answers(200, answer(json!([1, 20]), true, true, true))
        .leaves(Stored::Members(vec![(
            "/codeunit",
            json!([10, 11, 12, 21]),
        )])),
        Case::new(
            "require taken: not available, nothing written",
            Method::POST,
            PATH,
            per_range(json!({"require": 11})),
        )
        .stored(full_middle.clone())
        .answers(200, answer(json!([1, 20]), false, false, true)),
        Case::new(
            "require outside the ranges",
            Method::POST,
            PATH,
            per_range(json!({"require": 15})),
        )
        .stored(full_middle)
        .answers(
            400,
            Body::Problem("Invalid require: 15 lies in none of the ranges"),
        ),
        Case::new(
            "fields of the app's own table start at 1",
            Method::POST,
            PATH,
            request(json!({"type": "table_50100"})),
        )
        .stored(json!({"table_50100": [1, 2], "table": [50100]}))
        .answers(200, answer(json!(3), true, true, true))
        .leaves(Stored::Members(vec![
            ("/table_50100", json!([1, 2, 3])),
            ("/table", json!([50100])),
        ])),
        Case::new(
            "fields of the app's own table go on in the ranges",
            Method::GET,
            PATH,
            request(json!({"type": "Table_50100", "ranges": [{"from": 50000, "to": 50001}]})),
        )
        .stored(json!({"table_50100": (1..=49_999).collect::<Vec<u64>>()}))
        .answers(200, answer(json!(50000), false, true, true)),
        Case::new(
            "fields of another app's table: the ranges",
            Method::POST,
            PATH,
            request(json!({"type": "tableextension_18"})),
        )
        .answers(200, answer(json!(50000), true, true, false))
        .leaves(Stored::Members(vec![(
            "/tableextension_18",
            json!([50000]),
        )])),
        Case::new(
            "field numbers only for field types",
            Method::GET,
            PATH,
            request(json!({"type": "page_50100"})),
        )
        .answers(400, Body::Problem("Invalid object type: page_50100")),
    ]
}

async fn run(backend: apivolve_store::testing::Backend) {
    check(backend, cases()).await;
}

on_every_backend!(run);
