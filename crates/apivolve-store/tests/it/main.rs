//! Integration tests of `apivolve-store`: one binary, one module per concern.
#![allow(clippy::unwrap_used)]

mod concurrency;
mod conformance;
mod crash;
mod faults;
mod fork;
mod open;
mod savepoint;
mod unit_of_work;
