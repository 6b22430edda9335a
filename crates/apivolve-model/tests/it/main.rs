#![allow(clippy::unwrap_used)]
//! The integration tests of `apivolve-model`, one module per area.

mod export;
mod apply;
