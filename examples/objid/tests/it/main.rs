//! objid over HTTP: the v1 conformance suite and the v2 suite, on every store backend.

#![allow(clippy::unwrap_used)]

mod cases;
mod harness;
mod v1;
mod v2;
