//! `bulk`: 100,000 upserts in one bulk request against 100,000 single requests (keep-alive,
//! 16 connections), then the peak memory of one 1,000,000-line request.
//!
//! The server runs in this process on 127.0.0.1 with the API of
//! `crates/apivolve-server/tests/fixtures/bulk-api` and an upsert handler in a unit of work, on
//! SQLite (a temporary file; a fresh one per measurement, so both sides create the same items).
//! Bulk bodies are generated while they are sent, and rows are read while the request is still
//! being sent; nothing holds a whole body. The peak RSS is the process' `VmHWM`, reset (through
//! `/proc/self/clear_refs`) before the 1,000,000-line request.
//!
//! The comparison runs on the memory store too, to show what the store costs: bulk lines run one
//! after another (each read waits for the store), single requests overlap theirs.
//!
//! The summary line (SQLite figures) is `bulk lines/s=<n> vs-single=<ratio> peak-rss-mb=<m>`: the bulk rate, its
//! ratio to the single-request rate, and the peak RSS in MiB during the large request.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use anyhow::{Context as _, bail};
use apivolve_server::{Problem, Runtime, UnitOfWorkLayer, Uow, VersioningLayer, VersioningOptions};
use apivolve_store::{RetryPolicy, SharedStore, open_store};
use axum::Router;
use axum::body::Body;
use axum::extract::Path as UrlPath;
use axum::response::{IntoResponse, Json, Response};
use axum::routing::put;
use bytes::Bytes;
use http::{Request, StatusCode};
use http_body_util::{BodyExt, StreamBody};
use hyper::body::Frame;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tower::Layer;

use crate::client::connect;

const LINES: u64 = 100_000;
const LARGE_LINES: u64 = 1_000_000;
const CONCURRENCY: u64 = 16;
/// Lines per frame of a generated bulk body.
const LINES_PER_FRAME: u64 = 500;

/// Run the bulk benchmark and print its figures and summary line.
pub(crate) async fn run() -> anyhow::Result<()> {
    let directory = tempfile::tempdir().context("creating a temporary directory")?;

    let sqlite = |name: &str| Some(directory.path().join(name));
    let (bulk_rate, single_rate) =
        compare("sqlite", sqlite("bulk.db"), sqlite("single.db")).await?;
    let server = start(sqlite("large.db").as_deref()).await?;
    let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let (large_seconds, summary) = bulk_request(server, LARGE_LINES).await?;
    check_summary(&summary, LARGE_LINES)?;
    let peak = peak_rss_mib()?;
    println!(
        "sqlite: one bulk request of {LARGE_LINES} upserts: {large_seconds:.1} s, {:.0} lines/s, \
         peak RSS {peak:.0} MiB{}",
        LARGE_LINES as f64 / large_seconds,
        if reset {
            ""
        } else {
            " (not reset: includes the runs before)"
        }
    );
    // The same on the memory store (after the large request, whose peak it would inflate): what
    // the store's reads and commits cost.
    compare("memory", None, None).await?;
    let ratio = bulk_rate / single_rate;
    println!("bulk lines/s={bulk_rate:.0} vs-single={ratio:.2} peak-rss-mb={peak:.0}");
    Ok(())
}

/// 100,000 upserts in one bulk request, then as single requests, each on a fresh store; the
/// rates.
async fn compare(
    name: &str,
    bulk_store: Option<PathBuf>,
    single_store: Option<PathBuf>,
) -> anyhow::Result<(f64, f64)> {
    let server = start(bulk_store.as_deref()).await?;
    let cpu = cpu_seconds()?;
    let (bulk_seconds, summary) = bulk_request(server, LINES).await?;
    let bulk_cpu = cpu_seconds()? - cpu;
    check_summary(&summary, LINES)?;
    let bulk_rate = LINES as f64 / bulk_seconds;
    let server = start(single_store.as_deref()).await?;
    let cpu = cpu_seconds()?;
    let single_seconds = single_requests(server, LINES).await?;
    let single_cpu = cpu_seconds()? - cpu;
    let single_rate = LINES as f64 / single_seconds;
    let per_line = |cpu: f64| cpu * 1e6 / LINES as f64;
    println!(
        "{name:>6}: one bulk request of {LINES} upserts: {bulk_seconds:.2} s, {bulk_rate:.0} lines/s, \
         {:.1} us CPU/line; single requests over {CONCURRENCY} keep-alive connections: \
         {single_seconds:.2} s, {single_rate:.0} requests/s, {:.1} us CPU/request; {:.2}x",
        per_line(bulk_cpu),
        per_line(single_cpu),
        bulk_rate / single_rate
    );
    Ok((bulk_rate, single_rate))
}

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates/apivolve-server/tests/fixtures/bulk-api")
}

/// Serves the fixture API on a fresh SQLite store at `path` (a memory store without); its
/// address.
async fn start(path: Option<&Path>) -> anyhow::Result<SocketAddr> {
    let url = match path {
        Some(path) => format!("sqlite://{}", path.display()),
        None => "memory://".to_owned(),
    };
    let store = open_store(&url)
        .await
        .with_context(|| format!("opening {url}"))?;
    let runtime = Runtime::load(fixture(), VersioningOptions::default())
        .context("loading the bulk fixture API")?;
    let router = Router::new()
        .route("/api/v2/items/{id}", put(upsert))
        .layer(UnitOfWorkLayer::new(store.clone(), RetryPolicy::default()));
    let service = VersioningLayer::new(runtime)
        .with_store(store as SharedStore)
        .layer(router);
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    tokio::spawn(async move {
        if let Err(error) =
            axum::serve(listener, axum::ServiceExt::into_make_service(service)).await
        {
            eprintln!("server stopped: {error}");
        }
    });
    Ok(address)
}

/// Creates or replaces an item: one read, one staged write.
async fn upsert(UrlPath(id): UrlPath<String>, Uow(unit): Uow, Json(body): Json<Value>) -> Response {
    let key = format!("items/{id}");
    let existed = match unit.get(&key).await {
        Ok(found) => found.is_some(),
        Err(error) => return Problem::internal(error).into_response(),
    };
    if let Err(error) = unit.put(&key, json!({"name": body["name"], "qty": body["qty"]})) {
        return Problem::internal(error).into_response();
    }
    let mut answer = json!({"id": id, "name": body["name"], "qty": body["qty"]});
    if existed {
        answer["updated"] = json!(true);
        (StatusCode::OK, Json(answer)).into_response()
    } else {
        answer["created"] = json!(true);
        (StatusCode::CREATED, Json(answer)).into_response()
    }
}

/// The bulk body's frames, generated as they are sent.
fn generated_lines(lines: u64) -> Body {
    let frames = futures::stream::unfold(0u64, move |start| async move {
        if start >= lines {
            return None;
        }
        let end = (start + LINES_PER_FRAME).min(lines);
        let mut text = String::with_capacity(80 * LINES_PER_FRAME as usize);
        for n in start..end {
            text.push_str(&format!(
                "[\"items.put\",{{\"name\":\"item\",\"qty\":{}}},{{\"params\":{{\"id\":\"b{n}\"}}}}]\n",
                n % 1000
            ));
        }
        Some((Ok::<_, Infallible>(Frame::data(Bytes::from(text))), end))
    });
    Body::new(StreamBody::new(frames))
}

/// Sends one bulk request of `lines` upserts, reading the rows as they come; the time it took
/// and the summary row.
async fn bulk_request(address: SocketAddr, lines: u64) -> anyhow::Result<(f64, Value)> {
    let mut sender = connect(address).await?;
    let request = Request::post("/api/v2/bulk")
        .header("host", address.to_string())
        .header("content-type", "application/x-ndjson")
        .header("content-lines", lines.to_string())
        .body(generated_lines(lines))?;
    let started = Instant::now();
    let response = sender.send_request(request).await?;
    if response.status() != StatusCode::OK {
        bail!("the bulk request was answered {}", response.status());
    }
    let mut body = response.into_body();
    // Keep only the end of the rows: the summary is the last line.
    let mut tail: Vec<u8> = Vec::new();
    let mut rows = 0u64;
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame?.into_data() {
            rows += data.iter().filter(|byte| **byte == b'\n').count() as u64;
            tail.extend_from_slice(&data);
            if tail.len() > 64 << 10 {
                tail.drain(..tail.len() - (4 << 10));
            }
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    if rows != lines + 1 {
        bail!("expected {} rows, got {rows}", lines + 1);
    }
    let text = String::from_utf8_lossy(&tail);
    let last = text.lines().last().unwrap_or_default();
    let summary: Value = serde_json::from_str(last).context("reading the summary row")?;
    Ok((seconds, summary))
}

fn check_summary(summary: &Value, lines: u64) -> anyhow::Result<()> {
    let summary = &summary["summary"];
    if summary["ok"] != json!(lines) || summary["committed"] != json!(true) {
        bail!("the bulk request did not succeed: {summary}");
    }
    Ok(())
}

/// Sends `lines` single upserts over `CONCURRENCY` keep-alive connections; the time it took.
async fn single_requests(address: SocketAddr, lines: u64) -> anyhow::Result<f64> {
    let next = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..CONCURRENCY {
        let next = next.clone();
        let mut sender = connect(address).await?;
        workers.push(tokio::spawn(async move {
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= lines {
                    return Ok::<_, anyhow::Error>(());
                }
                let body = format!("{{\"name\":\"item\",\"qty\":{}}}", n % 1000);
                let request = Request::put(format!("/api/v2/items/s{n}"))
                    .header("host", address.to_string())
                    .header("content-type", "application/json")
                    .body(Body::from(body))?;
                sender.ready().await?;
                let response = sender.send_request(request).await?;
                let status = response.status();
                response.into_body().collect().await?;
                if status != StatusCode::CREATED {
                    bail!("a single upsert was answered {status}");
                }
            }
        }));
    }
    for worker in workers {
        worker.await??;
    }
    Ok(started.elapsed().as_secs_f64())
}

/// The CPU time this process (server and client) has used so far, user and system, from
/// `/proc/self/stat` (in clock ticks of 1/100 s, Linux's `USER_HZ`).
fn cpu_seconds() -> anyhow::Result<f64> {
    const USER_HZ: f64 = 100.0;
    let stat = std::fs::read_to_string("/proc/self/stat").context("reading /proc/self/stat")?;
    // The fields after the command name, which is in parentheses and may hold spaces.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    // `utime` and `stime`: the 14th and 15th fields, the 12th and 13th after the name.
    let ticks = |index: usize| -> anyhow::Result<f64> {
        fields
            .get(index)
            .and_then(|field| field.parse::<f64>().ok())
            .context("no CPU times in /proc/self/stat")
    };
    Ok((ticks(11)? + ticks(12)?) / USER_HZ)
}

/// The process' peak resident set size in MiB (`VmHWM`).
fn peak_rss_mib() -> anyhow::Result<f64> {
    let status =
        std::fs::read_to_string("/proc/self/status").context("reading /proc/self/status")?;
    let kilobytes = status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| {
            rest.trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<f64>()
                .ok()
        })
        .context("no `VmHWM` in /proc/self/status")?;
    Ok(kilobytes / 1024.0)
}
