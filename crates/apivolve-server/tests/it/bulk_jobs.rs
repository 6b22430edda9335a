//! Async bulk jobs: 202 with a job URL, then the rows from the job until it expires.

use std::time::Duration;

use apivolve_store::Write;
use axum::body::Body;
use http::{Request, StatusCode};
use serde_json::json;

use super::bulk::{Answer, Demo, Setup, bulk_request, demo, outline, send, stored};

const LINES: &str = concat!(
    r#"["configure", {"respond": "async", "mode": "atomic"}]"#,
    "\n",
    r#"["items.put", {"$anchor": "a", "name": "bolt", "quantity": 1}, {"params": {"id": "a"}}]"#,
    "\n",
    r#"["items.get", null, {"params": {"id": {"$ref": "a"}}}]"#,
    "\n",
);

async fn get(demo: &Demo, location: &str) -> Answer {
    send(
        &demo.service,
        Request::get(location).body(Body::empty()).unwrap(),
    )
    .await
}

/// Polls the job until it is no longer running (202).
async fn wait_for(demo: &Demo, location: &str) -> Answer {
    for _ in 0..500 {
        let answer = get(demo, location).await;
        if answer.status != StatusCode::ACCEPTED {
            return answer;
        }
        assert_eq!(answer.rows[0]["state"], "running");
        assert_eq!(answer.headers["retry-after"], "1");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the job did not end");
}

#[tokio::test]
async fn an_async_job_answers_at_once_and_keeps_its_rows() {
    let demo = demo(Setup::default());
    let accepted = send(&demo.service, bulk_request("v1", LINES, &[])).await;
    assert_eq!(accepted.status, StatusCode::ACCEPTED);
    let location = accepted.headers["location"].to_str().unwrap().to_owned();
    let id = accepted.rows[0]["job"].as_str().unwrap().to_owned();
    assert_eq!(location, format!("/api/1.0.0/bulk/jobs/{id}"));
    assert_eq!(accepted.rows[0]["href"], location.as_str());
    assert_eq!(accepted.headers["api-version"], "1.0.0");

    let done = wait_for(&demo, &location).await;
    assert_eq!(done.status, StatusCode::OK);
    assert_eq!(done.headers["content-type"], "application/x-ndjson");
    assert_eq!(outline(done.lines()), "2:201:created 3:200");
    assert_eq!(
        done.lines()[1]["body"],
        json!({"id": "a", "name": "bolt", "quantity": 1})
    );
    assert_eq!(done.summary()["committed"], true);
    assert_eq!(
        stored(&demo.store, "items/a").await,
        Some(json!({"name": "bolt", "qty": 1}))
    );
    // Fetched again: the same rows.
    let again = get(&demo, &location).await;
    assert_eq!(again.text, done.text);

    // Once expired, the job is gone (its record and rows removed).
    let key = format!("_bulk_jobs/{id}");
    let record = demo
        .store
        .get_many(std::slice::from_ref(&key))
        .await
        .unwrap();
    let record = record.into_iter().next().flatten().unwrap();
    let mut expired = record.value.clone();
    expired["expires_at"] = json!(0);
    demo.store
        .commit(vec![Write::Replace {
            key: key.clone(),
            value: expired,
            expected_version: record.version,
        }])
        .await
        .unwrap();
    let gone = get(&demo, &location).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    assert_eq!(stored(&demo.store, &key).await, None);
    let page = demo.store.list(&key, None, 10).await.unwrap();
    assert!(page.items.is_empty(), "the job's rows are removed too");
}

#[tokio::test]
async fn unknown_jobs_are_not_found() {
    let demo = demo(Setup::default());
    for id in ["0123456789abcdef0123456789abcdef", "../items", ""] {
        let answer = get(&demo, &format!("/api/v2/bulk/jobs/{id}")).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{id}");
    }
}

#[tokio::test]
async fn an_async_job_reads_the_rest_of_the_body_after_its_202() {
    let demo = demo(Setup::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let service = demo.service.clone();
    tokio::spawn(async move {
        axum::serve(listener, axum::ServiceExt::into_make_service(service))
            .await
            .unwrap();
    });
    let stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .unwrap();
    tokio::spawn(connection);
    let (body, receiver) = tokio::sync::mpsc::channel::<Result<bytes::Bytes, std::io::Error>>(4);
    let frames = futures::stream::unfold(receiver, |mut receiver| async move {
        receiver
            .recv()
            .await
            .map(|item| (item.map(hyper::body::Frame::data), receiver))
    });
    let request = Request::post("/api/v2/bulk")
        .header("host", address.to_string())
        .header("content-type", "application/x-ndjson")
        .body(http_body_util::StreamBody::new(frames))
        .unwrap();
    let line = |id: &str| {
        format!(
            "[\"items.put\", {{\"name\": \"x\", \"qty\": 1}}, {{\"params\": {{\"id\": \"{id}\"}}}}]\n"
        )
    };
    body.send(Ok("[\"configure\", {\"respond\": \"async\"}]\n".into()))
        .await
        .unwrap();
    let response = sender.send_request(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    // The rest of the body goes after the answer.
    for id in ["a", "b", "c"] {
        body.send(Ok(line(id).into())).await.unwrap();
    }
    drop(body);
    let done = wait_for(&demo, &location).await;
    assert_eq!(
        outline(done.lines()),
        "2:201:created 3:201:created 4:201:created"
    );
    assert!(stored(&demo.store, "items/c").await.is_some());
}
