//! Integration tests of apivolve-migrate, on the demo API of `tests/fixtures/demo`.
#![allow(clippy::unwrap_used)]

mod demo;
mod fixture;
mod payloads;
mod plans;
mod regressions;
