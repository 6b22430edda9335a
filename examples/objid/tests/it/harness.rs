//! The service on a real socket for one backend, a client, and direct access to its store.
//!
//! The store the service sees is `Probe(FaultyStore(backend))`: the [`Probe`] counts reads and
//! committed writes and can make commits conflict; the [`Faults`] refuse writes on demand. Tests
//! read and write the backend directly, so their own reads are never counted.

use std::future::IntoFuture;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use apivolve_server::ResponseValidation;
use apivolve_store::testing::{Backend, Faults, FaultyStore, TestStore};
use apivolve_store::{Document, DocumentStore, Page, Result, RetryPolicy, SharedStore, Write};
use axum::ServiceExt as _;
use futures::future::{BoxFuture, FutureExt};
use reqwest::Method;
use serde_json::Value;
use tokio::task::JoinHandle;

/// Runs an async check on each backend, as three tests named `memory`, `sqlite` and `postgres`.
/// The PostgreSQL one prints `skipped: DATABASE_URL not set` and passes without `DATABASE_URL`.
macro_rules! on_every_backend {
    ($check:path) => {
        #[tokio::test]
        async fn memory() {
            $check(apivolve_store::testing::Backend::Memory).await;
        }

        #[tokio::test]
        async fn sqlite() {
            $check(apivolve_store::testing::Backend::Sqlite).await;
        }

        #[tokio::test]
        async fn postgres() {
            $check(apivolve_store::testing::Backend::Postgres).await;
        }
    };
}
pub(crate) use on_every_backend;

/// Counts what the service asks of its store, and makes commits conflict on demand.
#[derive(Debug)]
pub(crate) struct Probe {
    inner: SharedStore,
    /// The backend itself, for interfering writes that no fault refuses.
    backend: SharedStore,
    /// Keys asked for in `get_many` calls.
    reads: AtomicU64,
    /// Writes of the commits that succeeded.
    writes: AtomicU64,
    /// Commits that succeeded.
    commits: AtomicU64,
    /// How many of the next commits find their documents changed under them.
    interfere: AtomicU64,
}

/// What a [`Probe`] counted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Counts {
    pub(crate) reads: u64,
    pub(crate) writes: u64,
    pub(crate) commits: u64,
}

impl std::ops::Sub for Counts {
    type Output = Self;

    fn sub(self, earlier: Self) -> Self {
        Self {
            reads: self.reads - earlier.reads,
            writes: self.writes - earlier.writes,
            commits: self.commits - earlier.commits,
        }
    }
}

impl Probe {
    pub(crate) fn new(inner: SharedStore, backend: SharedStore) -> Self {
        Self {
            inner,
            backend,
            reads: AtomicU64::new(0),
            writes: AtomicU64::new(0),
            commits: AtomicU64::new(0),
            interfere: AtomicU64::new(0),
        }
    }

    /// The counts so far.
    pub(crate) fn counts(&self) -> Counts {
        Counts {
            reads: self.reads.load(Ordering::SeqCst),
            writes: self.writes.load(Ordering::SeqCst),
            commits: self.commits.load(Ordering::SeqCst),
        }
    }

    /// The next `commits` commits conflict: just before each, every document it writes is
    /// rewritten with its own value (a new version, the same content).
    pub(crate) fn interfere_with(&self, commits: u64) {
        self.interfere.store(commits, Ordering::SeqCst);
    }

    fn take_interference(&self) -> bool {
        self.interfere
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| {
                left.checked_sub(1)
            })
            .is_ok()
    }

    /// Another writer touches every key of `writes`.
    async fn interfere(&self, writes: &[Write]) -> Result<()> {
        let keys: Vec<String> = writes.iter().map(|write| write.key().to_owned()).collect();
        let documents = self.backend.get_many(&keys).await?;
        let rewrites = keys
            .into_iter()
            .zip(documents)
            .map(|(key, document)| match document {
                Some(Document { value, version }) => Write::Replace {
                    key,
                    value,
                    expected_version: version,
                },
                None => Write::Insert {
                    key,
                    value: serde_json::json!({}),
                },
            })
            .collect();
        self.backend.commit(rewrites).await.map(|_| ())
    }
}

impl DocumentStore for Probe {
    fn get_many<'a>(&'a self, keys: &'a [String]) -> BoxFuture<'a, Result<Vec<Option<Document>>>> {
        self.reads.fetch_add(keys.len() as u64, Ordering::SeqCst);
        self.inner.get_many(keys)
    }

    fn commit(&self, writes: Vec<Write>) -> BoxFuture<'_, Result<Vec<Option<u64>>>> {
        async move {
            if self.take_interference() {
                self.interfere(&writes).await?;
            }
            let count = writes.len() as u64;
            let versions = self.inner.commit(writes).await?;
            self.writes.fetch_add(count, Ordering::SeqCst);
            self.commits.fetch_add(1, Ordering::SeqCst);
            Ok(versions)
        }
        .boxed()
    }

    fn list<'a>(
        &'a self,
        prefix: &'a str,
        after: Option<&'a str>,
        limit: usize,
    ) -> BoxFuture<'a, Result<Page>> {
        self.inner.list(prefix, after, limit)
    }

    fn backend(&self) -> &'static str {
        self.inner.backend()
    }
}

/// One running service: its address, its store, its probe and its faults.
pub(crate) struct Server {
    base: String,
    client: reqwest::Client,
    /// The backend, read and written directly by tests.
    pub(crate) store: SharedStore,
    pub(crate) probe: Arc<Probe>,
    pub(crate) faults: Arc<Faults>,
    task: JoinHandle<()>,
}

/// The service's options that tests change.
#[derive(Clone, Debug, Default)]
pub(crate) struct Options {
    pub(crate) retry: RetryPolicy,
}

impl Server {
    /// The service on `store`, on 127.0.0.1 at a port of its own.
    pub(crate) async fn serve(store: SharedStore, options: Options) -> Self {
        let faulty = FaultyStore::new(store.clone());
        let faults = faulty.faults();
        let probe = Arc::new(Probe::new(Arc::new(faulty), store.clone()));
        let app_options = objid::AppOptions {
            response_validation: ResponseValidation::Strict,
            retry: options.retry,
            ..objid::AppOptions::default()
        };
        let service = objid::app(probe.clone(), app_options).expect("the objid API compiles");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a local port is free");
        let address: SocketAddr = listener
            .local_addr()
            .expect("a bound listener has an address");
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, service.into_make_service())
                .into_future()
                .await;
        });
        Self {
            base: format!("http://{address}"),
            client: reqwest::Client::new(),
            store,
            probe,
            faults,
            task,
        }
    }

    /// Sends `method path` with a JSON body (also on GET): status, content type and body text.
    pub(crate) async fn send(
        &self,
        method: Method,
        path: &str,
        json: Option<&Value>,
    ) -> (u16, String, String) {
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        if let Some(json) = json {
            request = request.json(json);
        }
        let response = request.send().await.expect("the service answers");
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let text = response.text().await.expect("the body can be read");
        (status, content_type, text)
    }

    /// An app's stored document, read directly from the backend.
    pub(crate) async fn document(&self, app: &str) -> Option<Value> {
        let mut found = self
            .store
            .get_many(&[format!("app/{app}")])
            .await
            .expect("the backend answers");
        found.pop().flatten().map(|document| document.value)
    }

    /// Stores an app's document directly (the app must be new).
    pub(crate) async fn store_document(&self, app: &str, value: Value) {
        self.store
            .commit(vec![Write::Insert {
                key: format!("app/{app}"),
                value,
            }])
            .await
            .expect("the backend stores the document");
    }

    /// Stops serving.
    pub(crate) fn stop(&self) {
        self.task.abort();
    }
}

/// A test store on `backend` with one service on it; `None` when the backend is not available.
pub(crate) async fn start(backend: Backend) -> Option<(TestStore, Server)> {
    start_with(backend, Options::default()).await
}

/// As [`start`], with `options`.
pub(crate) async fn start_with(backend: Backend, options: Options) -> Option<(TestStore, Server)> {
    let test_store = TestStore::open(backend).await?;
    let server = Server::serve(test_store.store().clone(), options).await;
    Some((test_store, server))
}

/// Stops the service and removes the test store.
pub(crate) async fn finish(test_store: TestStore, server: Server) {
    server.stop();
    test_store.teardown().await;
}

/// An app id no other test uses.
pub(crate) fn unique_app() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let serial = NEXT.fetch_add(1, Ordering::Relaxed);
    let salt: u32 = rand::random();
    format!("app-{serial}-{salt:08x}")
}
