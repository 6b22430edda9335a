//! Long answers kept in the document store in chunks: a bulk result recorded for an idempotency
//! key, the rows of an async job. The store's documents are JSON, so a chunk is a JSON string of
//! NDJSON text (rows are UTF-8).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use apivolve_store::{Error, SharedStore, Write};
use bytes::Bytes;
use futures::Stream;
use serde_json::Value;

/// Bytes per stored chunk.
const CHUNK_BYTES: usize = 256 << 10;

/// Milliseconds since the Unix epoch.
pub(super) fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| {
            u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX)
        })
}

/// `now` plus `ttl`, in milliseconds since the epoch.
pub(super) fn expiry(ttl: Duration) -> u64 {
    now_ms().saturating_add(u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX))
}

/// The key of chunk `index` under `prefix`.
pub(super) fn chunk_key(prefix: &str, index: u64) -> String {
    format!("{prefix}/{index:010}")
}

/// Writes a stream of bytes to the store as numbered chunks under a prefix.
#[derive(Debug)]
pub(super) struct ChunkWriter {
    store: SharedStore,
    prefix: String,
    buffer: Vec<u8>,
    chunks: u64,
    failed: Option<Error>,
}

impl ChunkWriter {
    pub(super) fn new(store: SharedStore, prefix: String) -> Self {
        Self {
            store,
            prefix,
            buffer: Vec::new(),
            chunks: 0,
            failed: None,
        }
    }

    /// Appends `bytes`, storing a chunk when one is full. After a store error, later writes are
    /// dropped and [`finish`](Self::finish) reports the error.
    pub(super) async fn write(&mut self, bytes: &[u8]) {
        self.buffer.extend_from_slice(bytes);
        if self.buffer.len() >= CHUNK_BYTES {
            self.store_chunk().await;
        }
    }

    /// Stores what is left; the number of chunks written.
    ///
    /// # Errors
    ///
    /// The first store error of any write.
    pub(super) async fn finish(mut self) -> Result<u64, Error> {
        if !self.buffer.is_empty() {
            self.store_chunk().await;
        }
        match self.failed {
            Some(error) => Err(error),
            None => Ok(self.chunks),
        }
    }

    async fn store_chunk(&mut self) {
        let bytes = std::mem::take(&mut self.buffer);
        if self.failed.is_some() {
            return;
        }
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let write = Write::Insert {
            key: chunk_key(&self.prefix, self.chunks),
            value: Value::String(text),
        };
        match self.store.commit(vec![write]).await {
            Ok(_) => self.chunks += 1,
            Err(error) => self.failed = Some(error),
        }
    }
}

/// The chunks under `prefix`, read one at a time (a store failure ends the stream with an error).
pub(super) fn read_chunks(
    store: SharedStore,
    prefix: String,
    chunks: u64,
) -> impl Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static {
    futures::stream::unfold(0u64, move |index| {
        let store = store.clone();
        let key = chunk_key(&prefix, index);
        async move {
            if index >= chunks {
                return None;
            }
            let found = store.get_many(std::slice::from_ref(&key)).await;
            let item = match found {
                Ok(mut documents) => match documents.pop().flatten().map(|d| d.value) {
                    Some(Value::String(text)) => Ok(Bytes::from(text)),
                    _ => Err(std::io::Error::other(format!(
                        "the stored chunk `{key}` is missing or not a string"
                    ))),
                },
                Err(error) => Err(std::io::Error::other(error)),
            };
            Some((item, index + 1))
        }
    })
}

/// The deletions of `chunks` chunks under `prefix`.
pub(super) fn delete_chunks(prefix: &str, chunks: u64) -> impl Iterator<Item = Write> + '_ {
    (0..chunks).map(|index| Write::Delete {
        key: chunk_key(prefix, index),
        expected_version: None,
    })
}
