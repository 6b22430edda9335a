//! The axum application: v2 handlers in a unit of work, behind the versioning layer.

use std::path::{Path, PathBuf};

use apivolve_server::{
    Attempt, Problem, ResponseValidation, Runtime, UnitOfWorkLayer, Uow, VersioningLayer,
    VersioningOptions, VersioningService,
};
use apivolve_store::{RetryPolicy, SharedStore};
use axum::Router;
use axum::response::{IntoResponse, Json, Response};
use axum::routing::get;
use bytes::Bytes;
use http::Method;
use serde_json::Value;
use tower::Layer;

use crate::error::ObjidError;
use crate::operations;

/// The folder of objid's API project (`examples/objid/api`).
pub fn api_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("api")
}

/// Options of the application.
#[derive(Clone, Debug)]
pub struct AppOptions {
    /// The API project folder.
    pub api: PathBuf,
    /// How responses are checked against the client's version.
    pub response_validation: ResponseValidation,
    /// How often a conflicting unit of work runs again before answering 409.
    pub retry: RetryPolicy,
}

impl Default for AppOptions {
    fn default() -> Self {
        Self {
            api: api_dir(),
            response_validation: ResponseValidation::Off,
            retry: RetryPolicy::default(),
        }
    }
}

/// The service: v2 handlers on `store`, serving v1 and v2 through the evolution chain.
///
/// # Errors
///
/// When the API project does not load or compile.
pub fn app(store: SharedStore, options: AppOptions) -> anyhow::Result<VersioningService<Router>> {
    let versioning = VersioningOptions {
        response_validation: options.response_validation,
        registry: crate::equivalents::registry(),
        ..VersioningOptions::default()
    };
    let runtime = Runtime::load(&options.api, versioning)?;
    let router = v2_router().layer(UnitOfWorkLayer::new(store.clone(), options.retry));
    Ok(VersioningLayer::new(runtime)
        .with_store(store)
        .layer(router))
}

/// The v2 implementation, at `/api/v2`.
pub fn v2_router() -> Router {
    Router::new()
        .route("/api/v2/getNext", get(get_next).post(get_next))
        .route(
            "/api/v2/authorizeApp",
            get(authorize_app).post(authorize_app).delete(authorize_app),
        )
        .route(
            "/api/v2/syncIds",
            axum::routing::post(sync_ids).patch(sync_ids),
        )
        .route(
            "/api/v2/autoSyncIds",
            axum::routing::post(auto_sync_ids).patch(auto_sync_ids),
        )
        .route("/api/v2/getConsumption", get(get_consumption))
        .route(
            "/api/v2/storeAssignment",
            axum::routing::post(store_assignment).delete(store_assignment),
        )
        .route("/api/v2/checkApp", get(check_app))
}

/// Request bodies are JSON, also on GET; an empty body is an empty object.
fn body(bytes: &Bytes) -> Result<Value, ObjidError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Object(serde_json::Map::new()));
    }
    serde_json::from_slice(bytes)
        .map_err(|error| ObjidError::BadRequest(format!("the body is not JSON: {error}")))
}

fn answer(result: Result<Value, ObjidError>) -> Response {
    match result {
        Ok(value) => Json(value).into_response(),
        Err(error) => {
            let problem = Problem::new(error.status(), error.detail());
            match error {
                ObjidError::Store(cause) => problem.with_internal(cause).into_response(),
                _ => problem.into_response(),
            }
        }
    }
}

async fn get_next(
    method: Method,
    Uow(unit): Uow,
    Attempt(attempt): Attempt,
    bytes: Bytes,
) -> Response {
    let commit = method == Method::POST;
    answer(async { operations::get_next(&unit, &body(&bytes)?, commit, attempt).await }.await)
}

async fn authorize_app(method: Method, Uow(unit): Uow, bytes: Bytes) -> Response {
    answer(
        async {
            let request = body(&bytes)?;
            match method {
                Method::POST => operations::authorize(&unit, &request, new_key()).await,
                Method::DELETE => operations::deauthorize(&unit, &request).await,
                _ => operations::authorization(&unit, &request).await,
            }
        }
        .await,
    )
}

async fn sync_ids(method: Method, Uow(unit): Uow, bytes: Bytes) -> Response {
    let merge = method == Method::PATCH;
    answer(async { operations::sync_ids(&unit, &body(&bytes)?, merge).await }.await)
}

async fn auto_sync_ids(method: Method, Uow(unit): Uow, bytes: Bytes) -> Response {
    let merge = method == Method::PATCH;
    answer(async { operations::auto_sync_ids(&unit, &body(&bytes)?, merge).await }.await)
}

async fn get_consumption(Uow(unit): Uow, bytes: Bytes) -> Response {
    answer(async { operations::get_consumption(&unit, &body(&bytes)?).await }.await)
}

async fn store_assignment(method: Method, Uow(unit): Uow, bytes: Bytes) -> Response {
    let add = method == Method::POST;
    answer(async { operations::store_assignment(&unit, &body(&bytes)?, add).await }.await)
}

async fn check_app(Uow(unit): Uow, bytes: Bytes) -> Response {
    answer(async { operations::check_app(&unit, &body(&bytes)?).await }.await)
}

/// A new authorization key: 32 random hex digits.
fn new_key() -> String {
    let bytes: [u8; 16] = rand::random();
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}
