//! Exports of the schema at a version: an OpenAPI 3.1 document and JSON Schema 2020-12.
//!
//! Named types are written `{"$ref": "#/types/Name"}` in a [`Snapshot`](crate::Snapshot); each
//! export moves them to where its format keeps them (`#/components/schemas/Name` in OpenAPI,
//! `#/$defs/Name` in JSON Schema) and rewrites every ref, in types, bodies and parameters
//! alike. Schemas otherwise pass through unchanged (JSON Schema 2020-12 is OpenAPI 3.1's
//! dialect), except that OpenAPI 3.0's `nullable: true` becomes `type: [T, "null"]`.
//!
//! - [`openapi`]: the OpenAPI document clients of one version read.
//! - [`json_schema`]: every named type of a version in one JSON Schema document.
//! - [`type_schema`] and [`body_schema`]: one self-contained schema, for validation.

mod json_schema;
mod openapi;
mod operation;
mod problem;
mod refs;
mod walk;

pub use json_schema::{JSON_SCHEMA_DIALECT, body_schema, json_schema, type_schema};
pub use openapi::{OPENAPI_VERSION, OpenApiOptions, openapi};
