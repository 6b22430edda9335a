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
    /// Print the migration plans of an endpoint between two versions.
    Explain(ExplainArgs),
    /// Migrate a stored JSON document between two versions.
    Migrate(MigrateArgs),
    /// Serve every supported version in front of an upstream that implements latest only.
    Serve(crate::commands::serve::ServeArgs),
    /// Report who calls which version and endpoint, from the counts in the server's store.
    Usage(UsageArgs),
    /// Print the hash a client goes by in usage reports and `[clients.pins]`.
    ClientHash(ClientHashArgs),
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum UsageFormat {
    /// Tables for people.
    Text,
    /// For programs.
    Json,
}

#[derive(Debug, Args)]
pub(crate) struct UsageArgs {
    /// The store the server writes its counts to (default: `[server] store` of apivolve.toml),
    /// opened read-only: a SQLite file can be read while its server runs.
    #[arg(long, value_name = "URL")]
    pub(crate) store: Option<String>,
    /// From this day on (UTC, `2026-11-01`).
    #[arg(long, value_name = "DATE")]
    pub(crate) since: Option<chrono::NaiveDate>,
    /// Up to this day (UTC, included).
    #[arg(long, value_name = "DATE")]
    pub(crate) until: Option<chrono::NaiveDate>,
    /// Also list the calls of this version by endpoint.
    #[arg(long)]
    pub(crate) version: Option<semver::Version>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub(crate) format: UsageFormat,
    #[command(flatten)]
    pub(crate) project: ProjectArg,
}

#[derive(Debug, Args)]
pub(crate) struct ClientHashArgs {
    /// The value of the client header (`[clients] header`), as the client sends it.
    pub(crate) value: String,
    #[command(flatten)]
    pub(crate) project: ProjectArg,
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ExplainDirection {
    /// Requests, from the older version up.
    Request,
    /// Responses, from the newer version down.
    Response,
    /// Both.
    Both,
}

#[derive(Debug, Args)]
pub(crate) struct ExplainArgs {
    /// The endpoint id (`getNext`).
    pub(crate) endpoint: String,
    /// The client's (older) version.
    #[arg(long)]
    pub(crate) from: semver::Version,
    /// The newer version (default: latest).
    #[arg(long)]
    pub(crate) to: Option<semver::Version>,
    /// Which plans.
    #[arg(long, value_enum, default_value = "both")]
    pub(crate) direction: ExplainDirection,
    #[command(flatten)]
    pub(crate) project: ProjectArg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum MigrateDirection {
    /// A request body: up, from an older version to a newer one.
    Request,
    /// A response body: down, from a newer version to an older one.
    Response,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("subject").required(true).args(["type_name", "endpoint"])))]
pub(crate) struct MigrateArgs {
    /// The version the document is in.
    #[arg(long)]
    pub(crate) from: semver::Version,
    /// The version wanted.
    #[arg(long)]
    pub(crate) to: semver::Version,
    /// The document is a value of this type (its name at `--from`); migrates up or down.
    #[arg(long = "type", value_name = "TYPE")]
    pub(crate) type_name: Option<String>,
    /// The document is a request or response body of this endpoint.
    #[arg(long, requires = "direction")]
    pub(crate) endpoint: Option<String>,
    /// With `--endpoint`: a request migrates up, a response down.
    #[arg(long, value_enum, requires = "endpoint")]
    pub(crate) direction: Option<MigrateDirection>,
    /// With `--endpoint --direction response`: the response's status.
    #[arg(long, default_value_t = 200, requires = "endpoint")]
    pub(crate) status: u16,
    /// The JSON document (`-` for standard input).
    pub(crate) file: PathBuf,
    #[command(flatten)]
    pub(crate) project: ProjectArg,
}
