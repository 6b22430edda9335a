//! How a client names its version, through the whole layer: URI forms, the `Api-Version`
//! header, the vendor media type, the query parameter, their precedence, the default, refusals
//! and `Vary`.

use std::fs;

use axum::body::Body;
use http::StatusCode;
use serde_json::Value;

use crate::versioning::{Served, fixture, serve, serve_dir};

/// Request headers, by name.
type Headers<'a> = &'a [(&'a str, &'a str)];

/// `GET uri` with extra headers; the served version and the path latest received.
async fn negotiate(served: &Served, uri: &str, headers: &[(&str, &str)]) -> (String, String) {
    let mut request = http::Request::get(uri);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let answer = served.send(request.body(Body::empty()).unwrap()).await;
    assert_eq!(answer.status, StatusCode::OK, "{uri}: {}", answer.text());
    (
        answer.header("api-version").unwrap().to_owned(),
        served.last().unwrap().uri,
    )
}

#[tokio::test]
async fn every_way_of_naming_a_version() {
    let served = serve();
    // (URI, headers, served version, what latest receives)
    let table: [(&str, Headers<'_>, &str, &str); 16] = [
        ("/api/v1/items", &[], "1.0.0", "/api/v4/items"),
        ("/api/1/items", &[], "1.0.0", "/api/v4/items"),
        ("/api/V2/items", &[], "2.0.0", "/api/v4/items"),
        ("/api/v4/items", &[], "4.1.0", "/api/v4/items"),
        ("/api/4.0/items", &[], "4.0.0", "/api/v4/items"),
        ("/api/3.0.0/items", &[], "3.0.0", "/api/v4/items"),
        ("/api/latest/items", &[], "4.1.0", "/api/v4/items"),
        ("/api/current/items", &[], "4.1.0", "/api/v4/items"),
        (
            "/api/items",
            &[("api-version", "2")],
            "2.0.0",
            "/api/v4/items",
        ),
        (
            "/api/items",
            &[("api-version", "3.0")],
            "3.0.0",
            "/api/v4/items",
        ),
        (
            "/api/items",
            &[("accept", "application/vnd.shop.v1+json")],
            "1.0.0",
            "/api/v4/items",
        ),
        ("/api/items?api-version=2", &[], "2.0.0", "/api/v4/items"),
        (
            "/api/items?limit=1&api-version=4.0.0",
            &[],
            "4.0.0",
            "/api/v4/items?limit=1",
        ),
        // Precedence: URI, then header, then media type, then query.
        (
            "/api/v1/items",
            &[("api-version", "2")],
            "1.0.0",
            "/api/v4/items",
        ),
        (
            "/api/items?api-version=1",
            &[
                ("api-version", "2"),
                ("accept", "application/vnd.shop.v4+json"),
            ],
            "2.0.0",
            "/api/v4/items",
        ),
        // No version named: the default, latest.
        ("/api/items", &[], "4.1.0", "/api/v4/items"),
    ];
    for (uri, headers, version, inner) in table {
        let (served_version, received) = negotiate(&served, uri, headers).await;
        assert_eq!(served_version, version, "{uri} {headers:?}");
        assert_eq!(received, inner, "{uri} {headers:?}");
    }
    let (version, _) = negotiate(
        &served,
        "/api/items?api-version=2",
        &[("accept", "application/vnd.shop.v1+json")],
    )
    .await;
    assert_eq!(version, "1.0.0", "the media type outranks the query");
}

#[tokio::test]
async fn the_vendor_media_type_reaches_latest_as_plain_json() {
    let served = serve();
    let request = http::Request::get("/api/items")
        .header("accept", "application/vnd.shop.v2+json")
        .body(Body::empty())
        .unwrap();
    let answer = served.send(request).await;
    assert_eq!(answer.header("api-version"), Some("2.0.0"));
    let received = served.last().unwrap();
    assert_eq!(received.headers["accept"], "application/json");
}

#[tokio::test]
async fn unknown_newer_and_malformed_versions_are_400_problems_listing_supported_ones() {
    let served = serve();
    let supported = "1.0.0, 2.0.0, 3.0.0, 4.0.0, 4.1.0";
    let table: [(&str, Headers<'_>, &str); 7] = [
        (
            "/api/v9/items",
            &[],
            "version `v9` is newer than the newest version",
        ),
        (
            "/api/4.7/items",
            &[],
            "version `4.7` is newer than the newest version",
        ),
        ("/api/2.1.0/items", &[], "version `2.1.0` does not exist"),
        ("/api/v0/items", &[], "version `v0` does not exist"),
        (
            "/api/items",
            &[("api-version", "banana")],
            "`banana` is not a version",
        ),
        ("/api/items?api-version=1.x", &[], "`1.x` is not a version"),
        (
            "/api/items",
            &[("accept", "application/vnd.shop.vlatest2+json")],
            "is not a version",
        ),
    ];
    let before = served.received();
    for (uri, headers, detail) in table {
        let mut request = http::Request::get(uri);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let answer = served.send(request.body(Body::empty()).unwrap()).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{uri} {headers:?}");
        assert_eq!(answer.media_type(), "application/problem+json");
        let problem = answer.json();
        let text = problem["detail"].as_str().unwrap();
        assert!(text.contains(detail), "{uri}: {text}");
        assert!(
            text.ends_with(&format!("supported versions: {supported}")),
            "{text}"
        );
        let listed: Vec<&str> = problem["supported_versions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|version| version.as_str().unwrap())
            .collect();
        assert_eq!(listed.join(", "), supported);
        assert!(answer.header("vary").is_some(), "{uri}");
    }
    assert_eq!(
        served.received(),
        before,
        "no refused request reaches latest"
    );
}

#[tokio::test]
async fn versions_out_of_support_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture(), dir.path());
    let config = fs::read_to_string(dir.path().join("apivolve.toml")).unwrap();
    let config = config.replace("supported_majors = 10", "supported_majors = 3");
    fs::write(dir.path().join("apivolve.toml"), config).unwrap();
    let served = serve_dir(dir.path());
    for uri in ["/api/v1/items", "/api/1.0.0/items"] {
        let answer = served.call("GET", uri, Value::Null).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{uri}");
        let problem = answer.json();
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .starts_with("version `1.0.0` is no longer supported"),
            "{problem}"
        );
        assert_eq!(
            problem["supported_versions"],
            serde_json::json!(["2.0.0", "3.0.0", "4.0.0", "4.1.0"])
        );
    }
    let answer = served.call("GET", "/api/v2/items", Value::Null).await;
    assert_eq!(answer.status, StatusCode::OK);
}

#[tokio::test]
async fn versioned_responses_vary_on_what_negotiation_reads() {
    let served = serve();
    for uri in [
        "/api/v1/items",
        "/api/items",
        "/api/v4/products/9",
        "/api/v1/nothing",
    ] {
        let answer = served.call("GET", uri, Value::Null).await;
        assert_eq!(
            answer.header("vary"),
            Some("api-version, accept, content-type, api-preview"),
            "{uri}"
        );
    }
    // Outside the base path the layer stays out of the way.
    let answer = served.call("GET", "/elsewhere", Value::Null).await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    assert!(answer.header("vary").is_none());
    assert!(answer.header("api-version").is_none());
}

/// Copies a folder tree (the fixture) to `to`.
pub(crate) fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).unwrap();
        }
    }
}
