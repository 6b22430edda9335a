#![allow(clippy::unwrap_used)]
//! The integration tests of `apivolve-model`, one module per area.

mod apply;
mod check;
mod config_lints;
mod export;
mod findings;
