//! Calling one line: a request made from the line, through the same chain as a single call.

use apivolve_store::UnitOfWork;
use axum::body::Body;
use axum::response::Response;
use http::{HeaderMap, HeaderValue, Request, header};
use semver::Version;
use serde_json::Value;

use super::configure::CONTENT_LINES;
use super::idempotency::IDEMPOTENCY_KEY;
use super::line::Target;
use crate::inner::Inner;
use crate::limits::{is_json_media_type, read_body};
use crate::problem::Problem;
use crate::unit_of_work::Attempt;
use crate::versioning::{Runtime, serve_endpoint};

/// The largest response of one line the bulk handler reads.
const MAX_LINE_RESPONSE_BYTES: usize = 16 << 20;

/// What a line's call answered, at the request's version.
#[derive(Debug)]
pub(super) struct Answer {
    pub(super) status: u16,
    /// The JSON body; a text body as a string; `null` when empty.
    pub(super) body: Value,
}

impl Answer {
    pub(super) fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// `created` or `updated`, when the answer says so: 201, or a `created` or `updated` member
    /// that is `true`.
    pub(super) fn upsert(&self) -> Option<&'static str> {
        let flag = |name: &str| self.body.get(name).and_then(Value::as_bool) == Some(true);
        if self.status == 201 || flag("created") {
            Some("created")
        } else if flag("updated") {
            Some("updated")
        } else {
            None
        }
    }
}

/// The headers every line inherits from the bulk request: all but those about the bulk body.
pub(super) fn line_headers(outer: &HeaderMap) -> HeaderMap {
    let mut headers = outer.clone();
    for name in [
        header::CONTENT_TYPE,
        header::CONTENT_LENGTH,
        header::TRANSFER_ENCODING,
        header::ACCEPT,
        header::EXPECT,
        header::CONNECTION,
        CONTENT_LINES,
        IDEMPOTENCY_KEY,
    ] {
        headers.remove(name);
    }
    headers
}

/// What one call needs besides its target and body.
pub(super) struct Context<'a> {
    pub(super) runtime: &'a Runtime,
    pub(super) version: &'a Version,
    pub(super) headers: &'a HeaderMap,
    pub(super) extensions: &'a http::Extensions,
    /// The unit shared by the lines, and which run of it this is.
    pub(super) unit: Option<(&'a UnitOfWork, u32)>,
}

/// Calls `target` with `body` through the chain at the request's version.
pub(super) async fn call<S>(context: &Context<'_>, inner: S, target: Target, body: Value) -> Answer
where
    S: Inner,
{
    let runtime = context.runtime;
    let Some(version) = runtime.versions.get(context.version) else {
        return problem_answer(&Problem::internal("the request's version has no runtime"));
    };
    let Some(endpoint) = version.endpoints.get(&target.endpoint) else {
        return problem_answer(&Problem::internal("the line's endpoint has no runtime"));
    };
    let label = &*version.label;
    let query = target.query.as_deref().unwrap_or("");
    let mut uri = String::with_capacity(
        runtime.base_path.len() + label.len() + target.path.len() + query.len() + 2,
    );
    uri.push_str(&runtime.base_path);
    uri.push('/');
    uri.push_str(label);
    uri.push_str(&target.path);
    if let Some(query) = &target.query {
        uri.push('?');
        uri.push_str(query);
    }
    // The chain gets the value too, so it does not parse the text again.
    let (body, parsed) = if body.is_null() {
        (Body::empty(), None)
    } else {
        match serde_json::to_vec(&body) {
            Ok(bytes) => (Body::from(bytes), Some(body)),
            Err(error) => return problem_answer(&Problem::internal(error)),
        }
    };
    let mut request = Request::new(body);
    *request.method_mut() = target.method;
    match uri.parse() {
        Ok(uri) => *request.uri_mut() = uri,
        Err(_) => {
            return problem_answer(&Problem::bad_request(
                "the line's path and query do not make a URI",
            ));
        }
    }
    *request.headers_mut() = context.headers.clone();
    request.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    *request.extensions_mut() = context.extensions.clone();
    if let Some((unit, attempt)) = context.unit {
        request.extensions_mut().insert(unit.clone());
        request.extensions_mut().insert(Attempt(attempt));
    }
    let response = serve_endpoint(
        runtime,
        version,
        endpoint,
        inner,
        request,
        parsed,
        target.path_parameters,
    )
    .await;
    read_answer(response).await
}

async fn read_answer(response: Response) -> Answer {
    let (parts, body) = response.into_parts();
    let status = parts.status.as_u16();
    let bytes = match read_body(body, MAX_LINE_RESPONSE_BYTES).await {
        Ok(bytes) => bytes,
        Err(_) => {
            return problem_answer(&Problem::internal(
                "a line's response could not be read or was too large",
            ));
        }
    };
    let is_json = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(is_json_media_type);
    let body = if bytes.is_empty() {
        Value::Null
    } else if is_json {
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
    } else {
        Value::String(String::from_utf8_lossy(&bytes).into_owned())
    };
    Answer { status, body }
}

/// A problem raised by the bulk handler itself for one line.
pub(super) fn problem_answer(problem: &Problem) -> Answer {
    if let Some(cause) = &problem.internal {
        tracing::error!(cause = %cause, "bulk line failed");
    }
    Answer {
        status: problem.status.as_u16(),
        body: problem.to_json(),
    }
}
