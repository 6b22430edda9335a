//! Async bulk jobs: `respond: "async"` answers 202 with `{base}/{version}/bulk/jobs/{id}` at once;
//! the lines run in the background and their rows are stored in chunks under
//! `_bulk_jobs/{id}/rows`. `GET` on the job answers 202 while it runs, then 200 with the NDJSON
//! rows, until [`BulkOptions::job_ttl`](super::BulkOptions) after it ended; then 404.
//!
//! The job reads the rest of the request body after the 202 has been sent, so the client keeps
//! sending it. Expired jobs are removed when their URL is next asked for.

use apivolve_store::{SharedStore, Write};
use axum::body::Body;
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::records::{delete_chunks, expiry, now_ms, read_chunks};
use crate::problem::Problem;

/// Where job records live.
const PREFIX: &str = "_bulk_jobs/";

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum JobState {
    #[default]
    Running,
    Done,
    Failed,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct JobRecord {
    state: JobState,
    expires_at: u64,
    #[serde(default)]
    chunks: u64,
}

/// A job being run: its id and the version of its record.
#[derive(Debug)]
pub(super) struct Job {
    pub(super) id: String,
    record_version: u64,
}

impl Job {
    /// Where its rows are stored.
    pub(super) fn rows_prefix(&self) -> String {
        format!("{PREFIX}{}/rows", self.id)
    }
}

/// Records a new running job.
///
/// # Errors
///
/// 503 when the store cannot be reached.
pub(super) async fn create(store: &SharedStore, ttl: std::time::Duration) -> Result<Job, Problem> {
    let id = super::reader::hex(&rand::random::<[u8; 16]>());
    let record = JobRecord {
        expires_at: expiry(ttl),
        ..JobRecord::default()
    };
    let value = serde_json::to_value(record).map_err(Problem::internal)?;
    let versions = store
        .commit(vec![Write::Insert {
            key: format!("{PREFIX}{id}"),
            value,
        }])
        .await
        .map_err(Problem::service_unavailable)?;
    Ok(Job {
        id,
        record_version: versions.first().copied().flatten().unwrap_or_default(),
    })
}

/// Marks the job done with `chunks` chunks of rows (or failed, when they could not be stored).
pub(super) async fn finish(
    store: &SharedStore,
    job: Job,
    chunks: Result<u64, apivolve_store::Error>,
    ttl: std::time::Duration,
) {
    let record = match chunks {
        Ok(chunks) => JobRecord {
            state: JobState::Done,
            expires_at: expiry(ttl),
            chunks,
        },
        Err(error) => {
            tracing::error!(%error, job = %job.id, "bulk job rows not stored");
            JobRecord {
                state: JobState::Failed,
                expires_at: expiry(ttl),
                chunks: 0,
            }
        }
    };
    let Ok(value) = serde_json::to_value(record) else {
        return;
    };
    let write = Write::Replace {
        key: format!("{PREFIX}{}", job.id),
        value,
        expected_version: job.record_version,
    };
    if let Err(error) = store.commit(vec![write]).await {
        tracing::error!(%error, job = %job.id, "bulk job record not stored");
    }
}

/// The 202 answer that names the job.
pub(super) fn accepted(location: &str, id: &str) -> Response {
    let body = json!({"job": id, "state": "running", "href": location});
    let mut response = (StatusCode::ACCEPTED, axum::Json(body)).into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

/// `GET` on a job: 202 while it runs, its rows when done, 404 when unknown or expired.
pub(super) async fn fetch(store: Option<&SharedStore>, id: &str) -> Response {
    let not_found = || {
        Problem::not_found(format!("no bulk job `{id}` (jobs expire after a while)"))
            .into_response()
    };
    let Some(store) = store.filter(|_| !id.is_empty() && id.bytes().all(|b| b.is_ascii_hexdigit()))
    else {
        return not_found();
    };
    let key = format!("{PREFIX}{id}");
    let found = match store.get_many(std::slice::from_ref(&key)).await {
        Ok(mut documents) => documents.pop().flatten(),
        Err(error) => return Problem::service_unavailable(error).into_response(),
    };
    let Some(document) = found else {
        return not_found();
    };
    let record: JobRecord = serde_json::from_value(document.value).unwrap_or_default();
    let prefix = format!("{key}/rows");
    if record.expires_at <= now_ms() {
        let mut writes = vec![Write::Delete {
            key,
            expected_version: Some(document.version),
        }];
        writes.extend(delete_chunks(&prefix, record.chunks));
        if let Err(error) = store.commit(writes).await {
            tracing::warn!(%error, job = %id, "expired bulk job not removed");
        }
        return not_found();
    }
    match record.state {
        JobState::Running => {
            let body = json!({"job": id, "state": "running"});
            let mut response = (StatusCode::ACCEPTED, axum::Json(body)).into_response();
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            response
        }
        JobState::Failed => {
            Problem::internal(format!("the rows of bulk job `{id}` could not be stored"))
                .into_response()
        }
        JobState::Done => {
            let body = Body::from_stream(read_chunks(store.clone(), prefix, record.chunks));
            let mut response = (StatusCode::OK, body).into_response();
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(super::NDJSON),
            );
            response
        }
    }
}
