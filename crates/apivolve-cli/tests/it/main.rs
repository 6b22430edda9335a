//! Integration tests of the `apivolve` binary: each runs the real command on a copy of a fixture
//! project in a temporary folder and snapshots what it prints.
#![allow(clippy::unwrap_used)]

mod acceptance;
mod check;
mod commands;
mod examples;
mod explain;
mod git;
mod migrate;
mod support;
mod usage;
