//! Integration tests of apivolve-migrate, on the demo API of `tests/fixtures/demo`.
#![allow(clippy::unwrap_used)]

mod demo;
mod edges;
mod fixture;
mod fused;
mod generate;
mod mini;
mod payloads;
mod plans;
mod regressions;
mod round_trip;
mod stream;
mod transforms;
