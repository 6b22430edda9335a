//! `apivolve export`.

use std::process::ExitCode;

use anyhow::{Context as _, bail};
use apivolve_model::CheckOptions;
use apivolve_model::export::{self, OpenApiOptions};

use super::{EXIT_PROBLEM, load_and_check, report_diagnostics};
use crate::cli::{ExportArgs, ExportKind};

pub(super) fn run(args: ExportArgs) -> anyhow::Result<ExitCode> {
    let (project, report) = load_and_check(&args.project.project, &CheckOptions::default())?;
    if !report.is_clean() {
        report_diagnostics(&project, &report.diagnostics);
        eprintln!("export refused: fix the errors above first");
        return Ok(ExitCode::from(EXIT_PROBLEM));
    }
    let (version, snapshot) = if args.version == "pending" {
        let Some(pending) = &report.pending else {
            bail!("there are no pending evolutions")
        };
        let snapshot = report
            .history
            .pending
            .as_ref()
            .map(|p| p.snapshot.clone())
            .unwrap_or_default();
        (pending.next.clone(), snapshot)
    } else {
        let number = args.version.trim_start_matches('v');
        let version = semver::Version::parse(number)
            .with_context(|| format!("`{}` is not a version number", args.version))?;
        let Some(snapshot) = report.history.snapshot(&version) else {
            let known: Vec<String> = project
                .versions
                .iter()
                .map(|dir| dir.version.to_string())
                .collect();
            bail!(
                "version `{version}` is not released (released: {})",
                known.join(", ")
            );
        };
        (version, snapshot.clone())
    };
    let document = match args.kind {
        ExportKind::Openapi => {
            let options = OpenApiOptions {
                include_preview: args.include_preview,
                released: project
                    .versions
                    .iter()
                    .map(|dir| dir.version.clone())
                    .collect(),
                ..OpenApiOptions::default()
            };
            export::openapi(&snapshot, &project.config, &version, &options)
        }
        ExportKind::Jsonschema => export::json_schema(&snapshot, &project.config, &version),
    };
    outln!("{}", serde_json::to_string_pretty(&document)?);
    Ok(ExitCode::SUCCESS)
}
