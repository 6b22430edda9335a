//! Two processes on one PostgreSQL database increment one counter through units: nothing is lost.
//!
//! The processes are this test binary run again with `CHILD_URL` set, so that
//! [`processes_child`] does the work (it returns at once in a normal run).

use std::time::Duration;

use apivolve_store::testing::{Backend, TestStore};
use apivolve_store::{Error, RetryPolicy, StoreOptions, open_store_with, run_unit};
use serde_json::json;

const CHILD_URL: &str = "APIVOLVE_STORE_PROCESSES_URL";
const CHILD_SCHEMA: &str = "APIVOLVE_STORE_PROCESSES_SCHEMA";
const PROCESSES: u64 = 2;
const TASKS: u64 = 4;
const UNITS: u64 = 25;

/// One process's work: `TASKS` tasks each commit `UNITS` increments of `counter`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn processes_child() {
    let Ok(url) = std::env::var(CHILD_URL) else {
        return;
    };
    let schema = std::env::var(CHILD_SCHEMA).unwrap();
    let store = open_store_with(&url, &StoreOptions::default().schema(schema))
        .await
        .unwrap();
    let policy = RetryPolicy::default()
        .max_attempts(2_000)
        .delays(Duration::from_micros(200), Duration::from_millis(20));
    let tasks: Vec<_> = (0..TASKS)
        .map(|_| {
            let (store, policy) = (store.clone(), policy.clone());
            tokio::spawn(async move {
                for _ in 0..UNITS {
                    run_unit(&store, &policy, |unit| async move {
                        let n = unit
                            .get("counter")
                            .await?
                            .and_then(|v| v.as_u64())
                            .unwrap_or(0);
                        unit.put("counter", json!(n + 1))?;
                        Ok::<_, Error>(())
                    })
                    .await
                    .unwrap();
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_on_postgres_lose_no_increment() {
    let Some(test) = TestStore::open(Backend::Postgres).await else {
        return;
    };
    let schema = test.options().schema.clone().unwrap();
    let children: Vec<_> = (0..PROCESSES)
        .map(|_| {
            tokio::process::Command::new(std::env::current_exe().unwrap())
                .args(["processes::processes_child", "--exact", "--test-threads=1"])
                .env(CHILD_URL, test.url())
                .env(CHILD_SCHEMA, &schema)
                .stdout(std::process::Stdio::null())
                .kill_on_drop(true)
                .status()
        })
        .collect();
    for status in futures::future::join_all(children).await {
        assert!(
            status.unwrap().success(),
            "every unit of the child committed"
        );
    }
    let counter = test
        .store()
        .get_many(&["counter".to_owned()])
        .await
        .unwrap();
    let value = counter[0].as_ref().map(|document| document.value.clone());
    assert_eq!(value, Some(json!(PROCESSES * TASKS * UNITS)));
    test.teardown().await;
}
