//! Gathering concurrent reads into shared queries.
//!
//! Every SQLite query is a round trip to the thread of a pooled connection, which costs more
//! than the lookup itself. When many units read at once (concurrent requests, the lines of a bulk
//! request running ahead), their reads wait in one queue and a few drain tasks each take the
//! whole queue, ask for all its keys in one query, and hand every reader its documents. A reader
//! alone goes straight through: one drain task, one query, as without the queue.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use sqlx::Row;
use sqlx::sqlite::SqlitePool;
use tokio::sync::oneshot;

use crate::{Document, Error, Result, sql};

/// The most keys one query asks for; a larger queue is taken in several queries.
const MAX_KEYS: usize = 512;

/// What each reader gets: its documents in the order of its keys.
type Answer = Result<Vec<Option<Document>>>;

/// The queue of reads waiting for a query, and the tasks draining it.
#[derive(Debug)]
pub(super) struct Reads {
    pool: SqlitePool,
    state: Mutex<State>,
    /// Drain tasks running at most at once (queries in flight).
    max_drains: usize,
}

#[derive(Debug, Default)]
struct State {
    queue: Vec<Waiting>,
    drains: usize,
}

#[derive(Debug)]
struct Waiting {
    keys: Vec<String>,
    reply: oneshot::Sender<Answer>,
}

impl Reads {
    pub(super) fn new(pool: SqlitePool, max_drains: usize) -> Arc<Self> {
        Arc::new(Self {
            pool,
            state: Mutex::new(State::default()),
            max_drains: max_drains.max(1),
        })
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The documents at `keys`, read in a query shared with the readers waiting at the same
    /// time.
    pub(super) async fn get_many(self: &Arc<Self>, keys: Vec<String>) -> Answer {
        let (reply, answer) = oneshot::channel();
        let start = {
            let mut state = self.state();
            state.queue.push(Waiting { keys, reply });
            let start = state.drains < self.max_drains;
            if start {
                state.drains += 1;
            }
            start
        };
        if start {
            // A task of its own: the queue is drained even when this reader stops waiting.
            tokio::spawn(Arc::clone(self).drain());
        }
        answer.await.map_err(|_| Error::Unavailable {
            reason: "the SQLite read task has stopped".to_owned(),
        })?
    }

    /// Take the queue, a query at a time, until it is empty.
    async fn drain(self: Arc<Self>) {
        loop {
            let batch = {
                let mut state = self.state();
                if state.queue.is_empty() {
                    state.drains -= 1;
                    return;
                }
                take(&mut state.queue)
            };
            let mut keys: Vec<String> = batch
                .iter()
                .flat_map(|waiting| waiting.keys.iter().cloned())
                .collect();
            keys.sort_unstable();
            keys.dedup();
            match read(&self.pool, &keys).await {
                Ok(found) => {
                    for waiting in batch {
                        let documents = waiting
                            .keys
                            .iter()
                            .map(|key| found.get(key).cloned())
                            .collect();
                        let _ = waiting.reply.send(Ok(documents));
                    }
                }
                Err(error) => {
                    let reason = error.to_string();
                    for waiting in batch {
                        let _ = waiting.reply.send(Err(Error::Unavailable {
                            reason: reason.clone(),
                        }));
                    }
                }
            }
        }
    }
}

/// The front of `queue` up to about [`MAX_KEYS`] keys (at least one reader).
fn take(queue: &mut Vec<Waiting>) -> Vec<Waiting> {
    let mut keys = 0;
    let mut count = 0;
    for waiting in queue.iter() {
        if count > 0 && keys + waiting.keys.len() > MAX_KEYS {
            break;
        }
        keys += waiting.keys.len();
        count += 1;
    }
    queue.drain(..count).collect()
}

/// Read `keys` (distinct) in one query; the documents found, by key.
async fn read(pool: &SqlitePool, keys: &[String]) -> Result<HashMap<String, Document>> {
    let rows = sqlx::query(
        "SELECT key, value, version FROM apivolve_documents \
         WHERE key IN (SELECT value FROM json_each($1))",
    )
    .bind(serde_json::Value::from(keys.to_vec()).to_string())
    .fetch_all(pool)
    .await
    .map_err(Error::database("get_many"))?;
    let mut found = HashMap::with_capacity(rows.len());
    for row in rows {
        let key: String = row.try_get(0).map_err(Error::database("get_many"))?;
        let text: String = row.try_get(1).map_err(Error::database("get_many"))?;
        let version: i64 = row.try_get(2).map_err(Error::database("get_many"))?;
        let document = sql::document(&key, &text, version)?;
        found.insert(key, document);
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn waiting(keys: usize) -> Waiting {
        let (reply, _) = oneshot::channel();
        Waiting {
            keys: (0..keys).map(|key| key.to_string()).collect(),
            reply,
        }
    }

    #[test]
    fn a_query_takes_readers_up_to_the_key_bound_and_at_least_one() {
        let mut queue = vec![waiting(300), waiting(200), waiting(100)];
        assert_eq!(take(&mut queue).len(), 2);
        assert_eq!(queue.len(), 1);
        let mut huge = vec![waiting(MAX_KEYS * 2), waiting(1)];
        assert_eq!(take(&mut huge).len(), 1);
    }
}
