#![allow(clippy::unwrap_used)]
//! Integration tests of apivolve-server: the gateway against a real upstream, the docs routes,
//! bulk requests against a demo app, the versioning layer on a fixture API, and gateway mode
//! in front of objid.

mod bulk;
mod bulk_ahead;
mod bulk_conflicts;
mod bulk_conformance;
mod bulk_gateway;
mod bulk_idempotency;
mod bulk_jobs;
mod docs;
mod gateway;
mod gateway_serve;
mod versioning;
mod versioning_bad_input;
mod versioning_fast_path;
mod versioning_lifecycle;
mod versioning_negotiation;
mod versioning_plans;
mod versioning_usage;
