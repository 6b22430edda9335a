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
//! A read of many keys, or a listing, may take longer than an async task should block its
//! thread; those run on Tokio's blocking threads instead ([`Readers::get_many`],
//! [`Readers::list`]). So does every read of an in-memory database: its connections share one
//! cache with table locks (no WAL), so a read waits (`unlock_notify`) for as long as the writer is
//! inside a transaction.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use rusqlite::{Connection, OptionalExtension};

use super::database::{Access, Database};
use crate::sql::ListBounds;
use crate::{Document, Error, Page, Result, sql};

/// Keys a read looks up on the calling thread; more go to a blocking thread.
const INLINE_KEYS: usize = 16;

/// The reader connections: idle ones wait on a stack, at most `max_idle` of them.
#[derive(Debug)]
pub(super) struct Readers {
    database: Database,
    idle: Mutex<Vec<Connection>>,
    max_idle: usize,
}

impl Readers {
    /// Readers of `database`, keeping at most `max_idle` connections open between reads; one is
    /// opened now, so a database that cannot be read fails the store's opening.
    pub(super) fn open(database: Database, max_idle: usize) -> Result<Arc<Self>> {
        let readers = Self {
            database,
            idle: Mutex::new(Vec::new()),
            max_idle: max_idle.max(1),
        };
        let first = readers.connect()?;
        readers.idle().push(first);
        Ok(Arc::new(readers))
    }

    fn idle(&self) -> MutexGuard<'_, Vec<Connection>> {
        self.idle.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn connect(&self) -> Result<Connection> {
        self.database.connect(Access::Read)
    }

    /// Runs `read` on an idle connection (a new one when none is idle), then keeps the
    /// connection for the next read unless enough are idle already.
    fn with_connection<T>(&self, read: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let idle = self.idle().pop();
        let connection = match idle {
            Some(connection) => connection,
            None => self.connect()?,
        };
        let result = read(&connection);
        let mut idle = self.idle();
        if idle.len() < self.max_idle {
            idle.push(connection);
        }
        result
    }

    /// The documents at `keys`, in their order: on this thread for a few keys of a file, on a
    /// blocking thread otherwise.
    pub(super) async fn get_many(
        self: &Arc<Self>,
        keys: &[String],
    ) -> Result<Vec<Option<Document>>> {
        if keys.len() <= INLINE_KEYS && !self.database.in_memory {
            return self.with_connection(|connection| read(connection, keys));
        }
        let (readers, keys) = (Arc::clone(self), keys.to_vec());
        blocking(move || readers.with_connection(|connection| read(connection, &keys))).await
    }

    /// A page of the documents whose keys start with `prefix`, on a blocking thread.
    pub(super) async fn list(self: &Arc<Self>, bounds: ListBounds) -> Result<Page> {
        let readers = Arc::clone(self);
        blocking(move || readers.with_connection(|connection| list(connection, bounds))).await
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

/// Each of `keys` by primary key, with one prepared statement, all in one read transaction (as
/// of the same commit).
fn read(connection: &Connection, keys: &[String]) -> Result<Vec<Option<Document>>> {
    // Ended by its drop (a rollback: nothing was written).
    let _snapshot = if keys.len() > 1 {
        Some(
            connection
                .unchecked_transaction()
                .map_err(Error::sqlite("get_many"))?,
        )
    } else {
        None
    };
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
