//! objid: object numbers for app developers. The implementation speaks v2 only; v1 clients are
//! served entirely by apivolve's evolution chain from v1.0.0 to v2.0.0 (`api/`).
//!
//! Run with `cargo run --release -p objid` (serves 127.0.0.1:8080 on `sqlite://objid.db`).
//!
//! [`operations`] holds the v2 operations over a unit of work (one document per app,
//! `app/{appId}`), [`app`] the axum router behind the unit-of-work and versioning layers, and
//! [`equivalents`] Rust equivalents of the chain's hot jq steps.

pub mod app;
pub mod equivalents;
pub mod error;
pub mod objects;
pub mod operations;

pub use app::{AppOptions, api_dir, app, v2_router};
pub use error::ObjidError;
