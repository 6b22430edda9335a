//! `store`: commits per second of independent units (each reads one document and writes it) at
//! concurrency 1, 16 and 64, on SQLite without and with group commit and on PostgreSQL when
//! `DATABASE_URL` is set; then reads and writes per uncontended read-modify-write unit.
//!
//! Each measurement runs for a fixed time. The summary line is
//! `store reads/unit=<r> writes/unit=<w> groupcommit-speedup=<x>`, the speed-up being SQLite with
//! group commit over SQLite without it, at concurrency 64.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use apivolve_store::{
    Error, RetryPolicy, SharedStore, StoreOptions, Write, open_store_with, run_unit,
};
use serde_json::json;

const CONCURRENCY: [usize; 3] = [1, 16, 64];
const MEASURE_FOR: Duration = Duration::from_secs(2);
/// The PostgreSQL schema the bench uses; its documents are removed at the end of the run.
const POSTGRES_SCHEMA: &str = "apivolve_bench";

/// One measured configuration.
struct Row {
    store: &'static str,
    concurrency: usize,
    units: u64,
    per_second: f64,
    attempts_per_unit: f64,
}

/// Run the store benchmark and print its table and summary line.
pub(crate) async fn run() -> anyhow::Result<()> {
    let directory = tempfile::tempdir().context("creating a temporary directory")?;
    let mut rows = Vec::new();
    for (name, group_commit) in [("sqlite", false), ("sqlite+group", true)] {
        let path = directory.path().join(format!("{name}.db"));
        let url = format!("sqlite://{}", path.display());
        let options = StoreOptions::default().group_commit(group_commit);
        let store = open_store_with(&url, &options)
            .await
            .with_context(|| format!("opening {url}"))?;
        for concurrency in CONCURRENCY {
            rows.push(measure(name, &store, concurrency, "bench").await?);
        }
    }
    match std::env::var("DATABASE_URL") {
        Ok(url) => {
            let options = StoreOptions::default()
                .schema(POSTGRES_SCHEMA)
                .max_connections(16);
            let store = open_store_with(&url, &options)
                .await
                .context("opening PostgreSQL")?;
            let run = format!("bench-{}-{}", std::process::id(), rand::random::<u32>());
            for concurrency in CONCURRENCY {
                rows.push(measure("postgres", &store, concurrency, &run).await?);
            }
            remove_prefix(&store, &format!("{run}/")).await?;
        }
        Err(_) => println!("postgres: skipped: DATABASE_URL not set"),
    }

    let store = open_store_with("sqlite::memory:", &StoreOptions::default()).await?;
    let (reads, writes) = read_modify_write(&store).await?;

    println!(
        "{:<14} {:>11} {:>8} {:>12} {:>14}",
        "store", "concurrency", "units", "commits/s", "attempts/unit"
    );
    for row in &rows {
        println!(
            "{:<14} {:>11} {:>8} {:>12.0} {:>14.2}",
            row.store, row.concurrency, row.units, row.per_second, row.attempts_per_unit
        );
    }
    let at_64 = |name: &str| {
        rows.iter()
            .find(|row| row.store == name && row.concurrency == 64)
            .map_or(0.0, |row| row.per_second)
    };
    let speedup = at_64("sqlite+group") / at_64("sqlite").max(f64::MIN_POSITIVE);
    println!("uncontended read-modify-write: {reads} read(s), {writes} write(s) per unit");
    println!("group commit speed-up at concurrency 64: {speedup:.2}x");
    println!("store reads/unit={reads} writes/unit={writes} groupcommit-speedup={speedup:.2}");
    Ok(())
}

/// Commits per second of `concurrency` tasks, each running units on its own document for
/// [`MEASURE_FOR`].
async fn measure(
    name: &'static str,
    store: &SharedStore,
    concurrency: usize,
    run: &str,
) -> anyhow::Result<Row> {
    let units = Arc::new(AtomicU64::new(0));
    let attempts = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let deadline = started + MEASURE_FOR;
    let tasks: Vec<_> = (0..concurrency)
        .map(|task| {
            let store = store.clone();
            let key = format!("{run}/{name}/{concurrency}/{task}");
            let (units, attempts) = (units.clone(), attempts.clone());
            tokio::spawn(async move {
                while Instant::now() < deadline {
                    let outcome = run_unit(&store, &RetryPolicy::default(), |unit| {
                        let key = key.clone();
                        async move {
                            let n = unit.get(&key).await?.and_then(|v| v.as_u64()).unwrap_or(0);
                            unit.put(key, json!(n + 1))?;
                            Ok::<_, Error>(())
                        }
                    })
                    .await?;
                    units.fetch_add(1, Ordering::Relaxed);
                    attempts.fetch_add(u64::from(outcome.stats.attempts), Ordering::Relaxed);
                }
                Ok::<_, Error>(())
            })
        })
        .collect();
    for task in tasks {
        task.await.context("a bench task panicked")??;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let units = units.load(Ordering::Relaxed);
    #[expect(clippy::cast_precision_loss, reason = "unit counts are far below 2^52")]
    let (count, tried) = (units as f64, attempts.load(Ordering::Relaxed) as f64);
    Ok(Row {
        store: name,
        concurrency,
        units,
        per_second: count / elapsed,
        attempts_per_unit: tried / count.max(1.0),
    })
}

/// Reads and writes of one uncontended unit that reads a document and writes it back changed.
async fn read_modify_write(store: &SharedStore) -> anyhow::Result<(u64, u64)> {
    store
        .commit(vec![Write::Insert {
            key: "rmw".to_owned(),
            value: json!({"n": 0}),
        }])
        .await?;
    let outcome = run_unit(store, &RetryPolicy::default(), |unit| async move {
        let n = unit
            .get("rmw")
            .await?
            .and_then(|v| v["n"].as_u64())
            .unwrap_or(0);
        unit.put("rmw", json!({"n": n + 1}))?;
        Ok::<_, Error>(())
    })
    .await?;
    Ok((outcome.stats.reads, outcome.stats.writes))
}

/// Delete every document under `prefix`, a page at a time.
async fn remove_prefix(store: &SharedStore, prefix: &str) -> anyhow::Result<()> {
    loop {
        let page = store.list(prefix, None, 500).await?;
        if page.items.is_empty() {
            return Ok(());
        }
        let deletes = page
            .items
            .into_iter()
            .map(|(key, _)| Write::Delete {
                key,
                expected_version: None,
            })
            .collect();
        store.commit(deletes).await?;
    }
}
