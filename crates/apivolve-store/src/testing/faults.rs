//! Fault injection: a store wrapper that refuses, fails and slows down on command.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use futures::future::{BoxFuture, FutureExt};

use crate::{Document, DocumentStore, Error, Page, Result, SharedDocument, SharedStore, Write};

/// The faults a [`FaultyStore`] injects; change them at any time through the shared handle.
#[derive(Debug, Default)]
pub struct Faults {
    refuse_writes: AtomicBool,
    refuse_reads: AtomicBool,
    fail_commit: AtomicU64,
    commits: AtomicU64,
    reads: AtomicU64,
    latency_micros: AtomicU64,
}

impl Faults {
    /// Refuse every commit with [`ErrorKind::Unavailable`](crate::ErrorKind::Unavailable), writing
    /// nothing.
    pub fn refuse_writes(&self, refuse: bool) {
        self.refuse_writes.store(refuse, Ordering::SeqCst);
    }

    /// Refuse every read (`get_many`, `list`) with `Unavailable`.
    pub fn refuse_reads(&self, refuse: bool) {
        self.refuse_reads.store(refuse, Ordering::SeqCst);
    }

    /// Fail the `n`th commit from now (1 is the next one) with `Unavailable`; 0 clears it.
    pub fn fail_nth_commit(&self, n: u64) {
        let seen = self.commits.load(Ordering::SeqCst);
        let target = if n == 0 { 0 } else { seen + n };
        self.fail_commit.store(target, Ordering::SeqCst);
    }

    /// Delay every call by `latency` before it reaches the store.
    pub fn set_latency(&self, latency: Duration) {
        let micros = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
        self.latency_micros.store(micros, Ordering::SeqCst);
    }

    /// Commits that reached the wrapper so far, refused ones included.
    #[must_use]
    pub fn commits(&self) -> u64 {
        self.commits.load(Ordering::SeqCst)
    }

    /// `get_many` calls that reached the wrapper so far, refused ones included.
    #[must_use]
    pub fn get_many_calls(&self) -> u64 {
        self.reads.load(Ordering::SeqCst)
    }

    async fn delay(&self) {
        let micros = self.latency_micros.load(Ordering::SeqCst);
        if micros > 0 {
            tokio::time::sleep(Duration::from_micros(micros)).await;
        }
    }
}

fn refused(what: &str) -> Error {
    Error::Unavailable {
        reason: format!("injected fault: {what}"),
    }
}

/// A [`DocumentStore`] that passes calls to another one, except when told to fail.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use std::sync::Arc;
/// use apivolve_store::testing::FaultyStore;
/// use apivolve_store::{DocumentStore, ErrorKind, MemoryStore, Write};
///
/// let store = FaultyStore::new(Arc::new(MemoryStore::new()));
/// store.faults().refuse_writes(true);
/// let insert = Write::Insert { key: "k".into(), value: serde_json::json!(1) };
/// let error = store.commit(vec![insert]).await.expect_err("writes are refused");
/// assert_eq!(error.kind(), ErrorKind::Unavailable);
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct FaultyStore {
    inner: SharedStore,
    faults: Arc<Faults>,
}

impl FaultyStore {
    /// Wrap `inner`, with no faults yet.
    #[must_use]
    pub fn new(inner: SharedStore) -> Self {
        Self {
            inner,
            faults: Arc::new(Faults::default()),
        }
    }

    /// The faults to inject; a shared handle.
    #[must_use]
    pub fn faults(&self) -> Arc<Faults> {
        Arc::clone(&self.faults)
    }

    /// A read's delay, count and refusal.
    async fn before_read(&self) -> Result<()> {
        self.faults.delay().await;
        self.faults.reads.fetch_add(1, Ordering::SeqCst);
        if self.faults.refuse_reads.load(Ordering::SeqCst) {
            return Err(refused("reads refused"));
        }
        Ok(())
    }
}

impl DocumentStore for FaultyStore {
    fn get_many<'a>(&'a self, keys: &'a [String]) -> BoxFuture<'a, Result<Vec<Option<Document>>>> {
        async move {
            self.before_read().await?;
            self.inner.get_many(keys).await
        }
        .boxed()
    }

    fn get_many_shared<'a>(
        &'a self,
        keys: &'a [String],
    ) -> BoxFuture<'a, Result<Vec<Option<SharedDocument>>>> {
        async move {
            self.before_read().await?;
            self.inner.get_many_shared(keys).await
        }
        .boxed()
    }

    fn commit(&self, writes: Vec<Write>) -> BoxFuture<'_, Result<Vec<Option<u64>>>> {
        async move {
            self.faults.delay().await;
            let number = self.faults.commits.fetch_add(1, Ordering::SeqCst) + 1;
            if self.faults.refuse_writes.load(Ordering::SeqCst) {
                return Err(refused("writes refused"));
            }
            if self.faults.fail_commit.load(Ordering::SeqCst) == number {
                return Err(refused(&format!("commit number {number} failed")));
            }
            self.inner.commit(writes).await
        }
        .boxed()
    }

    fn list<'a>(
        &'a self,
        prefix: &'a str,
        after: Option<&'a str>,
        limit: usize,
    ) -> BoxFuture<'a, Result<Page>> {
        async move {
            self.faults.delay().await;
            if self.faults.refuse_reads.load(Ordering::SeqCst) {
                return Err(refused("reads refused"));
            }
            self.inner.list(prefix, after, limit).await
        }
        .boxed()
    }

    fn backend(&self) -> &'static str {
        self.inner.backend()
    }
}
