//! `apivolve new`: a pending evolution with a commented example of every kind of change.

use std::fs::OpenOptions;
use std::io::Write as _;
use std::process::ExitCode;

use anyhow::{Context as _, bail};

use crate::cli::NewArgs;

const TEMPLATE: &str = include_str!("new_template.yaml");

pub(super) fn run(args: NewArgs) -> anyhow::Result<ExitCode> {
    let root = &args.project.project;
    if !root.join(apivolve_model::CONFIG_FILE).is_file() {
        bail!(
            "`{}` is not an API project: no `{}` found",
            root.display(),
            apivolve_model::CONFIG_FILE
        );
    }
    let valid = !args.name.is_empty()
        && args
            .name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if !valid {
        bail!(
            "`{}` is not a valid evolution name: use lower-case letters, digits and dashes",
            args.name
        );
    }
    let path = root.join(format!("{}.yaml", args.name));
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .with_context(|| format!("cannot create `{}`", path.display()))?;
    file.write_all(TEMPLATE.as_bytes())
        .with_context(|| format!("cannot write `{}`", path.display()))?;
    outln!("created {}", path.display());
    Ok(ExitCode::SUCCESS)
}
