//! `versioning`: what the versioning layer costs per request, over real sockets.
//!
//! Three servers on 127.0.0.1 answer the same handler: (a) bare axum, (b) behind the layer with
//! the client on latest (the fast path), (c) behind the layer with the client on the oldest of
//! 20 versions whose changes all touch the payload (renames, added fields with defaults, jq
//! field changes, enum values with `down_map`). The project is generated and released with the
//! tool's own release logic. Payloads: 1 item, and 50 items of about 20 fields.
//!
//! The servers run in one tokio runtime, the load generator in another (16 keep-alive
//! connections, a warm-up, then a fixed duration per case, taken in five slices in turn with the
//! other cases so that the load of other processes falls on every case alike). The summary line is
//! `versioning b/a=<x> c/a=<y>` for the 50-item payload. A breakdown of where a migrated
//! request's time goes (JSON parse, plan by change kind, serialise, and the response path's
//! text-to-text migration) follows the table.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use apivolve_migrate::{Direction, Migrator, Registry};
use apivolve_model::{CheckOptions, Project, check};
use apivolve_server::{Runtime, VersioningLayer, VersioningOptions};
use axum::Router;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tower::Layer;

/// Options of the versioning benchmark.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Seconds measured per case.
    #[arg(long, default_value_t = 5)]
    seconds: u64,
    /// Seconds of warm-up per case.
    #[arg(long, default_value_t = 1)]
    warmup: u64,
    /// Concurrent keep-alive connections.
    #[arg(long, default_value_t = 16)]
    connections: usize,
    /// Only the in-process breakdown (for a profiler).
    #[arg(long)]
    breakdown_only: bool,
}

const VERSIONS: usize = 20;
/// Each case's measured time is cut into this many slices, taken in turns with the other cases.
const SLICES: u32 = 5;
const STRING_FIELDS: usize = 9;
const NUMBER_FIELDS: usize = 9;

/// One measured case.
struct Measured {
    requests: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
}

impl Measured {
    fn per_second(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    fn percentile(&self, fraction: f64) -> Duration {
        let index = ((self.latencies.len() as f64 - 1.0) * fraction).round() as usize;
        self.latencies.get(index).copied().unwrap_or_default()
    }
}

pub(crate) fn run(args: &Args) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let started = Instant::now();
    let fields = generate(dir.path())?;
    println!("generated {VERSIONS} versions in {:?}", started.elapsed());
    let runtime = Runtime::load(dir.path(), VersioningOptions::default())
        .context("the generated project does not serve")?;
    let latest = runtime.latest().clone();
    let prefix = format!("/api/v{}", latest.major);
    let payloads = [(1, payload(&fields, 1)), (50, payload(&fields, 50))];
    if args.breakdown_only {
        return breakdown(dir.path(), &payloads[1].1);
    }
    let router = inner(&prefix, &payloads);
    let layered = VersioningLayer::new(runtime).layer(router.clone());

    let servers = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let bare = servers.block_on(listen(router))?;
    let versioned = servers.block_on(listen(layered))?;
    let clients = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;

    // The oldest version really gets its own shape back.
    let old = clients.block_on(fetch(versioned, "/api/1.0.0/one"))?;
    anyhow::ensure!(
        old["items"][0]["status"] == "a" && old["items"][0]["s0"].is_string(),
        "the oldest version's payload is not migrated: {old}"
    );

    println!(
        "\n{:<28} {:>10} {:>10} {:>10}",
        "case", "req/s", "p50 us", "p99 us"
    );
    let mut summary = Vec::new();
    for (size, _) in &payloads {
        let path = if *size == 1 { "one" } else { "many" };
        let cases = [
            ("a bare axum", bare, format!("{prefix}/{path}")),
            ("b layer, latest", versioned, format!("{prefix}/{path}")),
            (
                "c layer, oldest of 20",
                versioned,
                format!("/api/1.0.0/{path}"),
            ),
        ];
        // The cases take turns, a slice each, so that a change in the machine's load (other
        // processes) falls on all of them alike.
        let slice = Duration::from_secs(args.seconds) / SLICES;
        let mut results: Vec<Measured> = cases
            .iter()
            .map(|_| Measured {
                requests: 0,
                elapsed: Duration::ZERO,
                latencies: Vec::new(),
            })
            .collect();
        for round in 0..SLICES {
            for (index, (_, address, uri)) in cases.iter().enumerate() {
                let warmup = if round == 0 {
                    Duration::from_secs(args.warmup)
                } else {
                    Duration::ZERO
                };
                let measured =
                    clients.block_on(load(*address, uri, args.connections, warmup, slice))?;
                let total = &mut results[index];
                total.requests += measured.requests;
                total.elapsed += measured.elapsed;
                total.latencies.extend(measured.latencies);
            }
        }
        for ((name, _, _), measured) in cases.iter().zip(&mut results) {
            measured.latencies.sort_unstable();
            println!(
                "{:<28} {:>10.0} {:>10} {:>10}",
                format!("{name} ({size} item{})", if *size == 1 { "" } else { "s" }),
                measured.per_second(),
                measured.percentile(0.5).as_micros(),
                measured.percentile(0.99).as_micros()
            );
        }
        let base = results[0].per_second();
        let ratio = |index: usize| results[index].per_second() / base.max(1e-9);
        // The machine's time per request is 1/throughput; the difference is what the layer adds.
        let added = |index: usize| 1e6 / results[index].per_second() - 1e6 / base;
        println!(
            "  {size} item(s): b/a={:.2} c/a={:.2}; added per request (1/throughput): b {:+.1} us, c {:+.1} us; p50 c-a {} us",
            ratio(1),
            ratio(2),
            added(1),
            added(2),
            results[2]
                .percentile(0.5)
                .saturating_sub(results[0].percentile(0.5))
                .as_micros()
        );
        summary.push((ratio(1), ratio(2)));
    }
    breakdown(dir.path(), &payloads[1].1)?;
    let (b, c) = summary.last().copied().unwrap_or_default();
    println!("versioning b/a={b:.2} c/a={c:.2}");
    drop(clients);
    drop(servers);
    Ok(())
}

/// The inner service: the same payloads at `{prefix}/one` and `{prefix}/many`, serialised per
/// request as a handler would.
fn inner(prefix: &str, payloads: &[(usize, Value); 2]) -> Router {
    let one = Arc::new(payloads[0].1.clone());
    let many = Arc::new(payloads[1].1.clone());
    Router::new()
        .route(&format!("{prefix}/one"), get(move || answer(one.clone())))
        .route(&format!("{prefix}/many"), get(move || answer(many.clone())))
}

async fn answer(value: Arc<Value>) -> Response {
    match serde_json::to_vec(value.as_ref()) {
        Ok(bytes) => (
            [(http::header::CONTENT_TYPE, "application/json")],
            Bytes::from(bytes),
        )
            .into_response(),
        Err(_) => http::StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

async fn listen<S>(service: S) -> anyhow::Result<SocketAddr>
where
    S: tower::Service<
            axum::extract::Request,
            Response = Response,
            Error = std::convert::Infallible,
        > + Clone
        + Send
        + Sync
        + 'static,
    S::Future: Send + 'static,
{
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    tokio::spawn(async move {
        let _ = axum::serve(listener, axum::ServiceExt::into_make_service(service)).await;
    });
    Ok(address)
}

/// One GET on a fresh connection, as JSON.
async fn fetch(address: SocketAddr, uri: &str) -> anyhow::Result<Value> {
    let mut sender = connect(address).await?;
    let (status, body) = get_once(&mut sender, address, uri).await?;
    anyhow::ensure!(status == 200, "GET {uri} answered {status}");
    Ok(serde_json::from_slice(&body)?)
}

type Sender = hyper::client::conn::http1::SendRequest<Empty<Bytes>>;

async fn connect(address: SocketAddr) -> anyhow::Result<Sender> {
    let stream = tokio::net::TcpStream::connect(address).await?;
    stream.set_nodelay(true)?;
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(connection);
    Ok(sender)
}

async fn get_once(
    sender: &mut Sender,
    address: SocketAddr,
    uri: &str,
) -> anyhow::Result<(u16, Bytes)> {
    sender.ready().await?;
    let request = http::Request::get(uri)
        .header(http::header::HOST, address.to_string())
        .body(Empty::new())?;
    let response = sender.send_request(request).await?;
    let status = response.status().as_u16();
    let body = response.into_body().collect().await?.to_bytes();
    Ok((status, body))
}

/// `connections` keep-alive connections sending GET `uri` back to back: a warm-up, then the
/// measured duration.
async fn load(
    address: SocketAddr,
    uri: &str,
    connections: usize,
    warmup: Duration,
    measure: Duration,
) -> anyhow::Result<Measured> {
    let started = Instant::now();
    let measure_from = started + warmup;
    let stop = measure_from + measure;
    let mut workers = Vec::new();
    for _ in 0..connections {
        let uri = uri.to_owned();
        workers.push(tokio::spawn(async move {
            let mut sender = connect(address).await?;
            let mut latencies = Vec::new();
            loop {
                let sent = Instant::now();
                if sent >= stop {
                    break;
                }
                let (status, _) = get_once(&mut sender, address, &uri).await?;
                anyhow::ensure!(status == 200, "GET {uri} answered {status}");
                if sent >= measure_from {
                    latencies.push(sent.elapsed());
                }
            }
            Ok::<_, anyhow::Error>(latencies)
        }));
    }
    let mut latencies = Vec::new();
    for worker in workers {
        latencies.extend(worker.await??);
    }
    latencies.sort_unstable();
    Ok(Measured {
        requests: latencies.len(),
        elapsed: measure,
        latencies,
    })
}

/// Where a migrated response's time goes: parse, each change kind's steps, serialise.
fn breakdown(root: &Path, payload: &Value) -> anyhow::Result<()> {
    const ROUNDS: u32 = 200;
    let (project, diagnostics) = Project::load(root)?;
    let report = check(&project, diagnostics, &CheckOptions::default());
    let migrator = Migrator::compile(&project, &report.history, &Registry::new())?;
    let chain = &report.history.chain;
    let bytes = serde_json::to_vec(payload)?;
    let parse = timed(ROUNDS, || Ok(serde_json::from_slice::<Value>(&bytes)?))?;
    // One plan per pair of neighbouring versions (its steps in one pass), timed and charged to
    // its change kinds. The whole plan walks the payload once; step by step is the reference.
    let mut by_kind: Vec<(String, Duration, usize)> = Vec::new();
    let mut value = payload.clone();
    for pair in chain.windows(2).rev() {
        let plan = migrator.plan_between("page.many", &pair[0], &pair[1], Direction::Response)?;
        let mut kinds: Vec<&str> = plan.steps().map(|step| step.origin.kind).collect();
        kinds.dedup();
        let elapsed = migrate_time(ROUNDS, &plan, &value)?;
        let kind = kinds.join("+");
        match by_kind.iter_mut().find(|(name, _, _)| *name == kind) {
            Some(entry) => {
                entry.1 += elapsed;
                entry.2 += plan.steps().count();
            }
            None => by_kind.push((kind, elapsed, plan.steps().count())),
        }
        value = plan
            .migrate_response(200, Some(value))?
            .body
            .context("the plan dropped the body")?;
    }
    let serialise = timed(ROUNDS, || Ok(serde_json::to_vec(&value)?))?;
    let oldest = chain.first().context("no versions")?;
    let whole = migrator
        .plan("page.many", oldest, Direction::Response)
        .context("no plan for the oldest version")?;
    let whole_plan = migrate_time(ROUNDS, whole, payload)?;
    let step_by_step = migrate_time(ROUNDS, &whole.step_by_step(), payload)?;
    // The response path: text in, text out, on the migration's own tree.
    let from_text = timed(ROUNDS, || {
        Ok(whole.migrate_response_bytes(200, Some(&bytes))?)
    })?;
    let mut text = String::new();
    let _ = writeln!(
        text,
        "\nwhere a 50-item response to the oldest version spends its time:"
    );
    let _ = writeln!(text, "  {:<40} {:>8.1} us", "parse JSON", micros(parse));
    for (kind, elapsed, steps) in &by_kind {
        let _ = writeln!(
            text,
            "  {:<40} {:>8.1} us",
            format!("{kind} ({steps} steps)"),
            micros(*elapsed)
        );
    }
    let _ = writeln!(
        text,
        "  {:<40} {:>8.1} us",
        "serialise JSON",
        micros(serialise)
    );
    let _ = writeln!(
        text,
        "  {:<40} {:>8.1} us",
        format!("the whole plan ({} steps)", whole.steps().count()),
        micros(whole_plan)
    );
    let _ = writeln!(
        text,
        "  {:<40} {:>8.1} us",
        "  the same, one step after another",
        micros(step_by_step)
    );
    let _ = writeln!(
        text,
        "  {:<40} {:>8.1} us",
        "text to text (parse, whole plan, write)",
        micros(from_text)
    );
    print!("{text}");
    Ok(())
}

/// The mean time of `rounds` calls of `work`, after as many unmeasured ones.
fn timed<T>(rounds: u32, mut work: impl FnMut() -> anyhow::Result<T>) -> anyhow::Result<Duration> {
    for _ in 0..rounds {
        std::hint::black_box(work()?);
    }
    let mut total = Duration::ZERO;
    for _ in 0..rounds {
        let started = Instant::now();
        let output = work()?;
        total += started.elapsed();
        drop(std::hint::black_box(output));
    }
    Ok(total / rounds)
}

/// The mean time of `plan` on a fresh copy of `value` (the copy is not timed).
fn migrate_time(
    rounds: u32,
    plan: &apivolve_migrate::Plan,
    value: &Value,
) -> anyhow::Result<Duration> {
    let mut total = Duration::ZERO;
    for round in 0..rounds * 2 {
        let input = value.clone();
        let started = Instant::now();
        let output = plan.migrate_response(200, Some(input))?;
        if round >= rounds {
            total += started.elapsed();
        }
        drop(std::hint::black_box(output));
    }
    Ok(total / rounds)
}

fn micros(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e6
}

/// The latest payload: `items` items in latest's shape.
fn payload(fields: &[(String, Kind)], items: usize) -> Value {
    let list: Vec<Value> = (0..items)
        .map(|index| {
            let mut item = serde_json::Map::new();
            for (name, kind) in fields {
                let value = match kind {
                    Kind::Id => json!(format!("item-{index}")),
                    Kind::Status => json!(format!("s{}", VERSIONS - 1)),
                    Kind::Text => json!(format!("{name} of item {index}")),
                    Kind::Number => json!(index * 7 + name.len()),
                    Kind::NumberText => json!((index * 7 + name.len()).to_string()),
                };
                item.insert(name.clone(), value);
            }
            Value::Object(item)
        })
        .collect();
    json!({"items": list})
}

/// What a field holds at latest.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Id,
    Status,
    Text,
    Number,
    NumberText,
}

/// Writes and releases the project; returns latest's fields of `Item`.
fn generate(root: &Path) -> anyhow::Result<Vec<(String, Kind)>> {
    std::fs::write(
        root.join("apivolve.toml"),
        "name = \"bench\"\n[policy]\nsupported_majors = 100\nmax_live_versions_per_endpoint = 1000\n",
    )?;
    let mut fields = vec![
        ("id".to_owned(), Kind::Id),
        ("status".to_owned(), Kind::Status),
    ];
    let mut properties =
        String::from("id: {type: string}\n          status: {type: string, enum: [a, b]}");
    for k in 0..STRING_FIELDS {
        fields.push((format!("s{k}"), Kind::Text));
        let _ = write!(properties, "\n          s{k}: {{type: string}}");
    }
    for k in 0..NUMBER_FIELDS {
        fields.push((format!("n{k}"), Kind::Number));
        let _ = write!(properties, "\n          n{k}: {{type: integer}}");
    }
    let first = format!(
        "description: the payload\nchanges:\n  - add_type:\n      name: Item\n      schema:\n        type: object\n        properties:\n          {properties}\n  - add_type:\n      name: Page\n      schema:\n        type: object\n        properties:\n          items: {{type: array, items: {{$ref: \"#/types/Item\"}}}}\n  - add_endpoint: {{id: page.one, methods: [GET], path: /one, responses: {{200: {{schema: {{$ref: \"#/types/Page\"}}}}}}}}\n  - add_endpoint: {{id: page.many, methods: [GET], path: /many, responses: {{200: {{schema: {{$ref: \"#/types/Page\"}}}}}}}}\n"
    );
    crate::check::release(root, &first)?;
    for v in 1..VERSIONS {
        let mut text = format!("description: version {v}\nchanges:\n");
        let _ = writeln!(
            text,
            "  - add_enum_value: {{type: Item, field: status, value: s{v}, down_map: {}}}",
            if v == 1 {
                "a".to_owned()
            } else {
                format!("s{}", v - 1)
            }
        );
        match v % 3 {
            0 => {
                let k = (v / 3) % STRING_FIELDS;
                let index = fields
                    .iter()
                    .position(|(name, _)| {
                        name == &format!("s{k}") || name.starts_with(&format!("s{k}_"))
                    })
                    .context("a string field to rename")?;
                let to = format!("s{k}_{v}");
                let _ = writeln!(
                    text,
                    "  - rename_field: {{type: Item, from: {}, to: {to}}}",
                    fields[index].0
                );
                fields[index].0 = to;
            }
            1 => {
                let k = (v / 3) % NUMBER_FIELDS;
                let _ = writeln!(
                    text,
                    "  - change_field: {{type: Item, field: n{k}, schema: {{type: string}}, up: 'tostring', down: 'tonumber'}}"
                );
                if let Some(field) = fields.iter_mut().find(|(name, _)| name == &format!("n{k}")) {
                    field.1 = Kind::NumberText;
                }
            }
            _ => {
                let _ = writeln!(
                    text,
                    "  - add_field: {{type: Item, field: x{v}, schema: {{type: integer}}, default: 0}}"
                );
                fields.push((format!("x{v}"), Kind::Number));
            }
        }
        text.push_str("suppress:\n  - {rule: response-property-renamed, reason: bench}\n  - {rule: request-property-renamed, reason: bench}\n  - {rule: response-property-type-changed, reason: bench}\n  - {rule: request-property-type-changed, reason: bench}\n");
        crate::check::release(root, &text)?;
    }
    Ok(fields)
}
