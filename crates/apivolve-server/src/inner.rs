//! The services the layer wraps, named once.

use std::convert::Infallible;

use axum::body::Body;
use axum::response::Response;
use http::Request;
use tower::Service;

/// An inner service: an axum `Router`, the `Gateway`, or any service that answers every request.
pub(crate) trait Inner:
    Service<Request<Body>, Response = Response, Error = Infallible, Future: Send + 'static>
    + Clone
    + Send
    + 'static
{
}

impl<S> Inner for S where
    S: Service<Request<Body>, Response = Response, Error = Infallible, Future: Send + 'static>
        + Clone
        + Send
        + 'static
{
}
