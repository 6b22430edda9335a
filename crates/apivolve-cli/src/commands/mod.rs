//! One module per subcommand; each returns the process exit code.

use std::process::ExitCode;

use anyhow::Context as _;
use apivolve_model::{Diagnostic, Project};

use crate::cli::{Cli, Command};

mod changelog;
mod check;
mod export;
mod new;
mod release;
mod schema;
pub(crate) mod serve;

/// The project has a problem.
pub(crate) const EXIT_PROBLEM: u8 = 1;

pub(crate) fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Check(args) => check::run(args),
        Command::Release(args) => release::run(args),
        Command::New(args) => new::run(args),
        Command::Export(args) => export::run(args),
        Command::Changelog(args) => changelog::run(args),
        Command::Schema(args) => schema::run(args),
        Command::Serve(args) => serve::run(args),
    }
}

/// Loads a project; misuse (no such folder, not a project) is an error, content problems are diagnostics.
pub(crate) fn load(path: &std::path::Path) -> anyhow::Result<(Project, Vec<Diagnostic>)> {
    Project::load(path)
        .with_context(|| format!("cannot load the API project at `{}`", path.display()))
}

/// Prints diagnostics to stderr with source snippets; returns true when any is an error.
pub(crate) fn report_diagnostics(project: &Project, diagnostics: &[Diagnostic]) -> bool {
    for diagnostic in diagnostics {
        eprint!("{}", crate::render::diagnostic(&project.root, diagnostic));
    }
    diagnostics.iter().any(Diagnostic::is_error)
}
