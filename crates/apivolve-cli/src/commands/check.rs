//! `apivolve check`.

use std::process::ExitCode;

use apivolve_model::CheckOptions;

use super::{EXIT_PROBLEM, load_and_check, report_diagnostics};
use crate::cli::{CheckArgs, CheckFormat};
use crate::render;

pub(super) fn run(args: CheckArgs) -> anyhow::Result<ExitCode> {
    let (project, report) = load_and_check(
        &args.project.project,
        &CheckOptions {
            pending_parent: args.parent,
        },
    )?;
    match args.format {
        CheckFormat::Text => {
            out!("{}", render::summary(&project.config.name, &report));
            report_diagnostics(&project, &report.diagnostics);
            let errors = report.diagnostics.iter().filter(|d| d.is_error()).count();
            let warnings = report.diagnostics.len() - errors;
            if errors + warnings > 0 {
                outln!("{errors} error(s), {warnings} warning(s)");
            } else {
                outln!("ok");
            }
        }
        CheckFormat::Json => outln!("{}", serde_json::to_string_pretty(&report)?),
        CheckFormat::Github => {
            for diagnostic in &report.diagnostics {
                outln!("{}", render::github(diagnostic));
            }
            if let Some(pending) = &report.pending {
                for finding in pending.findings.iter().filter(|f| f.suppressed.is_none()) {
                    let level = match finding.finding.level {
                        apivolve_model::Level::Breaking => "warning",
                        _ => "notice",
                    };
                    let title = finding.finding.rule.id();
                    outln!(
                        "::{level} title={title}::{}",
                        render::escape_data(&finding.finding.message)
                    );
                }
            }
            outln!("{}", render::github_summary(&project.config.name, &report));
        }
    }
    Ok(if report.is_clean() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_PROBLEM)
    })
}
