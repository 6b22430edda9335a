//! The [`DocumentStore`] trait and opening a store by URL.

use std::fmt;
use std::sync::Arc;

use futures::future::BoxFuture;

use crate::memory::MemoryStore;
use crate::postgres::PostgresStore;
use crate::sqlite::SqliteStore;
use crate::{Document, Error, Page, Result, SharedDocument, Write};

/// A store of JSON documents by string key, with per-document versions and atomic conditional
/// commits.
///
/// The trait is object safe: a server holds an [`Arc<dyn DocumentStore>`](SharedStore) and hands
/// clones to every [`UnitOfWork`](crate::UnitOfWork). Every backend passes the same conformance
/// suite (`apivolve_store::testing`, feature `testing`).
pub trait DocumentStore: Send + Sync + fmt::Debug + 'static {
    /// Read many documents in one round trip: one entry per key, in the order of `keys`, `None`
    /// where a key is absent.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Unavailable`](crate::ErrorKind::Unavailable) when the store cannot be reached.
    fn get_many<'a>(&'a self, keys: &'a [String]) -> BoxFuture<'a, Result<Vec<Option<Document>>>>;

    /// [`get_many`](Self::get_many) with shared values: a store that keeps documents in memory
    /// (the SQLite store's cache) hands out its own copy instead of a deep copy of it.
    ///
    /// The default wraps what [`get_many`](Self::get_many) answers; a wrapper store should
    /// forward this method too, or its reads cost a copy each.
    ///
    /// # Errors
    ///
    /// As [`get_many`](Self::get_many).
    fn get_many_shared<'a>(
        &'a self,
        keys: &'a [String],
    ) -> BoxFuture<'a, Result<Vec<Option<SharedDocument>>>> {
        Box::pin(async move {
            let documents = self.get_many(keys).await?;
            Ok(documents
                .into_iter()
                .map(|document| document.map(SharedDocument::from))
                .collect())
        })
    }

    /// Apply all `writes` atomically if every write's condition holds, or none of them.
    ///
    /// Returns the new version of each written document, in the order of `writes` (`None` for a
    /// delete).
    ///
    /// # Errors
    ///
    /// [`Error::Conflict`] naming every key whose condition failed; [`Error::DuplicateKey`] when
    /// two writes name one key; [`ErrorKind::Unavailable`](crate::ErrorKind::Unavailable) when
    /// the store cannot be reached. Nothing is written in any of these cases.
    fn commit(&self, writes: Vec<Write>) -> BoxFuture<'_, Result<Vec<Option<u64>>>>;

    /// List the documents whose keys start with `prefix`, in ascending key order (by Unicode code
    /// point), at most `limit` of them, starting after the key `after`.
    ///
    /// Pass the returned [`Page::next`] as `after` to continue. A `limit` of 0 is taken as 1.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Unavailable`](crate::ErrorKind::Unavailable) when the store cannot be reached.
    fn list<'a>(
        &'a self,
        prefix: &'a str,
        after: Option<&'a str>,
        limit: usize,
    ) -> BoxFuture<'a, Result<Page>>;

    /// The backend's name: `memory`, `sqlite` or `postgres` (or a wrapper's).
    fn backend(&self) -> &'static str;
}

/// A store shared by a server's handlers.
pub type SharedStore = Arc<dyn DocumentStore>;

/// How to open a store; each option applies to the backends it names.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct StoreOptions {
    /// SQLite: gather the commits of concurrent units into one transaction (default `true`).
    pub group_commit: bool,
    /// SQLite: the most commits one group transaction holds (default 256).
    pub max_group: usize,
    /// Connections for reads (SQLite) or for everything (PostgreSQL); default 8.
    pub max_connections: u32,
    /// SQLite: documents kept in memory, so their reads never reach the file (default 10,000;
    /// 0 turns the cache off). A caching store needs its file to itself; see
    /// [`SqliteStore`](crate::SqliteStore).
    pub cache_documents: usize,
    /// PostgreSQL: the schema that holds the store's tables, created if missing (default: the
    /// server's `search_path`, usually `public`).
    pub schema: Option<String>,
    /// SQLite: open an existing file read-only, without its lock or cache, beside the store
    /// that owns it (a report reading a running server's file); every commit fails (default
    /// `false`).
    pub read_only: bool,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            group_commit: true,
            max_group: 256,
            max_connections: 8,
            cache_documents: 10_000,
            schema: None,
            read_only: false,
        }
    }
}

impl StoreOptions {
    /// Turn SQLite group commit on or off.
    #[must_use]
    pub fn group_commit(mut self, on: bool) -> Self {
        self.group_commit = on;
        self
    }

    /// Bound the size of one SQLite group transaction.
    #[must_use]
    pub fn max_group(mut self, commits: usize) -> Self {
        self.max_group = commits.max(1);
        self
    }

    /// Bound the connection pool.
    #[must_use]
    pub fn max_connections(mut self, connections: u32) -> Self {
        self.max_connections = connections.max(1);
        self
    }

    /// Keep up to `documents` SQLite documents in memory (0: no cache).
    #[must_use]
    pub fn cache_documents(mut self, documents: usize) -> Self {
        self.cache_documents = documents;
        self
    }

    /// Open SQLite files read-only, beside the store that owns them.
    #[must_use]
    pub fn read_only(mut self, on: bool) -> Self {
        self.read_only = on;
        self
    }

    /// Keep the PostgreSQL tables in `schema`.
    #[must_use]
    pub fn schema(mut self, schema: impl Into<String>) -> Self {
        self.schema = Some(schema.into());
        self
    }
}

/// Open a store by URL with default options; see [`open_store_with`].
///
/// # Errors
///
/// As [`open_store_with`].
pub async fn open_store(url: &str) -> Result<SharedStore> {
    open_store_with(url, &StoreOptions::default()).await
}

/// Open a store by URL, creating its tables (and, for SQLite, its file) on first use.
///
/// | URL | backend |
/// |---|---|
/// | `memory://` | [`MemoryStore`], gone when dropped |
/// | `sqlite://PATH` | [`SqliteStore`], `PATH` relative or absolute (`sqlite:///abs/path`) |
/// | `sqlite::memory:` | [`SqliteStore`] in memory |
/// | `postgres://...`, `postgresql://...` | [`PostgresStore`] |
///
/// # Errors
///
/// [`Error::UnsupportedUrl`] for another scheme; [`Error::Database`] or [`Error::Migrate`] when
/// the database cannot be opened or its schema created.
pub async fn open_store_with(url: &str, options: &StoreOptions) -> Result<SharedStore> {
    if url.starts_with("memory:") {
        Ok(Arc::new(MemoryStore::new()))
    } else if url.starts_with("sqlite:") {
        Ok(Arc::new(SqliteStore::open(url, options).await?))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(PostgresStore::connect(url, options).await?))
    } else {
        let scheme = url.split(':').next().unwrap_or_default().to_owned();
        Err(Error::UnsupportedUrl { scheme })
    }
}

/// The smallest string greater than every string that starts with `prefix`, if there is one.
pub(crate) fn prefix_end(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        let mut next = u32::from(last) + 1;
        if (0xD800..=0xDFFF).contains(&next) {
            next = 0xE000;
        }
        if let Some(next) = char::from_u32(next) {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_end_bounds_the_prefix() {
        assert_eq!(prefix_end("ab").as_deref(), Some("ac"));
        assert_eq!(prefix_end("a\u{10FFFF}").as_deref(), Some("b"));
        assert_eq!(prefix_end(""), None);
        assert_eq!(prefix_end("\u{D7FF}").as_deref(), Some("\u{E000}"));
    }

    #[tokio::test]
    async fn unknown_scheme_is_rejected_without_echoing_the_url() {
        let error = open_store("mysql://user:secret@host/db")
            .await
            .expect_err("mysql is not served");
        assert!(matches!(&error, Error::UnsupportedUrl { scheme } if scheme == "mysql"));
        assert!(!error.to_string().contains("secret"));
    }

    #[tokio::test]
    async fn memory_url_opens_a_memory_store() {
        let store = open_store("memory://").await.expect("memory store opens");
        assert_eq!(store.backend(), "memory");
    }
}
