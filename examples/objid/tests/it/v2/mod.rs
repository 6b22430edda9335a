//! The v2 suite: what the implementation speaks, with problem details. Tables per endpoint, then
//! the costs of a call and commits under contention.

mod authorize_app;
mod bulk;
mod check_app;
mod contention;
mod costs;
mod get_next;
mod store_assignment;
mod sync;
