//! Bulk requests: many operations in one streamed request, each through the same chain as a
//! single call at the request's version; `Idempotency-Key` on any POST; async bulk jobs.
//!
//! `POST {base}/{version}/bulk` with `Content-Type: application/x-ndjson` (or `application/json`
//! and one JSON array of the same lines). Each line is `[op, body]` or `[op, body, options]`:
//! `op` is an endpoint id at that version; `options.method` picks the method of an endpoint that
//! has several, `options.params` fills the path parameters, `options.query` gives the query
//! (`{"name": value}` or `{"name": [values]}`). A `null` body sends no body.
//!
//! - An optional first line `["configure", {...}]` sets `mode` (`per_item`, the default;
//!   `atomic`; `stop_on_error`), `view` (`full`, `errors`, `none`), `lines` (the declared
//!   number of operation lines) and `respond` (`sync`, or `async` for a job). `Content-Lines` may
//!   declare the count too; both must agree. A line past the count is answered with a problem
//!   and reading stops; fewer lines fail at the end. In `atomic` mode nothing is committed then.
//! - A body's top-level `"$anchor": "name"` names its line's result (unique in the request);
//!   a later `{"$ref": "name"}` anywhere in a body or in the options stands for the anchored
//!   line's *result id* (its response body's `id` member, else the whole body), and
//!   `{"$ref": "name#/json/pointer"}` for a part of its response body. A reference to no earlier
//!   anchor is a 400 row; a line referring to a line that did not succeed is skipped (424).
//!   Anchored results are kept for the whole request (the one thing that grows with it).
//! - The response is NDJSON, one row per operation line in order
//!   (`{"line", "op", "$anchor", "status", "result", "body"}`, or `"problem"` instead of
//!   `"body"`; `result` is `created` or `updated` when the answer says so: 201, or a `true`
//!   `created` or `updated` member), then `{"summary": {...}}` with the counts, the mode,
//!   `committed` and any problem of the batch as a whole. `line` is the line's number in the body
//!   (its position in a JSON array). The status is 200 once the rows start; refusals before that
//!   (media type, `Content-Length` over `max_total_bytes`, counts over `max_lines`, a bad
//!   configure line, `atomic` without a store) are problems with their own status.
//! - Limits come from `[bulk]` in `apivolve.toml`: `max_lines`, `max_line_bytes` (a longer line
//!   gets a 413 row), `max_total_bytes` (413, reading stops), `concurrency` (gateway mode).
//! - Reading is streaming, frame by frame; rows stream back through a channel. Clients should read
//!   the response while they send the request: rows wait for the client when it does not.
//!
//! How lines share units of work is in [`shared`] (library mode: a store was given with
//! [`VersioningLayer::with_store`](crate::VersioningLayer::with_store)) and [`independent`]
//! (gateway mode); idempotency in [`idempotency`]; jobs in [`jobs`].

mod batch;
mod call;
mod configure;
mod idempotency;
mod independent;
mod jobs;
mod line;
mod output;
mod reader;
mod records;
mod request;
mod shared;
mod source;

use std::sync::Arc;
use std::time::Duration;

use apivolve_store::{RetryPolicy, SharedStore};
use axum::Router;
use axum::body::Body;
use axum::response::{IntoResponse, Response};
use http::{Method, Request};

use crate::inner::Inner;
use crate::routes::RouteMatch;
use crate::versioning::{Runtime, handle as chain};

/// The media type of NDJSON bodies.
pub(crate) const NDJSON: &str = "application/x-ndjson";

/// Options of bulk requests, idempotency keys and bulk jobs (the limits are `[bulk]` in
/// `apivolve.toml`).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct BulkOptions {
    /// Lines per unit of work and commit in `per_item` and `stop_on_error` modes (default 1,000).
    pub window_lines: usize,
    /// Line bytes per window; also the largest `atomic` request kept for a retry after a
    /// conflict (default 1 MiB).
    pub window_bytes: usize,
    /// How often a conflicting window (or kept `atomic` batch) runs again.
    pub retry: RetryPolicy,
    /// How long an `Idempotency-Key` answer is kept (default 24 hours).
    pub idempotency_ttl: Duration,
    /// How long the rows of an async job are kept after it ended (default 24 hours).
    pub job_ttl: Duration,
}

impl Default for BulkOptions {
    fn default() -> Self {
        Self {
            window_lines: 1_000,
            window_bytes: 1 << 20,
            retry: RetryPolicy::default(),
            idempotency_ttl: Duration::from_secs(24 * 60 * 60),
            job_ttl: Duration::from_secs(24 * 60 * 60),
        }
    }
}

impl BulkOptions {
    /// Commit `per_item` and `stop_on_error` requests every `lines` lines or `bytes` bytes.
    #[must_use]
    pub fn window(mut self, lines: usize, bytes: usize) -> Self {
        self.window_lines = lines.max(1);
        self.window_bytes = bytes;
        self
    }

    /// Retry conflicting windows by `policy`.
    #[must_use]
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Keep idempotency answers for `ttl`.
    #[must_use]
    pub fn idempotency_ttl(mut self, ttl: Duration) -> Self {
        self.idempotency_ttl = ttl;
        self
    }

    /// Keep the rows of async jobs for `ttl` after they end.
    #[must_use]
    pub fn job_ttl(mut self, ttl: Duration) -> Self {
        self.job_ttl = ttl;
        self
    }
}

/// What the versioning layer knows for bulk requests.
#[derive(Clone, Debug, Default)]
pub(crate) struct Bulk {
    /// Where idempotency answers and bulk jobs are kept; `None` when there is no store.
    pub(crate) store: Option<SharedStore>,
    /// Library mode: `store` is also the inner service's, so the lines of a bulk request share
    /// its units of work. In gateway mode (`false`) lines are independent calls.
    pub(crate) shares_units: bool,
    pub(crate) options: BulkOptions,
}

impl Bulk {
    /// The store whose units the lines of a bulk request share, in library mode.
    pub(crate) fn unit_store(&self) -> Option<&SharedStore> {
        self.store.as_ref().filter(|_| self.shares_units)
    }
}

/// The layer's entry: bulk requests, bulk jobs and idempotent POSTs here, the rest to the chain.
pub(crate) async fn handle<S>(
    runtime: Arc<Runtime>,
    bulk: Arc<Bulk>,
    inner: S,
    docs: Router,
    request: Request<Body>,
) -> Response
where
    S: Inner,
{
    let path = request.uri().path();
    let candidate = match *request.method() {
        Method::POST => {
            path.ends_with("/bulk") || request.headers().contains_key(idempotency::IDEMPOTENCY_KEY)
        }
        Method::GET => path.contains("/bulk/jobs/"),
        _ => false,
    };
    if !candidate {
        return chain(runtime, inner, docs, request).await;
    }
    let (parts, body) = request.into_parts();
    let Ok(Some(negotiated)) = runtime.negotiate(&parts, &std::cell::OnceCell::new()) else {
        return chain(runtime, inner, docs, Request::from_parts(parts, body)).await;
    };
    let Some(version) = runtime.versions.get(&negotiated.version) else {
        return chain(runtime, inner, docs, Request::from_parts(parts, body)).await;
    };
    // The API's own routes come first: `/bulk` is the layer's only where the API has nothing.
    let own = !matches!(
        version.routes.lookup(&parts.method, &negotiated.path),
        RouteMatch::NotFound
    );
    if !own {
        if parts.method == Method::POST && negotiated.path == "/bulk" {
            let version = negotiated.version.clone();
            return request::bulk(runtime, bulk, inner, parts, body, version).await;
        }
        if parts.method == Method::GET
            && let Some(id) = negotiated.path.strip_prefix("/bulk/jobs/")
        {
            let mut response = jobs::fetch(bulk.store.as_ref(), id).await;
            runtime
                .headers
                .apply(response.headers_mut(), &version.info, None);
            return response;
        }
    }
    if parts.method == Method::POST
        && let Some(store) = &bulk.store
    {
        return match idempotency::key(&parts.headers) {
            Ok(Some(key)) => {
                let request = request::Single {
                    runtime,
                    inner,
                    docs,
                    parts,
                    body,
                };
                request::idempotent(request, store, &bulk.options, key).await
            }
            Ok(None) => chain(runtime, inner, docs, Request::from_parts(parts, body)).await,
            Err(problem) => problem.into_response(),
        };
    }
    chain(runtime, inner, docs, Request::from_parts(parts, body)).await
}
