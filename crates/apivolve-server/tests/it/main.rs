#![allow(clippy::unwrap_used)]
//! Integration tests of apivolve-server: the gateway against a real upstream, the docs routes,
//! the versioning layer on a fixture API, and gateway mode in front of objid.

mod docs;
mod gateway;
mod gateway_serve;
mod versioning;
mod versioning_bad_input;
mod versioning_fast_path;
mod versioning_lifecycle;
mod versioning_negotiation;
mod versioning_plans;
