//! `apivolve migrate`: a stored JSON document moved between versions by the same plans.

use std::io::Read as _;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use apivolve_migrate::{Direction, Parameters};
use serde_json::Value;

use super::{EXIT_PROBLEM, load_checked, migrator};
use crate::cli::{MigrateArgs, MigrateDirection};

pub(super) fn run(args: MigrateArgs) -> anyhow::Result<ExitCode> {
    let document = read_document(&args)?;
    let (project, report) = match load_checked(&args.project.project, "migrate")? {
        Ok(loaded) => loaded,
        Err(code) => return Ok(code),
    };
    for version in [&args.from, &args.to] {
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
    let migrator = migrator(&project, &report)?;
    let result = match (&args.type_name, &args.endpoint, args.direction) {
        (Some(type_name), _, _) => {
            let plan = migrator.type_plan(type_name, &args.from, &args.to)?;
            plan.migrate_value(document)
        }
        (None, Some(endpoint), Some(MigrateDirection::Request)) => {
            if args.from > args.to {
                bail!(
                    "a request migrates up, from an older version to a newer one, but `--from {}` is newer than `--to {}`",
                    args.from,
                    args.to
                );
            }
            let plan = migrator.plan_between(endpoint, &args.from, &args.to, Direction::Request)?;
            let mut body = Some(document);
            plan.migrate_request(&mut body, &mut Parameters::default())
                .map(|()| body.unwrap_or(Value::Null))
        }
        (None, Some(endpoint), Some(MigrateDirection::Response)) => {
            if args.from < args.to {
                bail!(
                    "a response migrates down, from a newer version to an older one, but `--from {}` is older than `--to {}`",
                    args.from,
                    args.to
                );
            }
            let plan =
                migrator.plan_between(endpoint, &args.to, &args.from, Direction::Response)?;
            plan.migrate_response(args.status, Some(document))
                .map(|response| response.body.unwrap_or(Value::Null))
        }
        _ => bail!("give `--type TYPE`, or `--endpoint ENDPOINT` with `--direction`"),
    };
    match result {
        Ok(migrated) => {
            outln!("{}", serde_json::to_string_pretty(&migrated)?);
            Ok(ExitCode::SUCCESS)
        }
        Err(error) => {
            eprintln!("error: the document does not migrate: {error}");
            Ok(ExitCode::from(EXIT_PROBLEM))
        }
    }
}

fn read_document(args: &MigrateArgs) -> anyhow::Result<Value> {
    let (text, name) = if args.file.as_os_str() == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("cannot read the document from standard input")?;
        (text, "standard input".to_owned())
    } else {
        let text = std::fs::read_to_string(&args.file)
            .with_context(|| format!("cannot read `{}`", args.file.display()))?;
        (text, format!("`{}`", args.file.display()))
    };
    serde_json::from_str(&text).with_context(|| format!("{name} is not a JSON document"))
}
