//! The docs and OpenAPI routes, called through the router.

use std::collections::BTreeMap;

use apivolve_server::docs_router;
use axum::body::Body;
use http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

fn router() -> axum::Router {
    let documents: BTreeMap<String, Value> = ["1.0.0", "2.0.0", "10.0.0"]
        .iter()
        .map(|version| {
            let document = json!({ "openapi": "3.1.0", "info": { "title": "objid", "version": version }, "paths": {} });
            ((*version).to_owned(), document)
        })
        .collect();
    docs_router("objid <API>", documents)
}

async fn get(path: &str) -> (StatusCode, http::HeaderMap, Vec<u8>) {
    let response = router()
        .oneshot(Request::get(path).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = response
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec();
    (status, headers, body)
}

#[tokio::test]
async fn page_loads_local_assets_only() {
    let (status, headers, body) = get("/_apivolve/docs").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "text/html; charset=utf-8");
    assert!(
        headers[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .contains("script-src 'self'")
    );
    let html = String::from_utf8(body).unwrap();
    assert!(html.contains("<title>objid &lt;API&gt;</title>"), "{html}");
    for asset in [
        "swagger-ui.css",
        "swagger-ui-bundle.js",
        "swagger-ui-standalone-preset.js",
        "initializer.js",
    ] {
        let path = format!("/_apivolve/docs/assets/{asset}");
        assert!(html.contains(&path), "{asset} linked");
        let (status, _, body) = get(&path).await;
        assert_eq!(status, StatusCode::OK, "{asset}");
        assert!(!body.is_empty(), "{asset}");
    }
    assert!(
        !html.contains("https://") && !html.contains("http://"),
        "{html}"
    );
}

#[tokio::test]
async fn trailing_slash_redirects_to_the_page() {
    let (status, headers, _) = get("/_apivolve/docs/").await;
    assert_eq!(status, StatusCode::PERMANENT_REDIRECT);
    assert_eq!(headers[header::LOCATION], "/_apivolve/docs");
}

#[tokio::test]
async fn picker_lists_versions_newest_first() {
    let (status, headers, body) = get("/_apivolve/docs/assets/initializer.js").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        headers[header::CONTENT_TYPE],
        "text/javascript; charset=utf-8"
    );
    let script = String::from_utf8(body).unwrap();
    let urls = r#""urls":[{"url":"/_apivolve/openapi/10.0.0.json","name":"10.0.0"},{"url":"/_apivolve/openapi/2.0.0.json","name":"2.0.0"},{"url":"/_apivolve/openapi/1.0.0.json","name":"1.0.0"}]"#;
    assert!(script.contains(urls), "{script}");
    assert!(
        script.contains(r#""urls.primaryName":"10.0.0""#),
        "{script}"
    );
    assert!(script.contains("SwaggerUIStandalonePreset"), "{script}");
}

#[tokio::test]
async fn vendored_bundle_is_served_with_its_media_type() {
    let (status, headers, body) = get("/_apivolve/docs/assets/swagger-ui-bundle.js").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        headers[header::CONTENT_TYPE],
        "text/javascript; charset=utf-8"
    );
    assert_eq!(headers[header::CACHE_CONTROL], "public, max-age=86400");
    assert!(body.len() > 1_000_000);
    let (status, headers, body) = get("/_apivolve/docs/assets/LICENSE").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "text/plain; charset=utf-8");
    assert!(String::from_utf8(body).unwrap().contains("Apache License"));
}

#[tokio::test]
async fn unknown_assets_are_404_problems() {
    for path in [
        "/_apivolve/docs/assets/nope.js",
        "/_apivolve/docs/assets/..%2FCargo.toml",
    ] {
        let (status, headers, _) = get(path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(
            headers[header::CONTENT_TYPE],
            "application/problem+json",
            "{path}"
        );
    }
}

#[tokio::test]
async fn documents_are_served_per_version() {
    let table = [
        ("2.0.0", "2.0.0"),
        ("1.0.0", "1.0.0"),
        ("latest", "10.0.0"),
        ("10.0.0", "10.0.0"),
    ];
    for (name, version) in table {
        let (status, headers, body) = get(&format!("/_apivolve/openapi/{name}.json")).await;
        assert_eq!(status, StatusCode::OK, "{name}");
        assert_eq!(headers[header::CONTENT_TYPE], "application/json");
        let document: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(document["info"]["version"], version, "{name}");
    }
    let (status, _, body) = get("/_apivolve/openapi").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        serde_json::from_slice::<Value>(&body).unwrap(),
        json!(["10.0.0", "2.0.0", "1.0.0"])
    );
}

#[tokio::test]
async fn unknown_versions_are_404_problems_listing_the_known_ones() {
    let (status, headers, body) = get("/_apivolve/openapi/3.0.0.json").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(headers[header::CONTENT_TYPE], "application/problem+json");
    let problem: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(problem["detail"], "no OpenAPI document for version `3.0.0`");
    assert_eq!(problem["versions"], json!(["10.0.0", "2.0.0", "1.0.0"]));
}

#[tokio::test]
async fn an_empty_document_set_still_serves_the_page() {
    let router = docs_router("empty", BTreeMap::new());
    let request = Request::get("/_apivolve/openapi/latest.json")
        .body(Body::empty())
        .unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let request = Request::get("/_apivolve/docs").body(Body::empty()).unwrap();
    assert_eq!(
        router.oneshot(request).await.unwrap().status(),
        StatusCode::OK
    );
}
