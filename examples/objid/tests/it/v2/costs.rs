//! What a call costs the store, counted by the harness' probe: a committed new number is one
//! read and one write; a peek is one read; a conflict re-runs the unit, and past the retry bound
//! answers 409 (418 at v1) and writes nothing.

use apivolve_store::RetryPolicy;
use apivolve_store::testing::Backend;
use reqwest::Method;
use serde_json::{Value, json};

use crate::harness::{self, Counts, Options, Server, on_every_backend, unique_app};

fn get_next(app: &str) -> Value {
    json!({"appId": app, "type": "codeunit", "ranges": [{"from": 50000, "to": 59999}]})
}

/// Sends one request; returns its status, body and what it cost.
async fn measured(
    server: &Server,
    method: Method,
    path: &str,
    body: &Value,
) -> (u16, Value, Counts) {
    let before = server.probe.counts();
    let (status, _, text) = server.send(method, path, Some(body)).await;
    let cost = server.probe.counts() - before;
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::Null),
        cost,
    )
}

const ONE_WRITE: Counts = Counts {
    reads: 1,
    writes: 1,
    commits: 1,
};

const ONE_READ: Counts = Counts {
    reads: 1,
    writes: 0,
    commits: 0,
};

async fn costs(backend: Backend) {
    let Some((test_store, server)) = harness::start(backend).await else {
        return;
    };
    let app = unique_app();
    for (path, expected_id) in [("/api/v2/getNext", 50000), ("/api/v1/getNext", 50001)] {
        let (status, body, cost) = measured(&server, Method::POST, path, &get_next(&app)).await;
        assert_eq!(
            (status, &body["id"]),
            (200, &json!(expected_id)),
            "{path}: {body}"
        );
        assert_eq!(cost, ONE_WRITE, "a committed number at {path}");
    }
    let (status, body, cost) =
        measured(&server, Method::GET, "/api/v2/getNext", &get_next(&app)).await;
    assert_eq!((status, &body["id"]), (200, &json!(50002)), "{body}");
    assert_eq!(cost, ONE_READ, "a peek");
    for path in [
        "/api/v2/getConsumption",
        "/api/v2/checkApp",
        "/api/v2/authorizeApp",
    ] {
        let (status, body, cost) =
            measured(&server, Method::GET, path, &json!({"appId": app})).await;
        assert_eq!(status, 200, "{path}: {body}");
        assert_eq!(cost, ONE_READ, "GET {path}");
    }
    let stored = server.document(&app).await;
    assert_eq!(
        stored
            .as_ref()
            .and_then(|document| document.get("codeunit")),
        Some(&json!([50000, 50001]))
    );

    // One conflict: the unit runs again from a fresh read and commits once.
    server.probe.interfere_with(1);
    let (status, body, cost) =
        measured(&server, Method::POST, "/api/v2/getNext", &get_next(&app)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (&body["id"], &body["updateAttempts"]),
        (&json!(50002), &json!(1))
    );
    assert_eq!(
        cost,
        Counts {
            reads: 2,
            writes: 1,
            commits: 1
        }
    );
    harness::finish(test_store, server).await;
}

on_every_backend!(costs);

/// Past the retry bound: 409 with a problem at v2, 418 with plain text at v1; nothing written.
async fn retry_bound(backend: Backend) {
    let options = Options {
        retry: RetryPolicy::default().max_attempts(1),
    };
    let Some((test_store, server)) = harness::start_with(backend, options).await else {
        return;
    };
    let app = unique_app();
    server
        .store_document(&app, json!({"codeunit": [50000]}))
        .await;
    for (path, status, content_type, text) in [
        ("/api/v2/getNext", 409, "application/problem+json", None),
        (
            "/api/v1/getNext",
            418,
            "text/plain",
            Some("Too many attempts at updating the store"),
        ),
    ] {
        server.probe.interfere_with(1);
        let before = server.probe.counts();
        let answer = server.send(Method::POST, path, Some(&get_next(&app))).await;
        server.probe.interfere_with(0);
        assert_eq!(answer.0, status, "{path}: {answer:?}");
        assert!(answer.1.starts_with(content_type), "{path}: {answer:?}");
        match text {
            Some(text) => assert_eq!(answer.2, text),
            None => {
                let problem: Value = serde_json::from_str(&answer.2).unwrap();
                assert_eq!(problem["detail"], "Too many attempts at updating the store");
                assert_eq!(problem["status"], 409);
            }
        }
        assert_eq!(
            server.probe.counts() - before,
            Counts {
                reads: 1,
                writes: 0,
                commits: 0
            }
        );
        assert_eq!(
            server.document(&app).await,
            Some(json!({"codeunit": [50000]}))
        );
    }
    harness::finish(test_store, server).await;
}

mod retry_bound {
    use super::retry_bound;
    use crate::harness::on_every_backend;

    on_every_backend!(retry_bound);
}
