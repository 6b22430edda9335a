#![allow(clippy::unwrap_used)]
//! Integration tests of apivolve-server: the gateway against a real upstream, and the docs routes.

mod docs;
mod gateway;
