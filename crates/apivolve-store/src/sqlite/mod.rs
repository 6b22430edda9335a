//! The SQLite backend: WAL, one writer thread, group commit.

mod cache;
mod database;
mod readers;
mod writer;

use std::fs::{File, OpenOptions, TryLockError};
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;

use futures::future::{BoxFuture, FutureExt};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sqlx::{ConnectOptions, Connection as _};
use tokio::sync::{mpsc, oneshot};

use self::database::{Access, BUSY_TIMEOUT, Database};
use crate::sql::{self, ListBounds};
use crate::{Document, DocumentStore, Error, Page, Result, SharedDocument, StoreOptions, Write};

/// A [`DocumentStore`] in a SQLite database file: the embedded default.
///
/// The database runs in WAL mode with `synchronous = FULL`, so a commit that returned is on disk.
/// Reads run on the reading thread, on connections of their own, and never wait for writes. All
/// writes go through one writer thread that owns one connection; with group commit on
/// ([`StoreOptions::group_commit`], the default) it gathers the commits of concurrent units whose
/// keys do not overlap into one transaction, paying for one `fsync` instead of one each. Each unit
/// still gets its own result: versions are checked per unit inside the transaction, and a unit
/// whose statements fail is rolled back to its savepoint alone.
///
/// Documents read and written are kept in a cache of [`StoreOptions::cache_documents`] entries,
/// so a read of a cached key never reaches the file. The cache is sound because the store is
/// then the file's only writer: it holds an exclusive lock on `PATH-lock` beside the database
/// while open, and a second store on the same file, in this process or another, fails to open
/// with [`Error::Unavailable`]. With the cache off (`cache_documents(0)`) the lock is shared, so
/// several uncached stores may use one file. Several instances of a service belong on PostgreSQL.
/// A store opened with [`StoreOptions::read_only`] takes no lock and can read beside the owner.
#[derive(Debug)]
pub struct SqliteStore {
    readers: Arc<readers::Readers>,
    writer: mpsc::Sender<writer::Job>,
    cache: Arc<cache::Cache>,
    /// The lock on `PATH-lock`, held while the store is open (`None` for in-memory databases).
    _lock: Option<File>,
}

impl SqliteStore {
    /// Open (creating if missing) the database that `url` names: `sqlite://PATH`,
    /// `sqlite:///absolute/path`, `sqlite:PATH` or `sqlite::memory:`.
    ///
    /// The store's tables are created by its embedded migrations. Must be called inside a Tokio
    /// runtime (larger reads run on its blocking threads).
    ///
    /// # Errors
    ///
    /// [`Error::Database`] or [`Error::Sqlite`] when the URL is malformed or the file cannot be
    /// opened or created;
    /// [`Error::Unavailable`] when another store holds the file (see the type's documentation);
    /// [`Error::Migrate`] when the schema cannot be brought up to date.
    pub async fn open(url: &str, options: &StoreOptions) -> Result<Self> {
        let connect = SqliteConnectOptions::from_str(url).map_err(Error::database("open"))?;
        // Read-only: the owner's file as it is (no creation, journal mode or schema change); no
        // lock, since a reader cannot make the owner's cache stale; no cache of its own.
        let connect = if options.read_only {
            connect.read_only(true)
        } else {
            connect
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
        }
        .busy_timeout(BUSY_TIMEOUT);
        let mut connection = connect.connect().await.map_err(Error::database("open"))?;
        let cache_documents = if options.read_only {
            0
        } else {
            options.cache_documents
        };
        let lock = if options.read_only {
            None
        } else {
            lock(connect.get_filename(), cache_documents > 0)?
        };
        if !options.read_only {
            let mut migrator = sqlx::migrate!("migrations/sqlite");
            migrator.dangerous_set_table_name(sql::MIGRATIONS_TABLE);
            migrator
                .run(&mut connection)
                .await
                .map_err(Error::Migrate)?;
        }
        let filename = connect.get_filename();
        let filename = filename.to_str().ok_or_else(|| Error::Unavailable {
            reason: format!("the SQLite file name {} is not UTF-8", filename.display()),
        })?;
        let database = Database {
            // sqlx names an in-memory database `file:sqlx-in-memory-N`; `mode=memory` asks for one.
            in_memory: filename.starts_with("file:sqlx-in-memory-") || url.contains("mode=memory"),
            filename: filename.to_owned(),
            read_only: options.read_only,
        };
        // A store that caches documents holds the file exclusively: its writer is the only one.
        let readers = readers::Readers::open(
            database.clone(),
            options.max_connections as usize,
            cache_documents > 0,
        )?;
        let max_group = if options.group_commit {
            options.max_group
        } else {
            1
        };
        let cache = Arc::new(cache::Cache::new(cache_documents));
        let writer = writer::spawn(
            database.connect(Access::Write)?,
            max_group,
            Arc::clone(&cache),
            Arc::clone(&readers),
        )?;
        // The store's own connections are open (an in-memory database lives on with them).
        if let Err(error) = connection.close().await {
            tracing::warn!(%error, "closing the SQLite set-up connection failed");
        }
        Ok(Self {
            readers,
            writer,
            cache,
            _lock: lock,
        })
    }

    async fn get_many_now(&self, keys: &[String]) -> Result<Vec<Option<SharedDocument>>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        if !self.cache.is_on() {
            return Ok(shared(self.read(keys).await?));
        }
        let (mut found, epoch) = self.cache.lookup(keys);
        let missing: Vec<String> = keys
            .iter()
            .zip(&found)
            .filter(|(_, cached)| cached.is_none())
            .map(|(key, _)| key.clone())
            .collect();
        if missing.is_empty() {
            return Ok(found.into_iter().flatten().collect());
        }
        let read = shared(self.read(&missing).await?);
        self.cache
            .fill(epoch, missing.iter().cloned().zip(read.iter().cloned()));
        let mut read = read.into_iter();
        for slot in &mut found {
            if slot.is_none() {
                *slot = read.next();
            }
        }
        Ok(found.into_iter().flatten().collect())
    }

    /// Read `keys` from the file.
    async fn read(&self, keys: &[String]) -> Result<Vec<Option<Document>>> {
        self.readers.get_many(keys).await
    }

    async fn commit_now(&self, writes: Vec<Write>) -> Result<Vec<Option<u64>>> {
        let keys = crate::commit::distinct_keys(&writes)?;
        if writes.is_empty() {
            return Ok(Vec::new());
        }
        let (reply, answer) = oneshot::channel();
        let job = writer::Job {
            writes,
            keys,
            reply,
        };
        let gone = || Error::Unavailable {
            reason: "the SQLite writer has stopped".to_owned(),
        };
        self.writer.send(job).await.map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }

    async fn list_now(&self, prefix: &str, after: Option<&str>, limit: usize) -> Result<Page> {
        self.readers
            .list(ListBounds::new(prefix, after, limit))
            .await
    }
}

/// Documents read from the file, made shareable (no copy).
fn shared(documents: Vec<Option<Document>>) -> Vec<Option<SharedDocument>> {
    documents
        .into_iter()
        .map(|document| document.map(SharedDocument::from))
        .collect()
}

/// Lock `PATH-lock` beside the database file at `path`: exclusively when this store caches
/// documents, shared otherwise. In-memory databases (no file at `path`) need no lock.
fn lock(path: &Path, exclusive: bool) -> Result<Option<File>> {
    if !path.is_file() {
        return Ok(None);
    }
    let mut name = path.as_os_str().to_owned();
    name.push("-lock");
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&name)
        .map_err(|error| Error::Unavailable {
            reason: format!(
                "cannot open the lock file {}: {error}",
                Path::new(&name).display()
            ),
        })?;
    let locked = if exclusive {
        file.try_lock()
    } else {
        file.try_lock_shared()
    };
    match locked {
        Ok(()) => Ok(Some(file)),
        Err(TryLockError::WouldBlock) => Err(Error::Unavailable {
            reason: format!(
                "the SQLite file {} is in use by another store; a store that caches documents \
                 needs the file to itself (run several instances on PostgreSQL, or open every \
                 store with a document cache of 0)",
                path.display()
            ),
        }),
        Err(TryLockError::Error(error)) => Err(Error::Unavailable {
            reason: format!("cannot lock {}: {error}", Path::new(&name).display()),
        }),
    }
}

impl DocumentStore for SqliteStore {
    fn get_many<'a>(&'a self, keys: &'a [String]) -> BoxFuture<'a, Result<Vec<Option<Document>>>> {
        async move {
            let documents = self.get_many_now(keys).await?;
            Ok(documents
                .into_iter()
                .map(|document| document.map(Document::from))
                .collect())
        }
        .boxed()
    }

    fn get_many_shared<'a>(
        &'a self,
        keys: &'a [String],
    ) -> BoxFuture<'a, Result<Vec<Option<SharedDocument>>>> {
        self.get_many_now(keys).boxed()
    }

    fn commit(&self, writes: Vec<Write>) -> BoxFuture<'_, Result<Vec<Option<u64>>>> {
        self.commit_now(writes).boxed()
    }

    fn list<'a>(
        &'a self,
        prefix: &'a str,
        after: Option<&'a str>,
        limit: usize,
    ) -> BoxFuture<'a, Result<Page>> {
        self.list_now(prefix, after, limit).boxed()
    }

    fn backend(&self) -> &'static str {
        "sqlite"
    }
}
