#![allow(clippy::unwrap_used)]
//! Integration tests of apivolve-server: the gateway against a real upstream, the docs routes,
//! and bulk requests against a demo app.

mod bulk;
mod bulk_conflicts;
mod bulk_conformance;
mod bulk_gateway;
mod bulk_idempotency;
mod bulk_jobs;
mod docs;
mod gateway;
