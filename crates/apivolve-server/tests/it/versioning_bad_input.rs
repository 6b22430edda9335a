//! Bad input through the whole layer: every case is a 4xx in the client's error shape (problem
//! details at latest, plain text at 1.0.0), never a panic, never a call to the inner service.

use axum::body::Body;
use http::{StatusCode, header};

use crate::versioning::serve;

/// The fixture's `max_body_bytes`.
const MAX_BODY_BYTES: usize = 262_144;

fn nested(depth: usize) -> Vec<u8> {
    let mut body = Vec::with_capacity(depth * 2 + 20);
    body.extend_from_slice(br#"{"title":"#);
    body.extend(std::iter::repeat_n(b'[', depth));
    body.extend(std::iter::repeat_n(b']', depth));
    body.push(b'}');
    body
}

/// (label, method and path below the version, content type, body, expected status)
type Case = (
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
    Vec<u8>,
    u16,
);

fn cases(field: &str) -> Vec<Case> {
    let json = Some("application/json");
    let valid = format!(r#"{{"{field}":"Chair"}}"#).into_bytes();
    let mut oversized = format!(r#"{{"{field}":""#).into_bytes();
    oversized.extend(std::iter::repeat_n(b'x', MAX_BODY_BYTES));
    oversized.extend_from_slice(br#""}"#);
    vec![
        (
            "invalid JSON",
            "create",
            "/items",
            json,
            br#"{"title": "#.to_vec(),
            400,
        ),
        (
            "trailing garbage",
            "create",
            "/items",
            json,
            br#"{"title":"a"} x"#.to_vec(),
            400,
        ),
        (
            "depth 100,000",
            "create",
            "/items",
            json,
            nested(100_000),
            400,
        ),
        ("depth 65", "create", "/items", json, nested(65), 400),
        (
            "wrong content type",
            "create",
            "/items",
            Some("text/plain"),
            valid.clone(),
            415,
        ),
        (
            "form content type",
            "create",
            "/items",
            Some("application/x-www-form-urlencoded"),
            valid,
            415,
        ),
        (
            "huge number",
            "create",
            "/items",
            json,
            format!(r#"{{"{field}":1e400}}"#).into_bytes(),
            400,
        ),
        (
            "huge integer",
            "create",
            "/items",
            json,
            format!(r#"{{"{field}":"a","n":{}}}"#, "9".repeat(500)).into_bytes(),
            400,
        ),
        (
            "invalid UTF-8",
            "create",
            "/items",
            json,
            b"{\"title\":\"\xff\xfe\"}".to_vec(),
            400,
        ),
        (
            "a lone surrogate",
            "create",
            "/items",
            json,
            br#"{"title":"\ud800"}"#.to_vec(),
            400,
        ),
        (
            "not an object",
            "create",
            "/items",
            json,
            b"[1,2,3]".to_vec(),
            400,
        ),
        (
            "body over the limit",
            "create",
            "/items",
            json,
            oversized,
            413,
        ),
        (
            "a bad query parameter",
            "get",
            "/items?limit=zero",
            None,
            Vec::new(),
            400,
        ),
        (
            "a query parameter out of range",
            "get",
            "/items?limit=0",
            None,
            Vec::new(),
            400,
        ),
    ]
}

#[tokio::test]
async fn bad_input_is_a_client_error_in_the_clients_error_shape() {
    let served = serve();
    // (version, the create method, the field the version calls `title`, problem details?)
    for (version, create, field, problem) in [
        ("4.1.0", "PUT", "title", true),
        ("4.0.0", "PUT", "title", true),
        ("1.0.0", "POST", "name", false),
    ] {
        for (label, operation, path, media_type, body, status) in cases(field) {
            let method = if operation == "create" { create } else { "GET" };
            let uri = format!("/api/{version}{path}");
            let mut request = http::Request::builder().method(method).uri(&uri);
            if let Some(media_type) = media_type {
                request = request.header(header::CONTENT_TYPE, media_type);
            }
            let before = served.received();
            let answer = served.send(request.body(Body::from(body)).unwrap()).await;
            let label = format!("{label} at {version}");
            assert_eq!(answer.status.as_u16(), status, "{label}: {}", answer.text());
            assert_eq!(
                served.received(),
                before,
                "{label}: reached the inner service"
            );
            if problem {
                assert_eq!(answer.media_type(), "application/problem+json", "{label}");
                let details = answer.json();
                assert_eq!(details["status"], status, "{label}");
                assert!(
                    details["detail"].as_str().is_some_and(|d| !d.is_empty()),
                    "{label}"
                );
            } else {
                assert!(answer.media_type().starts_with("text/plain"), "{label}");
                assert!(!answer.body.is_empty(), "{label}");
            }
        }
    }
}

#[tokio::test]
async fn a_declared_length_over_the_limit_is_refused_before_reading() {
    let served = serve();
    let request = http::Request::put("/api/v4/items")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::CONTENT_LENGTH, "1000000000")
        .body(Body::from(r#"{"title":"Chair"}"#))
        .unwrap();
    let answer = served.send(request).await;
    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(answer.media_type(), "application/problem+json");
}

#[tokio::test]
async fn odd_version_strings_are_400_problems() {
    let served = serve();
    let tokens = [
        "v",
        "v-1",
        "v1.2.3.4",
        "1..2",
        "v99999999999999999999",
        "%ff",
        "v1%00",
        "latest2",
        "1.0.0-beta",
        "🙂",
    ];
    for token in tokens {
        for (uri, header) in [
            (format!("/api/items?api-version={token}"), None),
            ("/api/items".to_owned(), Some(token)),
        ] {
            let mut request = http::Request::get(&uri);
            if let Some(value) = header {
                match http::HeaderValue::from_bytes(value.as_bytes()) {
                    Ok(value) => request = request.header("api-version", value),
                    Err(_) => continue,
                }
            }
            let answer = served.send(request.body(Body::empty()).unwrap()).await;
            let label = format!("{uri} {header:?}");
            assert_eq!(
                answer.status,
                StatusCode::BAD_REQUEST,
                "{label}: {}",
                answer.text()
            );
            assert_eq!(answer.media_type(), "application/problem+json", "{label}");
        }
    }
}
