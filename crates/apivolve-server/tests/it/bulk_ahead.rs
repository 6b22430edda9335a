//! Lines run ahead of their turn in child units, and windows ahead of the previous window's
//! commit; what a request answers and stores must still be what running its lines one by one
//! gives, whatever the lines share.

use std::sync::atomic::Ordering;

use apivolve_server::BulkOptions;
use apivolve_store::testing::{Backend, TestStore};
use serde_json::{Value, json};

use super::bulk::{Demo, Setup, bulk_request, demo, send, stored};

fn add(by: i64) -> String {
    json!(["counter", null, {"method": "POST", "query": {"by": by}}]).to_string()
}

fn put(id: &str, name: &str) -> String {
    json!(["items.put", {"name": name, "qty": 1}, {"params": {"id": id}}]).to_string()
}

fn get(id: &str) -> String {
    json!(["items.get", null, {"params": {"id": id}}]).to_string()
}

/// 300 lines: every third adds to one counter, the others write and read items, some refused.
fn interleaved() -> Vec<String> {
    (0..300)
        .map(|n| match n % 3 {
            0 => add(1),
            1 if n % 21 == 1 => put(&format!("i{n}"), "reject"),
            1 => put(&format!("i{n}"), "bolt"),
            _ => get(&format!("i{}", n - 1)),
        })
        .collect()
}

/// The demo on `test_store`'s store with these bulk options.
fn demo_on(test_store: &TestStore, options: BulkOptions) -> Demo {
    demo(Setup {
        store: Some(test_store.store().clone()),
        options,
        ..Setup::default()
    })
}

/// Each row's status and value (`value` of a counter, `name` of an item).
fn answers(rows: &[Value]) -> Vec<(u64, Value)> {
    rows.iter()
        .map(|row| {
            let status = row["status"].as_u64().unwrap_or(0);
            let body = &row["body"];
            let value = body
                .get("value")
                .or(body.get("name"))
                .cloned()
                .unwrap_or(Value::Null);
            (status, value)
        })
        .collect()
}

/// What one-by-one execution answers for `interleaved()` in `per_item` mode.
fn expected_per_item() -> Vec<(u64, Value)> {
    let mut counter = 0;
    (0..300)
        .map(|n| match n % 3 {
            0 => {
                counter += 1;
                (200, json!(counter))
            }
            1 if n % 21 == 1 => (422, Value::Null),
            1 => (201, json!("bolt")),
            _ if (n - 1) % 21 == 1 => (404, Value::Null),
            _ => (200, json!("bolt")),
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shared_documents_give_the_answers_of_one_by_one() {
    for backend in [Backend::Memory, Backend::Sqlite, Backend::Postgres] {
        let Some(test_store) = TestStore::open(backend).await else {
            continue;
        };
        let demo = demo_on(&test_store, BulkOptions::default());
        let body = interleaved().join("\n");
        let answer = send(&demo.service, bulk_request("v2", &body, &[])).await;
        assert_eq!(answers(answer.lines()), expected_per_item(), "{backend}");
        assert_eq!(
            stored(&demo.store, "counter").await,
            Some(json!(100)),
            "{backend}"
        );
        assert_eq!(
            stored(&demo.store, "items/i1").await,
            None,
            "{backend}: refused"
        );
        assert!(stored(&demo.store, "items/i4").await.is_some(), "{backend}");
        test_store.teardown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_on_error_and_atomic_stop_at_the_first_failure() {
    for mode in ["stop_on_error", "atomic"] {
        let demo = demo(Setup::default());
        let configure = json!(["configure", {"mode": mode}]).to_string();
        let mut lines = vec![configure];
        lines.extend((0..50).map(|_| add(1)));
        lines.push(put("bad", "reject"));
        lines.extend((0..50).map(|_| add(1)));
        let answer = send(&demo.service, bulk_request("v2", &lines.join("\n"), &[])).await;
        let statuses: Vec<u64> = answers(answer.lines()).iter().map(|(s, _)| *s).collect();
        assert_eq!(statuses[..50], [200; 50], "{mode}");
        assert_eq!(statuses[50], 422, "{mode}");
        assert_eq!(statuses[51..], [424; 50], "{mode}: skipped");
        let counter = if mode == "atomic" {
            None
        } else {
            Some(json!(50))
        };
        assert_eq!(stored(&demo.store, "counter").await, counter, "{mode}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repeated_anchor_is_refused_even_when_its_line_ran_ahead() {
    let demo = demo(Setup::default());
    let line = |id: &str| {
        json!(["items.put", {"$anchor": "same", "name": "bolt", "qty": 1}, {"params": {"id": id}}])
            .to_string()
    };
    let body = [line("a"), line("b")].join("\n");
    let answer = send(&demo.service, bulk_request("v2", &body, &[])).await;
    let statuses: Vec<u64> = answers(answer.lines()).iter().map(|(s, _)| *s).collect();
    assert_eq!(statuses, [201, 400]);
    assert_eq!(stored(&demo.store, "items/b").await, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn windows_that_run_while_the_one_before_commits_give_the_answers_of_one_by_one() {
    for backend in [Backend::Memory, Backend::Sqlite, Backend::Postgres] {
        // Windows of one line: the 100 adds and 85 accepted puts write, the reads do not.
        for (window, commits) in [(1, 185), (7, 43)] {
            let Some(test_store) = TestStore::open(backend).await else {
                continue;
            };
            let demo = demo_on(&test_store, BulkOptions::default().window(window, 1 << 20));
            let body = interleaved().join("\n");
            let answer = send(&demo.service, bulk_request("v2", &body, &[])).await;
            let context = format!("{backend}, windows of {window}");
            assert_eq!(answers(answer.lines()), expected_per_item(), "{context}");
            assert_eq!(
                answer.summary()["commits"].as_u64(),
                Some(commits),
                "{context}: one commit per window that wrote"
            );
            assert_eq!(
                stored(&demo.store, "counter").await,
                Some(json!(100)),
                "{context}"
            );
            assert_eq!(stored(&demo.store, "items/i1").await, None, "{context}");
            assert!(stored(&demo.store, "items/i4").await.is_some(), "{context}");
            test_store.teardown().await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_window_ahead_builds_on_what_the_window_committing_wrote() {
    for backend in [Backend::Memory, Backend::Sqlite, Backend::Postgres] {
        let Some(test_store) = TestStore::open(backend).await else {
            continue;
        };
        let demo = demo_on(&test_store, BulkOptions::default().window(1, 1 << 20));
        let body = (0..60).map(|_| add(1)).collect::<Vec<_>>().join("\n");
        let answer = send(&demo.service, bulk_request("v2", &body, &[])).await;
        let expected: Vec<(u64, Value)> = (1..=60).map(|n| (200, json!(n))).collect();
        assert_eq!(answers(answer.lines()), expected, "{backend}");
        assert_eq!(stored(&demo.store, "counter").await, Some(json!(60)));
        assert_eq!(
            demo.calls.load(Ordering::SeqCst),
            60,
            "{backend}: no window ran twice"
        );
        test_store.teardown().await;
    }
}
