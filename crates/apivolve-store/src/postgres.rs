//! The PostgreSQL backend, for several apivolve instances sharing one database.

use std::collections::HashMap;
use std::str::FromStr;

use futures::future::{BoxFuture, FutureExt};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{AssertSqlSafe, ConnectOptions, Connection, PgConnection, Row};

use crate::commit::{self, Current, Effect};
use crate::sql::{self, ListBounds};
use crate::{Document, DocumentStore, Error, Page, Result, StoreOptions, Write};

/// A [`DocumentStore`] in a PostgreSQL database.
///
/// A commit is one transaction: it locks the rows it touches (`SELECT ... FOR UPDATE`, in key
/// order), checks every expected version, then writes. Inserts use `ON CONFLICT DO NOTHING`, so
/// two instances creating one key race to a clean conflict rather than an error. Versions come
/// from one sequence.
#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: PgPool,
}

impl PostgresStore {
    /// Connect to the database `url` names and bring the store's tables up to date.
    ///
    /// With [`StoreOptions::schema`], the schema is created if missing and every connection's
    /// `search_path` is set to it.
    ///
    /// # Errors
    ///
    /// [`Error::Database`] when the URL is malformed or the server cannot be reached;
    /// [`Error::Migrate`] when the schema cannot be brought up to date.
    pub async fn connect(url: &str, options: &StoreOptions) -> Result<Self> {
        let mut connect = PgConnectOptions::from_str(url).map_err(Error::database("open"))?;
        if let Some(schema) = &options.schema {
            let schema = quote_identifier(schema);
            let mut connection = connect.connect().await.map_err(Error::database("open"))?;
            sqlx::query(AssertSqlSafe(format!(
                "CREATE SCHEMA IF NOT EXISTS {schema}"
            )))
            .execute(&mut connection)
            .await
            .map_err(Error::database("open"))?;
            connection.close().await.map_err(Error::database("open"))?;
            connect = connect.options([("search_path", schema)]);
        }
        let pool = PgPoolOptions::new()
            .max_connections(options.max_connections)
            .connect_with(connect)
            .await
            .map_err(Error::database("open"))?;
        let mut migrator = sqlx::migrate!("migrations/postgres");
        migrator.dangerous_set_table_name(sql::MIGRATIONS_TABLE);
        migrator.run(&pool).await.map_err(Error::Migrate)?;
        Ok(Self { pool })
    }

    /// The connection pool, for callers that keep their own tables beside the store's.
    #[must_use]
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    async fn get_many_now(&self, keys: &[String]) -> Result<Vec<Option<Document>>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let rows =
            sqlx::query("SELECT key, value, version FROM apivolve_documents WHERE key = ANY($1)")
                .bind(keys)
                .fetch_all(&self.pool)
                .await
                .map_err(Error::database("get_many"))?;
        let mut found = HashMap::with_capacity(rows.len());
        for row in rows {
            let (key, document) = decode_row(&row, "get_many")?;
            found.insert(key, document);
        }
        Ok(keys.iter().map(|key| found.get(key).cloned()).collect())
    }

    async fn commit_now(&self, writes: Vec<Write>) -> Result<Vec<Option<u64>>> {
        let mut keys = commit::distinct_keys(&writes)?;
        if writes.is_empty() {
            return Ok(Vec::new());
        }
        keys.sort_unstable();
        let merge_keys = commit::merge_keys(&writes);
        let mut connection = self
            .pool
            .acquire()
            .await
            .map_err(Error::database("commit"))?;
        let mut transaction = connection
            .begin()
            .await
            .map_err(Error::database("commit"))?;
        let current = lock_current(&mut transaction, &keys, &merge_keys).await?;
        let effects = commit::plan(writes, &current).map_err(|keys| Error::Conflict { keys })?;
        // Write in key order, as the rows were locked, so that concurrent commits queue rather
        // than deadlock.
        let mut order: Vec<usize> = (0..effects.len()).collect();
        order.sort_by(|a, b| effect_key(&effects[*a]).cmp(effect_key(&effects[*b])));
        let mut versions = vec![None; effects.len()];
        let mut conflicts = Vec::new();
        let mut effects: Vec<Option<Effect>> = effects.into_iter().map(Some).collect();
        for index in order {
            let Some(effect) = effects[index].take() else {
                continue;
            };
            match apply_effect(&mut transaction, effect).await? {
                Applied::Version(version) => versions[index] = version,
                Applied::Conflict(key) => conflicts.push((index, key)),
            }
        }
        if !conflicts.is_empty() {
            // Dropping the transaction rolls it back.
            conflicts.sort_unstable();
            let keys = conflicts.into_iter().map(|(_, key)| key).collect();
            return Err(Error::Conflict { keys });
        }
        transaction
            .commit()
            .await
            .map_err(Error::database("commit"))?;
        Ok(versions)
    }

    async fn list_now(&self, prefix: &str, after: Option<&str>, limit: usize) -> Result<Page> {
        let bounds = ListBounds::new(prefix, after, limit);
        let query = match (bounds.after, bounds.end.is_some()) {
            (false, true) => {
                "SELECT key, value, version FROM apivolve_documents \
                 WHERE key >= $1 AND key < $2 ORDER BY key LIMIT $3"
            }
            (true, true) => {
                "SELECT key, value, version FROM apivolve_documents \
                 WHERE key > $1 AND key < $2 ORDER BY key LIMIT $3"
            }
            (false, false) => {
                "SELECT key, value, version FROM apivolve_documents \
                 WHERE key >= $1 AND $2::text IS NULL ORDER BY key LIMIT $3"
            }
            (true, false) => {
                "SELECT key, value, version FROM apivolve_documents \
                 WHERE key > $1 AND $2::text IS NULL ORDER BY key LIMIT $3"
            }
        };
        let rows = sqlx::query(query)
            .bind(&bounds.lower)
            .bind(bounds.end.as_deref())
            .bind(bounds.fetch)
            .fetch_all(&self.pool)
            .await
            .map_err(Error::database("list"))?;
        let items = rows
            .iter()
            .map(|row| decode_row(row, "list"))
            .collect::<Result<_>>()?;
        Ok(bounds.page(items))
    }
}

impl DocumentStore for PostgresStore {
    fn get_many<'a>(&'a self, keys: &'a [String]) -> BoxFuture<'a, Result<Vec<Option<Document>>>> {
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
        "postgres"
    }
}

/// `name` as a quoted SQL identifier.
pub(crate) fn quote_identifier(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn decode_row(row: &sqlx::postgres::PgRow, operation: &'static str) -> Result<(String, Document)> {
    let key: String = row.try_get(0).map_err(Error::database(operation))?;
    let text: String = row.try_get(1).map_err(Error::database(operation))?;
    let version: i64 = row.try_get(2).map_err(Error::database(operation))?;
    let document = sql::document(&key, &text, version)?;
    Ok((key, document))
}

fn effect_key(effect: &Effect) -> &str {
    match effect {
        Effect::Put { key, .. } | Effect::Delete { key } => key,
        Effect::Nothing => "",
    }
}

/// Lock the existing rows of `keys` (sorted) and read their versions, with values for merges.
async fn lock_current(
    connection: &mut PgConnection,
    keys: &[String],
    merge_keys: &[String],
) -> Result<HashMap<String, Current>> {
    let rows = sqlx::query(
        "SELECT key, version, CASE WHEN key = ANY($2) THEN value END \
         FROM apivolve_documents WHERE key = ANY($1) ORDER BY key FOR UPDATE",
    )
    .bind(keys)
    .bind(merge_keys)
    .fetch_all(&mut *connection)
    .await
    .map_err(Error::database("commit"))?;
    let mut current = HashMap::with_capacity(rows.len());
    for row in rows {
        let key: String = row.try_get(0).map_err(Error::database("commit"))?;
        let version: i64 = row.try_get(1).map_err(Error::database("commit"))?;
        let text: Option<String> = row.try_get(2).map_err(Error::database("commit"))?;
        let value = text.map(|text| sql::parse(&key, &text)).transpose()?;
        let version = sql::version_from_row(version);
        current.insert(key, Current { version, value });
    }
    Ok(current)
}

enum Applied {
    Version(Option<u64>),
    /// Another transaction created or removed the key after the check.
    Conflict(String),
}

async fn apply_effect(connection: &mut PgConnection, effect: Effect) -> Result<Applied> {
    let fail = Error::database("commit");
    let (key, version) = match effect {
        Effect::Put { key, value, create } => {
            let query = if create {
                "INSERT INTO apivolve_documents (key, value, version) \
                 VALUES ($1, $2, nextval('apivolve_document_version')) \
                 ON CONFLICT (key) DO NOTHING RETURNING version"
            } else {
                "UPDATE apivolve_documents \
                 SET value = $2, version = nextval('apivolve_document_version') \
                 WHERE key = $1 RETURNING version"
            };
            let version: Option<i64> = sqlx::query_scalar(query)
                .bind(&key)
                .bind(sql::text(&value))
                .fetch_optional(&mut *connection)
                .await
                .map_err(fail)?;
            (key, version)
        }
        Effect::Delete { key } => {
            sqlx::query("DELETE FROM apivolve_documents WHERE key = $1")
                .bind(&key)
                .execute(&mut *connection)
                .await
                .map_err(fail)?;
            return Ok(Applied::Version(None));
        }
        Effect::Nothing => return Ok(Applied::Version(None)),
    };
    Ok(match version {
        Some(version) => Applied::Version(Some(sql::version_from_row(version))),
        None => Applied::Conflict(key),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_quoted() {
        assert_eq!(quote_identifier("plain"), "\"plain\"");
        assert_eq!(quote_identifier("a\"b"), "\"a\"\"b\"");
    }
}
