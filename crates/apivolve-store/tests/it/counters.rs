//! Units count what they do into the `metrics` facade.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use apivolve_store::{Error, MemoryStore, RetryPolicy, SharedStore, Write, run_unit};
use metrics_util::debugging::{DebugValue, DebuggingRecorder};
use serde_json::json;

#[test]
fn units_count_reads_writes_commits_conflicts_and_retries() {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    metrics::with_local_recorder(&recorder, || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let store: SharedStore = Arc::new(MemoryStore::new());
            let attempts = AtomicU32::new(0);
            run_unit(&store, &RetryPolicy::default(), |unit| {
                let attempt = attempts.fetch_add(1, Ordering::SeqCst) + 1;
                let store = store.clone();
                async move {
                    let n = unit.get("n").await?.and_then(|n| n.as_i64()).unwrap_or(0);
                    if attempt == 1 {
                        // Another writer gets in first: this attempt conflicts, the next commits.
                        let write = Write::Insert {
                            key: "n".to_owned(),
                            value: json!(10),
                        };
                        store.commit(vec![write]).await?;
                    }
                    unit.put("n", json!(n + 1))?;
                    Ok::<_, Error>(())
                }
            })
            .await
            .unwrap();
        });
    });
    let counters: HashMap<String, u64> = snapshotter
        .snapshot()
        .into_vec()
        .into_iter()
        .filter_map(|(key, _, _, value)| match value {
            DebugValue::Counter(count) => Some((key.key().name().to_owned(), count)),
            _ => None,
        })
        .collect();
    assert_eq!(counters.get("store_reads_total"), Some(&2), "{counters:?}");
    assert_eq!(
        counters.get("store_conflicts_total"),
        Some(&1),
        "{counters:?}"
    );
    assert_eq!(
        counters.get("store_retries_total"),
        Some(&1),
        "{counters:?}"
    );
    assert_eq!(
        counters.get("store_commits_total"),
        Some(&1),
        "{counters:?}"
    );
    assert_eq!(counters.get("store_writes_total"), Some(&1), "{counters:?}");
}
