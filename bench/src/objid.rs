//! `objid`: the reference service under a simulated day of developers, against the seed's
//! target load (20,000 developers, one call every two minutes: 167 requests/s).
//!
//! The service runs in process, on its own multi-threaded tokio runtime, on a temporary SQLite
//! file; the load generator runs on a second, single-threaded runtime and talks to it over
//! 127.0.0.1 with keep-alive connections. Half the calls speak v1 (served through the evolution
//! chain), half v2. The mix: 60% getNext GET, 25% getNext POST, 10% syncIds PATCH, 5%
//! getConsumption, over many apps with a few hot ones. A counting wrapper around the store
//! gives the reads per call and the writes per commit.
//!
//! The summary line is
//! `objid req/s=<n> x-seed-load=<ratio> p99-ms=<v1>/<v2> reads/call=<r> writes/commit=<w>`.

use std::collections::BTreeMap;
use std::future::IntoFuture;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use apivolve_store::{
    Document, DocumentStore, Page, SharedDocument, SharedStore, StoreOptions, Write,
};
use axum::ServiceExt as _;
use axum::body::Body;
use futures::future::{BoxFuture, FutureExt};
use http::header::{CONTENT_TYPE, HOST};
use http::{Method, Request};
use http_body_util::BodyExt as _;
use hyper::client::conn::http1::SendRequest;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

use crate::client::connect;

/// The seed's target load: 20,000 developers, each calling every 120 s.
const SEED_LOAD: f64 = 20_000.0 / 120.0;
/// The object types the simulated developers ask numbers for.
const TYPES: [&str; 4] = ["codeunit", "page", "table", "report"];

/// Options of the objid benchmark.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Requests in flight at once.
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    /// Measured seconds.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Seconds of warm-up before measuring.
    #[arg(long, default_value_t = 2)]
    warm_up: u64,
    /// Apps, each with its own document.
    #[arg(long, default_value_t = 2_000)]
    apps: usize,
    /// Hot apps, which get `--hot-share` of the calls.
    #[arg(long, default_value_t = 5)]
    hot: usize,
    /// The share of calls that go to the hot apps.
    #[arg(long, default_value_t = 0.1)]
    hot_share: f64,
    /// Worker threads of the service's runtime.
    #[arg(long, default_value_t = 2)]
    server_threads: usize,
}

/// Counts what the service asks of its store.
#[derive(Debug)]
struct Counting {
    inner: SharedStore,
    counts: Arc<StoreCounts>,
}

#[derive(Debug, Default)]
struct StoreCounts {
    reads: AtomicU64,
    writes: AtomicU64,
    commits: AtomicU64,
}

impl StoreCounts {
    fn snapshot(&self) -> [u64; 3] {
        [&self.reads, &self.writes, &self.commits].map(|count| count.load(Ordering::Relaxed))
    }
}

impl Counting {
    fn count_reads(&self, keys: &[String]) {
        self.counts
            .reads
            .fetch_add(keys.len() as u64, Ordering::Relaxed);
    }
}

impl DocumentStore for Counting {
    fn get_many<'a>(
        &'a self,
        keys: &'a [String],
    ) -> BoxFuture<'a, apivolve_store::Result<Vec<Option<Document>>>> {
        self.count_reads(keys);
        self.inner.get_many(keys)
    }

    fn get_many_shared<'a>(
        &'a self,
        keys: &'a [String],
    ) -> BoxFuture<'a, apivolve_store::Result<Vec<Option<SharedDocument>>>> {
        self.count_reads(keys);
        self.inner.get_many_shared(keys)
    }

    fn commit(
        &self,
        writes: Vec<Write>,
    ) -> BoxFuture<'_, apivolve_store::Result<Vec<Option<u64>>>> {
        async move {
            let count = writes.len() as u64;
            let versions = self.inner.commit(writes).await?;
            self.counts.writes.fetch_add(count, Ordering::Relaxed);
            self.counts.commits.fetch_add(1, Ordering::Relaxed);
            Ok(versions)
        }
        .boxed()
    }

    fn list<'a>(
        &'a self,
        prefix: &'a str,
        after: Option<&'a str>,
        limit: usize,
    ) -> BoxFuture<'a, apivolve_store::Result<Page>> {
        self.inner.list(prefix, after, limit)
    }

    fn backend(&self) -> &'static str {
        self.inner.backend()
    }
}

/// The four calls of the mix.
#[derive(Clone, Copy, Debug)]
enum Call {
    Peek,
    Commit,
    Sync,
    Consumption,
}

impl Call {
    fn pick(rng: &mut StdRng) -> Self {
        match rng.random_range(0..100) {
            0..60 => Self::Peek,
            60..85 => Self::Commit,
            85..95 => Self::Sync,
            _ => Self::Consumption,
        }
    }

    /// Method, path and body of this call for `app`, at v1 or v2.
    fn request(self, v1: bool, app: &str, rng: &mut StdRng) -> (Method, String, Value) {
        let version = if v1 { "v1" } else { "v2" };
        let object_type = TYPES[rng.random_range(0..TYPES.len())];
        let ranges = json!([{"from": 50000, "to": 59999}, {"from": 70000, "to": 70999}]);
        let mut get_next = json!({"appId": app, "type": object_type, "ranges": ranges});
        if v1 {
            get_next["content"] = json!({"user": "dev"});
        } else {
            get_next["user"] = json!("dev");
        }
        let (method, endpoint, body) = match self {
            Self::Peek => (Method::GET, "getNext", get_next),
            Self::Commit => (Method::POST, "getNext", get_next),
            Self::Sync => {
                let base: u64 = rng.random_range(50000..59990);
                let ids = json!({object_type: [base, base + 3, base + 7]});
                (Method::PATCH, "syncIds", json!({"appId": app, "ids": ids}))
            }
            Self::Consumption => (Method::GET, "getConsumption", json!({"appId": app})),
        };
        (method, format!("/api/{version}/{endpoint}"), body)
    }
}

/// What one load worker saw while measuring.
#[derive(Default)]
struct Seen {
    /// Latencies in microseconds, v1 then v2.
    latencies: [Vec<u32>; 2],
    /// Answers other than 200, by status.
    failures: Vec<u16>,
}

pub(crate) fn run(args: &Args) -> anyhow::Result<()> {
    let directory = tempfile::tempdir().context("creating a temporary directory")?;
    let url = format!("sqlite://{}", directory.path().join("objid.db").display());
    let server_runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.server_threads.max(1))
        .thread_name("objid-server")
        .enable_all()
        .build()?;
    let counts = Arc::new(StoreCounts::default());
    let address = server_runtime.block_on(async {
        let store = apivolve_store::open_store_with(&url, &StoreOptions::default())
            .await
            .with_context(|| format!("opening {url}"))?;
        seed(&store, args.apps).await?;
        let counting: SharedStore = Arc::new(Counting {
            inner: store,
            counts: counts.clone(),
        });
        let service = ::objid::app(counting, ::objid::AppOptions::default())?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        tokio::spawn(async move {
            if let Err(error) = axum::serve(listener, service.into_make_service())
                .into_future()
                .await
            {
                eprintln!("the service stopped: {error}");
            }
        });
        anyhow::Ok(address)
    })?;

    let load_runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let warm_up = Duration::from_secs(args.warm_up);
    let measure = Duration::from_secs(args.seconds.max(1));
    let (seen, elapsed, [reads, writes, commits]) = load_runtime.block_on(async {
        let mut connections = Vec::new();
        for _ in 0..args.concurrency.max(1) {
            connections.push(connect(address).await?);
        }
        let host = address.to_string();
        let started = Instant::now();
        let measure_from = started + warm_up;
        let deadline = measure_from + measure;
        let workers: Vec<_> = connections
            .into_iter()
            .enumerate()
            .map(|(index, connection)| {
                let worker = Worker {
                    connection,
                    host: host.clone(),
                    rng: StdRng::seed_from_u64(index as u64),
                    apps: args.apps.max(1),
                    hot: args.hot.clamp(1, args.apps.max(1)),
                    hot_share: args.hot_share,
                };
                tokio::spawn(worker.run(measure_from, deadline))
            })
            .collect();
        tokio::time::sleep_until(measure_from.into()).await;
        let before = counts.snapshot();
        let mut seen = Vec::new();
        for worker in workers {
            seen.push(worker.await.context("a load worker panicked")??);
        }
        let elapsed = started.elapsed().saturating_sub(warm_up);
        let after = counts.snapshot();
        let delta = [0, 1, 2].map(|index| after[index] - before[index]);
        anyhow::Ok((seen, elapsed, delta))
    })?;
    drop(server_runtime);

    report(args, &seen, elapsed, reads, writes, commits);
    Ok(())
}

/// Gives every app a document: ranges and some numbers of each type already taken.
async fn seed(store: &SharedStore, apps: usize) -> anyhow::Result<()> {
    let names: Vec<String> = (0..apps).map(app_name).collect();
    for chunk in names.chunks(500) {
        let writes = chunk
            .iter()
            .map(|app| {
                let used: Vec<u64> = (50000..50020).collect();
                Write::Insert {
                    key: format!("app/{app}"),
                    value: json!({
                        "_ranges": [{"from": 50000, "to": 59999}, {"from": 70000, "to": 70999}],
                        "codeunit": used, "page": used, "table": used, "report": used,
                    }),
                }
            })
            .collect();
        store.commit(writes).await.context("seeding the apps")?;
    }
    Ok(())
}

fn app_name(index: usize) -> String {
    format!("bench-app-{index:05}")
}

struct Worker {
    connection: SendRequest<Body>,
    host: String,
    rng: StdRng,
    apps: usize,
    hot: usize,
    hot_share: f64,
}

impl Worker {
    async fn run(mut self, measure_from: Instant, deadline: Instant) -> anyhow::Result<Seen> {
        let mut seen = Seen::default();
        loop {
            let now = Instant::now();
            if now >= deadline {
                return Ok(seen);
            }
            let app = if self.rng.random_bool(self.hot_share.clamp(0.0, 1.0)) {
                self.rng.random_range(0..self.hot)
            } else {
                self.rng.random_range(0..self.apps)
            };
            let v1 = self.rng.random_bool(0.5);
            let call = Call::pick(&mut self.rng);
            let (method, path, body) = call.request(v1, &app_name(app), &mut self.rng);
            let request = Request::builder()
                .method(method)
                .uri(&path)
                .header(HOST, &self.host)
                .header(CONTENT_TYPE, "application/json")
                .body(Body::from(serde_json::to_vec(&body)?))?;
            let sent = Instant::now();
            self.connection
                .ready()
                .await
                .context("the connection closed")?;
            let response = tokio::time::timeout(
                Duration::from_secs(30),
                self.connection.send_request(request),
            )
            .await
            .with_context(|| format!("calling {path}: no answer in 30 s"))?
            .with_context(|| format!("calling {path}"))?;
            let status = response.status().as_u16();
            response
                .into_body()
                .collect()
                .await
                .context("reading an answer")?;
            if sent < measure_from {
                continue;
            }
            let micros = u32::try_from(sent.elapsed().as_micros()).unwrap_or(u32::MAX);
            seen.latencies[usize::from(!v1)].push(micros);
            if status != 200 {
                seen.failures.push(status);
            }
        }
    }
}

/// The `q` quantile of sorted latencies, in milliseconds.
fn quantile_ms(sorted: &[u32], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss,
        reason = "an index into a slice far shorter than 2^52"
    )]
    let index = ((sorted.len() - 1) as f64 * q).round() as usize;
    f64::from(sorted[index.min(sorted.len() - 1)]) / 1000.0
}

#[expect(
    clippy::cast_precision_loss,
    reason = "counts and durations far below 2^52"
)]
fn report(args: &Args, seen: &[Seen], elapsed: Duration, reads: u64, writes: u64, commits: u64) {
    let seconds = elapsed.as_secs_f64().max(f64::MIN_POSITIVE);
    let mut by_version: [Vec<u32>; 2] = [Vec::new(), Vec::new()];
    let mut failures: Vec<u16> = Vec::new();
    for worker in seen {
        for (all, own) in by_version.iter_mut().zip(&worker.latencies) {
            all.extend_from_slice(own);
        }
        failures.extend_from_slice(&worker.failures);
    }
    for latencies in &mut by_version {
        latencies.sort_unstable();
    }
    let calls: usize = by_version.iter().map(Vec::len).sum();
    let per_second = calls as f64 / seconds;
    println!(
        "objid: {} apps ({} hot with {:.0}% of calls), concurrency {}, {} s measured after {} s \
         warm-up, SQLite in a temporary file, service on {} worker threads",
        args.apps,
        args.hot,
        args.hot_share * 100.0,
        args.concurrency,
        args.seconds,
        args.warm_up,
        args.server_threads
    );
    println!("mix: 60% getNext GET, 25% getNext POST, 10% syncIds PATCH, 5% getConsumption");
    println!(
        "{:<8} {:>8} {:>9} {:>8} {:>8}",
        "version", "calls", "req/s", "p50-ms", "p99-ms"
    );
    for (name, latencies) in ["v1", "v2"].iter().zip(&by_version) {
        println!(
            "{:<8} {:>8} {:>9.0} {:>8.2} {:>8.2}",
            name,
            latencies.len(),
            latencies.len() as f64 / seconds,
            quantile_ms(latencies, 0.5),
            quantile_ms(latencies, 0.99)
        );
    }
    let mut by_status: BTreeMap<u16, usize> = BTreeMap::new();
    for status in &failures {
        *by_status.entry(*status).or_default() += 1;
    }
    let statuses: Vec<String> = by_status
        .iter()
        .map(|(status, count)| format!("{status}: {count}"))
        .collect();
    println!("answers other than 200: {} {:?}", failures.len(), statuses);
    let per_call = |count: u64| count as f64 / (calls.max(1) as f64);
    let writes_per_commit = writes as f64 / (commits.max(1) as f64);
    println!(
        "store: {reads} reads, {writes} writes in {commits} commits: {:.2} reads/call, {:.2} \
         writes/call, {writes_per_commit:.2} writes/commit",
        per_call(reads),
        per_call(writes)
    );
    let ratio = per_second / SEED_LOAD;
    println!(
        "seed's target load: {SEED_LOAD:.0} req/s; sustained here: {per_second:.0} req/s \
         ({ratio:.1}x)"
    );
    println!(
        "objid req/s={per_second:.0} x-seed-load={ratio:.1} p99-ms={:.2}/{:.2} reads/call={:.2} \
         writes/commit={writes_per_commit:.2}",
        quantile_ms(&by_version[0], 0.99),
        quantile_ms(&by_version[1], 0.99),
        per_call(reads)
    );
}
