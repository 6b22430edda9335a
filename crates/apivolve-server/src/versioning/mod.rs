//! The versioning layer: one implementation of the latest version serves every supported one.
//!
//! For each request under the base path: negotiate the version, route at that version, apply the
//! lifecycle gate, validate the request in that version's schema, migrate it up, call the inner
//! service (an axum router speaking latest, or the gateway), migrate the response down (body,
//! status, error shape), and add the lifecycle headers. Clients on latest take the fast path:
//! their bodies pass through untouched. `/metrics` and `/_apivolve/...` (OpenAPI documents and
//! the docs UI) are answered by the layer itself, and so are `POST {base}/{version}/bulk`, its
//! jobs and `Idempotency-Key` (see [`BulkOptions`]).

mod chain;
mod migration;
pub(crate) mod params;
mod runtime;

use std::convert::Infallible;
use std::sync::Arc;
use std::task::{Context, Poll};

use apivolve_store::SharedStore;
use axum::Router;
use axum::body::Body;
use axum::response::Response;
use futures::future::BoxFuture;
use http::Request;
use tower::{Layer, Service};

pub(crate) use chain::{handle, serve_endpoint};
pub(crate) use runtime::VersionRuntime;
pub use runtime::{ResponseValidation, Runtime, VersioningOptions};

use crate::bulk::{Bulk, BulkOptions};
use crate::error::Result;
use crate::gateway::{Gateway, GatewayOptions};

/// A tower layer that serves every supported version from an inner service speaking latest.
#[derive(Clone, Debug)]
pub struct VersioningLayer {
    runtime: Arc<Runtime>,
    docs: Router,
    bulk: Arc<Bulk>,
}

impl VersioningLayer {
    /// A layer over a compiled runtime.
    pub fn new(runtime: Runtime) -> Self {
        let docs = crate::docs::docs_router(&runtime.title, runtime.documents.clone());
        Self {
            runtime: Arc::new(runtime),
            docs,
            bulk: Arc::new(Bulk::default()),
        }
    }

    /// Library mode: the store the inner service's [`UnitOfWorkLayer`](crate::UnitOfWorkLayer)
    /// uses. With it, the lines of a bulk request share units of work (and `atomic` mode is
    /// available), and `Idempotency-Key`, bulk jobs and their results are kept in it. Without a
    /// store bulk lines are independent calls and `Idempotency-Key` passes through. Usage counts
    /// (`[usage]`) are kept in the store too.
    #[must_use]
    pub fn with_store(self, store: SharedStore) -> Self {
        self.bulk_with(Some(store), true)
    }

    /// Gateway mode with a store of the layer's own: `Idempotency-Key` answers and bulk jobs are
    /// kept in `store`, while bulk lines stay independent calls to the inner service (which
    /// commits each on its own, so there is no `atomic` mode). An idempotent answer is recorded
    /// after the inner service answered: a retry that comes before the record is written runs
    /// again. Usage counts (`[usage]`) are kept in `store` too.
    #[must_use]
    pub fn with_record_store(self, store: SharedStore) -> Self {
        self.bulk_with(Some(store), false)
    }

    /// Options of bulk requests, idempotency keys and jobs.
    #[must_use]
    pub fn with_bulk_options(mut self, options: BulkOptions) -> Self {
        self.bulk = Arc::new(Bulk {
            options,
            ..(*self.bulk).clone()
        });
        self
    }

    fn bulk_with(mut self, store: Option<SharedStore>, shares_units: bool) -> Self {
        if let Some(store) = &store {
            self.runtime.usage.attach(store.clone());
        }
        self.bulk = Arc::new(Bulk {
            store,
            shares_units,
            options: self.bulk.options.clone(),
        });
        self
    }

    /// The compiled runtime.
    pub fn runtime(&self) -> &Arc<Runtime> {
        &self.runtime
    }
}

impl<S> Layer<S> for VersioningLayer {
    type Service = VersioningService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        VersioningService {
            inner,
            runtime: self.runtime.clone(),
            docs: self.docs.clone(),
            bulk: self.bulk.clone(),
        }
    }
}

/// Gateway mode: the versioning layer in front of `upstream`, a service that implements latest
/// only (at the runtime's inner prefix). What `apivolve serve` runs.
///
/// # Errors
///
/// [`Error::UpstreamUrl`](crate::Error::UpstreamUrl) when `upstream` is not a usable URL.
pub fn gateway_service(
    runtime: Runtime,
    upstream: &str,
    options: GatewayOptions,
) -> Result<VersioningService<Gateway>> {
    let gateway = Gateway::new(upstream, options)?;
    Ok(VersioningLayer::new(runtime).layer(gateway))
}

/// The service made by [`VersioningLayer`].
#[derive(Clone, Debug)]
pub struct VersioningService<S> {
    inner: S,
    runtime: Arc<Runtime>,
    docs: Router,
    bulk: Arc<Bulk>,
}

impl<S> VersioningService<S> {
    /// The compiled runtime (for [`Runtime::usage`] at shutdown).
    pub fn runtime(&self) -> &Arc<Runtime> {
        &self.runtime
    }
}

impl<S> Service<Request<Body>> for VersioningService<S>
where
    S: Service<Request<Body>, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = BoxFuture<'static, Result<Response, Infallible>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<Body>) -> Self::Future {
        let inner = self.inner.clone();
        let runtime = self.runtime.clone();
        let docs = self.docs.clone();
        let bulk = self.bulk.clone();
        Box::pin(async move { Ok(crate::bulk::handle(runtime, bulk, inner, docs, request).await) })
    }
}
