//! The v1 conformance suite: the 40 cases of the objid specification, one table per endpoint,
//! served through the evolution chain from v1.0.0 to v2.0.0. v1 errors are plain text.

mod authorize_app;
mod auto_sync_ids;
mod get_consumption;
mod get_log;
mod get_next;
mod sync_ids;
