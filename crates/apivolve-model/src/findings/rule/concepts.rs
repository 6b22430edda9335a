//! The shared half of each rule's documentation: what it detects, an example and how to migrate.
//!
//! Request and response rules about the same keyword share one [`Concept`]; only the "why"
//! differs between the two directions and lives in the catalogue.

mod route;
mod schema;

pub(super) use route::*;
pub(super) use schema::*;

/// The direction-independent part of a rule's documentation (Markdown).
pub(crate) struct Concept {
    /// `## What it does`.
    pub what: &'static str,
    /// `## Example`: usually a before/after pair of YAML.
    pub example: &'static str,
    /// `## Migration`.
    pub migration: &'static str,
}
