//! `apivolve changelog`.

use std::process::ExitCode;

use apivolve_model::{CheckOptions, changelog, changelog_markdown};

use super::{EXIT_PROBLEM, load_and_check, report_diagnostics};
use crate::cli::{ChangelogArgs, ChangelogFormat};

pub(super) fn run(args: ChangelogArgs) -> anyhow::Result<ExitCode> {
    let (project, report) = load_and_check(&args.project.project, &CheckOptions::default())?;
    if report.diagnostics.iter().any(|d| d.is_error()) {
        report_diagnostics(&project, &report.diagnostics);
        return Ok(ExitCode::from(EXIT_PROBLEM));
    }
    let entries = changelog(
        &project,
        &report.history,
        args.from.as_ref(),
        args.to.as_ref(),
    );
    match args.format {
        ChangelogFormat::Markdown => {
            let title = project
                .config
                .title
                .clone()
                .unwrap_or_else(|| project.config.name.clone());
            out!("{}", changelog_markdown(&title, &entries));
        }
        ChangelogFormat::Json => outln!("{}", serde_json::to_string_pretty(&entries)?),
    }
    Ok(ExitCode::SUCCESS)
}
