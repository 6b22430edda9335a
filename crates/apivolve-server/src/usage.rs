//! Who still calls what: calls counted per client, version, endpoint and day.
//!
//! A client is the value of the header named in `[clients]` (an API key, a bearer token), kept
//! only as its [`client_hash`]; without that header every call counts as [`ANONYMOUS`]. The
//! layer counts each routed call (refused ones too: a client still calling a retired version is
//! exactly who a team must find), and each call refused at version negotiation under the
//! endpoint [`NOT_NEGOTIATED`]: at the version it named when that version is no longer supported,
//! else at [`UNKNOWN_VERSION`] (a malformed, unknown or future version: one name for all, so
//! clients cannot grow the counts without bound). Counts are kept in memory when it has a store (`VersioningLayer::with_store` or
//! `with_record_store`; without one nothing is counted), and a background task adds the counts to the store
//! every `[usage] flush_seconds`, one document per day and client at `_usage/{day}/{client}`:
//!
//! ```json
//! {"day": "2026-12-02", "client": "3f2a9c01d4e5b6a7", "calls": {"1.0.0": {"getNext": 12}}}
//! ```
//!
//! Days older than `[usage] keep_days` are deleted by the first flush of each day.
//! A flush that fails keeps its counts in memory for the next one, so a store outage loses
//! nothing while the process lives; [`Usage::flush`] writes them out at shutdown.
//! [`read_usage`] reads the stored counts back (what `apivolve usage` prints).

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::Duration;

use apivolve_model::{ClientsConfig, UsageConfig, client_hash};
use apivolve_store::{RetryPolicy, SharedStore, Write, run_unit};
use chrono::NaiveDate;
use http::{HeaderMap, HeaderName};
use semver::Version;
use serde_json::{Map, Value, json};

use crate::error::{Error, Result};

/// The client of calls that carry no identifying header.
pub const ANONYMOUS: &str = "anonymous";

/// The endpoint of calls refused at version negotiation (they reach no endpoint).
pub const NOT_NEGOTIATED: &str = "-";

/// The version of calls refused because they named no served version.
pub const UNKNOWN_VERSION: &str = "unknown";

/// Where the counts live in the document store.
const PREFIX: &str = "_usage/";

/// Documents written by one unit of work when flushing.
const DOCUMENTS_PER_UNIT: usize = 256;

/// Tells clients apart and knows which are pinned to a version.
#[derive(Debug)]
pub(crate) struct Clients {
    header: Option<HeaderName>,
    api: String,
    pins: HashMap<String, Version>,
    anonymous: Arc<str>,
}

impl Clients {
    /// From `[clients]`; `resolve` turns a pin's version (`1`, `1.2.3`) into a served version.
    pub(crate) fn new(
        config: &ClientsConfig,
        api: &str,
        resolve: impl Fn(&str) -> Result<Version>,
    ) -> Result<Self> {
        let header = config
            .header
            .as_deref()
            .map(|name| {
                HeaderName::from_bytes(name.as_bytes()).map_err(|_| Error::HeaderName {
                    name: name.to_owned(),
                })
            })
            .transpose()?;
        let pins = config
            .pins
            .iter()
            .map(|(client, version)| {
                let resolved = resolve(version).map_err(|error| Error::Pin {
                    client: client.clone(),
                    reason: error.to_string(),
                })?;
                Ok((client.clone(), resolved))
            })
            .collect::<Result<_>>()?;
        Ok(Self {
            header,
            api: api.to_owned(),
            pins,
            anonymous: Arc::from(ANONYMOUS),
        })
    }

    /// The header that identifies clients, when pins make responses depend on it (`Vary`).
    pub(crate) fn varies_on(&self) -> Option<&HeaderName> {
        self.header.as_ref().filter(|_| !self.pins.is_empty())
    }

    /// The client of a request: the hash of its identifying header, or [`ANONYMOUS`].
    pub(crate) fn identify(&self, headers: &HeaderMap) -> Arc<str> {
        self.header
            .as_ref()
            .and_then(|name| headers.get(name))
            .and_then(|value| value.to_str().ok())
            .map(str::trim)
            .filter(|value| !value.is_empty())
            .map_or_else(
                || self.anonymous.clone(),
                |value| Arc::from(client_hash(&self.api, value)),
            )
    }

    /// The version `client` is pinned to, if any.
    pub(crate) fn pin(&self, client: &str) -> Option<&Version> {
        self.pins.get(client)
    }

    /// Whether any client is pinned (only then does negotiation need the client).
    pub(crate) fn has_pins(&self) -> bool {
        !self.pins.is_empty()
    }
}

/// Calls of one client to one endpoint of one version on one day.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct UsageCount {
    /// The day (UTC).
    pub day: NaiveDate,
    /// The client's hash, or [`ANONYMOUS`].
    pub client: String,
    /// The version called.
    pub version: String,
    /// The endpoint id.
    pub endpoint: String,
    /// How many calls.
    pub calls: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Key {
    day: NaiveDate,
    client: Arc<str>,
    version: Arc<str>,
    endpoint: Arc<str>,
}

/// The usage counter of one runtime: counts in memory, flushed to the store.
#[derive(Debug)]
pub struct Usage {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    enabled: bool,
    flush_every: Duration,
    keep_days: u32,
    /// The day whose sweep of expired days is done.
    swept: Mutex<Option<NaiveDate>>,
    counts: Mutex<HashMap<Key, u64>>,
    store: Mutex<Option<SharedStore>>,
    /// Whether `store` is set: without a store nothing is counted (nowhere to keep it).
    has_store: AtomicBool,
    flusher: AtomicBool,
}

impl Usage {
    /// A counter configured by `[usage]`, with no store yet.
    pub(crate) fn new(config: &UsageConfig) -> Self {
        Self {
            shared: Arc::new(Shared {
                enabled: config.enabled,
                flush_every: Duration::from_secs(config.flush_seconds.max(1)),
                keep_days: config.keep_days,
                swept: Mutex::new(None),
                counts: Mutex::new(HashMap::new()),
                store: Mutex::new(None),
                has_store: AtomicBool::new(false),
                flusher: AtomicBool::new(false),
            }),
        }
    }

    /// Keep the counts in `store` from now on.
    pub(crate) fn attach(&self, store: SharedStore) {
        *lock(&self.shared.store) = Some(store);
        self.shared.has_store.store(true, Ordering::Release);
    }

    /// Whether calls are counted: `[usage] enabled` and a store to keep them in.
    pub(crate) fn is_counting(&self) -> bool {
        self.shared.enabled && self.shared.has_store.load(Ordering::Acquire)
    }

    /// Counts one call (and starts the background flush on the first one, in the tokio runtime
    /// of the call). Without a store nothing is counted.
    pub(crate) fn record(&self, client: Arc<str>, version: &Arc<str>, endpoint: &Arc<str>) {
        if !self.is_counting() {
            return;
        }
        let key = Key {
            day: chrono::Utc::now().date_naive(),
            client,
            version: version.clone(),
            endpoint: endpoint.clone(),
        };
        *lock(&self.shared.counts).entry(key).or_insert(0) += 1;
        if !self.shared.flusher.load(Ordering::Relaxed) {
            self.start_flusher();
        }
    }

    fn start_flusher(&self) {
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            return;
        };
        if self.shared.flusher.swap(true, Ordering::AcqRel) {
            return;
        }
        let weak: Weak<Shared> = Arc::downgrade(&self.shared);
        let every = self.shared.flush_every;
        handle.spawn(async move {
            loop {
                tokio::time::sleep(every).await;
                let Some(shared) = weak.upgrade() else { break };
                if let Err(error) = shared.flush().await {
                    tracing::warn!(%error, "usage counts not written; kept for the next flush");
                }
            }
        });
    }

    /// The counts not yet written to the store, sorted.
    pub fn pending(&self) -> Vec<UsageCount> {
        let counts = lock(&self.shared.counts);
        let mut pending: Vec<UsageCount> = counts
            .iter()
            .map(|(key, calls)| UsageCount {
                day: key.day,
                client: key.client.to_string(),
                version: key.version.to_string(),
                endpoint: key.endpoint.to_string(),
                calls: *calls,
            })
            .collect();
        pending.sort();
        pending
    }

    /// Adds the counts in memory to the store now (call it at shutdown); returns the calls
    /// written. Without a store the counts stay in memory.
    ///
    /// # Errors
    ///
    /// [`Error::Store`] when the store refuses the write; the counts not written stay in memory.
    pub async fn flush(&self) -> Result<u64> {
        self.shared.flush().await
    }
}

impl Shared {
    async fn flush(&self) -> Result<u64> {
        let Some(store) = lock(&self.store).clone() else {
            return Ok(0);
        };
        let taken = std::mem::take(&mut *lock(&self.counts));
        // One document per day and client, its calls by version and endpoint.
        let mut documents: BTreeMap<String, Vec<(Key, u64)>> = BTreeMap::new();
        for (key, calls) in taken {
            documents
                .entry(document_key(key.day, &key.client))
                .or_default()
                .push((key, calls));
        }
        let today = chrono::Utc::now().date_naive();
        if self.keep_days > 0 && *lock(&self.swept) != Some(today) {
            let cutoff = today - chrono::Days::new(u64::from(self.keep_days));
            // A failed sweep is tried again at the next flush.
            if let Err(error) = delete_before(&store, cutoff).await {
                tracing::warn!(%error, "expired usage counts not deleted");
            } else {
                *lock(&self.swept) = Some(today);
            }
        }
        let mut written = 0;
        let mut chunks = chunked(documents).into_iter();
        while let Some(chunk) = chunks.next() {
            match write_chunk(&store, &chunk).await {
                Ok(calls) => written += calls,
                Err(error) => {
                    // Nothing of this chunk or the ones after it was written: keep them.
                    let mut counts = lock(&self.counts);
                    for (key, calls) in std::iter::once(chunk)
                        .chain(chunks)
                        .flatten()
                        .flat_map(|(_, keys)| keys)
                    {
                        *counts.entry(key).or_insert(0) += calls;
                    }
                    return Err(error);
                }
            }
        }
        Ok(written)
    }
}

type Chunk = Vec<(String, Vec<(Key, u64)>)>;

fn chunked(documents: BTreeMap<String, Vec<(Key, u64)>>) -> Vec<Chunk> {
    let mut chunks = Vec::new();
    let mut chunk = Vec::new();
    for document in documents {
        chunk.push(document);
        if chunk.len() == DOCUMENTS_PER_UNIT {
            chunks.push(std::mem::take(&mut chunk));
        }
    }
    if !chunk.is_empty() {
        chunks.push(chunk);
    }
    chunks
}

/// Adds one chunk's counts to their documents in one unit of work (re-run on conflict, as
/// several instances on one PostgreSQL flush into the same documents).
async fn write_chunk(store: &SharedStore, chunk: &Chunk) -> Result<u64> {
    let keys: Vec<&str> = chunk.iter().map(|(key, _)| key.as_str()).collect();
    let outcome = run_unit(store, &RetryPolicy::default(), |unit| {
        let keys = keys.clone();
        async move {
            let existing = unit.get_many(&keys).await?;
            let mut written = 0;
            for ((key, counts), stored) in chunk.iter().zip(existing) {
                let mut document = stored.unwrap_or(Value::Null);
                for (count, calls) in counts {
                    add_calls(&mut document, count, *calls);
                    written += calls;
                }
                unit.put(key.clone(), document)?;
            }
            Ok::<_, apivolve_store::Error>(written)
        }
    })
    .await
    .map_err(Error::Store)?;
    Ok(outcome.value)
}

/// Deletes the usage documents of the days before `cutoff`; how many.
async fn delete_before(store: &SharedStore, cutoff: NaiveDate) -> Result<usize> {
    let end = format!("{PREFIX}{cutoff}");
    let mut deleted = 0;
    loop {
        // Keys sort by day: the expired ones come first.
        let page = store
            .list(PREFIX, None, DOCUMENTS_PER_UNIT)
            .await
            .map_err(Error::Store)?;
        let expired: Vec<Write> = page
            .items
            .iter()
            .take_while(|(key, _)| key.as_str() < end.as_str())
            .map(|(key, _)| Write::Delete {
                key: key.clone(),
                expected_version: None,
            })
            .collect();
        if expired.is_empty() {
            return Ok(deleted);
        }
        deleted += expired.len();
        store.commit(expired).await.map_err(Error::Store)?;
    }
}

fn document_key(day: NaiveDate, client: &str) -> String {
    format!("{PREFIX}{day}/{client}")
}

/// Adds `calls` of `key` to a stored document (making it when absent or malformed).
fn add_calls(document: &mut Value, key: &Key, calls: u64) {
    if !document.get("calls").is_some_and(Value::is_object) {
        *document = json!({"day": key.day.to_string(), "client": &*key.client, "calls": {}});
    }
    let Some(versions) = document.get_mut("calls").and_then(Value::as_object_mut) else {
        return;
    };
    let endpoints = versions
        .entry(key.version.to_string())
        .or_insert_with(|| Value::Object(Map::new()));
    if !endpoints.is_object() {
        *endpoints = Value::Object(Map::new());
    }
    if let Some(endpoints) = endpoints.as_object_mut() {
        let total = endpoints
            .get(&*key.endpoint)
            .and_then(Value::as_u64)
            .unwrap_or(0)
            .saturating_add(calls);
        endpoints.insert(key.endpoint.to_string(), Value::from(total));
    }
}

/// The counts kept in `store` for the days from `since` to `until` (both included, either
/// open), sorted by day, client, version and endpoint. Documents that are not usage counts
/// are skipped.
///
/// # Errors
///
/// [`Error::Store`] when the store cannot be read.
pub async fn read_usage(
    store: &SharedStore,
    since: Option<NaiveDate>,
    until: Option<NaiveDate>,
) -> Result<Vec<UsageCount>> {
    let mut counts = Vec::new();
    // Keys sort by day: start just before `since` and stop after `until`.
    let mut after = since.map(|day| format!("{PREFIX}{day}"));
    loop {
        let page = store
            .list(PREFIX, after.as_deref(), 500)
            .await
            .map_err(Error::Store)?;
        for (_, document) in &page.items {
            let Some(day) = document
                .value
                .get("day")
                .and_then(Value::as_str)
                .and_then(|day| day.parse::<NaiveDate>().ok())
            else {
                continue;
            };
            if until.is_some_and(|until| day > until) {
                counts.sort();
                return Ok(counts);
            }
            if since.is_some_and(|since| day < since) {
                continue;
            }
            let client = document.value.get("client").and_then(Value::as_str);
            let versions = document.value.get("calls").and_then(Value::as_object);
            let (Some(client), Some(versions)) = (client, versions) else {
                continue;
            };
            for (version, endpoints) in versions {
                for (endpoint, calls) in endpoints.as_object().into_iter().flatten() {
                    counts.push(UsageCount {
                        day,
                        client: client.to_owned(),
                        version: version.clone(),
                        endpoint: endpoint.clone(),
                        calls: calls.as_u64().unwrap_or(0),
                    });
                }
            }
        }
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    counts.sort();
    Ok(counts)
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
