//! 64 concurrent committers of new numbers on one app: every committed number is distinct and
//! none is lost (the stored consumption is exactly the set of numbers answered `updated: true`).
//! On PostgreSQL also with two service instances sharing one schema.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use apivolve_store::RetryPolicy;
use apivolve_store::testing::{Backend, TestStore};
use reqwest::Method;
use serde_json::{Value, json};

use crate::harness::{Options, Server, unique_app};

const COMMITTERS: usize = 64;

/// Patient enough that 64 committers on one document all get through.
fn patient() -> Options {
    Options {
        retry: RetryPolicy::default()
            .max_attempts(200)
            .delays(Duration::from_millis(1), Duration::from_millis(20)),
    }
}

/// Sends the committers, alternating v1 and v2 and spreading them over `servers`; checks the
/// answers against what `reader` stores.
async fn commit_concurrently(servers: &[Arc<Server>], reader: &Server) {
    let app = unique_app();
    let body = json!({"appId": app, "type": "codeunit", "ranges": [{"from": 50000, "to": 59999}]});
    let mut tasks = Vec::new();
    for index in 0..COMMITTERS {
        let server = servers[index % servers.len()].clone();
        let body = body.clone();
        let path = if index % 2 == 0 {
            "/api/v2/getNext"
        } else {
            "/api/v1/getNext"
        };
        tasks.push(tokio::spawn(async move {
            server.send(Method::POST, path, Some(&body)).await
        }));
    }
    let mut committed = BTreeSet::new();
    for task in tasks {
        let (status, _, text) = task.await.unwrap();
        assert_eq!(status, 200, "{text}");
        let answer: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(answer["updated"], true, "{answer}");
        let id = answer["id"].as_u64().unwrap();
        assert!(committed.insert(id), "{id} was handed out twice");
    }
    let stored: BTreeSet<u64> = reader
        .document(&app)
        .await
        .and_then(|document| document.get("codeunit").cloned())
        .and_then(|numbers| serde_json::from_value(numbers).ok())
        .unwrap_or_default();
    assert_eq!(stored, committed, "stored numbers against numbers answered");
    let expected: BTreeSet<u64> = (50000..50000 + COMMITTERS as u64).collect();
    assert_eq!(committed, expected, "the first free numbers, each once");
}

async fn one_instance(backend: Backend) {
    let Some(test_store) = TestStore::open(backend).await else {
        return;
    };
    let server = Arc::new(Server::serve(test_store.store().clone(), patient()).await);
    commit_concurrently(std::slice::from_ref(&server), &server).await;
    server.stop();
    test_store.teardown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn memory() {
    one_instance(Backend::Memory).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite() {
    one_instance(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres() {
    one_instance(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_two_instances() {
    let Some(test_store) = TestStore::open(Backend::Postgres).await else {
        return;
    };
    let first = Arc::new(Server::serve(test_store.store().clone(), patient()).await);
    let second = Arc::new(Server::serve(test_store.reopen().await, patient()).await);
    commit_concurrently(&[first.clone(), second.clone()], &first).await;
    first.stop();
    second.stop();
    test_store.teardown().await;
}
