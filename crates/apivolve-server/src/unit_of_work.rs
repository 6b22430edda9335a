//! One unit of work per request: handlers read and stage writes through it, the layer commits.
//!
//! [`UnitOfWorkLayer`] opens a [`UnitOfWork`] for each request and puts it in the request's
//! extensions, where the [`Uow`] extractor finds it. After the inner service answers with a
//! success (status below 400) the layer commits, *before* the response leaves, so a response never
//! reports a write that was not stored. On a conflict the request is run again from fresh reads,
//! up to the retry bound, then answered 409. Any other answer discards the staged writes. The
//! request body is buffered (it is bounded by the body limit) so the handler can run again.
//!
//! A request that already carries a [`UnitOfWork`] in its extensions (a line of a bulk request,
//! whose lines share one unit) runs in that unit: the layer neither commits nor retries it; the
//! bulk handler does, once for all its lines.

use std::convert::Infallible;
use std::sync::Arc;
use std::task::{Context, Poll};

use apivolve_store::{ErrorKind, RetryPolicy, SharedStore, UnitOfWork};
use axum::body::Body;
use axum::extract::FromRequestParts;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures::future::BoxFuture;
use http::Request;
use http::request::Parts;
use tower::{Layer, Service, ServiceExt};

use crate::inner::Inner;
use crate::problem::Problem;

/// Which run of the request this is (1 for the first); handlers may report it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Attempt(pub u32);

/// Wraps a service so that every request runs in a unit of work.
#[derive(Clone, Debug)]
pub struct UnitOfWorkLayer {
    store: SharedStore,
    policy: Arc<RetryPolicy>,
    max_body_bytes: usize,
}

impl UnitOfWorkLayer {
    /// A layer over `store` retrying conflicts by `policy`.
    pub fn new(store: SharedStore, policy: RetryPolicy) -> Self {
        Self {
            store,
            policy: Arc::new(policy),
            max_body_bytes: 16 << 20,
        }
    }

    /// The largest request body buffered for re-runs (larger ones are answered 413).
    #[must_use]
    pub fn max_body_bytes(mut self, bytes: usize) -> Self {
        self.max_body_bytes = bytes;
        self
    }
}

impl<S> Layer<S> for UnitOfWorkLayer {
    type Service = UnitOfWorkService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        UnitOfWorkService {
            inner,
            layer: self.clone(),
        }
    }
}

/// The service made by [`UnitOfWorkLayer`].
#[derive(Clone, Debug)]
pub struct UnitOfWorkService<S> {
    inner: S,
    layer: UnitOfWorkLayer,
}

impl<S> Service<Request<Body>> for UnitOfWorkService<S>
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
        let layer = self.layer.clone();
        Box::pin(async move { Ok(run(inner, layer, request).await) })
    }
}

async fn run<S>(inner: S, layer: UnitOfWorkLayer, request: Request<Body>) -> Response
where
    S: Inner,
{
    if request.extensions().get::<UnitOfWork>().is_some() {
        return match inner.oneshot(request).await {
            Ok(response) => response,
            Err(never) => match never {},
        };
    }
    let (parts, body) = request.into_parts();
    let bytes: Bytes = match axum::body::to_bytes(body, layer.max_body_bytes).await {
        Ok(bytes) => bytes,
        Err(_) => return Problem::payload_too_large(layer.max_body_bytes).into_response(),
    };
    let mut attempt = 0;
    loop {
        attempt += 1;
        let unit = UnitOfWork::new(layer.store.clone());
        let mut request = Request::from_parts(parts.clone(), Body::from(bytes.clone()));
        request.extensions_mut().insert(unit.clone());
        request.extensions_mut().insert(Attempt(attempt));
        let response = match inner.clone().oneshot(request).await {
            Ok(response) => response,
            Err(never) => match never {},
        };
        if response.status().as_u16() >= 400 {
            unit.discard();
            return response;
        }
        match unit.commit().await {
            Ok(()) => return response,
            Err(error)
                if error.kind() == ErrorKind::Conflict && attempt < layer.policy.max_attempts =>
            {
                tokio::time::sleep(layer.policy.backoff(attempt)).await;
            }
            Err(error) if error.kind() == ErrorKind::Conflict => {
                return Problem::conflict("Too many attempts at updating the store")
                    .into_response();
            }
            Err(error) if error.kind() == ErrorKind::Unavailable => {
                return Problem::service_unavailable(error).into_response();
            }
            Err(error) => return Problem::internal(error.to_string()).into_response(),
        }
    }
}

/// Extracts the request's unit of work (put there by [`UnitOfWorkLayer`]).
#[derive(Clone, Debug)]
pub struct Uow(pub UnitOfWork);

impl<S: Send + Sync> FromRequestParts<S> for Uow {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<UnitOfWork>()
            .cloned()
            .map(Uow)
            .ok_or_else(|| {
                Problem::internal("no unit of work: the router is not wrapped in `UnitOfWorkLayer`")
                    .into_response()
            })
    }
}

impl std::ops::Deref for Uow {
    type Target = UnitOfWork;

    fn deref(&self) -> &UnitOfWork {
        &self.0
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Attempt {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<Attempt>()
            .copied()
            .unwrap_or(Attempt(1)))
    }
}
