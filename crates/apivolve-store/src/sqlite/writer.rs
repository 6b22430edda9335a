//! The SQLite writer task: one connection, one transaction per group of non-overlapping commits.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;

use sqlx::sqlite::SqliteConnection;
use sqlx::{Connection, Row, SqliteExecutor};
use tokio::sync::{mpsc, oneshot};

use super::cache::Cache;
use crate::commit::{self, Current, Effect};
use crate::sql;
use crate::{Error, Result, SharedDocument, Write};

/// Commits queued per writer before senders wait.
const QUEUE: usize = 1024;

/// One unit's commit, waiting for the writer.
pub(super) struct Job {
    pub(super) writes: Vec<Write>,
    /// The distinct keys of `writes`.
    pub(super) keys: Vec<String>,
    pub(super) reply: oneshot::Sender<UnitResult>,
}

/// What a committed transaction left at a key: the document, or `None` when it was deleted.
type Written = (String, Option<SharedDocument>);

/// One unit's answer: the version of each write (`None` for a delete), or why it failed.
type UnitResult = Result<Vec<Option<u64>>>;

/// One unit's effects, or the keys whose expected versions did not hold.
type Plan = std::result::Result<Vec<Effect>, Vec<String>>;

/// Start the writer task on `connection`; it ends when every sender is dropped. It tells `cache`
/// of every transaction it commits.
pub(super) fn spawn(
    connection: SqliteConnection,
    max_group: usize,
    cache: Arc<Cache>,
) -> mpsc::Sender<Job> {
    let (sender, receiver) = mpsc::channel(QUEUE);
    tokio::spawn(run(connection, receiver, max_group, cache));
    sender
}

async fn run(
    mut connection: SqliteConnection,
    mut jobs: mpsc::Receiver<Job>,
    max_group: usize,
    cache: Arc<Cache>,
) {
    let mut pending = VecDeque::new();
    loop {
        if pending.is_empty() {
            match jobs.recv().await {
                Some(job) => pending.push_back(job),
                None => break,
            }
        }
        while pending.len() < max_group.saturating_mul(2) {
            match jobs.try_recv() {
                Ok(job) => pending.push_back(job),
                Err(_) => break,
            }
        }
        let group = take_group(&mut pending, max_group);
        metrics::histogram!("store_group_commit_size").record(group.len() as f64);
        apply_group(&mut connection, group, &cache).await;
    }
    if let Err(error) = connection.close().await {
        tracing::warn!(%error, "closing the SQLite writer connection failed");
    }
}

/// Take, in arrival order, up to `max_group` jobs whose keys do not overlap; the others stay
/// queued at the front, so they go first next time.
fn take_group(pending: &mut VecDeque<Job>, max_group: usize) -> Vec<Job> {
    let mut group = Vec::new();
    let mut keys = HashSet::new();
    let mut deferred = VecDeque::new();
    while let Some(job) = pending.pop_front() {
        if group.len() == max_group {
            deferred.push_back(job);
            continue;
        }
        if job.keys.iter().any(|key| keys.contains(key.as_str())) {
            deferred.push_back(job);
        } else {
            keys.extend(job.keys.iter().map(String::as_str).map(str::to_owned));
            group.push(job);
        }
    }
    *pending = deferred;
    group
}

/// Commit `group` in one transaction, tell `cache` what it wrote, and answer every job.
async fn apply_group(connection: &mut SqliteConnection, group: Vec<Job>, cache: &Cache) {
    let mut replies = Vec::with_capacity(group.len());
    let mut keys = Vec::new();
    let mut writes = Vec::with_capacity(group.len());
    for job in group {
        replies.push(job.reply);
        keys.extend(job.keys);
        writes.push(job.writes);
    }
    match transact(connection, &keys, writes).await {
        Ok((results, written)) => {
            // Before any answer: a unit whose commit returned reads what it wrote.
            cache.committed(written);
            for (reply, result) in replies.into_iter().zip(results) {
                // A unit that stopped waiting (its task was cancelled) needs no answer.
                let _ = reply.send(result);
            }
        }
        Err(error) => {
            tracing::warn!(%error, "SQLite group commit failed; nothing of the group was written");
            for reply in replies {
                let _ = reply.send(Err(Error::Unavailable {
                    reason: format!("commit failed: {error}"),
                }));
            }
        }
    }
}

/// One transaction for all `jobs` (the writes of each unit; `keys` is every key of all of them).
///
/// Returns each unit's result, which holds only because the transaction committed, and what the
/// transaction wrote; an `Err` means nothing was written.
async fn transact(
    connection: &mut SqliteConnection,
    keys: &[String],
    jobs: Vec<Vec<Write>>,
) -> Result<(Vec<UnitResult>, Vec<Written>)> {
    let mut transaction = connection
        .begin_with("BEGIN IMMEDIATE")
        .await
        .map_err(Error::database("commit"))?;
    let merge_keys: Vec<String> = jobs
        .iter()
        .flat_map(|writes| commit::merge_keys(writes))
        .collect();
    let current = read_current(&mut *transaction, keys, &merge_keys).await?;
    let first_version = read_last_version(&mut *transaction).await?;
    // Units of one group touch disjoint keys, so one snapshot of `current` serves them all.
    let plans: Vec<_> = jobs
        .into_iter()
        .map(|writes| commit::plan(writes, &current))
        .collect();
    let mut last_version = first_version;
    let mut written = Vec::new();
    savepoint(&mut transaction, "SAVEPOINT grouped").await?;
    let grouped = match Grouped::new(&plans, &mut last_version, &mut written) {
        Ok((grouped, results)) => match grouped.execute(&mut transaction).await {
            Ok(()) => Some(results),
            Err(error) => {
                tracing::warn!(%error, "a grouped statement failed; committing unit by unit");
                None
            }
        },
        Err(error) => {
            tracing::warn!(%error, "a document could not be encoded; committing unit by unit");
            None
        }
    };
    let results = match grouped {
        Some(results) => {
            savepoint(&mut transaction, "RELEASE grouped").await?;
            results
        }
        None => {
            // Find the unit at fault: each under its own savepoint, as if alone.
            savepoint(&mut transaction, "ROLLBACK TO grouped").await?;
            savepoint(&mut transaction, "RELEASE grouped").await?;
            last_version = first_version;
            written.clear();
            let mut results = Vec::with_capacity(plans.len());
            for plan in plans {
                let result = match plan {
                    Err(keys) => Err(Error::Conflict { keys }),
                    Ok(effects) => {
                        apply_job(&mut transaction, effects, &mut last_version, &mut written)
                            .await?
                    }
                };
                results.push(result);
            }
            results
        }
    };
    sqlx::query("UPDATE apivolve_store_meta SET value = $1 WHERE name = 'last_version'")
        .bind(sql::version_to_row(last_version))
        .execute(&mut *transaction)
        .await
        .map_err(Error::database("commit"))?;
    transaction
        .commit()
        .await
        .map_err(Error::database("commit"))?;
    Ok((results, written))
}

/// The effects of every unit of a group, as three statements (inserts, updates, deletes) whose
/// rows are a JSON array each: a group of any size is a handful of round trips to the
/// connection's thread instead of several per unit.
#[derive(Debug, Default)]
struct Grouped {
    /// `[key, value text, version]` of the rows to create.
    inserts: Vec<serde_json::Value>,
    /// `[key, value text, version]` of the rows to overwrite.
    updates: Vec<serde_json::Value>,
    /// The keys to delete.
    deletes: Vec<serde_json::Value>,
}

impl Grouped {
    /// The statements for `plans`, drawing versions from `last_version` and noting what they
    /// write in `written`; each unit's result.
    fn new(
        plans: &[Plan],
        last_version: &mut u64,
        written: &mut Vec<Written>,
    ) -> std::result::Result<(Self, Vec<UnitResult>), std::num::TryFromIntError> {
        let mut grouped = Self::default();
        let mut results = Vec::with_capacity(plans.len());
        for plan in plans {
            let effects = match plan {
                Err(keys) => {
                    results.push(Err(Error::Conflict { keys: keys.clone() }));
                    continue;
                }
                Ok(effects) => effects,
            };
            let mut versions = Vec::with_capacity(effects.len());
            for effect in effects {
                match effect {
                    Effect::Put { key, value, create } => {
                        *last_version += 1;
                        let version = *last_version;
                        let row =
                            serde_json::json!([key, sql::text(value), i64::try_from(version)?]);
                        if *create {
                            grouped.inserts.push(row);
                        } else {
                            grouped.updates.push(row);
                        }
                        written.push((
                            key.clone(),
                            Some(SharedDocument {
                                value: Arc::clone(value),
                                version,
                            }),
                        ));
                        versions.push(Some(version));
                    }
                    Effect::Delete { key } => {
                        grouped.deletes.push(serde_json::Value::from(key.as_str()));
                        written.push((key.clone(), None));
                        versions.push(None);
                    }
                    Effect::Nothing => versions.push(None),
                }
            }
            results.push(Ok(versions));
        }
        Ok((grouped, results))
    }

    async fn execute(self, connection: &mut SqliteConnection) -> Result<(), sqlx::Error> {
        let statements = [
            (
                self.inserts,
                "INSERT INTO apivolve_documents (key, value, version) \
                 SELECT value ->> 0, value ->> 1, value ->> 2 FROM json_each($1)",
            ),
            (
                self.updates,
                "UPDATE apivolve_documents SET value = row.value ->> 1, version = row.value ->> 2 \
                 FROM json_each($1) AS row WHERE apivolve_documents.key = row.value ->> 0",
            ),
            (
                self.deletes,
                "DELETE FROM apivolve_documents WHERE key IN (SELECT value FROM json_each($1))",
            ),
        ];
        for (rows, statement) in statements {
            if rows.is_empty() {
                continue;
            }
            sqlx::query(statement)
                .bind(serde_json::Value::Array(rows).to_string())
                .execute(&mut *connection)
                .await?;
        }
        Ok(())
    }
}

/// Apply one unit's effects under a savepoint, so that a failing statement undoes this unit
/// alone; what it wrote is added to `written`. The outer error means the transaction itself is
/// broken.
async fn apply_job(
    connection: &mut SqliteConnection,
    effects: Vec<Effect>,
    last_version: &mut u64,
    written: &mut Vec<Written>,
) -> Result<UnitResult> {
    savepoint(connection, "SAVEPOINT unit").await?;
    let first_version = *last_version;
    let first_written = written.len();
    let mut versions = Vec::with_capacity(effects.len());
    for effect in effects {
        match apply_effect(&mut *connection, effect, last_version, written).await {
            Ok(version) => versions.push(version),
            Err(error) => {
                tracing::warn!(%error, "a unit's statement failed; rolling back that unit");
                *last_version = first_version;
                written.truncate(first_written);
                savepoint(connection, "ROLLBACK TO unit").await?;
                savepoint(connection, "RELEASE unit").await?;
                return Ok(Err(Error::Unavailable {
                    reason: format!("commit failed: {error}"),
                }));
            }
        }
    }
    savepoint(connection, "RELEASE unit").await?;
    Ok(Ok(versions))
}

async fn savepoint(connection: &mut SqliteConnection, statement: &'static str) -> Result<()> {
    sqlx::query(statement)
        .execute(connection)
        .await
        .map_err(Error::database("commit"))?;
    Ok(())
}

async fn apply_effect(
    connection: impl SqliteExecutor<'_>,
    effect: Effect,
    last_version: &mut u64,
    written: &mut Vec<Written>,
) -> Result<Option<u64>, sqlx::Error> {
    match effect {
        Effect::Put { key, value, create } => {
            *last_version += 1;
            let query = if create {
                "INSERT INTO apivolve_documents (key, value, version) VALUES ($1, $2, $3)"
            } else {
                "UPDATE apivolve_documents SET value = $2, version = $3 WHERE key = $1"
            };
            sqlx::query(query)
                .bind(&key)
                .bind(sql::text(&value))
                .bind(sql::version_to_row(*last_version))
                .execute(connection)
                .await?;
            let version = *last_version;
            written.push((key, Some(SharedDocument { value, version })));
            Ok(Some(version))
        }
        Effect::Delete { key } => {
            sqlx::query("DELETE FROM apivolve_documents WHERE key = $1")
                .bind(&key)
                .execute(connection)
                .await?;
            written.push((key, None));
            Ok(None)
        }
        Effect::Nothing => Ok(None),
    }
}

/// The current version of every key present, with the value for the keys merged into.
async fn read_current(
    connection: impl SqliteExecutor<'_>,
    keys: &[String],
    merge_keys: &[String],
) -> Result<HashMap<String, Current>> {
    let rows = sqlx::query(
        "SELECT key, version, \
             CASE WHEN key IN (SELECT value FROM json_each($2)) THEN value END \
         FROM apivolve_documents WHERE key IN (SELECT value FROM json_each($1))",
    )
    .bind(serde_json::Value::from(keys.to_vec()).to_string())
    .bind(serde_json::Value::from(merge_keys.to_vec()).to_string())
    .fetch_all(connection)
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

async fn read_last_version(connection: impl SqliteExecutor<'_>) -> Result<u64> {
    let last: i64 =
        sqlx::query_scalar("SELECT value FROM apivolve_store_meta WHERE name = 'last_version'")
            .fetch_one(connection)
            .await
            .map_err(Error::database("commit"))?;
    Ok(sql::version_from_row(last))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(keys: &[&str]) -> Job {
        let (reply, _) = oneshot::channel();
        Job {
            writes: Vec::new(),
            keys: keys.iter().map(|key| (*key).to_owned()).collect(),
            reply,
        }
    }

    fn keys(jobs: &[Job]) -> Vec<Vec<String>> {
        jobs.iter().map(|job| job.keys.clone()).collect()
    }

    #[test]
    fn overlapping_commits_wait_for_the_next_group_in_order() {
        let mut pending: VecDeque<Job> = [
            job(&["a"]),
            job(&["b", "a"]),
            job(&["c"]),
            job(&["b"]),
            job(&["d"]),
        ]
        .into();
        let group = take_group(&mut pending, 3);
        assert_eq!(keys(&group), [vec!["a"], vec!["c"], vec!["b"]]);
        let rest: Vec<Job> = pending.into_iter().collect();
        assert_eq!(keys(&rest), [vec!["b", "a"], vec!["d"]]);
    }

    /// A unit whose statement fails (here, by a trigger) fails alone: the grouped statements are
    /// rolled back and the group is committed unit by unit.
    #[tokio::test]
    async fn a_unit_whose_statement_fails_is_rolled_back_alone() {
        use sqlx::ConnectOptions;
        use std::str::FromStr;

        let mut connection = sqlx::sqlite::SqliteConnectOptions::from_str("sqlite::memory:")
            .unwrap()
            .connect()
            .await
            .unwrap();
        let mut migrator = sqlx::migrate!("migrations/sqlite");
        migrator.dangerous_set_table_name(sql::MIGRATIONS_TABLE);
        migrator.run(&mut connection).await.unwrap();
        sqlx::query(
            "CREATE TRIGGER poison BEFORE INSERT ON apivolve_documents \
             WHEN NEW.value LIKE '%poison%' BEGIN SELECT RAISE(ABORT, 'poisoned'); END",
        )
        .execute(&mut connection)
        .await
        .unwrap();
        let insert = |key: &str, value: serde_json::Value| Write::Insert {
            key: key.to_owned(),
            value,
        };
        let jobs = vec![
            vec![
                insert("a", serde_json::json!(1)),
                insert("c", serde_json::json!(3)),
            ],
            vec![insert("b", serde_json::json!("poison"))],
        ];
        let keys = ["a", "c", "b"].map(str::to_owned);
        let (results, written) = transact(&mut connection, &keys, jobs).await.unwrap();
        assert_eq!(results[0].as_ref().unwrap(), &[Some(1), Some(2)]);
        assert!(results[1].is_err());
        let written: Vec<&str> = written.iter().map(|(key, _)| key.as_str()).collect();
        assert_eq!(written, ["a", "c"]);
        let stored: Vec<(String, i64)> =
            sqlx::query_as("SELECT key, version FROM apivolve_documents ORDER BY key")
                .fetch_all(&mut connection)
                .await
                .unwrap();
        assert_eq!(stored, [("a".to_owned(), 1), ("c".to_owned(), 2)]);
    }

    #[test]
    fn a_group_of_one_is_one_commit_per_transaction() {
        let mut pending: VecDeque<Job> = [job(&["a"]), job(&["b"])].into();
        assert_eq!(take_group(&mut pending, 1).len(), 1);
        assert_eq!(pending.len(), 1);
    }
}
