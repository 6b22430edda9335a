//! `Idempotency-Key`: a retried POST (single or bulk) with the same key and the same request gets
//! the stored answer instead of running again.
//!
//! The record lives in the document store at `_idempotency/{key}`: first a `running` reservation
//! (inserted only if no live record exists, so two concurrent requests with one key cannot both
//! run: the second gets 409), then the answer: the SHA-256 of method, path, query and body, the
//! status, the headers and the body (inline for a single call, in chunks for a bulk result). The
//! same key with a different request is a 422. Records expire after
//! [`BulkOptions::idempotency_ttl`](super::BulkOptions); an expired record is replaced by the next
//! request with its key. 5xx answers are not recorded (the reservation is removed, so the client
//! can retry), nor are bulk requests whose body was not read whole.
//!
//! The record is written after the call's own commit, not in it: a crash between the two leaves a
//! reservation that blocks the key (409) until it expires, and the retry after that runs again.

use apivolve_store::{ErrorKind, SharedStore, Write};
use axum::body::Body;
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use serde::{Deserialize, Serialize};

use super::records::{delete_chunks, expiry, now_ms, read_chunks};
use crate::problem::Problem;

/// The request header.
pub(super) const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
/// Set on an answer replayed from a record.
pub(super) const IDEMPOTENT_REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");
/// Longest key.
const MAX_KEY_CHARS: usize = 255;
/// Where records live.
const PREFIX: &str = "_idempotency/";

/// The stored state of one key.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub(super) struct Record {
    pub(super) state: RecordState,
    /// Milliseconds since the epoch.
    pub(super) expires_at: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) hash: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) status: Option<u16>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(super) headers: Vec<(String, String)>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) body: Option<String>,
    /// Where the chunks of a long body are, and how many.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) chunks: Option<(String, u64)>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum RecordState {
    #[default]
    Running,
    Done,
}

/// The key a request names, if any.
///
/// # Errors
///
/// 400 when it is empty, longer than 255 characters, or holds other than visible ASCII
/// characters (or `/`).
pub(super) fn key(headers: &HeaderMap) -> Result<Option<String>, Problem> {
    let Some(value) = headers.get(IDEMPOTENCY_KEY) else {
        return Ok(None);
    };
    let text = value.to_str().unwrap_or_default().trim();
    let valid = !text.is_empty()
        && text.len() <= MAX_KEY_CHARS
        && text
            .bytes()
            .all(|byte| byte.is_ascii_graphic() && byte != b'/');
    if !valid {
        return Err(Problem::bad_request(format!(
            "`Idempotency-Key` must be 1 to {MAX_KEY_CHARS} visible ASCII characters without `/`"
        )));
    }
    Ok(Some(text.to_owned()))
}

/// What the store knows of a key.
#[derive(Debug)]
pub(super) enum Lookup {
    /// No live record: this request holds the key now.
    Reserved(Reservation),
    /// The answer of an earlier request with the key.
    Done(Record),
}

/// The reservation of a key by the request that runs.
#[derive(Debug)]
pub(super) struct Reservation {
    store: SharedStore,
    key: String,
    version: u64,
}

/// Reserves `key`, or finds its answer.
///
/// # Errors
///
/// 409 while another request with the key runs; 503 when the store cannot be reached.
pub(super) async fn reserve(
    store: &SharedStore,
    key: &str,
    ttl: std::time::Duration,
) -> Result<Lookup, Problem> {
    let record_key = format!("{PREFIX}{key}");
    let running = serde_json::to_value(Record {
        expires_at: expiry(ttl),
        ..Record::default()
    })
    .map_err(Problem::internal)?;
    for _ in 0..3 {
        let found = store
            .get_many(std::slice::from_ref(&record_key))
            .await
            .map_err(store_problem)?
            .pop()
            .flatten();
        let mut writes = Vec::new();
        match &found {
            None => writes.push(Write::Insert {
                key: record_key.clone(),
                value: running.clone(),
            }),
            Some(document) => {
                let record: Record =
                    serde_json::from_value(document.value.clone()).unwrap_or_default();
                let live = record.expires_at > now_ms();
                match record.state {
                    RecordState::Done if live => return Ok(Lookup::Done(record)),
                    RecordState::Running if live => {
                        return Err(Problem::conflict(
                            "a request with this `Idempotency-Key` is still running; retry later",
                        ));
                    }
                    _ => {}
                }
                writes.push(Write::Replace {
                    key: record_key.clone(),
                    value: running.clone(),
                    expected_version: document.version,
                });
                if let Some((prefix, chunks)) = &record.chunks {
                    writes.extend(delete_chunks(prefix, *chunks));
                }
            }
        }
        match store.commit(writes).await {
            Ok(versions) => {
                let version = versions.first().copied().flatten().unwrap_or_default();
                return Ok(Lookup::Reserved(Reservation {
                    store: store.clone(),
                    key: record_key,
                    version,
                }));
            }
            Err(error) if error.kind() == ErrorKind::Conflict => {}
            Err(error) => return Err(store_problem(error)),
        }
    }
    Err(Problem::conflict(
        "a request with this `Idempotency-Key` is still running; retry later",
    ))
}

impl Reservation {
    /// A fresh place for this run's chunks (a run that crashed may have left others).
    pub(super) fn chunk_prefix(&self) -> String {
        let run = super::reader::hex(&rand::random::<[u8; 8]>());
        format!("{}/{run}", self.key)
    }

    /// Stores the answer (`record` with its state, expiry and hash set here).
    pub(super) async fn complete(self, hash: String, mut record: Record, ttl: std::time::Duration) {
        record.state = RecordState::Done;
        record.expires_at = expiry(ttl);
        record.hash = Some(hash);
        let value = match serde_json::to_value(&record) {
            Ok(value) => value,
            Err(error) => {
                tracing::error!(%error, "idempotency record not stored");
                return self.release(record.chunks).await;
            }
        };
        let write = Write::Replace {
            key: self.key.clone(),
            value,
            expected_version: self.version,
        };
        if let Err(error) = self.store.commit(vec![write]).await {
            tracing::error!(%error, key = %self.key, "idempotency record not stored");
        }
    }

    /// Gives the key up (and removes chunks already written), so a retry runs.
    pub(super) async fn release(self, chunks: Option<(String, u64)>) {
        let mut writes = vec![Write::Delete {
            key: self.key.clone(),
            expected_version: Some(self.version),
        }];
        if let Some((prefix, count)) = &chunks {
            writes.extend(delete_chunks(prefix, *count));
        }
        if let Err(error) = self.store.commit(writes).await {
            tracing::error!(%error, key = %self.key, "idempotency reservation not removed");
        }
    }
}

/// The response headers worth recording (not those of one connection or one moment).
pub(super) fn recorded_headers(headers: &HeaderMap) -> Vec<(String, String)> {
    let mut kept = headers.clone();
    crate::gateway::remove_hop_by_hop(&mut kept);
    kept.remove(http::header::CONTENT_LENGTH);
    kept.remove(http::header::DATE);
    kept.iter()
        .filter_map(|(name, value)| Some((name.to_string(), value.to_str().ok()?.to_owned())))
        .collect()
}

/// The stored answer for a request with the same key, or 422 when the request differs.
pub(super) fn answer(store: &SharedStore, record: Record, hash: &str) -> Response {
    if record.hash.as_deref() != Some(hash) {
        return Problem::unprocessable(
            "this `Idempotency-Key` was used with a different request (method, path or body)",
        )
        .into_response();
    }
    let status = record
        .status
        .and_then(|status| StatusCode::from_u16(status).ok())
        .unwrap_or(StatusCode::OK);
    let body = match (record.body, record.chunks) {
        (Some(body), _) => Body::from(body),
        (None, Some((prefix, chunks))) => {
            Body::from_stream(read_chunks(store.clone(), prefix, chunks))
        }
        (None, None) => Body::empty(),
    };
    let mut response = (status, body).into_response();
    for (name, value) in record.headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            response.headers_mut().append(name, value);
        }
    }
    response
        .headers_mut()
        .insert(IDEMPOTENT_REPLAYED, HeaderValue::from_static("true"));
    response
}

/// The hash a record keeps: method, path and query, then the body.
pub(super) fn context(method: &http::Method, uri: &http::Uri) -> Vec<u8> {
    let target = uri.path_and_query().map_or("/", |target| target.as_str());
    format!("{method}\n{target}\n").into_bytes()
}

fn store_problem(error: apivolve_store::Error) -> Problem {
    Problem::service_unavailable(error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_checked() {
        let mut headers = HeaderMap::new();
        assert_eq!(key(&headers).unwrap(), None);
        headers.insert(IDEMPOTENCY_KEY, HeaderValue::from_static("abc-123"));
        assert_eq!(key(&headers).unwrap().as_deref(), Some("abc-123"));
        for bad in ["a/b", "a b", ""] {
            headers.insert(IDEMPOTENCY_KEY, HeaderValue::from_static(bad));
            assert!(key(&headers).is_err(), "{bad:?}");
        }
        headers.insert(
            IDEMPOTENCY_KEY,
            HeaderValue::from_str(&"k".repeat(256)).unwrap(),
        );
        assert!(key(&headers).is_err());
    }

    #[test]
    fn records_round_trip() {
        let record = Record {
            state: RecordState::Done,
            expires_at: 7,
            hash: Some("h".into()),
            status: Some(201),
            headers: vec![("content-type".into(), "application/json".into())],
            body: Some("{}".into()),
            chunks: None,
        };
        let value = serde_json::to_value(&record).unwrap();
        assert_eq!(serde_json::from_value::<Record>(value).unwrap(), record);
    }
}
