//! RFC 9457 problem details: every error answer of the runtime, and the one place that maps a
//! failure to an HTTP status code.
//!
//! A [`Problem`] keeps dropshot's split between what the client reads (`detail`, `errors`,
//! extension members) and what only the logs see (`internal`). A 5xx problem never sends its
//! internal cause: its detail is generic and the cause goes to `tracing::error!`.

use std::fmt;

use apivolve_model::PROBLEM_MEDIA_TYPE;
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The members RFC 9457 defines (plus our `errors`); extensions may not overwrite them.
const RESERVED_MEMBERS: [&str; 6] = ["type", "title", "status", "detail", "instance", "errors"];

/// One fault in a request or response body, located by a JSON pointer (RFC 6901).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    /// Where the fault is: `""` for the whole document, `/user/name` for a member.
    pub pointer: String,
    /// What is wrong there.
    pub detail: String,
}

impl FieldError {
    /// A fault at `pointer`.
    pub fn new(pointer: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            pointer: pointer.into(),
            detail: detail.into(),
        }
    }
}

/// An RFC 9457 problem: status, human title and detail, optional field errors and extensions.
///
/// It is a box around [`ProblemDetails`] (so a `Result<T, Problem>` stays small); its fields
/// are read and written through `Deref`: `problem.status`, `problem.detail`.
#[derive(Clone, Debug, PartialEq)]
pub struct Problem(Box<ProblemDetails>);

/// The members of a [`Problem`].
#[derive(Clone, Debug, PartialEq)]
pub struct ProblemDetails {
    /// The HTTP status.
    pub status: StatusCode,
    /// A short summary of the problem type; the status' reason phrase unless set.
    pub title: String,
    /// What went wrong with this request, for the client.
    pub detail: String,
    /// A URI naming the problem type; `about:blank` unless set.
    pub type_uri: String,
    /// A URI naming this occurrence.
    pub instance: Option<String>,
    /// Faults located by JSON pointers (validation errors).
    pub errors: Vec<FieldError>,
    /// Extension members, sent beside the standard ones.
    pub extensions: Map<String, Value>,
    /// Headers sent with the problem (`Allow`, `Location`, ...).
    pub headers: HeaderMap,
    /// The cause, for the logs only; never sent.
    pub internal: Option<String>,
}

/// The detail of every 5xx problem built from an internal cause.
const INTERNAL_DETAIL: &str = "the server could not complete the request";

impl Problem {
    /// A problem with this status and client-facing detail; the title is the reason phrase.
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        Self(Box::new(ProblemDetails {
            status,
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            detail: detail.into(),
            type_uri: "about:blank".to_owned(),
            instance: None,
            errors: Vec::new(),
            extensions: Map::new(),
            headers: HeaderMap::new(),
            internal: None,
        }))
    }

    /// The members, unboxed.
    pub fn into_details(self) -> ProblemDetails {
        *self.0
    }

    /// 400: the request is malformed.
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, detail)
    }

    /// 400 with field errors: the request does not match the version's schema.
    pub fn invalid(detail: impl Into<String>, errors: Vec<FieldError>) -> Self {
        Self::bad_request(detail).with_errors(errors)
    }

    /// 404: nothing here (also what a preview endpoint answers without the opt-in).
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, detail)
    }

    /// 405 with an `Allow` header listing `allowed`.
    pub fn method_not_allowed(method: &http::Method, allowed: &[http::Method]) -> Self {
        let list = allowed
            .iter()
            .map(http::Method::as_str)
            .collect::<Vec<_>>()
            .join(", ");
        let mut problem = Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            format!("method `{method}` is not allowed here; allowed: {list}"),
        );
        if let Ok(value) = HeaderValue::from_str(&list) {
            problem.headers.insert(header::ALLOW, value);
        }
        problem
    }

    /// 409: the request conflicts with the current state.
    pub fn conflict(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, detail)
    }

    /// 410: this version or endpoint is retired or past its sunset.
    pub fn gone(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::GONE, detail)
    }

    /// 413: the body is larger than `limit` bytes.
    pub fn payload_too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("request body is larger than the limit of {limit} bytes"),
        )
        .with_extension("limit_bytes", limit)
    }

    /// 415: the body's media type is not one this endpoint reads.
    pub fn unsupported_media_type(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, detail)
    }

    /// 422: the request is well formed but cannot be processed.
    pub fn unprocessable(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, detail)
    }

    /// 500: an internal failure; `cause` is logged, the client reads a generic detail.
    pub fn internal(cause: impl fmt::Display) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, INTERNAL_DETAIL).with_internal(cause)
    }

    /// 502: the upstream could not be reached or failed; `cause` is logged only.
    pub fn bad_gateway(cause: impl fmt::Display) -> Self {
        Self::new(
            StatusCode::BAD_GATEWAY,
            "the upstream service could not be reached",
        )
        .with_internal(cause)
    }

    /// 503: the service is not available now; `cause` is logged only.
    pub fn service_unavailable(cause: impl fmt::Display) -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "the service is not available, retry later",
        )
        .with_internal(cause)
    }

    /// 504: the upstream did not answer in time; `cause` is logged only.
    pub fn gateway_timeout(cause: impl fmt::Display) -> Self {
        Self::new(
            StatusCode::GATEWAY_TIMEOUT,
            "the upstream service did not answer in time",
        )
        .with_internal(cause)
    }

    /// Sets the problem type URI (and its title).
    #[must_use]
    pub fn with_type(mut self, type_uri: impl Into<String>, title: impl Into<String>) -> Self {
        self.type_uri = type_uri.into();
        self.title = title.into();
        self
    }

    /// Sets the instance URI.
    #[must_use]
    pub fn with_instance(mut self, instance: impl Into<String>) -> Self {
        self.instance = Some(instance.into());
        self
    }

    /// Adds field errors.
    #[must_use]
    pub fn with_errors(mut self, errors: impl IntoIterator<Item = FieldError>) -> Self {
        self.errors.extend(errors);
        self
    }

    /// Adds an extension member; a reserved name (`type`, `status`, ...) is ignored when sent.
    #[must_use]
    pub fn with_extension(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.extensions.insert(name.into(), value.into());
        self
    }

    /// Adds a header to the answer.
    #[must_use]
    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.append(name, value);
        self
    }

    /// Records an internal cause (logged, never sent).
    #[must_use]
    pub fn with_internal(mut self, cause: impl fmt::Display) -> Self {
        self.internal = Some(cause.to_string());
        self
    }

    /// The body as sent: `type`, `title`, `status`, `detail`, `instance`, `errors`, then extensions.
    pub fn to_json(&self) -> Value {
        let mut body = Map::new();
        body.insert("type".to_owned(), Value::from(self.type_uri.as_str()));
        body.insert("title".to_owned(), Value::from(self.title.as_str()));
        body.insert("status".to_owned(), Value::from(self.status.as_u16()));
        body.insert("detail".to_owned(), Value::from(self.detail.as_str()));
        if let Some(instance) = &self.instance {
            body.insert("instance".to_owned(), Value::from(instance.as_str()));
        }
        if !self.errors.is_empty() {
            let errors = self
                .errors
                .iter()
                .map(
                    |error| serde_json::json!({ "pointer": error.pointer, "detail": error.detail }),
                )
                .collect();
            body.insert("errors".to_owned(), Value::Array(errors));
        }
        for (name, value) in &self.extensions {
            if !RESERVED_MEMBERS.contains(&name.as_str()) {
                body.insert(name.clone(), value.clone());
            }
        }
        Value::Object(body)
    }

    /// Logs the internal cause: at `error` for a 5xx, at `debug` otherwise.
    fn log(&self) {
        if self.status.is_server_error() {
            tracing::error!(
                status = self.status.as_u16(),
                detail = %self.detail,
                internal = self.internal.as_deref().unwrap_or(""),
                "request failed"
            );
        } else if let Some(internal) = &self.internal {
            tracing::debug!(status = self.status.as_u16(), detail = %self.detail, internal = internal.as_str(), "request refused");
        }
    }
}

impl std::ops::Deref for Problem {
    type Target = ProblemDetails;

    fn deref(&self) -> &ProblemDetails {
        &self.0
    }
}

impl std::ops::DerefMut for Problem {
    fn deref_mut(&mut self) -> &mut ProblemDetails {
        &mut self.0
    }
}

impl From<ProblemDetails> for Problem {
    fn from(details: ProblemDetails) -> Self {
        Self(Box::new(details))
    }
}

/// A start-up error met while serving is the server's fault: 500, the error logged only.
impl From<crate::Error> for Problem {
    fn from(error: crate::Error) -> Self {
        Self::internal(error)
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status.as_u16(),
            self.title,
            self.detail
        )
    }
}

impl std::error::Error for Problem {}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        self.log();
        let body = self.to_json().to_string();
        let mut response = (self.status, body).into_response();
        let headers = response.headers_mut();
        for (name, value) in &self.headers {
            headers.append(name, value.clone());
        }
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(PROBLEM_MEDIA_TYPE),
        );
        response
    }
}

#[cfg(test)]
mod tests {
    use http_body_util::BodyExt;
    use serde_json::json;

    use super::*;

    async fn sent(problem: Problem) -> (StatusCode, HeaderMap, Value) {
        let response = problem.into_response();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        (status, headers, serde_json::from_slice(&bytes).unwrap())
    }

    #[test]
    fn constructors_set_their_status() {
        let table = [
            (Problem::bad_request("x"), 400),
            (Problem::invalid("x", Vec::new()), 400),
            (Problem::not_found("x"), 404),
            (
                Problem::method_not_allowed(&http::Method::PUT, &[http::Method::GET]),
                405,
            ),
            (Problem::conflict("x"), 409),
            (Problem::gone("x"), 410),
            (Problem::payload_too_large(10), 413),
            (Problem::unsupported_media_type("x"), 415),
            (Problem::unprocessable("x"), 422),
            (Problem::internal("x"), 500),
            (Problem::bad_gateway("x"), 502),
            (Problem::service_unavailable("x"), 503),
            (Problem::gateway_timeout("x"), 504),
        ];
        for (problem, status) in table {
            assert_eq!(problem.status.as_u16(), status, "{problem}");
            assert_eq!(problem.title, problem.status.canonical_reason().unwrap());
        }
    }

    #[tokio::test]
    async fn body_is_problem_json_with_every_member() {
        let problem = Problem::invalid(
            "request body does not match the schema",
            vec![FieldError::new("/name", "Missing property: name")],
        )
        .with_instance("/api/v1/users")
        .with_extension("supported_versions", json!(["1.0.0"]));
        let (status, headers, body) = sent(problem).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(headers[header::CONTENT_TYPE], "application/problem+json");
        assert_eq!(
            body,
            json!({
                "type": "about:blank",
                "title": "Bad Request",
                "status": 400,
                "detail": "request body does not match the schema",
                "instance": "/api/v1/users",
                "errors": [{ "pointer": "/name", "detail": "Missing property: name" }],
                "supported_versions": ["1.0.0"],
            })
        );
    }

    #[tokio::test]
    async fn server_errors_never_send_the_internal_cause() {
        let secret = "connection refused to db.internal:5432 password=hunter2";
        for problem in [
            Problem::internal(secret),
            Problem::bad_gateway(secret),
            Problem::gateway_timeout(secret),
            Problem::service_unavailable(secret),
        ] {
            assert_eq!(problem.internal.as_deref(), Some(secret));
            let (status, _, body) = sent(problem).await;
            assert!(status.is_server_error());
            let text = body.to_string();
            assert!(!text.contains("hunter2"), "{text}");
            assert!(!text.contains("db.internal"), "{text}");
        }
    }

    #[tokio::test]
    async fn extensions_cannot_overwrite_standard_members() {
        let problem = Problem::gone("retired")
            .with_extension("status", 200)
            .with_extension("title", "ok");
        let (status, _, body) = sent(problem).await;
        assert_eq!(status, StatusCode::GONE);
        assert_eq!(body["status"], 410);
        assert_eq!(body["title"], "Gone");
    }

    #[tokio::test]
    async fn headers_travel_with_the_problem() {
        let problem = Problem::method_not_allowed(
            &http::Method::DELETE,
            &[http::Method::GET, http::Method::POST],
        );
        assert_eq!(
            problem.detail,
            "method `DELETE` is not allowed here; allowed: GET, POST"
        );
        let (status, headers, _) = sent(problem).await;
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(headers[header::ALLOW], "GET, POST");
    }

    #[test]
    fn start_up_errors_become_opaque_500s() {
        let problem = Problem::from(crate::Error::Schema {
            message: "bad `$ref` to /etc".to_owned(),
        });
        assert_eq!(problem.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(problem.detail, "the server could not complete the request");
        assert_eq!(
            problem.internal.as_deref(),
            Some("invalid JSON Schema: bad `$ref` to /etc")
        );
    }

    #[test]
    fn optional_members_are_left_out_when_empty() {
        let body = Problem::not_found("no endpoint").to_json();
        assert_eq!(
            body,
            json!({ "type": "about:blank", "title": "Not Found", "status": 404, "detail": "no endpoint" })
        );
        let typed =
            Problem::conflict("x").with_type("https://example.com/probs/conflict", "Edit conflict");
        assert_eq!(
            typed.to_json()["type"],
            "https://example.com/probs/conflict"
        );
        assert_eq!(typed.to_string(), "409 Edit conflict: x");
    }
}
