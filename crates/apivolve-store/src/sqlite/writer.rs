//! The SQLite writer: one thread, one connection, one transaction per group of non-overlapping
//! commits.
//!
//! The writer is a thread of its own rather than a task: its statements and the `fsync` of each
//! commit block, and on its own thread they do so without a round trip per statement to a
//! connection thread and without holding up the runtime.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use serde_json::Value;
use tokio::sync::{mpsc, oneshot};

use super::cache::Cache;
use super::readers::{Commits, Readers};
use crate::commit::{self, Current, Effect};
use crate::sql;
use crate::{Error, Result, SharedDocument, Write};

/// Commits queued per writer before senders wait.
const QUEUE: usize = 1024;

/// How long idle readers may keep out-of-date read transactions open while the writer is busy.
const RELEASE_EVERY: Duration = Duration::from_millis(50);

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

/// Start the writer thread on `connection`; it ends when every sender is dropped. It tells
/// `cache` of every transaction it commits, counts its commits in `readers`' [`Commits`], and
/// ends the read transactions that idle `readers` keep open once a commit made them out of date
/// (when it has nothing to do, and at least every [`RELEASE_EVERY`] while it is busy).
pub(super) fn spawn(
    connection: Connection,
    max_group: usize,
    cache: Arc<Cache>,
    readers: Arc<Readers>,
) -> Result<mpsc::Sender<Job>> {
    let (sender, receiver) = mpsc::channel(QUEUE);
    std::thread::Builder::new()
        .name("apivolve-sqlite-writer".to_owned())
        .spawn(move || run(connection, receiver, max_group, &cache, &readers))
        .map_err(|error| Error::Unavailable {
            reason: format!("cannot start the SQLite writer thread: {error}"),
        })?;
    Ok(sender)
}

fn run(
    mut connection: Connection,
    mut jobs: mpsc::Receiver<Job>,
    max_group: usize,
    cache: &Cache,
    readers: &Readers,
) {
    let mut pending = VecDeque::new();
    let mut released = Instant::now();
    loop {
        if pending.is_empty() {
            match jobs.blocking_recv() {
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
        apply_group(&mut connection, group, cache, readers.commits());
        if (pending.is_empty() && jobs.is_empty()) || released.elapsed() >= RELEASE_EVERY {
            readers.release_stale();
            released = Instant::now();
        }
    }
    if let Err((_, error)) = connection.close() {
        tracing::warn!(%error, "closing the SQLite writer connection failed");
    }
}

/// Take, in arrival order, up to `max_group` jobs whose keys do not overlap; the others stay
/// queued at the front, so they go first next time.
fn take_group(pending: &mut VecDeque<Job>, max_group: usize) -> Vec<Job> {
    if pending.len() == 1 {
        // A lone job (a bulk window's thousand keys, say) overlaps nothing.
        return pending.drain(..).collect();
    }
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
fn apply_group(connection: &mut Connection, group: Vec<Job>, cache: &Cache, commits: &Commits) {
    let mut replies = Vec::with_capacity(group.len());
    let mut keys = Vec::new();
    let mut writes = Vec::with_capacity(group.len());
    for job in group {
        replies.push(job.reply);
        keys.extend(job.keys);
        writes.push(job.writes);
    }
    match transact(connection, &keys, writes, commits, cache) {
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
fn transact(
    connection: &mut Connection,
    keys: &[String],
    jobs: Vec<Vec<Write>>,
    commits: &Commits,
    cache: &Cache,
) -> Result<(Vec<UnitResult>, Vec<Written>)> {
    // Rolled back when dropped before its commit.
    let transaction = connection
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(Error::sqlite("commit"))?;
    let merge_keys: Vec<String> = jobs
        .iter()
        .flat_map(|writes| commit::merge_keys(writes))
        .collect();
    let current = read_current(&transaction, keys, &merge_keys, cache)?;
    let first_version = read_last_version(&transaction)?;
    // Units of one group touch disjoint keys, so one snapshot of `current` serves them all.
    let plans: Vec<_> = jobs
        .into_iter()
        .map(|writes| commit::plan(writes, &current))
        .collect();
    let mut last_version = first_version;
    let mut written = Vec::new();
    savepoint(&transaction, "SAVEPOINT grouped")?;
    let grouped = match Grouped::new(&plans, &mut last_version, &mut written) {
        Ok((grouped, results)) => match grouped.execute(&transaction) {
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
            savepoint(&transaction, "RELEASE grouped")?;
            results
        }
        None => {
            // Find the unit at fault: each under its own savepoint, as if alone.
            savepoint(&transaction, "ROLLBACK TO grouped")?;
            savepoint(&transaction, "RELEASE grouped")?;
            last_version = first_version;
            written.clear();
            let mut results = Vec::with_capacity(plans.len());
            for plan in plans {
                let result = match plan {
                    Err(keys) => Err(Error::Conflict { keys }),
                    Ok(effects) => {
                        apply_job(&transaction, effects, &mut last_version, &mut written)?
                    }
                };
                results.push(result);
            }
            results
        }
    };
    transaction
        .prepare_cached("UPDATE apivolve_store_meta SET value = ?1 WHERE name = 'last_version'")
        .and_then(|mut statement| statement.execute([sql::version_to_row(last_version)]))
        .map_err(Error::sqlite("commit"))?;
    commits.begin();
    let committed = transaction.commit();
    commits.end();
    committed.map_err(Error::sqlite("commit"))?;
    Ok((results, written))
}

/// The effects of every unit of a group: up to [`ROWS_ONE_BY_ONE`] rows a statement each, more
/// as three statements (inserts, updates, deletes) whose rows are a JSON array each, so that a
/// group of any size is a handful of statements instead of several per unit.
#[derive(Debug, Default)]
struct Grouped<'a> {
    /// `(key, value text, version)` of the rows to create.
    inserts: Vec<(&'a str, String, i64)>,
    /// `(key, value text, version)` of the rows to overwrite.
    updates: Vec<(&'a str, String, i64)>,
    /// The keys to delete.
    deletes: Vec<&'a str>,
}

/// Rows of a group written a statement each: a statement over a JSON array pays for the array
/// (each document's text escaped into it and read back out by SQLite) and wins only over many
/// rows. 16 is not a measured crossover: small groups (single requests' commits) are where the
/// array's cost showed in profiles, and bulk windows are hundreds of rows.
const ROWS_ONE_BY_ONE: usize = 16;

const INSERT_ROW: &str = "INSERT INTO apivolve_documents (key, value, version) VALUES (?1, ?2, ?3)";
const UPDATE_ROW: &str = "UPDATE apivolve_documents SET value = ?2, version = ?3 WHERE key = ?1";
const DELETE_ROW: &str = "DELETE FROM apivolve_documents WHERE key = ?1";

impl<'a> Grouped<'a> {
    /// The statements for `plans`, drawing versions from `last_version` and noting what they
    /// write in `written`; each unit's result.
    fn new(
        plans: &'a [Plan],
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
                        let row = (key.as_str(), sql::text(value), i64::try_from(version)?);
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
                        grouped.deletes.push(key.as_str());
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

    fn execute(self, connection: &Connection) -> rusqlite::Result<()> {
        if self.inserts.len() + self.updates.len() + self.deletes.len() <= ROWS_ONE_BY_ONE {
            for (statement, rows) in [(INSERT_ROW, &self.inserts), (UPDATE_ROW, &self.updates)] {
                for (key, text, version) in rows {
                    connection
                        .prepare_cached(statement)?
                        .execute(params![key, text, version])?;
                }
            }
            for key in &self.deletes {
                connection.prepare_cached(DELETE_ROW)?.execute([key])?;
            }
            return Ok(());
        }
        let statements = [
            (
                json_rows(&self.inserts)?,
                "INSERT INTO apivolve_documents (key, value, version) \
                 SELECT value ->> 0, value ->> 1, value ->> 2 FROM json_each(?1)",
            ),
            (
                json_rows(&self.updates)?,
                "UPDATE apivolve_documents SET value = row.value ->> 1, version = row.value ->> 2 \
                 FROM json_each(?1) AS row WHERE apivolve_documents.key = row.value ->> 0",
            ),
            (
                json_rows(&self.deletes)?,
                "DELETE FROM apivolve_documents WHERE key IN (SELECT value FROM json_each(?1))",
            ),
        ];
        for (rows, statement) in statements {
            if let Some(rows) = rows {
                connection.prepare_cached(statement)?.execute([rows])?;
            }
        }
        Ok(())
    }
}

/// `rows` as one JSON array of arrays, `None` when there are none.
fn json_rows<T: serde::Serialize>(rows: &[T]) -> rusqlite::Result<Option<String>> {
    if rows.is_empty() {
        return Ok(None);
    }
    serde_json::to_string(rows)
        .map(Some)
        .map_err(|error| rusqlite::Error::ToSqlConversionFailure(Box::new(error)))
}

/// Apply one unit's effects under a savepoint, so that a failing statement undoes this unit
/// alone; what it wrote is added to `written`. The outer error means the transaction itself is
/// broken.
fn apply_job(
    connection: &Connection,
    effects: Vec<Effect>,
    last_version: &mut u64,
    written: &mut Vec<Written>,
) -> Result<UnitResult> {
    savepoint(connection, "SAVEPOINT unit")?;
    let first_version = *last_version;
    let first_written = written.len();
    let mut versions = Vec::with_capacity(effects.len());
    for effect in effects {
        match apply_effect(connection, effect, last_version, written) {
            Ok(version) => versions.push(version),
            Err(error) => {
                tracing::warn!(%error, "a unit's statement failed; rolling back that unit");
                *last_version = first_version;
                written.truncate(first_written);
                savepoint(connection, "ROLLBACK TO unit")?;
                savepoint(connection, "RELEASE unit")?;
                return Ok(Err(Error::Unavailable {
                    reason: format!("commit failed: {error}"),
                }));
            }
        }
    }
    savepoint(connection, "RELEASE unit")?;
    Ok(Ok(versions))
}

fn savepoint(connection: &Connection, statement: &'static str) -> Result<()> {
    connection
        .execute_batch(statement)
        .map_err(Error::sqlite("commit"))
}

fn apply_effect(
    connection: &Connection,
    effect: Effect,
    last_version: &mut u64,
    written: &mut Vec<Written>,
) -> rusqlite::Result<Option<u64>> {
    match effect {
        Effect::Put { key, value, create } => {
            *last_version += 1;
            let query = if create { INSERT_ROW } else { UPDATE_ROW };
            connection.prepare_cached(query)?.execute(params![
                key,
                sql::text(&value),
                sql::version_to_row(*last_version)
            ])?;
            let version = *last_version;
            written.push((key, Some(SharedDocument { value, version })));
            Ok(Some(version))
        }
        Effect::Delete { key } => {
            connection.prepare_cached(DELETE_ROW)?.execute([&key])?;
            written.push((key, None));
            Ok(None)
        }
        Effect::Nothing => Ok(None),
    }
}

/// The current version of every key present, with the value for the keys merged into.
///
/// Keys the cache knows are taken from it: this thread writes every change through to the cache
/// before its next transaction, and a reader fills it only with what the file held at that
/// point (see `cache.rs`), so at the start of a transaction the cache holds what the file holds.
/// The others are read from the file.
fn read_current(
    connection: &Connection,
    keys: &[String],
    merge_keys: &[String],
    cache: &Cache,
) -> Result<HashMap<String, Current>> {
    let mut current = HashMap::new();
    let (known, _) = cache.lookup(keys);
    let merged: HashSet<&str> = merge_keys.iter().map(String::as_str).collect();
    let mut unknown = Vec::new();
    for (key, known) in keys.iter().zip(known) {
        match known {
            Some(Some(document)) => {
                let value = merged
                    .contains(key.as_str())
                    .then(|| Value::clone(&document.value));
                current.insert(
                    key.clone(),
                    Current {
                        version: document.version,
                        value,
                    },
                );
            }
            Some(None) => {}
            None => unknown.push(key.clone()),
        }
    }
    if unknown.is_empty() {
        return Ok(current);
    }
    let mut statement = connection
        .prepare_cached(
            "SELECT key, version, \
                 CASE WHEN key IN (SELECT value FROM json_each(?2)) THEN value END \
             FROM apivolve_documents WHERE key IN (SELECT value FROM json_each(?1))",
        )
        .map_err(Error::sqlite("commit"))?;
    let rows = statement
        .query_map(
            [
                serde_json::Value::from(unknown).to_string(),
                serde_json::Value::from(merge_keys.to_vec()).to_string(),
            ],
            |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, i64>(1)?,
                    row.get::<_, Option<String>>(2)?,
                ))
            },
        )
        .map_err(Error::sqlite("commit"))?;
    for row in rows {
        let (key, version, text) = row.map_err(Error::sqlite("commit"))?;
        let value = text.map(|text| sql::parse(&key, &text)).transpose()?;
        let version = sql::version_from_row(version);
        current.insert(key, Current { version, value });
    }
    Ok(current)
}

fn read_last_version(connection: &Connection) -> Result<u64> {
    let last: Option<i64> = connection
        .prepare_cached("SELECT value FROM apivolve_store_meta WHERE name = 'last_version'")
        .and_then(|mut statement| statement.query_row([], |row| row.get(0)).optional())
        .map_err(Error::sqlite("commit"))?;
    let last = last.ok_or_else(|| Error::Unavailable {
        reason: "the store's version counter is missing".to_owned(),
    })?;
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
    /// rolled back and the group is committed unit by unit (for a group written a statement per
    /// row and for one written through JSON arrays).
    #[test]
    fn a_unit_whose_statement_fails_is_rolled_back_alone() {
        for extra in [0, ROWS_ONE_BY_ONE] {
            let mut connection = table();
            connection
                .execute_batch(
                    "CREATE TRIGGER poison BEFORE INSERT ON apivolve_documents \
                     WHEN NEW.value LIKE '%poison%' BEGIN SELECT RAISE(ABORT, 'poisoned'); END",
                )
                .unwrap();
            let insert = |key: &str, value: serde_json::Value| Write::Insert {
                key: key.to_owned(),
                value,
            };
            let mut good = vec![
                insert("a", serde_json::json!(1)),
                insert("c", serde_json::json!(3)),
            ];
            good.extend((0..extra).map(|n| insert(&format!("d{n:02}"), serde_json::json!(n))));
            let keys: Vec<String> = good.iter().map(|write| write.key().to_owned()).collect();
            let good_keys = keys.clone();
            let keys = [keys, vec!["b".to_owned()]].concat();
            let jobs = vec![good, vec![insert("b", serde_json::json!("poison"))]];
            let (results, written) = transact(
                &mut connection,
                &keys,
                jobs,
                &Commits::default(),
                &Cache::new(0),
            )
            .unwrap();
            let versions: Vec<Option<u64>> = (1..=2 + extra as u64).map(Some).collect();
            assert_eq!(results[0].as_ref().unwrap(), &versions);
            assert!(results[1].is_err());
            let written: Vec<String> = written.into_iter().map(|(key, _)| key).collect();
            assert_eq!(written, good_keys);
            let stored: Vec<(String, i64)> = stored(&connection)
                .into_iter()
                .map(|(key, _, version)| (key, version))
                .collect();
            let expected: Vec<(String, i64)> = good_keys.into_iter().zip(1..).collect();
            assert_eq!(stored, expected);
        }
    }

    /// The store's table on a fresh in-memory connection.
    fn table() -> Connection {
        let connection = Connection::open_in_memory().unwrap();
        connection
            .execute_batch(include_str!("../../migrations/sqlite/0001_documents.sql"))
            .unwrap();
        connection
    }

    fn stored(connection: &Connection) -> Vec<(String, String, i64)> {
        let mut statement = connection
            .prepare("SELECT key, value, version FROM apivolve_documents ORDER BY key")
            .unwrap();
        statement
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }

    /// One group of `units` (one write each) in one transaction.
    fn commit_group(connection: &mut Connection, units: Vec<Write>) {
        let keys: Vec<String> = units.iter().map(|write| write.key().to_owned()).collect();
        let jobs = units.into_iter().map(|write| vec![write]).collect();
        let (results, _) =
            transact(connection, &keys, jobs, &Commits::default(), &Cache::new(0)).unwrap();
        assert!(results.iter().all(Result::is_ok), "{results:?}");
    }

    /// Small groups are written a statement per row, large ones through JSON arrays: both
    /// insert, replace and delete the same rows.
    #[test]
    fn small_and_large_groups_write_the_same_rows() {
        for size in [3, ROWS_ONE_BY_ONE * 3] {
            let mut connection = table();
            let key = |n: usize| format!("k{n:03}");
            let inserts = (0..size)
                .map(|n| Write::Insert {
                    key: key(n),
                    value: serde_json::json!({"n": n, "text": "a \"quoted\" line\n"}),
                })
                .collect();
            commit_group(&mut connection, inserts);
            // Then: the first third replaced, the second deleted, as many new ones inserted.
            let third = size / 3;
            let mut changes: Vec<Write> = (0..third)
                .map(|n| Write::Replace {
                    key: key(n),
                    value: serde_json::json!(n * 10),
                    expected_version: (n + 1) as u64,
                })
                .collect();
            changes.extend((third..2 * third).map(|n| Write::Delete {
                key: key(n),
                expected_version: None,
            }));
            changes.extend((size..size + third).map(|n| Write::Insert {
                key: key(n),
                value: serde_json::json!([n]),
            }));
            commit_group(&mut connection, changes);

            // Versions are drawn in write order; deletes draw none.
            let version = |n: usize| i64::try_from(n).unwrap();
            let mut expected = Vec::new();
            for n in 0..third {
                expected.push((key(n), (n * 10).to_string(), version(size + 1 + n)));
            }
            for n in 2 * third..size {
                let text = format!(r#"{{"n":{n},"text":"a \"quoted\" line\n"}}"#);
                expected.push((key(n), text, version(n + 1)));
            }
            for n in size..size + third {
                expected.push((key(n), format!("[{n}]"), version(third + 1 + n)));
            }
            let rows = stored(&connection);
            assert_eq!(rows, expected, "a group of {size} rows");
        }
    }

    #[test]
    fn a_group_of_one_is_one_commit_per_transaction() {
        let mut pending: VecDeque<Job> = [job(&["a"]), job(&["b"])].into();
        assert_eq!(take_group(&mut pending, 1).len(), 1);
        assert_eq!(pending.len(), 1);
    }
}
