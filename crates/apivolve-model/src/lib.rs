//! Evolution files in; versions, schemas, findings, hashes and exports out.
//!
//! An API project is a folder with `apivolve.toml`, released version folders (`v1.0.0/` with a
//! `release.toml`) and pending evolution files at the top level. [`Project::load`] reads it,
//! collecting [`Diagnostic`]s with file, line and column. Each evolution is a list of
//! [`Change`]s; folding them in order gives the [`Snapshot`] (types and endpoints) at every
//! version.

mod apply;
mod change;
mod config;
mod diagnostic;
mod error;
mod hash;
mod history;
pub mod export;
mod format_schema;
mod jq;
mod findings;
mod project;
mod servability;
mod snapshot;
mod yaml;

pub use apply::{ApplyError, apply};
pub use change::*;
pub use config::*;
pub use diagnostic::{Diagnostic, Severity};
pub use error::{Error, Result};
pub use hash::{file_hash, file_hashes, version_hash};
pub use history::{FoldOptions, History, Pending, fold, fold_evolutions};
pub use format_schema::{config_file_schema, evolution_file_schema};
pub use jq::{JqError, JqProgram, compile as compile_jq, expressions as jq_expressions};
pub use findings::{Bump, Direction, Finding, Level, Location, Rule, diff, snapshot_from_yaml};
pub use project::{
    CONFIG_FILE, Evolution, Project, RELEASE_FILE, Release, Source, VersionDir, changes_of,
    parse_evolution,
};
pub use servability::{MissingMigration, Side, missing_migrations, reachable_types};
pub use snapshot::*;
pub use yaml::{Position, SourceMap};
