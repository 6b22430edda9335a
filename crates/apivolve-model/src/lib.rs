//! Evolution files in; versions, schemas, findings, hashes and exports out.
//!
//! An API project is a folder with `apivolve.toml`, released version folders (`v1.0.0/` with a
//! `release.toml`) and pending evolution files at the top level. [`Project::load`] reads it,
//! collecting [`Diagnostic`]s with file, line and column. Each evolution is a list of
//! [`Change`]s; folding them in order gives the [`Snapshot`] (types and endpoints) at every
//! version.

mod apply;
mod change;
mod changelog;
mod check;
mod clients;
mod config;
mod diagnostic;
mod error;
pub mod export;
mod findings;
mod format_schema;
mod hash;
mod history;
mod jq;
mod project;
mod release;
mod semver_bump;
mod servability;
mod snapshot;
mod yaml;

pub use apply::{ApplyError, apply};
pub use change::*;
pub use changelog::{VersionChangelog, changelog, changelog_markdown};
pub use check::{
    CheckOptions, CheckReport, PendingSummary, VersionSummary, check, load_and_check,
    supported_versions,
};
pub use clients::{client_hash, is_client_hash};
pub use config::*;
pub use diagnostic::{Diagnostic, Severity};
pub use error::{Error, Result};
pub use findings::{
    Bump, Direction, Finding, Level, Location, Rule, declared_findings, diff, snapshot_from_yaml,
};
pub use format_schema::{config_file_schema, evolution_file_schema};
pub use hash::{file_hash, file_hashes, version_hash};
pub use history::{FoldOptions, History, Pending, fold, fold_evolutions};
pub use jq::{JqError, JqProgram, compile as compile_jq, expressions as jq_expressions};
pub use project::{
    CONFIG_FILE, Evolution, Project, RELEASE_FILE, Release, Source, VersionDir, changes_of,
    parse_evolution,
};
pub use release::{
    PlanError, ReleaseOptions, ReleasePlan, execute_release, plan_release, release_toml,
};
pub use semver_bump::{JudgedFinding, bump_between, bump_of, judge, judged_findings, next_version};
pub use servability::{
    MissingMigration, Side, may_miss_migrations, missing_migrations, reachable_types,
};
pub use snapshot::*;
pub use yaml::{Position, SourceMap};
