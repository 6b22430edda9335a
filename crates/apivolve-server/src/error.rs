//! Errors raised while building the runtime parts (at start-up) or by background work (writing
//! usage counts), never while serving a request.
//!
//! Request-time failures are [`Problem`](crate::Problem)s: they carry their HTTP status.

/// A start-up error: bad configuration, an invalid schema, a route conflict.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The API project does not load, check clean or compile into plans.
    #[error("the API project cannot be served:\n{0}")]
    Project(String),
    /// The served chain of versions is empty.
    #[error("no versions to serve")]
    NoVersions,
    /// The configured default version does not name a served version.
    #[error("default version `{version}` is not a served version: {reason}")]
    DefaultVersion {
        /// The configured value.
        version: String,
        /// Why it does not resolve.
        reason: String,
    },
    /// A header name in the negotiation configuration is not a valid HTTP header name.
    #[error("`{name}` is not a valid header name")]
    HeaderName {
        /// The configured name.
        name: String,
    },
    /// A JSON Schema that does not compile.
    #[error("invalid JSON Schema: {message}")]
    Schema {
        /// What the schema compiler said.
        message: String,
    },
    /// An endpoint's method is not an HTTP method.
    #[error("endpoint `{endpoint}` has an invalid method `{method}`")]
    Method {
        /// The endpoint id.
        endpoint: String,
        /// The method as written.
        method: String,
    },
    /// Two endpoints answer the same method on the same path.
    #[error("endpoints `{first}` and `{second}` both answer `{method} {path}`")]
    RouteConflict {
        /// The method both answer.
        method: String,
        /// The path template.
        path: String,
        /// The endpoint registered first.
        first: String,
        /// The endpoint registered second.
        second: String,
    },
    /// The gateway's upstream URL is not usable.
    #[error("invalid upstream URL `{url}`: {reason}")]
    UpstreamUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A `[clients.pins]` entry does not name a served version.
    #[error("client `{client}` cannot be pinned: {reason}")]
    Pin {
        /// The client hash.
        client: String,
        /// Why its version does not resolve.
        reason: String,
    },
    /// The document store failed (writing or reading usage counts).
    #[error("store: {0}")]
    Store(#[from] apivolve_store::Error),
    /// The Prometheus recorder could not be installed.
    #[error("cannot install the metrics recorder: {message}")]
    Metrics {
        /// The exporter's message.
        message: String,
    },
}

/// A result with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
