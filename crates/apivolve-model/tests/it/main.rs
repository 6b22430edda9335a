#![allow(clippy::unwrap_used)]
//! Integration tests of `apivolve-model`: one binary, one module per area.

mod apply;
