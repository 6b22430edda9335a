//! Document store and unit of work: JSON documents by string key, read through a per-request
//! cache, written in one conditional commit with optimistic concurrency.
//!
//! A [`DocumentStore`] holds JSON documents, each with a [`Document::version`]. It reads many keys
//! in one batch ([`DocumentStore::get_many`]), applies many conditional [`Write`]s atomically
//! ([`DocumentStore::commit`]; a failing condition fails the commit with every conflicting key),
//! and lists keys by prefix with a cursor ([`DocumentStore::list`] returning a [`Page`]). The
//! backends are [`MemoryStore`], [`SqliteStore`] (the embedded default: WAL, one writer that
//! groups concurrent commits) and [`PostgresStore`]; [`open_store`] picks one by URL and creates
//! its tables. The store knows nothing about API versions or HTTP.
//!
//! Handlers work through a [`UnitOfWork`]: each key is read from the store at most once per unit,
//! writes (`put`, RFC 7396 `merge`, `delete`) are staged and consolidated per key, and one commit
//! at the end checks the versions the unit read. [`run_unit`] runs a closure in a fresh unit,
//! commits, and re-runs it from fresh reads on a conflict, up to a [`RetryPolicy`]'s bound;
//! [`Outcome::stats`] gives the [`UnitStats`] (reads, writes, attempts). Errors have a portable
//! [`ErrorKind`]: `Conflict` (409), `NotFound`, `Unavailable` (503) and `Other`.
//!
//! Every unit counts into the `metrics` facade: `store_reads_total`, `store_writes_total`,
//! `store_commits_total`, `store_conflicts_total` and `store_retries_total` (label `backend`), and
//! the SQLite writer records `store_group_commit_size`.
//!
//! # Example
//!
//! A read-modify-write of one document costs one read and one write:
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> apivolve_store::Result<()> {
//! use apivolve_store::{RetryPolicy, UnitOfWork, open_store, run_unit};
//! use serde_json::json;
//!
//! let store = open_store("memory://").await?;
//!
//! // A unit used by hand: stage, then commit once.
//! let unit = UnitOfWork::new(store.clone());
//! unit.put("order/1", json!({"status": "new", "lines": 2}))?;
//! unit.merge("order/1", json!({"status": "paid"})).await?;
//! unit.commit().await?;
//! assert_eq!(unit.stats().writes, 1);
//!
//! // A unit run to completion, retried on conflict.
//! let outcome = run_unit(&store, &RetryPolicy::default(), |unit| async move {
//!     let order = unit.get("order/1").await?.unwrap_or_default();
//!     let lines = order["lines"].as_u64().unwrap_or(0);
//!     unit.merge("order/1", json!({"lines": lines + 1})).await?;
//!     Ok::<_, apivolve_store::Error>(lines + 1)
//! })
//! .await?;
//! assert_eq!(outcome.value, 3);
//! assert_eq!((outcome.stats.reads, outcome.stats.writes), (1, 1));
//!
//! let page = store.list("order/", None, 10).await?;
//! assert_eq!(page.items[0].1.value, json!({"status": "paid", "lines": 3}));
//! # Ok(())
//! # }
//! ```
//!
//! # Features
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `testing` | no | `apivolve_store::testing`: a store per test on every backend (PostgreSQL in its own schema of `DATABASE_URL`), the conformance suite, and `FaultyStore` for fault injection |

mod commit;
mod document;
mod error;
mod memory;
mod merge;
mod postgres;
mod runner;
mod sql;
mod sqlite;
mod store;
mod unit;

#[cfg(feature = "testing")]
pub mod testing;

pub use document::{Document, Page, SharedDocument, Write};
pub use error::{Error, ErrorKind, Result};
pub use memory::MemoryStore;
pub use merge::merge_patch;
pub use postgres::PostgresStore;
pub use runner::{Outcome, RetryPolicy, run_unit};
pub use sqlite::SqliteStore;
pub use store::{DocumentStore, SharedStore, StoreOptions, open_store, open_store_with};
pub use unit::{Savepoint, UnitOfWork, UnitStats};
