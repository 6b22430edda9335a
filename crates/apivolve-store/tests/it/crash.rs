//! Crash safety: a child process committing units in a loop is killed with SIGKILL; after
//! reopening, every unit is fully present or fully absent.
//!
//! The child is this test binary, run with `CHILD_URL` set so that [`crash_child`] does the
//! work (it returns at once in a normal run).

use std::process::Stdio;
use std::time::Duration;

use apivolve_store::testing::{Backend, TestStore};
use apivolve_store::{Error, RetryPolicy, SharedStore, StoreOptions, open_store_with, run_unit};
use serde_json::json;
use tokio::io::{AsyncBufReadExt, BufReader};

const CHILD_URL: &str = "APIVOLVE_STORE_CRASH_URL";
const CHILD_SCHEMA: &str = "APIVOLVE_STORE_CRASH_SCHEMA";
const WRITERS: u64 = 4;
const DOCUMENTS_PER_UNIT: u64 = 3;
const COMMITS_BEFORE_KILL: usize = 60;

/// The child's work: `WRITERS` tasks each commit units forever. A unit of writer `w` bumps
/// `crash/counter/w` to `n + 1` and creates `crash/w/n/0..3`; it prints `committed w n` after
/// its commit returned.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_child() {
    let Ok(url) = std::env::var(CHILD_URL) else {
        return;
    };
    // The parent holds the file too (to read it after the kill), so no store may cache.
    let mut options = StoreOptions::default().cache_documents(0);
    if let Ok(schema) = std::env::var(CHILD_SCHEMA) {
        options = options.schema(schema);
    }
    let store = open_store_with(&url, &options).await.unwrap();
    let writers: Vec<_> = (0..WRITERS)
        .map(|writer| {
            let store = store.clone();
            tokio::spawn(async move {
                loop {
                    let n = commit_unit(&store, writer).await;
                    println!("committed {writer} {n}");
                }
            })
        })
        .collect();
    // The writers never stop: the parent kills this process.
    let _ = futures::future::join_all(writers).await;
}

async fn commit_unit(store: &SharedStore, writer: u64) -> u64 {
    let outcome = run_unit(store, &RetryPolicy::default(), |unit| async move {
        let counter = format!("crash/counter/{writer}");
        let n = unit
            .get(&counter)
            .await?
            .and_then(|v| v.as_u64())
            .unwrap_or(0);
        unit.put(counter, json!(n + 1))?;
        for part in 0..DOCUMENTS_PER_UNIT {
            unit.put(
                format!("crash/{writer}/{n:06}/{part}"),
                json!({"unit": n, "part": part}),
            )?;
        }
        Ok::<_, Error>(n)
    })
    .await
    .unwrap();
    outcome.value
}

/// Start the child on `test`'s database, kill it with SIGKILL mid-flight, and check every unit.
async fn kill_and_check(test: &TestStore) {
    let mut command = tokio::process::Command::new(std::env::current_exe().unwrap());
    command
        .args([
            "crash::crash_child",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_URL, test.url())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true);
    if let Some(schema) = &test.options().schema {
        command.env(CHILD_SCHEMA, schema);
    }
    let mut child = command.spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut acknowledged = vec![0; usize::try_from(WRITERS).unwrap()];
    let mut seen = 0;
    let reading = async {
        while let Some(line) = lines.next_line().await.unwrap() {
            let Some(rest) = line.strip_prefix("committed ") else {
                continue;
            };
            let (writer, n) = rest.split_once(' ').unwrap();
            let writer: usize = writer.parse().unwrap();
            let n: u64 = n.parse().unwrap();
            acknowledged[writer] = acknowledged[writer].max(n + 1);
            seen += 1;
            if seen == COMMITS_BEFORE_KILL {
                break;
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(120), reading)
        .await
        .expect("the child commits");
    // SIGKILL, while the writers are mid-commit.
    child.start_kill().unwrap();
    let status = child.wait().await.unwrap();
    assert!(!status.success(), "the child was killed: {status:?}");

    let store = test.reopen().await;
    for writer in 0..WRITERS {
        let counter = store
            .get_many(&[format!("crash/counter/{writer}")])
            .await
            .unwrap();
        let units = counter[0].as_ref().map_or(0, |d| d.value.as_u64().unwrap());
        let index = usize::try_from(writer).unwrap();
        assert!(
            units >= acknowledged[index],
            "writer {writer}: {units} units stored, {} acknowledged",
            acknowledged[index]
        );
        let mut keys = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let prefix = format!("crash/{writer}/");
            let page = store.list(&prefix, after.as_deref(), 500).await.unwrap();
            keys.extend(page.items.into_iter().map(|(key, _)| key));
            match page.next {
                Some(next) => after = Some(next),
                None => break,
            }
        }
        let expected: Vec<String> = (0..units)
            .flat_map(|n| {
                (0..DOCUMENTS_PER_UNIT).map(move |part| format!("crash/{writer}/{n:06}/{part}"))
            })
            .collect();
        assert_eq!(
            keys, expected,
            "writer {writer}: every unit whole or absent"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_units_survive_sigkill_whole_or_not_at_all() {
    let uncached = StoreOptions::default().cache_documents(0);
    let test = TestStore::open_with(Backend::Sqlite, uncached)
        .await
        .unwrap();
    kill_and_check(&test).await;
    test.teardown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_units_survive_sigkill_whole_or_not_at_all() {
    let Some(test) = TestStore::open(Backend::Postgres).await else {
        return;
    };
    kill_and_check(&test).await;
    test.teardown().await;
}
