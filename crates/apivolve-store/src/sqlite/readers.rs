//! Reads on the reader's own thread.
//!
//! A query through sqlx is a round trip to the thread of a pooled connection: two thread
//! wake-ups and a channel each way, which cost far more than a lookup by primary key in SQLite's
//! page cache (a few microseconds). The store's reads therefore run on the thread that asks, on
//! connections of their own ([`rusqlite`], over the same SQLite library as sqlx): an idle one is
//! taken from a small stack, used for one read and put back. WAL mode lets them read while the
//! writer writes; a read sees the last committed transaction (one read transaction for all the
//! keys of a read).
//!
//! Beginning and ending a read transaction costs more than the lookup itself (the WAL's shared
//! memory is locked and unlocked, an `fcntl` each, and the pager is checked for changes), so
//! while this process' writer is the file's one writer (the store caches documents and holds the
//! file exclusively) a reader keeps its read transaction open between reads for as long as the
//! file has not changed: [`Commits`] counts the writer's commits as a sequence lock (odd while
//! one is under way), a read transaction is labelled with the count it began after, and it serves
//! the next read only while the count is the same, that is while nothing committed since, so it
//! still sees the last committed transaction. The writer ends the out-of-date ones of idle
//! connections ([`Readers::release_stale`]), so that none holds back a checkpoint of the WAL.
//!
//! A read of many keys, or a listing, may take longer than an async task should block its
//! thread; those run on Tokio's blocking threads instead ([`Readers::get_many`],
//! [`Readers::list`]). So does every read of an in-memory database: its connections share one
//! cache with table locks (no WAL), so a read waits (`unlock_notify`) for as long as the writer is
//! inside a transaction.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, TryLockError};

use rusqlite::{Connection, OptionalExtension};

use super::database::{Access, Database};
use crate::sql::ListBounds;
use crate::{Document, Error, Page, Result, sql};

/// Keys a read looks up on the calling thread; more go to a blocking thread.
const INLINE_KEYS: usize = 16;

/// The writer's commits, counted as a sequence lock: the count is odd while a commit is under
/// way and even between commits.
#[derive(Debug, Default)]
pub(super) struct Commits(AtomicU64);

impl Commits {
    /// The writer is about to commit.
    pub(super) fn begin(&self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }

    /// The writer's commit returned (committed or not).
    pub(super) fn end(&self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }

    /// The count, when no commit is under way.
    fn settled(&self) -> Option<u64> {
        let count = self.0.load(Ordering::SeqCst);
        count.is_multiple_of(2).then_some(count)
    }
}

/// A reader connection, and the commit count its open read transaction began after.
#[derive(Debug)]
struct Reader {
    connection: Connection,
    /// `Some` while a read transaction is kept open for the next read.
    snapshot: Option<u64>,
}

impl Reader {
    /// Ends the open read transaction, if any.
    fn end(&mut self) -> Result<()> {
        self.snapshot = None;
        if self.connection.is_autocommit() {
            return Ok(());
        }
        self.connection
            .prepare_cached("COMMIT")
            .and_then(|mut statement| statement.execute([]))
            .map(drop)
            .map_err(Error::sqlite("read"))
    }

    fn begin(&self) -> Result<()> {
        self.connection
            .prepare_cached("BEGIN")
            .and_then(|mut statement| statement.execute([]))
            .map(drop)
            .map_err(Error::sqlite("read"))
    }
}

/// The reader connections: idle ones wait on a stack, at most `max_idle` of them.
#[derive(Debug)]
pub(super) struct Readers {
    database: Database,
    idle: Mutex<Vec<Reader>>,
    max_idle: usize,
    /// Whether a read transaction may stay open between reads (see the module's documentation).
    keep_snapshots: bool,
    commits: Commits,
}

impl Readers {
    /// Readers of `database`, keeping at most `max_idle` connections open between reads; one is
    /// opened now, so a database that cannot be read fails the store's opening. `sole_writer`
    /// says that the store's writer is the only one of the file (so read transactions may be
    /// kept open between reads).
    pub(super) fn open(
        database: Database,
        max_idle: usize,
        sole_writer: bool,
    ) -> Result<Arc<Self>> {
        let readers = Self {
            keep_snapshots: sole_writer && !database.in_memory && !database.read_only,
            database,
            idle: Mutex::new(Vec::new()),
            max_idle: max_idle.max(1),
            commits: Commits::default(),
        };
        let first = readers.connect()?;
        readers.idle().push(first);
        Ok(Arc::new(readers))
    }

    /// The writer's commit count, which it keeps up to date.
    pub(super) fn commits(&self) -> &Commits {
        &self.commits
    }

    fn idle(&self) -> MutexGuard<'_, Vec<Reader>> {
        self.idle.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn connect(&self) -> Result<Reader> {
        Ok(Reader {
            connection: self.database.connect(Access::Read)?,
            snapshot: None,
        })
    }

    /// Runs `read` on an idle connection (a new one when none is idle), in one read transaction
    /// when `consistent` (or when read transactions are kept), then keeps the connection for the
    /// next read unless enough are idle already.
    fn with_connection<T>(
        &self,
        consistent: bool,
        read: impl FnOnce(&Connection) -> Result<T>,
    ) -> Result<T> {
        let idle = self.idle().pop();
        let mut reader = match idle {
            Some(reader) => reader,
            None => self.connect()?,
        };
        let result = self.read_on(&mut reader, consistent, read);
        // A connection left inside a transaction it should not be in is closed, not kept.
        let usable = reader.snapshot.is_some() || reader.connection.is_autocommit();
        let mut idle = self.idle();
        if usable && idle.len() < self.max_idle {
            idle.push(reader);
        }
        result
    }

    fn read_on<T>(
        &self,
        reader: &mut Reader,
        consistent: bool,
        read: impl FnOnce(&Connection) -> Result<T>,
    ) -> Result<T> {
        let keep = if self.keep_snapshots {
            self.commits.settled()
        } else {
            None
        };
        if reader.snapshot.is_some() && reader.snapshot != keep {
            reader.end()?;
        }
        if reader.snapshot.is_none() && (keep.is_some() || consistent) {
            reader.begin()?;
        }
        let result = read(&reader.connection);
        match (keep, &result) {
            (Some(count), Ok(_)) => reader.snapshot = Some(count),
            _ => {
                // After a failed read its own error is the one to give.
                let ended = reader.end();
                if result.is_ok() {
                    ended?;
                }
            }
        }
        result
    }

    /// Ends the read transactions of idle connections that began before the last commit (the
    /// writer calls it from time to time, so that none holds back a checkpoint). Does nothing
    /// while a reader holds the stack.
    pub(super) fn release_stale(&self) {
        let mut idle = match self.idle.try_lock() {
            Ok(idle) => idle,
            Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
            Err(TryLockError::WouldBlock) => return,
        };
        let current = self.commits.settled();
        idle.retain_mut(|reader| match reader.snapshot {
            Some(count) if Some(count) != current => reader.end().is_ok(),
            _ => true,
        });
    }

    /// The documents at `keys`, in their order: on this thread for a few keys of a file, on a
    /// blocking thread otherwise.
    pub(super) async fn get_many(
        self: &Arc<Self>,
        keys: &[String],
    ) -> Result<Vec<Option<Document>>> {
        let consistent = keys.len() > 1;
        if keys.len() <= INLINE_KEYS && !self.database.in_memory {
            return self.with_connection(consistent, |connection| read(connection, keys));
        }
        let (readers, keys) = (Arc::clone(self), keys.to_vec());
        blocking(move || readers.with_connection(consistent, |connection| read(connection, &keys)))
            .await
    }

    /// A page of the documents whose keys start with `prefix`, on a blocking thread.
    pub(super) async fn list(self: &Arc<Self>, bounds: ListBounds) -> Result<Page> {
        let readers = Arc::clone(self);
        blocking(move || readers.with_connection(false, |connection| list(connection, bounds)))
            .await
    }
}

/// Runs `read` on one of Tokio's blocking threads.
async fn blocking<T: Send + 'static>(
    read: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(read)
        .await
        .map_err(|error| Error::Unavailable {
            reason: format!("a SQLite read did not finish: {error}"),
        })?
}

/// Each of `keys` by primary key, with one prepared statement (in the read transaction the caller
/// began, when there are several).
fn read(connection: &Connection, keys: &[String]) -> Result<Vec<Option<Document>>> {
    let mut statement = connection
        .prepare_cached("SELECT value, version FROM apivolve_documents WHERE key = ?1")
        .map_err(Error::sqlite("get_many"))?;
    keys.iter()
        .map(|key| {
            let row = statement
                .query_row([key], |row| {
                    Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?))
                })
                .optional()
                .map_err(Error::sqlite("get_many"))?;
            row.map(|(text, version)| sql::document(key, &text, version))
                .transpose()
        })
        .collect()
}

fn list(connection: &Connection, bounds: ListBounds) -> Result<Page> {
    let lower = if bounds.after { ">" } else { ">=" };
    let query = match bounds.end {
        Some(_) => format!(
            "SELECT key, value, version FROM apivolve_documents \
             WHERE key {lower} ?1 AND key < ?2 ORDER BY key LIMIT ?3"
        ),
        None => format!(
            "SELECT key, value, version FROM apivolve_documents \
             WHERE key {lower} ?1 AND ?2 IS NULL ORDER BY key LIMIT ?3"
        ),
    };
    let mut statement = connection
        .prepare_cached(&query)
        .map_err(Error::sqlite("list"))?;
    let rows = statement
        .query_map(
            rusqlite::params![&bounds.lower, &bounds.end, bounds.fetch],
            |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, i64>(2)?,
                ))
            },
        )
        .map_err(Error::sqlite("list"))?;
    let mut items = Vec::new();
    for row in rows {
        let (key, text, version) = row.map_err(Error::sqlite("list"))?;
        let document = sql::document(&key, &text, version)?;
        items.push((key, document));
    }
    Ok(bounds.page(items))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file with the store's table, its writer connection (WAL mode) and readers that keep
    /// their read transactions.
    fn file(directory: &tempfile::TempDir) -> (Connection, Arc<Readers>) {
        let path = directory.path().join("readers.db");
        let writer = Connection::open(&path).unwrap();
        writer.execute_batch("PRAGMA journal_mode = WAL;").unwrap();
        writer
            .execute_batch(include_str!("../../migrations/sqlite/0001_documents.sql"))
            .unwrap();
        let database = Database {
            filename: path.to_str().unwrap().to_owned(),
            in_memory: false,
            read_only: false,
        };
        (writer, Readers::open(database, 2, true).unwrap())
    }

    /// Writes `value` at `key` the way the writer does: the commit inside the commit count.
    fn write(writer: &Connection, readers: &Readers, key: &str, value: i64, version: i64) {
        let transaction = writer.unchecked_transaction().unwrap();
        transaction
            .execute(
                "INSERT INTO apivolve_documents (key, value, version) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value, version = excluded.version",
                rusqlite::params![key, value.to_string(), version],
            )
            .unwrap();
        readers.commits().begin();
        transaction.commit().unwrap();
        readers.commits().end();
    }

    async fn value(readers: &Arc<Readers>, key: &str) -> Option<i64> {
        let found = readers.get_many(&[key.to_owned()]).await.unwrap();
        found[0]
            .as_ref()
            .map(|document| document.value.as_i64().unwrap())
    }

    fn idle_snapshots(readers: &Readers) -> Vec<bool> {
        readers
            .idle()
            .iter()
            .map(|reader| !reader.connection.is_autocommit())
            .collect()
    }

    #[tokio::test]
    async fn a_kept_read_transaction_never_hides_a_commit() {
        let directory = tempfile::tempdir().unwrap();
        let (writer, readers) = file(&directory);
        assert_eq!(value(&readers, "a").await, None);
        assert_eq!(idle_snapshots(&readers), [true], "kept for the next read");
        for round in 1..=5 {
            write(&writer, &readers, "a", round, round);
            assert_eq!(value(&readers, "a").await, Some(round));
            assert_eq!(value(&readers, "a").await, Some(round), "read again, kept");
        }
    }

    #[tokio::test]
    async fn reads_during_a_commit_keep_nothing() {
        let directory = tempfile::tempdir().unwrap();
        let (writer, readers) = file(&directory);
        write(&writer, &readers, "a", 1, 1);
        readers.commits().begin();
        assert_eq!(value(&readers, "a").await, Some(1));
        assert_eq!(idle_snapshots(&readers), [false]);
        readers.commits().end();
    }

    #[tokio::test]
    async fn out_of_date_read_transactions_are_released_for_checkpoints() {
        let directory = tempfile::tempdir().unwrap();
        let (writer, readers) = file(&directory);
        write(&writer, &readers, "a", 1, 1);
        assert_eq!(value(&readers, "a").await, Some(1));
        readers.release_stale();
        assert_eq!(
            idle_snapshots(&readers),
            [true],
            "still the file's last state"
        );
        write(&writer, &readers, "a", 2, 2);
        readers.release_stale();
        assert_eq!(idle_snapshots(&readers), [false]);
        // No reader holds the WAL: a checkpoint copies it all and truncates it.
        let busy: i64 = writer
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |row| row.get(0))
            .unwrap();
        assert_eq!(busy, 0);
        assert_eq!(value(&readers, "a").await, Some(2));
    }

    #[tokio::test]
    async fn without_a_sole_writer_every_read_ends_its_transaction() {
        let directory = tempfile::tempdir().unwrap();
        let (writer, kept) = file(&directory);
        let readers = Readers::open(kept.database.clone(), 2, false).unwrap();
        write(&writer, &kept, "a", 1, 1);
        let found = readers
            .get_many(&["a".to_owned(), "b".to_owned()])
            .await
            .unwrap();
        assert!(found[0].is_some() && found[1].is_none());
        assert_eq!(idle_snapshots(&readers), [false]);
    }
}
