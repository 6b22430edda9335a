//! The command line, as clap sees it.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Evolve an HTTP API without breaking old clients.
#[derive(Debug, Parser)]
#[command(name = "apivolve", version, about, max_term_width = 100)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Load the project, verify hashes, apply every change, check servability and lint.
    Check(CheckArgs),
    /// Freeze the pending evolutions into a new version.
    Release(ReleaseArgs),
    /// Scaffold a pending evolution with an example of each kind of change.
    New(NewArgs),
    /// Print the OpenAPI document or JSON Schemas of a version.
    Export(ExportArgs),
    /// Print a changelog per version.
    Changelog(ChangelogArgs),
    /// Print the JSON Schema of a file format, for editors.
    Schema(SchemaArgs),
    /// Serve every supported version in front of an upstream that implements latest only.
    Serve(crate::commands::serve::ServeArgs),
}

#[derive(Debug, Args)]
pub(crate) struct ProjectArg {
    /// The API project folder.
    #[arg(default_value = ".")]
    pub(crate) project: PathBuf,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum CheckFormat {
    /// For people.
    Text,
    /// For programs.
    Json,
    /// GitHub Actions annotations.
    Github,
}

#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub(crate) format: CheckFormat,
    /// Judge the pending evolutions against this version instead of latest.
    #[arg(long)]
    pub(crate) parent: Option<semver::Version>,
    #[command(flatten)]
    pub(crate) project: ProjectArg,
}

#[derive(Debug, Args)]
pub(crate) struct ReleaseArgs {
    /// Show what would happen; change nothing.
    #[arg(long)]
    pub(crate) dry_run: bool,
    /// Release on this version instead of latest (a branch of the lineage).
    #[arg(long)]
    pub(crate) parent: Option<semver::Version>,
    /// The release date (default: today).
    #[arg(long)]
    pub(crate) date: Option<chrono::NaiveDate>,
    #[command(flatten)]
    pub(crate) project: ProjectArg,
}

#[derive(Debug, Args)]
pub(crate) struct NewArgs {
    /// The evolution's name (`rename-user-name`): the file is `NAME.yaml`.
    pub(crate) name: String,
    #[command(flatten)]
    pub(crate) project: ProjectArg,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum ExportKind {
    /// An OpenAPI 3.1 document.
    Openapi,
    /// A JSON Schema 2020-12 document with every type in `$defs`.
    Jsonschema,
}

#[derive(Debug, Args)]
pub(crate) struct ExportArgs {
    /// What to export.
    #[arg(value_enum)]
    pub(crate) kind: ExportKind,
    /// The version (`1.0.0`, or `pending` for the pending set).
    #[arg(long)]
    pub(crate) version: String,
    /// Include preview endpoints.
    #[arg(long)]
    pub(crate) include_preview: bool,
    #[command(flatten)]
    pub(crate) project: ProjectArg,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum ChangelogFormat {
    /// Markdown.
    Markdown,
    /// JSON.
    Json,
}

#[derive(Debug, Args)]
pub(crate) struct ChangelogArgs {
    /// From this version (exclusive; default: the first).
    #[arg(long)]
    pub(crate) from: Option<semver::Version>,
    /// To this version (inclusive; default: latest).
    #[arg(long)]
    pub(crate) to: Option<semver::Version>,
    /// Output format.
    #[arg(long, value_enum, default_value = "markdown")]
    pub(crate) format: ChangelogFormat,
    #[command(flatten)]
    pub(crate) project: ProjectArg,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum SchemaKind {
    /// Evolution files (`*.yaml`).
    Evolution,
    /// `apivolve.toml`.
    Config,
}

#[derive(Debug, Args)]
pub(crate) struct SchemaArgs {
    /// Which format.
    #[arg(value_enum)]
    pub(crate) kind: SchemaKind,
}
