//! Offline API docs: Swagger UI (vendored, no CDN) with a version picker, and the per-version
//! OpenAPI documents it reads.
//!
//! | route | answer |
//! |---|---|
//! | `GET /_apivolve/docs` | the Swagger UI page; its picker lists every version, newest first |
//! | `GET /_apivolve/docs/assets/{file}` | the vendored `swagger-ui-dist` files and the page's script |
//! | `GET /_apivolve/openapi` | the versions that have a document, newest first (JSON array) |
//! | `GET /_apivolve/openapi/{version}.json` | that version's OpenAPI document (`latest.json` too) |
//!
//! The assets come from the npm package `swagger-ui-dist` (see `assets/swagger-ui/README.md`)
//! and are compiled in with `include_bytes!`.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use bytes::Bytes;
use http::{HeaderValue, header};
use semver::Version;
use serde_json::{Value, json};

use crate::problem::Problem;

/// Where the docs page lives.
pub const DOCS_PATH: &str = "/_apivolve/docs";
/// Where the OpenAPI documents live.
pub const OPENAPI_PATH: &str = "/_apivolve/openapi";

/// One vendored file: name, media type, bytes.
struct Asset {
    name: &'static str,
    media_type: &'static str,
    bytes: &'static [u8],
}

macro_rules! asset {
    ($name:literal, $media_type:literal) => {
        Asset {
            name: $name,
            media_type: $media_type,
            bytes: include_bytes!(concat!("../assets/swagger-ui/", $name)),
        }
    };
}

const ASSETS: [Asset; 7] = [
    asset!("swagger-ui-bundle.js", "text/javascript; charset=utf-8"),
    asset!(
        "swagger-ui-standalone-preset.js",
        "text/javascript; charset=utf-8"
    ),
    asset!("swagger-ui.css", "text/css; charset=utf-8"),
    asset!("favicon-32x32.png", "image/png"),
    asset!("favicon-16x16.png", "image/png"),
    asset!("LICENSE", "text/plain; charset=utf-8"),
    asset!("NOTICE", "text/plain; charset=utf-8"),
];

/// The page's policy: everything from this origin; Swagger UI needs inline styles and data URIs.
const CONTENT_SECURITY_POLICY: &str =
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'";

/// What the docs routes serve, rendered once.
struct Docs {
    page: Bytes,
    initializer: Bytes,
    index: Bytes,
    documents: BTreeMap<String, Bytes>,
    latest: Option<String>,
}

/// The docs and OpenAPI routes for `documents` (OpenAPI documents keyed by version, `"1.2.0"`).
///
/// `title` heads the page. Mount the router beside the API's (`Router::merge`).
pub fn docs_router(title: &str, documents: BTreeMap<String, Value>) -> Router {
    let mut versions: Vec<&String> = documents.keys().collect();
    versions.sort_by(|a, b| match (Version::parse(a), Version::parse(b)) {
        (Ok(a), Ok(b)) => b.cmp(&a),
        _ => b.cmp(a),
    });
    let urls: Vec<Value> = versions
        .iter()
        .map(|version| json!({ "url": format!("{OPENAPI_PATH}/{version}.json"), "name": version }))
        .collect();
    let docs = Docs {
        page: Bytes::from(page(title)),
        initializer: Bytes::from(initializer(&urls)),
        index: Bytes::from(json!(versions).to_string()),
        latest: versions.first().map(|version| (*version).clone()),
        documents: documents
            .iter()
            .map(|(version, document)| (version.clone(), Bytes::from(document.to_string())))
            .collect(),
    };
    Router::new()
        .route(DOCS_PATH, get(serve_page))
        .route(
            &format!("{DOCS_PATH}/"),
            get(|| async { Redirect::permanent(DOCS_PATH) }),
        )
        .route(&format!("{DOCS_PATH}/assets/{{file}}"), get(serve_asset))
        .route(OPENAPI_PATH, get(serve_index))
        .route(&format!("{OPENAPI_PATH}/{{file}}"), get(serve_document))
        .with_state(Arc::new(docs))
}

/// The HTML page; scripts are files, so the policy needs no inline script.
fn page(title: &str) -> String {
    let title = escape_html(title);
    format!(
        r#"<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>{title}</title>
    <link rel="stylesheet" href="{DOCS_PATH}/assets/swagger-ui.css">
    <link rel="icon" type="image/png" href="{DOCS_PATH}/assets/favicon-32x32.png" sizes="32x32">
    <link rel="icon" type="image/png" href="{DOCS_PATH}/assets/favicon-16x16.png" sizes="16x16">
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="{DOCS_PATH}/assets/swagger-ui-bundle.js"></script>
    <script src="{DOCS_PATH}/assets/swagger-ui-standalone-preset.js"></script>
    <script src="{DOCS_PATH}/assets/initializer.js"></script>
  </body>
</html>
"#
    )
}

/// The script that starts Swagger UI with one entry per version in its picker.
fn initializer(urls: &[Value]) -> String {
    let primary = urls
        .first()
        .and_then(|url| url["name"].as_str())
        .unwrap_or_default();
    let config = json!({
        "urls": urls,
        "urls.primaryName": primary,
        "dom_id": "#swagger-ui",
        "deepLinking": true,
        "validatorUrl": null,
        "layout": "StandaloneLayout",
    });
    // `<` is escaped so no value can close a script element.
    let config = config.to_string().replace('<', "\\u003c");
    format!(
        "window.onload = function () {{\n  var config = {config};\n  config.presets = [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset];\n  config.plugins = [SwaggerUIBundle.plugins.DownloadUrl];\n  window.ui = SwaggerUIBundle(config);\n}};\n"
    )
}

/// Escapes text for HTML content.
fn escape_html(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            other => escaped.push(other),
        }
    }
    escaped
}

async fn serve_page(State(docs): State<Arc<Docs>>) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(CONTENT_SECURITY_POLICY),
            ),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
        ],
        docs.page.clone(),
    )
        .into_response()
}

async fn serve_asset(State(docs): State<Arc<Docs>>, Path(file): Path<String>) -> Response {
    if file == "initializer.js" {
        return (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/javascript; charset=utf-8"),
                ),
                (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
            ],
            docs.initializer.clone(),
        )
            .into_response();
    }
    let Some(asset) = ASSETS.iter().find(|asset| asset.name == file) else {
        return Problem::not_found(format!("no docs asset `{file}`")).into_response();
    };
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(asset.media_type),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=86400"),
            ),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
        ],
        Bytes::from_static(asset.bytes),
    )
        .into_response()
}

async fn serve_index(State(docs): State<Arc<Docs>>) -> Response {
    json_response(docs.index.clone())
}

async fn serve_document(State(docs): State<Arc<Docs>>, Path(file): Path<String>) -> Response {
    let version = file.strip_suffix(".json").unwrap_or(&file);
    let version = if version == "latest" {
        docs.latest.as_deref().unwrap_or(version)
    } else {
        version
    };
    match docs.documents.get(version) {
        Some(document) => json_response(document.clone()),
        None => Problem::not_found(format!("no OpenAPI document for version `{version}`"))
            .with_extension(
                "versions",
                serde_json::from_slice::<Value>(&docs.index).unwrap_or_default(),
            )
            .into_response(),
    }
}

fn json_response(body: Bytes) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_are_escaped() {
        let html = page("<script>alert('x')</script> & co");
        assert!(
            html.contains(
                "<title>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; co</title>"
            )
        );
        assert!(!html.contains("<script>alert"));
    }

    #[test]
    fn initializer_lists_versions_and_cannot_close_its_script() {
        let urls = vec![
            json!({ "url": "/_apivolve/openapi/2.0.0.json", "name": "2.0.0" }),
            json!({ "url": "/_apivolve/openapi/</script>.json", "name": "</script>" }),
        ];
        let script = initializer(&urls);
        assert!(script.contains(r#""urls.primaryName":"2.0.0""#), "{script}");
        assert!(
            script.contains(r#"{"url":"/_apivolve/openapi/2.0.0.json","name":"2.0.0"}"#),
            "{script}"
        );
        assert!(!script.contains("</script>"), "{script}");
        assert!(script.contains("\"validatorUrl\":null"), "{script}");
    }

    #[test]
    fn vendored_assets_are_present_and_offline() {
        for asset in &ASSETS {
            assert!(!asset.bytes.is_empty(), "{}", asset.name);
        }
        let bundle = ASSETS
            .iter()
            .find(|asset| asset.name == "swagger-ui-bundle.js")
            .unwrap();
        assert!(bundle.bytes.len() > 1_000_000);
        let html = page("x");
        assert!(
            !html.contains("http://") && !html.contains("https://"),
            "no CDN: {html}"
        );
    }
}
