//! Fault injection on every backend: refused and failed writes change nothing and are
//! `Unavailable`, so a server answers 5xx.

use std::sync::Arc;
use std::time::{Duration, Instant};

use apivolve_store::testing::{Backend, FaultyStore, TestStore};
use apivolve_store::{
    DocumentStore, Error, ErrorKind, RetryPolicy, SharedStore, UnitOfWork, Write, run_unit,
};
use serde_json::json;

async fn on_every_backend(check: impl AsyncFn(SharedStore)) {
    for backend in [Backend::Memory, Backend::Sqlite, Backend::Postgres] {
        let Some(test) = TestStore::open(backend).await else {
            continue;
        };
        check(test.store().clone()).await;
        test.teardown().await;
    }
}

#[tokio::test]
async fn a_refused_write_leaves_the_document_unchanged() {
    on_every_backend(async |inner: SharedStore| {
        inner
            .commit(vec![Write::Insert {
                key: "doc".into(),
                value: json!({"v": 1}),
            }])
            .await
            .unwrap();
        let faulty = FaultyStore::new(inner.clone());
        faulty.faults().refuse_writes(true);
        let store: SharedStore = Arc::new(faulty);
        let result = run_unit(&store, &RetryPolicy::default(), |unit| async move {
            unit.merge("doc", json!({"v": 2})).await?;
            unit.put("other", json!(1))?;
            Ok::<_, Error>(())
        })
        .await;
        let error = result.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Unavailable, "{error:?}");
        let found = inner
            .get_many(&["doc".into(), "other".into()])
            .await
            .unwrap();
        assert_eq!(found[0].as_ref().unwrap().value, json!({"v": 1}));
        assert!(found[1].is_none());
    })
    .await;
}

#[tokio::test]
async fn the_nth_commit_fails_and_the_others_go_through() {
    on_every_backend(async |inner: SharedStore| {
        let faulty = FaultyStore::new(inner.clone());
        let faults = faulty.faults();
        faults.fail_nth_commit(2);
        let store: SharedStore = Arc::new(faulty);
        let mut results = Vec::new();
        for n in 0..3 {
            let unit = UnitOfWork::new(store.clone());
            unit.put(format!("n/{n}"), json!(n)).unwrap();
            results.push(unit.commit().await.map_err(|error| error.kind()));
        }
        assert_eq!(results, [Ok(()), Err(ErrorKind::Unavailable), Ok(())]);
        let page = inner.list("n/", None, 10).await.unwrap();
        let keys: Vec<_> = page.items.iter().map(|(key, _)| key.as_str()).collect();
        assert_eq!(keys, ["n/0", "n/2"]);
        assert_eq!(faults.commits(), 3);
    })
    .await;
}

#[tokio::test]
async fn refused_reads_and_added_latency() {
    let Some(test) = TestStore::open(Backend::Memory).await else {
        return;
    };
    let faulty = FaultyStore::new(test.store().clone());
    let faults = faulty.faults();
    faults.refuse_reads(true);
    let error = faulty.list("", None, 10).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Unavailable);
    faults.refuse_reads(false);
    faults.set_latency(Duration::from_millis(20));
    let started = Instant::now();
    assert_eq!(faulty.get_many(&["k".into()]).await.unwrap(), [None]);
    assert!(
        started.elapsed() >= Duration::from_millis(20),
        "the latency was added"
    );
    assert_eq!(faulty.backend(), "memory");
}
