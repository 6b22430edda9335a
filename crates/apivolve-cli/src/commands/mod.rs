//! One module per subcommand; each returns the process exit code.

use std::process::ExitCode;

use anyhow::Context as _;
use apivolve_migrate::{Migrator, Registry};
use apivolve_model::{Change, CheckOptions, CheckReport, Diagnostic, Project, changes_of};

use crate::cli::{Cli, Command};

/// `print!` to standard output, returning the error (a closed pipe) instead of panicking.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        write!(std::io::stdout().lock(), $($arg)*)?;
    }};
}

/// `println!` to standard output, returning the error (a closed pipe) instead of panicking.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout().lock(), $($arg)*)?;
    }};
}

mod changelog;
mod check;
mod explain;
mod export;
mod migrate;
mod new;
mod release;
mod schema;
pub(crate) mod serve;
mod usage;

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
        Command::Explain(args) => explain::run(args),
        Command::Migrate(args) => migrate::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Usage(args) => usage::run(args),
        Command::ClientHash(args) => usage::run_client_hash(args),
    }
}

/// Loads a project; misuse (no such folder, not a project) is an error, content problems are diagnostics.
pub(crate) fn load(path: &std::path::Path) -> anyhow::Result<(Project, Vec<Diagnostic>)> {
    Project::load(path)
        .with_context(|| format!("cannot load the API project at `{}`", path.display()))
}

/// Loads and checks a project; misuse is an error, content problems are in the report.
pub(crate) fn load_and_check(
    path: &std::path::Path,
    options: &CheckOptions,
) -> anyhow::Result<(Project, CheckReport)> {
    apivolve_model::load_and_check(path, options)
        .with_context(|| format!("cannot load the API project at `{}`", path.display()))
}

/// Prints diagnostics to stderr with source snippets; returns true when any is an error.
pub(crate) fn report_diagnostics(project: &Project, diagnostics: &[Diagnostic]) -> bool {
    for diagnostic in diagnostics {
        eprint!("{}", crate::render::diagnostic(&project.root, diagnostic));
    }
    diagnostics.iter().any(Diagnostic::is_error)
}

/// Loads and checks a project for a command that needs it sound; `Err` is the exit code after
/// the errors were reported.
pub(crate) fn load_checked(
    path: &std::path::Path,
    command: &str,
) -> anyhow::Result<Result<(Project, CheckReport), ExitCode>> {
    let (project, report) = load_and_check(path, &CheckOptions::default())?;
    if !report.is_clean() {
        report_diagnostics(&project, &report.diagnostics);
        eprintln!("{command} refused: fix the errors above first");
        return Ok(Err(ExitCode::from(EXIT_PROBLEM)));
    }
    Ok(Ok((project, report)))
}

/// Compiles the plans of the served chain. Functions an application registers in library mode
/// (`up_fn`, `down_fn`) are stand-ins here: they show in plans and fail when run.
pub(crate) fn migrator(project: &Project, report: &CheckReport) -> anyhow::Result<Migrator> {
    let mut registry = Registry::new();
    let released = project
        .versions
        .iter()
        .flat_map(|dir| changes_of(&dir.evolutions));
    for (_, _, change) in released {
        let Change::Custom(custom) = change else {
            continue;
        };
        for name in custom.up_fn.iter().chain(custom.down_fn.iter()) {
            let message = format!(
                "`{name}` is a Rust function of the application: the command line cannot run it"
            );
            registry = registry.with(name.clone(), move |_| Err(message.clone()));
        }
    }
    Migrator::compile(project, &report.history, &registry)
        .context("cannot compile the migration plans")
}
