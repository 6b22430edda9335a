//! The store's own connections to the database file: sqlx opens it and brings its schema up to
//! date; reads and writes then go through connections of [`rusqlite`] (the same SQLite library),
//! used on the thread that needs them.

use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use crate::{Error, Result};

/// How long a statement waits for a lock held by another connection.
pub(super) const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Where the store's connections go.
#[derive(Debug, Clone)]
pub(super) struct Database {
    /// The file name, or the `file:` URI of an in-memory database, that sqlx opened.
    pub(super) filename: String,
    /// An in-memory database, whose connections share one cache (and its table locks).
    pub(super) in_memory: bool,
    /// Whether the store only reads (the writer's connection is read-only too).
    pub(super) read_only: bool,
}

/// What a connection is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Access {
    Read,
    Write,
}

impl Database {
    /// A new connection: read-only for reads; for writes, `synchronous = FULL`, so a commit
    /// that returned is on disk.
    pub(super) fn connect(&self, access: Access) -> Result<Connection> {
        let mut flags = OpenFlags::SQLITE_OPEN_URI | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        flags |= if access == Access::Read || self.read_only {
            OpenFlags::SQLITE_OPEN_READ_ONLY
        } else {
            OpenFlags::SQLITE_OPEN_READ_WRITE
        };
        if self.in_memory {
            flags |= OpenFlags::SQLITE_OPEN_MEMORY | OpenFlags::SQLITE_OPEN_SHARED_CACHE;
        }
        let connection =
            Connection::open_with_flags(&self.filename, flags).map_err(Error::sqlite("open"))?;
        connection
            .busy_timeout(BUSY_TIMEOUT)
            .map_err(Error::sqlite("open"))?;
        if access == Access::Write && !self.read_only {
            connection
                .pragma_update(None, "synchronous", "FULL")
                .map_err(Error::sqlite("open"))?;
        }
        Ok(connection)
    }
}
