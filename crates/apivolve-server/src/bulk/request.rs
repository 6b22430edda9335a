//! Answering one bulk request: refusals before anything runs, then the background task that runs
//! the lines and streams (or stores) the rows; and idempotent single POSTs.

use std::sync::Arc;

use apivolve_model::Lifecycle;
use apivolve_store::SharedStore;
use axum::Router;
use axum::body::Body;
use axum::response::{IntoResponse, Response};
use http::request::Parts;
use http::{HeaderMap, HeaderValue, Request, StatusCode, header};
use semver::Version;
use sha2::{Digest, Sha256};

use super::batch::Batch;
use super::call::line_headers;
use super::configure::{self, Configure, Mode, Respond};
use super::idempotency::{self, Lookup, Record, Reservation};
use super::jobs::{self, Job};
use super::output::{LineCalls, Output, channel_body};
use super::reader::{Format, LineReader, Piece, hex};
use super::records::ChunkWriter;
use super::source::Source;
use super::{Bulk, NDJSON, independent, shared};
use crate::inner::Inner;
use crate::lifecycle::gate;
use crate::limits::{check_content_length, read_body};
use crate::problem::Problem;
use crate::versioning::{Runtime, handle as chain};

/// The largest single-call response an idempotency record keeps.
const MAX_RECORDED_BYTES: usize = 16 << 20;

/// `POST {base}/{version}/bulk`.
pub(super) async fn bulk<S>(
    runtime: Arc<Runtime>,
    bulk: Arc<Bulk>,
    inner: S,
    parts: Parts,
    body: Body,
    version: Version,
) -> Response
where
    S: Inner,
{
    let Some(served) = runtime.versions.get(&version) else {
        return Problem::internal("the negotiated version has no runtime").into_response();
    };
    let info = served.info.clone();
    let opt_in = runtime.negotiator.preview_opt_in(&parts.headers);
    let today = chrono::Utc::now().date_naive();
    let gated = gate(&info, "bulk", &Lifecycle::default(), opt_in, None, today);
    let mut response = match gated {
        Err(refusal) => refusal.into_response(),
        Ok(()) => match start(&runtime, &bulk, inner, parts, body, version).await {
            Ok(response) => response,
            Err(problem) => problem.into_response(),
        },
    };
    runtime.headers.apply(response.headers_mut(), &info, None);
    let vary = runtime.negotiator.vary_header();
    if !vary.is_empty() {
        response.headers_mut().append(header::VARY, vary);
    }
    response
}

/// What the background task does with the rows when the lines are done.
enum Finish {
    /// Rows went to the client (and, with a key, to the store).
    Sync {
        reservation: Option<(Reservation, String)>,
    },
    /// Rows went to the job's record; with a key, the 202 answer is recorded.
    Async {
        store: SharedStore,
        job: Job,
        reservation: Option<(Reservation, Record)>,
    },
}

async fn start<S>(
    runtime: &Arc<Runtime>,
    bulk: &Arc<Bulk>,
    inner: S,
    parts: Parts,
    body: Body,
    version: Version,
) -> Result<Response, Problem>
where
    S: Inner,
{
    let limits = &runtime.bulk;
    let format = format_of(&parts.headers)?;
    check_content_length(
        &parts.headers,
        usize::try_from(limits.max_total_bytes).unwrap_or(usize::MAX),
    )?;
    let header_lines = configure::declared_by_header(&parts.headers)?;
    configure::declared(header_lines, None, limits.max_lines)?;
    let key = idempotency::key(&parts.headers)?;
    let context = idempotency::context(&parts.method, &parts.uri);
    let mut reader = LineReader::new(
        body,
        format,
        limits.max_line_bytes,
        limits.max_total_bytes,
        &context,
    );
    let reservation = match (key, &bulk.store) {
        (None, _) => None,
        (Some(_), None) => {
            return Err(Problem::bad_request(
                "`Idempotency-Key` on a bulk request needs a store, and this service has none",
            ));
        }
        (Some(key), Some(store)) => {
            match idempotency::reserve(store, &key, bulk.options.idempotency_ttl).await? {
                Lookup::Done(record) => {
                    reader.drain().await?;
                    return Ok(idempotency::answer(store, record, &reader.digest()));
                }
                Lookup::Reserved(reservation) => Some(reservation),
            }
        }
    };
    let first = match read_configure(&mut reader, bulk, header_lines, limits.max_lines).await {
        Ok(first) => first,
        Err(problem) => {
            if let Some(reservation) = reservation {
                reservation.release(None).await;
            }
            return Err(problem);
        }
    };
    let (configure, first, declared) = first;
    let batch = Arc::new(Batch {
        runtime: runtime.clone(),
        version: version.clone(),
        headers: line_headers(&parts.headers),
        extensions: parts.extensions.clone(),
        configure,
        options: bulk.options.clone(),
    });
    let source = Source::new(reader, first, declared, limits.max_lines);
    match (configure.respond, &bulk.store) {
        (Respond::Async, Some(store)) => {
            let job = jobs::create(store, bulk.options.job_ttl).await?;
            let location = format!("{}/{}/bulk/jobs/{}", runtime.base_path, version, job.id);
            let response = jobs::accepted(&location, &job.id);
            let record = ChunkWriter::new(store.clone(), job.rows_prefix());
            let output = Output::new(configure.view, None, Some(record));
            let reservation = reservation.map(|reservation| {
                let answer = Record {
                    status: Some(StatusCode::ACCEPTED.as_u16()),
                    headers: idempotency::recorded_headers(response.headers()),
                    body: Some(
                        serde_json::json!({"job": job.id, "state": "running", "href": location})
                            .to_string(),
                    ),
                    ..Record::default()
                };
                (reservation, answer)
            });
            let finish = Finish::Async {
                store: store.clone(),
                job,
                reservation,
            };
            tokio::spawn(run(batch, inner, bulk.clone(), source, output, finish));
            Ok(response)
        }
        _ => {
            let (sender, body) = channel_body();
            let reservation = match (reservation, &bulk.store) {
                (Some(reservation), Some(store)) => {
                    let prefix = reservation.chunk_prefix();
                    Some((reservation, prefix, store.clone()))
                }
                _ => None,
            };
            let record = reservation
                .as_ref()
                .map(|(_, prefix, store)| ChunkWriter::new(store.clone(), prefix.clone()));
            let output = Output::new(configure.view, Some(sender), record);
            let finish = Finish::Sync {
                reservation: reservation.map(|(reservation, prefix, _)| (reservation, prefix)),
            };
            tokio::spawn(run(batch, inner, bulk.clone(), source, output, finish));
            let mut response = (StatusCode::OK, body).into_response();
            response
                .headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(NDJSON));
            Ok(response)
        }
    }
}

/// Reads the first line: the configure line, or the first operation line to run.
async fn read_configure(
    reader: &mut LineReader,
    bulk: &Bulk,
    header_lines: Option<u64>,
    max_lines: usize,
) -> Result<(Configure, Option<Piece>, Option<u64>), Problem> {
    let first = reader.next().await?;
    let found = match &first {
        Some(Piece::Line { bytes, .. }) => configure::parse_line(bytes)?,
        _ => None,
    };
    let (configure, first) = match found {
        Some(configure) => (configure, None),
        None => (Configure::default(), first),
    };
    let declared = configure::declared(header_lines, configure.lines, max_lines)?;
    if bulk.unit_store().is_none() && configure.mode == Mode::Atomic {
        return Err(Problem::bad_request(
            "`atomic` needs one unit of work shared by every line, and in gateway mode the \
             lines are calls to the upstream; use `per_item` or `stop_on_error`",
        ));
    }
    if bulk.store.is_none() && configure.respond == Respond::Async {
        return Err(Problem::bad_request(
            "`respond: async` needs a store for the job's rows, and this service has none",
        ));
    }
    Ok((configure, first, declared))
}

/// The lines' format, from `Content-Type`.
fn format_of(headers: &HeaderMap) -> Result<Format, Problem> {
    let media_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or(NDJSON);
    let essence = media_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    match essence.as_str() {
        "application/x-ndjson" | "application/ndjson" | "application/jsonl" => Ok(Format::Ndjson),
        "application/json" => Ok(Format::Array),
        _ => Err(Problem::unsupported_media_type(format!(
            "a bulk request is `{NDJSON}` or `application/json` (one array of lines), not `{media_type}`"
        ))),
    }
}

/// The background task: run the lines, write the summary, record what must be kept.
async fn run<S>(
    batch: Arc<Batch>,
    inner: S,
    bulk: Arc<Bulk>,
    mut source: Source,
    mut output: Output,
    finish: Finish,
) where
    S: Inner,
{
    if batch.runtime.usage.is_counting() {
        output.count_calls(LineCalls {
            runtime: batch.runtime.clone(),
            version: batch.version.clone(),
            client: batch.runtime.clients.identify(&batch.headers),
        });
    }
    let ending = match bulk.unit_store() {
        Some(store) => shared::run(&batch, inner, store, &mut source, &mut output).await,
        None => independent::run(batch.clone(), inner, &mut source, &mut output).await,
    };
    output.summary(&ending).await;
    let complete = source.reader().is_complete();
    let hash = source.reader().digest();
    // The response ends when `_channel` drops, after the idempotency record is complete: a
    // client that read to the end and retries finds it.
    let (recorded, _channel) = output.finish().await;
    let ttl = bulk.options.idempotency_ttl;
    match finish {
        Finish::Sync { reservation: None } => {}
        Finish::Sync {
            reservation: Some((reservation, prefix)),
        } => match recorded {
            Some(Ok(chunks)) if complete => {
                let answer = Record {
                    status: Some(StatusCode::OK.as_u16()),
                    headers: vec![("content-type".to_owned(), NDJSON.to_owned())],
                    chunks: Some((prefix, chunks)),
                    ..Record::default()
                };
                reservation.complete(hash, answer, ttl).await;
            }
            Some(Ok(chunks)) => reservation.release(Some((prefix, chunks))).await,
            _ => reservation.release(None).await,
        },
        Finish::Async {
            store,
            job,
            reservation,
        } => {
            jobs::finish(&store, job, recorded.unwrap_or(Ok(0)), bulk.options.job_ttl).await;
            match reservation {
                Some((reservation, answer)) if complete => {
                    reservation.complete(hash, answer, ttl).await;
                }
                Some((reservation, _)) => reservation.release(None).await,
                None => {}
            }
        }
    }
}

/// What an idempotent single POST needs to reach the chain.
pub(super) struct Single<S> {
    pub(super) runtime: Arc<Runtime>,
    pub(super) inner: S,
    pub(super) docs: Router,
    pub(super) parts: Parts,
    pub(super) body: Body,
}

/// A POST with an `Idempotency-Key`: the stored answer, or the chain's, recorded.
pub(super) async fn idempotent<S>(
    request: Single<S>,
    store: &SharedStore,
    options: &super::BulkOptions,
    key: String,
) -> Response
where
    S: Inner,
{
    let Single {
        runtime,
        inner,
        docs,
        parts,
        body,
    } = request;
    let limit = runtime.max_body_bytes;
    if let Err(problem) = check_content_length(&parts.headers, limit) {
        return problem.into_response();
    }
    let bytes = match read_body(body, limit).await {
        Ok(bytes) => bytes,
        Err(problem) => return problem.into_response(),
    };
    let mut digest = Sha256::new();
    digest.update(idempotency::context(&parts.method, &parts.uri));
    digest.update(&bytes);
    let hash = hex(&digest.finalize());
    let reservation = match idempotency::reserve(store, &key, options.idempotency_ttl).await {
        Err(problem) => return problem.into_response(),
        Ok(Lookup::Done(record)) => return idempotency::answer(store, record, &hash),
        Ok(Lookup::Reserved(reservation)) => reservation,
    };
    let request = Request::from_parts(parts, Body::from(bytes));
    let response = chain(runtime, inner, docs, request).await;
    if response.status().is_server_error() {
        reservation.release(None).await;
        return response;
    }
    let (parts, body) = response.into_parts();
    let Ok(bytes) = read_body(body, MAX_RECORDED_BYTES).await else {
        reservation.release(None).await;
        return Problem::internal("a response to record could not be read").into_response();
    };
    match std::str::from_utf8(&bytes) {
        Ok(text) => {
            let answer = Record {
                status: Some(parts.status.as_u16()),
                headers: idempotency::recorded_headers(&parts.headers),
                body: Some(text.to_owned()),
                ..Record::default()
            };
            reservation
                .complete(hash, answer, options.idempotency_ttl)
                .await;
        }
        Err(_) => reservation.release(None).await,
    }
    Response::from_parts(parts, Body::from(bytes))
}
