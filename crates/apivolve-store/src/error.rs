//! The store's error type and its portable [`ErrorKind`].

use std::fmt;

/// A `Result` whose error defaults to the store's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong, in terms a caller can act on without knowing the backend.
///
/// The unit-of-work retry matches on [`ErrorKind::Conflict`]; a server maps `Conflict` to 409,
/// `NotFound` to 404 and `Unavailable` to 503.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A conditional write did not hold: a document changed, appeared or vanished since it was
    /// read. Retrying from fresh reads may succeed.
    Conflict,
    /// A document the caller required does not exist.
    NotFound,
    /// The store cannot serve the request now (connection lost, database busy, refused by fault
    /// injection). Nothing was written; retrying later may succeed.
    Unavailable,
    /// Anything else: a malformed request, a corrupt row, a failed migration.
    Other,
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Conflict => "conflict",
            Self::NotFound => "not found",
            Self::Unavailable => "unavailable",
            Self::Other => "other",
        })
    }
}

/// An error from a [`DocumentStore`](crate::DocumentStore) or a [`UnitOfWork`](crate::UnitOfWork).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A commit's expected versions did not hold; nothing was written.
    #[error("version conflict on {}", display_keys(.keys))]
    Conflict {
        /// Every key whose expectation failed, in the order of the commit's writes.
        keys: Vec<String>,
    },

    /// A unit of work still conflicted after its last allowed attempt.
    #[error("unit of work gave up after {attempts} attempts; last conflict on {}", display_keys(.keys))]
    RetriesExhausted {
        /// How many times the unit ran.
        attempts: u32,
        /// The keys of the last conflict.
        keys: Vec<String>,
    },

    /// A document the caller required does not exist.
    #[error("document `{key}` not found")]
    NotFound {
        /// The missing key.
        key: String,
    },

    /// One commit names the same key more than once.
    #[error("commit writes key `{key}` more than once")]
    DuplicateKey {
        /// The repeated key.
        key: String,
    },

    /// The unit of work was committed or discarded and cannot be used again.
    #[error("unit of work is already {state}")]
    UnitClosed {
        /// `committed` or `discarded`.
        state: &'static str,
    },

    /// A store URL has no scheme this crate serves.
    #[error(
        "unsupported store URL scheme `{scheme}`: expected `memory://`, `sqlite://PATH`, \
         `sqlite::memory:` or `postgres://...`"
    )]
    UnsupportedUrl {
        /// The URL's scheme (never the whole URL, which may hold a password).
        scheme: String,
    },

    /// The store refused or could not perform the operation; nothing was written.
    #[error("store unavailable: {reason}")]
    Unavailable {
        /// What happened, for logs.
        reason: String,
    },

    /// A stored document is not valid JSON.
    #[error("document `{key}` holds invalid JSON")]
    CorruptDocument {
        /// The key of the corrupt row.
        key: String,
        /// The parse error.
        #[source]
        source: serde_json::Error,
    },

    /// The store's schema migrations failed.
    #[error("store schema migration failed")]
    Migrate(#[source] sqlx::migrate::MigrateError),

    /// The database driver failed.
    #[error("database error during {operation}")]
    Database {
        /// What the store was doing: `get_many`, `commit`, `list`, `open`.
        operation: &'static str,
        /// The driver's error.
        #[source]
        source: sqlx::Error,
    },

    /// A read of the SQLite file failed.
    #[error("SQLite error during {operation}")]
    Sqlite {
        /// What the store was doing: `get_many`, `list`, `open`.
        operation: &'static str,
        /// The library's error.
        #[source]
        source: rusqlite::Error,
    },
}

impl Error {
    /// The portable kind of this error.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Conflict { .. } | Self::RetriesExhausted { .. } => ErrorKind::Conflict,
            Self::NotFound { .. } => ErrorKind::NotFound,
            Self::Unavailable { .. } => ErrorKind::Unavailable,
            Self::Database { source, .. } => database_kind(source),
            Self::Sqlite { source, .. } => sqlite_kind(source),
            Self::DuplicateKey { .. }
            | Self::UnitClosed { .. }
            | Self::UnsupportedUrl { .. }
            | Self::CorruptDocument { .. }
            | Self::Migrate(_) => ErrorKind::Other,
        }
    }

    /// The keys of a conflict, empty for any other error.
    #[must_use]
    pub fn conflicting_keys(&self) -> &[String] {
        match self {
            Self::Conflict { keys } | Self::RetriesExhausted { keys, .. } => keys,
            _ => &[],
        }
    }

    pub(crate) fn database(operation: &'static str) -> impl FnOnce(sqlx::Error) -> Self {
        move |source| Self::Database { operation, source }
    }

    pub(crate) fn sqlite(operation: &'static str) -> impl FnOnce(rusqlite::Error) -> Self {
        move |source| Self::Sqlite { operation, source }
    }
}

/// A busy or locked database is `Unavailable`, anything else `Other`.
fn sqlite_kind(error: &rusqlite::Error) -> ErrorKind {
    match error.sqlite_error_code() {
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => {
            ErrorKind::Unavailable
        }
        _ => ErrorKind::Other,
    }
}

/// Connection trouble and lock contention are `Unavailable`; serialisation failures and
/// deadlocks (PostgreSQL `40001`, `40P01`) and unique violations are `Conflict`.
fn database_kind(error: &sqlx::Error) -> ErrorKind {
    match error {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => ErrorKind::Unavailable,
        sqlx::Error::Database(database) => {
            if database.is_unique_violation() {
                return ErrorKind::Conflict;
            }
            match database.code().as_deref() {
                Some("40001" | "40P01") => ErrorKind::Conflict,
                // PostgreSQL: connection exceptions, insufficient resources, operator intervention.
                Some(code)
                    if code.starts_with("08")
                        || code.starts_with("53")
                        || code.starts_with("57") =>
                {
                    ErrorKind::Unavailable
                }
                // SQLite: SQLITE_BUSY (5), SQLITE_LOCKED (6), SQLITE_FULL (13), SQLITE_IOERR (10),
                // with or without extended codes in the high bits.
                Some(code) => match code.parse::<u32>().map(|c| c & 0xff) {
                    Ok(5 | 6 | 10 | 13) => ErrorKind::Unavailable,
                    _ => ErrorKind::Other,
                },
                None => ErrorKind::Other,
            }
        }
        _ => ErrorKind::Other,
    }
}

fn display_keys(keys: &[String]) -> String {
    const SHOWN: usize = 5;
    let mut text = keys
        .iter()
        .take(SHOWN)
        .map(|key| format!("`{key}`"))
        .collect::<Vec<_>>()
        .join(", ");
    if keys.len() > SHOWN {
        text.push_str(&format!(" and {} more", keys.len() - SHOWN));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conflict_lists_keys_and_is_conflict() {
        let error = Error::Conflict {
            keys: vec!["a".into(), "b".into()],
        };
        assert_eq!(error.kind(), ErrorKind::Conflict);
        assert_eq!(error.to_string(), "version conflict on `a`, `b`");
        assert_eq!(error.conflicting_keys(), ["a", "b"]);
    }

    #[test]
    fn long_key_lists_are_shortened() {
        let keys = (0..8).map(|i| format!("k{i}")).collect();
        let error = Error::RetriesExhausted { attempts: 3, keys };
        assert!(error.to_string().ends_with("`k4` and 3 more"));
    }

    #[test]
    fn pool_timeout_is_unavailable() {
        let error = Error::database("get_many")(sqlx::Error::PoolTimedOut);
        assert_eq!(error.kind(), ErrorKind::Unavailable);
        let other = Error::UnitClosed { state: "committed" };
        assert_eq!(other.kind(), ErrorKind::Other);
    }
}
