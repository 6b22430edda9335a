//! `apivolve release`.

use std::process::ExitCode;

use apivolve_model::{PlanError, ReleaseOptions, execute_release, plan_release, release_toml};

use super::{EXIT_PROBLEM, load, report_diagnostics};
use crate::cli::ReleaseArgs;
use crate::render;

pub(super) fn run(args: ReleaseArgs) -> anyhow::Result<ExitCode> {
    let (project, diagnostics) = load(&args.project.project)?;
    let date = args
        .date
        .unwrap_or_else(|| chrono::Local::now().date_naive());
    let options = ReleaseOptions {
        parent: args.parent,
        date,
    };
    let plan = match plan_release(&project, diagnostics, &options) {
        Ok(plan) => plan,
        Err(PlanError::Invalid(report)) => {
            report_diagnostics(&project, &report.diagnostics);
            eprintln!("release refused: fix the errors above first");
            return Ok(ExitCode::from(EXIT_PROBLEM));
        }
        Err(PlanError::Refused(error)) => {
            eprintln!("release refused: {error}");
            return Ok(ExitCode::from(EXIT_PROBLEM));
        }
    };
    let parent = plan
        .parent
        .as_ref()
        .map(|parent| format!(" on {parent}"))
        .unwrap_or_default();
    outln!(
        "{} {}{parent} ({} bump)",
        if args.dry_run {
            "would release"
        } else {
            "releasing"
        },
        plan.version,
        format!("{:?}", plan.bump).to_lowercase()
    );
    for finding in &plan.findings {
        out!("{}", render::finding_line(finding));
    }
    for (from, to) in &plan.moves {
        outln!("  {} -> {}", from.display(), to.display());
    }
    if args.dry_run {
        out!("{}", release_toml(&plan.release));
        return Ok(ExitCode::SUCCESS);
    }
    execute_release(&project, &plan)?;
    outln!("released {}", plan.version);
    Ok(ExitCode::SUCCESS)
}
