//! Commit conflicts of shared units: a window (or a kept `atomic` batch) runs again from fresh
//! reads; a batch that cannot run again, or keeps conflicting, reports it truthfully.

use std::sync::atomic::Ordering;

use apivolve_server::BulkOptions;
use apivolve_store::RetryPolicy;
use serde_json::json;

use super::bulk::{Setup, bulk_request, demo, outline, send, stored};

/// `a` races with another writer on its first run; `b` is an ordinary line.
fn lines(configure: &str) -> String {
    [
        configure,
        r#"["items.put", {"name": "race", "qty": 1}, {"params": {"id": "a"}}]"#,
        r#"["items.put", {"name": "bolt", "qty": 2}, {"params": {"id": "b"}}]"#,
    ]
    .join("\n")
}

#[tokio::test]
async fn a_conflicting_window_runs_again_from_fresh_reads() {
    for mode in ["per_item", "stop_on_error", "atomic"] {
        let demo = demo(Setup::default());
        let configure = json!(["configure", {"mode": mode}]).to_string();
        let answer = send(&demo.service, bulk_request("v2", &lines(&configure), &[])).await;
        // The second run read the other writer's item: the upsert is an update now.
        assert_eq!(
            outline(answer.lines()),
            "2:200:updated 3:201:created",
            "{mode}"
        );
        assert_eq!(answer.summary()["committed"], true, "{mode}");
        assert_eq!(
            demo.calls.load(Ordering::SeqCst),
            4,
            "{mode}: two lines, two runs"
        );
        assert_eq!(
            stored(&demo.store, "items/a").await,
            Some(json!({"name": "race", "qty": 1}))
        );
        assert!(stored(&demo.store, "items/b").await.is_some());
    }
}

#[tokio::test]
async fn a_window_that_keeps_conflicting_fails_its_rows() {
    let demo = demo(Setup {
        options: BulkOptions::default().retry(RetryPolicy::default().max_attempts(1)),
        ..Setup::default()
    });
    let answer = send(&demo.service, bulk_request("v2", &lines(""), &[])).await;
    // Rows are sent after their window's commit: no row claims a write that was lost.
    assert_eq!(outline(answer.lines()), "2:409 3:409");
    let summary = answer.summary();
    assert_eq!(
        (summary["ok"].as_u64(), summary["failed"].as_u64()),
        (Some(0), Some(2))
    );
    assert_eq!(summary["committed"], false);
    assert_eq!(
        stored(&demo.store, "items/a").await,
        Some(json!({"name": "other", "qty": 0})),
        "only the other writer's item"
    );
    assert_eq!(stored(&demo.store, "items/b").await, None);
}

#[tokio::test]
async fn an_atomic_batch_too_large_to_keep_fails_on_a_conflict() {
    // A window of 10 bytes: the batch is not kept, its rows stream as lines complete.
    let demo = demo(Setup {
        options: BulkOptions::default().window(1000, 10),
        ..Setup::default()
    });
    let configure = json!(["configure", {"mode": "atomic"}]).to_string();
    let answer = send(&demo.service, bulk_request("v2", &lines(&configure), &[])).await;
    assert_eq!(outline(answer.lines()), "2:201:created 3:201:created");
    let summary = answer.summary();
    assert_eq!(summary["committed"], false);
    assert_eq!(summary["problem"]["status"], 409);
    assert_eq!(demo.calls.load(Ordering::SeqCst), 2, "no second run");
    assert_eq!(stored(&demo.store, "items/b").await, None);
}

#[tokio::test]
async fn the_window_ahead_of_a_conflicting_commit_runs_again_after_it() {
    // Windows of one line: `b` runs while `a` commits, and again once `a` ran again.
    let demo = demo(Setup {
        options: BulkOptions::default().window(1, 1 << 20),
        ..Setup::default()
    });
    let answer = send(&demo.service, bulk_request("v2", &lines(""), &[])).await;
    assert_eq!(outline(answer.lines()), "2:200:updated 3:201:created");
    assert_eq!(answer.summary()["commits"], 2);
    assert_eq!(demo.calls.load(Ordering::SeqCst), 4, "a twice, b twice");
    assert!(stored(&demo.store, "items/b").await.is_some());
}

#[tokio::test]
async fn a_window_ahead_of_a_failed_commit_runs_again_on_what_was_stored() {
    let body = [
        r#"["items.put", {"$anchor": "raced", "name": "race", "qty": 1}, {"params": {"id": "a"}}]"#,
        r#"["items.put", {"name": "bolt", "qty": {"$ref": "raced#/qty"}}, {"params": {"id": "b"}}]"#,
        r#"["items.put", {"name": "bolt", "qty": 3}, {"params": {"id": "c"}}]"#,
    ]
    .join("\n");
    for (mode, expected) in [
        ("per_item", "2:409 3:424 4:201:created"),
        ("stop_on_error", "2:409 3:424 4:424"),
    ] {
        let demo = demo(Setup {
            options: BulkOptions::default()
                .window(1, 1 << 20)
                .retry(RetryPolicy::default().max_attempts(1)),
            ..Setup::default()
        });
        let configure = json!(["configure", {"mode": mode}]).to_string();
        let answer = send(
            &demo.service,
            bulk_request("v2", &format!("{configure}\n{body}"), &[]),
        )
        .await;
        // `b` ran ahead on `a`'s anchor while `a` committed; `a`'s commit failed, so `b` runs
        // again and depends on a failed line.
        assert_eq!(outline(answer.lines()), expected, "{mode}");
        assert_eq!(stored(&demo.store, "items/b").await, None, "{mode}");
    }
}
