//! `apivolve explain`: the compiled migration plans of an endpoint, in readable form.

use std::process::ExitCode;

use anyhow::bail;
use apivolve_migrate::Direction;

use super::{load_checked, migrator};
use crate::cli::{ExplainArgs, ExplainDirection};

pub(super) fn run(args: ExplainArgs) -> anyhow::Result<ExitCode> {
    let (project, report) = match load_checked(&args.project.project, "explain")? {
        Ok(loaded) => loaded,
        Err(code) => return Ok(code),
    };
    let migrator = migrator(&project, &report)?;
    let to = args.to.unwrap_or_else(|| migrator.latest().clone());
    if args.from > to {
        bail!(
            "`--from {}` is newer than `--to {to}`: a plan goes from the client's older version to a newer one",
            args.from
        );
    }
    for version in [&args.from, &to] {
        if !report.history.chain.contains(version) {
            let chain: Vec<String> = report
                .history
                .chain
                .iter()
                .map(ToString::to_string)
                .collect();
            bail!(
                "version `{version}` is not on the served chain (served: {})",
                chain.join(", ")
            );
        }
    }
    let exists = report
        .history
        .snapshot(&args.from)
        .is_some_and(|snapshot| snapshot.endpoints.contains_key(&args.endpoint));
    if !exists {
        let known: Vec<String> = report
            .history
            .snapshot(&args.from)
            .map(|snapshot| snapshot.endpoints.keys().cloned().collect())
            .unwrap_or_default();
        bail!(
            "endpoint `{}` does not exist at version `{}` (endpoints: {})",
            args.endpoint,
            args.from,
            known.join(", ")
        );
    }
    let directions: &[Direction] = match args.direction {
        ExplainDirection::Request => &[Direction::Request],
        ExplainDirection::Response => &[Direction::Response],
        ExplainDirection::Both => &[Direction::Request, Direction::Response],
    };
    for (index, direction) in directions.iter().enumerate() {
        if index > 0 {
            outln!();
        }
        let plan = migrator.plan_between(&args.endpoint, &args.from, &to, *direction)?;
        out!("{plan}");
    }
    Ok(ExitCode::SUCCESS)
}
