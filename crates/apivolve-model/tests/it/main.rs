#![allow(clippy::unwrap_used)]
//! The integration tests of `apivolve-model`: one binary, one module per area.

mod findings;
