//! `apivolve schema`.

use std::process::ExitCode;

use crate::cli::{SchemaArgs, SchemaKind};

pub(super) fn run(args: SchemaArgs) -> anyhow::Result<ExitCode> {
    let schema = match args.kind {
        SchemaKind::Evolution => apivolve_model::evolution_file_schema(),
        SchemaKind::Config => apivolve_model::config_file_schema(),
    };
    outln!("{}", serde_json::to_string_pretty(&schema)?);
    Ok(ExitCode::SUCCESS)
}
