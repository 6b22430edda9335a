//! Test support (feature `testing`): a store per test on every backend, the conformance suite
//! every backend passes, and fault injection.
//!
//! PostgreSQL tests read `DATABASE_URL`; each gets its own schema, so they run in parallel. When
//! `DATABASE_URL` is unset, [`TestStore::open`] prints `skipped: DATABASE_URL not set` and returns
//! `None`.

pub mod conformance;
mod faults;

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

use sqlx::{AssertSqlSafe, ConnectOptions, Connection};

pub use faults::{Faults, FaultyStore};

use crate::postgres::quote_identifier;
use crate::{SharedStore, StoreOptions, open_store_with};

/// The backends a test can run on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// [`MemoryStore`](crate::MemoryStore).
    Memory,
    /// [`SqliteStore`](crate::SqliteStore) in a temporary file.
    Sqlite,
    /// [`PostgresStore`](crate::PostgresStore) in a fresh schema of `DATABASE_URL`.
    Postgres,
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Memory => "memory",
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        })
    }
}

/// A store for one test, removed by [`teardown`](Self::teardown).
#[derive(Debug)]
pub struct TestStore {
    store: SharedStore,
    url: String,
    options: StoreOptions,
    cleanup: Cleanup,
}

#[derive(Debug)]
enum Cleanup {
    Nothing,
    /// Held so that the directory is removed when the test store is dropped.
    Directory(#[expect(dead_code, reason = "held for its drop")] tempfile::TempDir),
    Schema(String),
}

impl TestStore {
    /// A fresh, empty store on `backend` with default options; `None` (after printing why) when
    /// the backend is not available here.
    ///
    /// # Panics
    ///
    /// When the store cannot be created: a test cannot go on without it.
    pub async fn open(backend: Backend) -> Option<Self> {
        Self::open_with(backend, StoreOptions::default()).await
    }

    /// As [`open`](Self::open), with `options`.
    ///
    /// # Panics
    ///
    /// As [`open`](Self::open).
    pub async fn open_with(backend: Backend, mut options: StoreOptions) -> Option<Self> {
        let (url, cleanup) = match backend {
            Backend::Memory => ("memory://".to_owned(), Cleanup::Nothing),
            Backend::Sqlite => {
                let directory = tempfile::tempdir().expect("a temporary directory can be created");
                let path = directory.path().join("store.db");
                (
                    format!("sqlite://{}", path.display()),
                    Cleanup::Directory(directory),
                )
            }
            Backend::Postgres => {
                let Ok(url) = std::env::var("DATABASE_URL") else {
                    println!("skipped: DATABASE_URL not set");
                    return None;
                };
                let schema = unique_schema();
                options = options.schema(schema.clone());
                (url, Cleanup::Schema(schema))
            }
        };
        let store = open_store_with(&url, &options)
            .await
            .unwrap_or_else(|error| panic!("cannot open the {backend} test store: {error:?}"));
        Some(Self {
            store,
            url,
            options,
            cleanup,
        })
    }

    /// The store.
    #[must_use]
    pub fn store(&self) -> &SharedStore {
        &self.store
    }

    /// The URL it was opened with (for PostgreSQL, without the schema: see [`options`](Self::options)).
    #[must_use]
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The options it was opened with.
    #[must_use]
    pub fn options(&self) -> &StoreOptions {
        &self.options
    }

    /// Open the same database again, as another process would (a memory store cannot be reopened
    /// and gives the same store). A SQLite store that caches documents has its file to itself:
    /// open the test store with [`StoreOptions::cache_documents`] 0 to reopen it.
    ///
    /// # Panics
    ///
    /// As [`open`](Self::open).
    pub async fn reopen(&self) -> SharedStore {
        if matches!(self.cleanup, Cleanup::Nothing) {
            return self.store.clone();
        }
        open_store_with(&self.url, &self.options)
            .await
            .unwrap_or_else(|error| panic!("cannot reopen the test store: {error:?}"))
    }

    /// Drop the store and remove its file or schema.
    ///
    /// # Panics
    ///
    /// When the PostgreSQL schema cannot be dropped.
    pub async fn teardown(self) {
        drop(self.store);
        match self.cleanup {
            Cleanup::Nothing | Cleanup::Directory(_) => {}
            Cleanup::Schema(schema) => {
                let options: sqlx::postgres::PgConnectOptions = self
                    .url
                    .parse()
                    .expect("the URL parsed when the store opened");
                let mut connection = options.connect().await.expect("PostgreSQL is reachable");
                let drop_schema = format!(
                    "DROP SCHEMA IF EXISTS {} CASCADE",
                    quote_identifier(&schema)
                );
                sqlx::query(AssertSqlSafe(drop_schema))
                    .execute(&mut connection)
                    .await
                    .expect("the test schema can be dropped");
                let _ = connection.close().await;
            }
        }
    }
}

/// A schema name no other test (in this or another process) uses.
fn unique_schema() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let serial = NEXT.fetch_add(1, Ordering::Relaxed);
    let salt: u32 = rand::random();
    format!("apivolve_test_{}_{serial}_{salt:08x}", std::process::id())
}
