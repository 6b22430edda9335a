//! The runtime parts that let one implementation (the latest version) serve every version.
//!
//! A request is [negotiated](Negotiator) to a version, passed through the lifecycle
//! [`gate`], [routed](RouteTable) at that version, read within [limits](parse_json),
//! [validated](Validator) against that version's schema, migrated up, handled, and its response
//! migrated down and given the [lifecycle headers](LifecycleHeaders). Every refusal is an
//! RFC 9457 [`Problem`]: this crate is the only one that maps failures to HTTP status codes.
//! Beside the pipeline: Prometheus [metrics](render_metrics), offline Swagger UI
//! [docs](docs_router), and the [`Gateway`] that forwards to an upstream in gateway mode.
//!
//! ```
//! use apivolve_model::{Negotiation, VersionLifecycle};
//! use apivolve_server::{Negotiator, VersionInfo};
//! use semver::Version;
//!
//! let versions = vec![
//!     VersionInfo::new(Version::new(1, 0, 0), VersionLifecycle::default()),
//!     VersionInfo::new(Version::new(1, 1, 0), VersionLifecycle::default()),
//!     VersionInfo::new(Version::new(2, 0, 0), VersionLifecycle::default()),
//! ];
//! let negotiator = Negotiator::new(&Negotiation::default(), "/api", "objid", versions)?;
//! let request = http::Request::get("/api/v1/users/7").body(())?;
//! let negotiated = negotiator.negotiate(&request.into_parts().0)?.expect("under the base path");
//! assert_eq!(negotiated.version, Version::new(1, 1, 0));
//! assert_eq!(negotiated.path, "/users/7");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! | module | concern |
//! |---|---|
//! | [`Problem`] | RFC 9457 problem details, `application/problem+json` |
//! | [`Negotiator`] | URI, header, media type and query negotiation; defaults; `Vary` |
//! | [`gate`], [`LifecycleHeaders`] | 410 / 301 / 308 / 404 gate; `Api-Version`, `Deprecation`, `Sunset`, `Link` |
//! | [`parse_json`], [`read_body`] | depth, size (413), media type (415) and JSON syntax limits |
//! | [`RouteTable`] | path templates to endpoint ids at one version |
//! | [`Validator`] | JSON Schema 2020-12 validation with stable messages |
//! | [`render_metrics`] | the Prometheus recorder and the runtime's metrics |
//! | [`docs_router`] | vendored Swagger UI and per-version OpenAPI documents |
//! | [`Gateway`] | streaming reverse proxy to a fixed upstream |
//! | [`usage`] | calls per client, version, endpoint and day; client pins |
//! | [`BulkOptions`] | `POST {base}/{version}/bulk` (NDJSON), `Idempotency-Key`, async bulk jobs |
//!
//! The crate has no cargo features.

mod bulk;
mod docs;
mod error;
mod gateway;
mod inner;
mod lifecycle;
mod limits;
pub mod metrics;
mod negotiation;
mod problem;
mod routes;
mod unit_of_work;
pub mod usage;
mod validation;
mod versioning;

pub use bulk::BulkOptions;
pub use docs::{DOCS_PATH, OPENAPI_PATH, docs_router};
pub use error::{Error, Result};
pub use gateway::{Gateway, GatewayOptions, remove_hop_by_hop};
pub use lifecycle::{
    API_DEPRECATED_VERSIONS, API_SUPPORTED_VERSIONS, API_VERSION, DEPRECATION, LifecycleHeaders,
    Refusal, SUNSET, gate, http_date,
};
pub use limits::{
    body_error_problem, check_content_length, check_json_content_type, check_json_depth,
    is_json_media_type, is_length_limit_error, json_problem, parse_json, read_body,
};
pub use metrics::render as render_metrics;
pub use negotiation::{Negotiated, Negotiator, VersionInfo};
pub use problem::{FieldError, Problem, ProblemDetails};
pub use routes::{RouteMatch, RouteTable};
pub use unit_of_work::{Attempt, UnitOfWorkLayer, UnitOfWorkService, Uow};
pub use validation::{MAX_MESSAGE_CHARS, Validator};
pub use versioning::{
    ResponseValidation, Runtime, VersioningLayer, VersioningOptions, VersioningService,
    gateway_service,
};
