//! The fast path: a client on latest gets its bytes to the inner service and the inner service's
//! bytes back exactly as sent, whitespace and key order included.

use axum::body::Body;
use http::{StatusCode, header};

use crate::versioning::{CREATED, serve};

/// A request body with odd whitespace, an escaped character and keys out of schema order.
const ODD: &str = "{ \"status\" :\"active\",\n\t\"title\":   \"Chair\" ,\"note\\u0021\":1 }";

#[tokio::test]
async fn latest_request_and_response_bytes_pass_through_untouched() {
    let served = serve();
    for uri in ["/api/v4/items", "/api/latest/items", "/api/4.1.0/items"] {
        let request = http::Request::put(uri)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(ODD))
            .unwrap();
        let answer = served.send(request).await;
        // `note!` is not in NewItem, whose schema allows no other property: the layer validates
        // latest too, and still forwards nothing it rewrote.
        assert_eq!(
            answer.status,
            StatusCode::BAD_REQUEST,
            "{uri}: {}",
            answer.text()
        );
    }
    let body = ODD.replace(",\"note\\u0021\":1", "");
    for uri in ["/api/v4/items", "/api/latest/items", "/api/4.1.0/items"] {
        let request = http::Request::put(uri)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.clone()))
            .unwrap();
        let answer = served.send(request).await;
        assert_eq!(
            answer.status,
            StatusCode::CREATED,
            "{uri}: {}",
            answer.text()
        );
        assert_eq!(served.last().unwrap().body, body.as_bytes(), "{uri}");
        assert_eq!(answer.body, CREATED.as_bytes(), "{uri}");
    }
}

#[tokio::test]
async fn an_older_client_gets_a_rewritten_body() {
    // The same call from 3.0.0, where nothing touches the request but the response loses
    // `price` on the way down: the request bytes still pass through, the response is re-encoded.
    let served = serve();
    let body = "{ \"title\" :  \"Chair\" }";
    let request = http::Request::put("/api/3.0.0/items")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body))
        .unwrap();
    let answer = served.send(request).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text());
    assert_eq!(served.last().unwrap().body, body.as_bytes());
    assert_eq!(
        answer.text(),
        r#"{"title":"Chair","status":"draft","id":"4"}"#
    );
    // From 2.0.0 the request is migrated (`name` becomes `title`) and so re-encoded.
    let request = http::Request::put("/api/2.0.0/items")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{ \"name\" :  \"Chair\" }"))
        .unwrap();
    let answer = served.send(request).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    assert_eq!(
        served.last().unwrap().body,
        r#"{"title":"Chair"}"#.as_bytes()
    );
    assert_eq!(
        answer.json(),
        serde_json::json!({"id": "4", "name": "Chair", "status": "active"})
    );
    assert!(
        !answer.text().contains(' '),
        "re-encoded compactly: {}",
        answer.text()
    );
}
