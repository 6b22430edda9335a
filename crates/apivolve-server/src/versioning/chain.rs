//! One request through the chain: negotiate, route, gate, validate, migrate up, call, migrate
//! down, validate the response, add headers.

use std::sync::Arc;
use std::time::Instant;

use apivolve_migrate::Parameters;
use apivolve_model::{Endpoint, NegotiationMethod, PROBLEM_MEDIA_TYPE};
use axum::Router;
use axum::body::Body;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::header::{self, HeaderValue};
use http::request::Parts;
use http::{Method, Request, StatusCode};
use serde_json::Value;
use tower::ServiceExt;

use super::params;
use super::runtime::{EndpointRuntime, ResponseValidation, Runtime, VersionRuntime};
use crate::inner::Inner;
use crate::lifecycle::gate;
use crate::limits::{check_content_length, is_json_media_type, parse_json, read_body};
use crate::metrics::{self, MigrationDirection, Payload};
use crate::problem::Problem;
use crate::routes::RouteMatch;

/// Largest response body the layer buffers to migrate (responses of the inner service).
const MAX_RESPONSE_BYTES: usize = 256 << 20;

pub(crate) async fn handle<S>(
    runtime: Arc<Runtime>,
    inner: S,
    docs: Router,
    request: Request<Body>,
) -> Response
where
    S: Inner,
{
    let path = request.uri().path();
    if path == "/metrics" {
        return (
            [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
            metrics::render(),
        )
            .into_response();
    }
    if path == "/_apivolve" || path.starts_with("/_apivolve/") {
        return match docs.oneshot(request).await {
            Ok(response) => response,
            Err(never) => match never {},
        };
    }
    let (parts, body) = request.into_parts();
    let client = std::cell::OnceCell::new();
    let negotiated = match runtime.negotiate(&parts, &client) {
        Ok(Some(negotiated)) => negotiated,
        Ok(None) => return call(inner, Request::from_parts(parts, body)).await,
        Err(refused) => {
            runtime.record_refused(&parts.headers, &client, &refused);
            let mut response = refused.problem.into_response();
            add_vary(&runtime, &mut response);
            return response;
        }
    };
    let Some(version) = runtime.versions.get(&negotiated.version) else {
        return Problem::bad_request(format!("version `{}` is not served", negotiated.version))
            .into_response();
    };
    let span = tracing::info_span!("apivolve", version = %negotiated.version, method = %parts.method, path = %negotiated.path);
    let _entered = span.enter();

    let (endpoint_id, path_parameters) =
        match version.routes.lookup(&parts.method, &negotiated.path) {
            RouteMatch::Found { endpoint, params } => (endpoint, params),
            RouteMatch::MethodNotAllowed { allowed } => {
                return finish(
                    &runtime,
                    version,
                    None,
                    Problem::method_not_allowed(&parts.method, &allowed).into_response(),
                );
            }
            RouteMatch::NotFound => {
                let problem = Problem::not_found(format!(
                    "no endpoint answers `{}` in version `{}`",
                    negotiated.path, version.info.version
                ));
                return finish(&runtime, version, None, problem.into_response());
            }
        };
    let Some(endpoint) = version.endpoints.get(&endpoint_id) else {
        return finish(
            &runtime,
            version,
            None,
            Problem::internal(format!("endpoint `{endpoint_id}` has no runtime")).into_response(),
        );
    };
    runtime.record_call(&parts.headers, &client, version, endpoint);
    let request = Incoming {
        parts,
        body,
        parsed: None,
        query: negotiated.query,
        source: negotiated.source,
        path_parameters,
    };
    let response = match serve(&runtime, version, endpoint, inner, request).await {
        Ok(response) => response,
        Err(problem) => problem_response(version, endpoint, problem),
    };
    let status = response.status().as_u16();
    endpoint
        .counted
        .increment(&version.label, &endpoint.endpoint.id, status);
    finish(&runtime, version, Some(&endpoint.endpoint), response)
}

/// The chain for one endpoint already chosen, as the bulk handler calls it for each line: gate,
/// validate, migrate up, call, migrate down, in the endpoint's error shape. The request's path is
/// not routed again (the line named its endpoint); its query is the endpoint's. No lifecycle
/// headers: the bulk response carries them once. `parsed` is the body's value when the caller
/// has it already (the request's body is then its JSON text): it is not parsed again.
pub(crate) async fn serve_endpoint<S>(
    runtime: &Runtime,
    version: &VersionRuntime,
    endpoint: &EndpointRuntime,
    inner: S,
    request: Request<Body>,
    parsed: Option<Value>,
    path_parameters: Vec<(String, String)>,
) -> Response
where
    S: Inner,
{
    let (parts, body) = request.into_parts();
    let request = Incoming {
        query: parts.uri.query().map(str::to_owned),
        parts,
        body,
        parsed,
        source: None,
        path_parameters,
    };
    let response = match serve(runtime, version, endpoint, inner, request).await {
        Ok(response) => response,
        Err(problem) => problem_response(version, endpoint, problem),
    };
    endpoint.counted.increment(
        &version.label,
        &endpoint.endpoint.id,
        response.status().as_u16(),
    );
    response
}

struct Incoming {
    parts: Parts,
    body: Body,
    /// The body's value, when the caller parsed it already.
    parsed: Option<Value>,
    query: Option<String>,
    source: Option<NegotiationMethod>,
    path_parameters: Vec<(String, String)>,
}

async fn call<S>(inner: S, request: Request<Body>) -> Response
where
    S: Inner,
{
    match inner.oneshot(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    }
}

/// The chain for one routed endpoint; a problem is answered in the endpoint's error shape.
async fn serve<S>(
    runtime: &Runtime,
    version: &VersionRuntime,
    endpoint: &EndpointRuntime,
    inner: S,
    request: Incoming,
) -> Result<Response, Problem>
where
    S: Inner,
{
    let Incoming {
        mut parts,
        body,
        parsed,
        query,
        source,
        path_parameters,
    } = request;
    let opt_in = runtime.negotiator.preview_opt_in(&parts.headers);
    let successor = endpoint
        .endpoint
        .lifecycle
        .retired
        .as_ref()
        .and_then(|retirement| retirement.successor.as_deref());
    let location =
        successor.and_then(|successor| runtime.location(&version.info.version, successor));
    let today = chrono::Utc::now().date_naive();
    if let Err(refusal) = gate(
        &version.info,
        &endpoint.endpoint.id,
        &endpoint.endpoint.lifecycle,
        opt_in,
        location,
        today,
    ) {
        return match refusal {
            crate::lifecycle::Refusal::Problem(problem) => Err(problem),
            redirect => Ok(redirect.into_response()),
        };
    }
    let Some(target) = endpoint
        .target
        .as_ref()
        .and_then(|id| runtime.latest_endpoints.get(id))
    else {
        return Err(Problem::gone(format!(
            "`{}` was removed after version `{}`",
            endpoint.endpoint.id, version.info.version
        )));
    };
    let is_latest = version.info.version == runtime.latest;
    let up = endpoint
        .up
        .as_ref()
        .filter(|plan| !plan.is_empty() && !is_latest);

    // The fast path: a client on latest, nothing to validate: the body streams through.
    let mut parameters = params::read(
        &endpoint.endpoint,
        path_parameters,
        query.as_deref(),
        &parts.headers,
    );
    let validate = !is_latest || runtime.options.validate_latest;
    let body = if validate || up.is_some() {
        check_content_length(&parts.headers, runtime.max_body_bytes)?;
        let bytes = read_body(body, runtime.max_body_bytes).await?;
        let value = if bytes.iter().all(u8::is_ascii_whitespace) {
            None
        } else if endpoint.endpoint.request.is_some() || up.is_some_and(|plan| plan.touches_body())
        {
            check_media_type(&parts)?;
            Some(match parsed {
                Some(value) => value,
                None => parse_json(&bytes, runtime.max_json_depth)?,
            })
        } else {
            None
        };
        if validate {
            validate_request(version, endpoint, value.as_ref(), &parameters)?;
        }
        RequestBody::Buffered { bytes, value }
    } else {
        RequestBody::Streaming(body)
    };

    let body = match (up, body) {
        (Some(plan), RequestBody::Buffered { bytes, value }) => {
            let started = Instant::now();
            let mut value = value;
            plan.migrate_request(&mut value, &mut parameters)
                .map_err(|error| Problem::bad_request(error.to_string()))?;
            metrics::record_migration(MigrationDirection::Up, started.elapsed());
            match (plan.touches_body(), value) {
                (true, Some(value)) => {
                    Body::from(serde_json::to_vec(&value).map_err(Problem::internal)?)
                }
                _ => Body::from(bytes),
            }
        }
        (_, RequestBody::Buffered { bytes, .. }) => Body::from(bytes),
        (_, RequestBody::Streaming(body)) => body,
    };

    // The request as latest knows it.
    parts.method = latest_method(&parts.method, &endpoint.endpoint, target);
    let path = format!(
        "{}{}",
        runtime.inner_prefix,
        params::fill_path(&target.path, &parameters.path)
    );
    let query = if up.is_some() {
        params::write_query(&parameters.query)
    } else {
        query
    };
    let uri = match query {
        Some(query) => format!("{path}?{query}"),
        None => path,
    };
    parts.uri = uri
        .parse()
        .map_err(|_| Problem::bad_request("the request path cannot be rewritten"))?;
    if up.is_some() {
        rewrite_headers(&mut parts.headers, &endpoint.endpoint, &parameters);
    }
    if source == Some(NegotiationMethod::MediaType) {
        plain_media_types(&mut parts.headers);
    }
    parts.headers.remove(header::CONTENT_LENGTH);

    let response = match tokio::time::timeout(
        runtime.timeout,
        call(inner, Request::from_parts(parts, body)),
    )
    .await
    {
        Ok(response) => response,
        Err(_) => {
            return Err(Problem::gateway_timeout(format!(
                "no answer within {:?}",
                runtime.timeout
            )));
        }
    };
    respond(runtime, version, endpoint, response, is_latest).await
}

enum RequestBody {
    Buffered { bytes: Bytes, value: Option<Value> },
    Streaming(Body),
}

fn check_media_type(parts: &Parts) -> Result<(), Problem> {
    match parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
    {
        None => Ok(()),
        Some(media_type) if is_json_media_type(media_type) => Ok(()),
        Some(media_type) => Err(Problem::unsupported_media_type(format!(
            "expected a JSON body, got `{media_type}`"
        ))),
    }
}

fn validate_request(
    version: &VersionRuntime,
    endpoint: &EndpointRuntime,
    body: Option<&Value>,
    parameters: &Parameters,
) -> Result<(), Problem> {
    if let Some(validator) = &endpoint.parameters
        && let Err(errors) = validator.validate(&params::as_json(&endpoint.endpoint, parameters))
    {
        metrics::record_validation_failure(
            &version.info.version.to_string(),
            &endpoint.endpoint.id,
            Payload::Request,
        );
        let detail = errors
            .first()
            .map(|error| format!("invalid parameter: {}", error.detail))
            .unwrap_or_default();
        return Err(Problem::invalid(detail, errors));
    }
    if let (Some(validator), Some(body)) = (&endpoint.request, body)
        && let Err(errors) = validator.validate(body)
    {
        metrics::record_validation_failure(
            &version.info.version.to_string(),
            &endpoint.endpoint.id,
            Payload::Request,
        );
        let detail = errors
            .first()
            .map(|error| error.detail.clone())
            .unwrap_or_default();
        return Err(Problem::invalid(detail, errors));
    }
    Ok(())
}

/// The method latest answers for the client's method: the same, or its counterpart by position
/// when `change_method` renamed it.
fn latest_method(method: &Method, old: &Endpoint, latest: &Endpoint) -> Method {
    if latest.methods.iter().any(|m| m == method.as_str()) {
        return method.clone();
    }
    let position = old.methods.iter().position(|m| m == method.as_str());
    position
        .and_then(|index| latest.methods.get(index))
        .and_then(|name| Method::from_bytes(name.as_bytes()).ok())
        .unwrap_or_else(|| method.clone())
}

fn rewrite_headers(headers: &mut http::HeaderMap, endpoint: &Endpoint, parameters: &Parameters) {
    for parameter in endpoint
        .parameters
        .iter()
        .filter(|p| p.location == apivolve_model::ParameterLocation::Header)
    {
        headers.remove(parameter.name.as_str());
    }
    for (name, value) in &parameters.header {
        if let (Ok(name), Ok(value)) = (
            header::HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            headers.insert(name, value);
        }
    }
}

/// `application/vnd.NAME.v1+json` becomes `application/json` for the inner service.
fn plain_media_types(headers: &mut http::HeaderMap) {
    for name in [header::ACCEPT, header::CONTENT_TYPE] {
        let vendor = headers
            .get(&name)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| value.contains("vnd."));
        if vendor {
            headers.insert(name, HeaderValue::from_static("application/json"));
        }
    }
}

/// Migrates the inner service's response down to the client's version and validates it.
async fn respond(
    runtime: &Runtime,
    version: &VersionRuntime,
    endpoint: &EndpointRuntime,
    response: Response,
    is_latest: bool,
) -> Result<Response, Problem> {
    let down = endpoint
        .down
        .as_ref()
        .filter(|plan| !plan.is_empty() && !is_latest);
    let status = response.status().as_u16();
    let validator = endpoint
        .responses
        .get(&status)
        .filter(|_| status < 400 && should_validate(runtime.options.response_validation));
    if down.is_none() && validator.is_none() {
        return Ok(response);
    }
    let (mut parts, body) = response.into_parts();
    let bytes = read_body(body, MAX_RESPONSE_BYTES)
        .await
        .map_err(|problem| Problem::bad_gateway(problem.detail.clone()))?;
    let is_json = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(is_json_media_type);
    // Nothing to validate: the body migrates from its text to its text, no `Value` built.
    if validator.is_none()
        && let Some(plan) = down.and_then(|migration| migration.single())
    {
        let started = Instant::now();
        let body = (is_json && !bytes.is_empty()).then_some(&bytes[..]);
        let migrated = plan
            .migrate_response_bytes(status, body)
            .map_err(|error| match error {
                apivolve_migrate::Error::InvalidJson { .. } => {
                    Problem::bad_gateway(format!("the service answered invalid JSON: {error}"))
                }
                error => Problem::internal(format!("response migration failed: {error}")),
            })?;
        metrics::record_migration(MigrationDirection::Down, started.elapsed());
        set_status(&mut parts, migrated.status);
        let text = set_media_type(&mut parts.headers, migrated.media_type.as_deref());
        let bytes = match migrated.body {
            Some(body) => Bytes::from(body),
            // A body that was not JSON has no text to give a plain-text error shape.
            None if text => Bytes::new(),
            None => bytes,
        };
        parts.headers.remove(header::CONTENT_LENGTH);
        return Ok(Response::from_parts(parts, Body::from(bytes)));
    }
    let value = if is_json && !bytes.is_empty() {
        Some(serde_json::from_slice::<Value>(&bytes).map_err(|error| {
            Problem::bad_gateway(format!("the service answered invalid JSON: {error}"))
        })?)
    } else {
        None
    };
    let (status, value, bytes) = match down {
        Some(plan) => {
            let started = Instant::now();
            let migrated = plan.migrate_response(status, value).map_err(|error| {
                Problem::internal(format!("response migration failed: {error}"))
            })?;
            metrics::record_migration(MigrationDirection::Down, started.elapsed());
            set_status(&mut parts, migrated.status);
            let bytes = encode(
                &mut parts.headers,
                migrated.media_type.as_deref(),
                migrated.body.as_ref(),
                bytes,
            )?;
            (migrated.status, migrated.body, bytes)
        }
        None => (status, value, bytes),
    };
    if let (Some(validator), Some(value)) = (
        endpoint
            .responses
            .get(&status)
            .filter(|_| validator.is_some()),
        &value,
    ) && let Err(errors) = validator.validate(value)
    {
        metrics::record_validation_failure(
            &version.info.version.to_string(),
            &endpoint.endpoint.id,
            Payload::Response,
        );
        let summary: Vec<String> = errors
            .iter()
            .map(|error| format!("{}: {}", error.pointer, error.detail))
            .collect();
        tracing::error!(endpoint = %endpoint.endpoint.id, version = %version.info.version, errors = ?summary, "response does not match its version's schema");
        if runtime.options.response_validation == ResponseValidation::Strict {
            return Err(Problem::internal(format!(
                "response of `{}` violates version `{}`: {}",
                endpoint.endpoint.id,
                version.info.version,
                summary.join("; ")
            )));
        }
    }
    parts.headers.remove(header::CONTENT_LENGTH);
    Ok(Response::from_parts(parts, Body::from(bytes)))
}

/// The body bytes of a migrated response, setting the media type when the error shape changed it.
fn encode(
    headers: &mut http::HeaderMap,
    media_type: Option<&str>,
    body: Option<&Value>,
    original: Bytes,
) -> Result<Bytes, Problem> {
    if set_media_type(headers, media_type) {
        let text = body.and_then(Value::as_str).unwrap_or_default();
        return Ok(Bytes::from(text.to_owned()));
    }
    match body {
        Some(value) => {
            // About the size of what came in: one allocation instead of a dozen doublings.
            let mut bytes = Vec::with_capacity(original.len() + original.len() / 8 + 64);
            serde_json::to_writer(&mut bytes, value).map_err(Problem::internal)?;
            Ok(Bytes::from(bytes))
        }
        None => Ok(original),
    }
}

/// The status a migration gave a response.
fn set_status(parts: &mut http::response::Parts, status: u16) {
    if let Ok(code) = StatusCode::from_u16(status) {
        parts.status = code;
    }
}

/// Sets the media type an error shape gave a migrated response; whether it is a text type (the
/// body is then the text itself, not JSON).
fn set_media_type(headers: &mut http::HeaderMap, media_type: Option<&str>) -> bool {
    let Some(media_type) = media_type else {
        return false;
    };
    if let Ok(value) = HeaderValue::from_str(media_type) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    media_type.starts_with("text/")
}

fn should_validate(mode: ResponseValidation) -> bool {
    match mode {
        ResponseValidation::Strict => true,
        ResponseValidation::Off => false,
        ResponseValidation::Sampled(rate) => rand::random::<f64>() < rate,
    }
}

/// A problem raised by the layer for a routed endpoint, in that endpoint's error shape at the
/// client's version (plain text for an API whose old versions answered plain text).
fn problem_response(
    version: &VersionRuntime,
    endpoint: &EndpointRuntime,
    problem: Problem,
) -> Response {
    let down = endpoint.down.as_ref().filter(|plan| !plan.is_empty());
    let Some(plan) = down else {
        return in_error_shape(&endpoint.endpoint, problem);
    };
    let status = problem.status.as_u16();
    let extra_headers = problem.headers.clone();
    match plan.migrate_response(status, Some(problem.to_json())) {
        Ok(migrated) => {
            let mut headers = http::HeaderMap::new();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(PROBLEM_MEDIA_TYPE),
            );
            let bytes = match encode(
                &mut headers,
                migrated.media_type.as_deref(),
                migrated.body.as_ref(),
                Bytes::new(),
            ) {
                Ok(bytes) => bytes,
                Err(problem) => return problem.into_response(),
            };
            let code = StatusCode::from_u16(migrated.status).unwrap_or(problem.status);
            let mut response = (code, bytes).into_response();
            response.headers_mut().extend(headers);
            response.headers_mut().extend(extra_headers);
            if problem.status.is_server_error()
                && let Some(cause) = &problem.internal
            {
                tracing::error!(version = %version.info.version, cause = %cause, "request failed");
            }
            response
        }
        Err(_) => problem.into_response(),
    }
}

/// A problem in the endpoint's own error shape at its version, when no plan leads there (an
/// endpoint that no longer exists at latest): plain text gets the detail alone.
fn in_error_shape(endpoint: &Endpoint, problem: Problem) -> Response {
    let text = endpoint
        .error
        .as_ref()
        .filter(|shape| shape.media_type.starts_with("text/"));
    match text {
        Some(shape) => {
            let mut response = (problem.status, problem.detail.clone()).into_response();
            if let Ok(value) = HeaderValue::from_str(&shape.media_type) {
                response.headers_mut().insert(header::CONTENT_TYPE, value);
            }
            response.headers_mut().extend(problem.headers.clone());
            response
        }
        None => problem.into_response(),
    }
}

/// Adds the lifecycle headers and `Vary`.
fn finish(
    runtime: &Runtime,
    version: &VersionRuntime,
    endpoint: Option<&Endpoint>,
    mut response: Response,
) -> Response {
    runtime.headers.apply(
        response.headers_mut(),
        &version.info,
        endpoint.map(|endpoint| &endpoint.lifecycle),
    );
    add_vary(runtime, &mut response);
    response
}

fn add_vary(runtime: &Runtime, response: &mut Response) {
    let vary = runtime.negotiator.vary_header();
    // Once: an inner service behind its own layer (a gateway's upstream) may have set it already.
    let present = response
        .headers()
        .get_all(header::VARY)
        .iter()
        .any(|v| v == vary);
    if !vary.is_empty() && !present {
        response.headers_mut().append(header::VARY, vary);
    }
}
