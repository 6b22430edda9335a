//! `check`: the whole of `apivolve check` against loading alone, on a generated project.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use apivolve_model::{CheckOptions, Project, load_and_check};

/// Options of the check benchmark.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Named types in the generated project.
    #[arg(long, default_value_t = 200)]
    types: usize,
    /// Released versions.
    #[arg(long, default_value_t = 50)]
    versions: usize,
    /// Measured runs (the median is reported).
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// Keep the generated project in this folder (for comparing `apivolve check --format json`
    /// between builds); a folder that already holds one is measured as it is.
    #[arg(long)]
    project: Option<std::path::PathBuf>,
}

pub(crate) fn run(args: &Args) -> anyhow::Result<()> {
    let temporary = tempfile::tempdir()?;
    let root = match &args.project {
        Some(folder) => {
            fs::create_dir_all(folder)?;
            folder.as_path()
        }
        None => temporary.path(),
    };
    if root.join(apivolve_model::CONFIG_FILE).exists() {
        println!("measuring the project in {}", root.display());
    } else {
        let started = Instant::now();
        generate(root, args.types, args.versions)?;
        println!(
            "generated {} types x {} versions in {:?}",
            args.types,
            args.versions,
            started.elapsed()
        );
    }

    let mut load_times = Vec::new();
    let mut check_times = Vec::new();
    for _ in 0..args.runs {
        let started = Instant::now();
        let (project, diagnostics) = Project::load(root)?;
        load_times.push(started.elapsed());
        anyhow::ensure!(
            diagnostics.is_empty(),
            "generated project does not load: {}",
            diagnostics[0]
        );
        drop(project);

        let started = Instant::now();
        let (_project, report) = load_and_check(root, &CheckOptions::default())?;
        check_times.push(started.elapsed());
        anyhow::ensure!(
            report.is_clean(),
            "generated project does not check clean: {}",
            report.diagnostics[0]
        );
    }
    let load = median(&mut load_times);
    let whole = median(&mut check_times);
    let ratio = whole.as_secs_f64() / load.as_secs_f64().max(1e-9);
    println!("load alone   {:>10.1} ms", load.as_secs_f64() * 1e3);
    println!("whole check  {:>10.1} ms", whole.as_secs_f64() * 1e3);
    println!(
        "check load-ms={:.1} check-ms={:.1} check/load={ratio:.2}",
        load.as_secs_f64() * 1e3,
        whole.as_secs_f64() * 1e3
    );
    Ok(())
}

fn median(times: &mut [Duration]) -> Duration {
    times.sort();
    times[times.len() / 2]
}

/// Writes a project with `types` object types released over `versions` versions: the first adds
/// every type and an endpoint per ten types; each later one adds fields, renames one, changes
/// one with jq, and adds an enum value, so every part of the fold and the diff is exercised.
fn generate(root: &Path, types: usize, versions: usize) -> anyhow::Result<()> {
    fs::write(
        root.join("apivolve.toml"),
        "name = \"bench\"\n[policy]\nsupported_majors = 100\nmax_live_versions_per_endpoint = 1000\n",
    )?;
    let mut pending = String::from("description: every type\nchanges:\n");
    for t in 0..types {
        let _ = writeln!(
            pending,
            "  - add_type:\n      name: T{t}\n      schema:\n        type: object\n        required: [id]\n        properties:\n          id: {{type: string}}\n          status: {{type: string, enum: [a, b]}}\n          amount: {{type: integer}}"
        );
    }
    for e in 0..types.div_ceil(10) {
        let _ = writeln!(
            pending,
            "  - add_endpoint:\n      id: e{e}\n      methods: [POST]\n      path: /e{e}\n      request: {{schema: {{$ref: \"#/types/T{}\"}}}}\n      responses:\n        200: {{schema: {{$ref: \"#/types/T{}\"}}}}",
            e * 10,
            e * 10 + 1
        );
    }
    release(root, &pending)?;
    for v in 1..versions {
        let mut text = format!("description: version {v}\nchanges:\n");
        for t in 0..types {
            let _ = writeln!(
                text,
                "  - add_field: {{type: T{t}, field: f{v}, schema: {{type: string}}}}"
            );
        }
        let t = v % types;
        // The last rename of this type was `types` versions ago, if any.
        let previous = if v > types {
            format!("n{}", v - types)
        } else {
            "amount".to_owned()
        };
        let _ = writeln!(
            text,
            "  - rename_field: {{type: T{t}, from: {previous}, to: n{v}}}"
        );
        let _ = writeln!(
            text,
            "  - add_enum_value: {{type: T{t}, field: status, value: s{v}, down_map: a}}"
        );
        let _ = writeln!(
            text,
            "  - change_field: {{type: T{}, field: f{v}, schema: {{type: integer}}, up: 'tonumber', down: 'tostring'}}",
            (t + 1) % types
        );
        let _ = writeln!(
            text,
            "suppress:\n  - {{rule: request-property-renamed, reason: bench}}\n  - {{rule: response-property-renamed, reason: bench}}"
        );
        release(root, &text)?;
    }
    Ok(())
}

/// Releases one pending file with the tool's own release logic (the versioning benchmark's
/// generated project too).
pub(crate) fn release(root: &Path, text: &str) -> anyhow::Result<()> {
    fs::write(root.join("next.yaml"), text)?;
    let (project, diagnostics) = Project::load(root)?;
    let options = apivolve_model::ReleaseOptions {
        parent: None,
        date: chrono::NaiveDate::MIN,
    };
    let plan = match apivolve_model::plan_release(&project, diagnostics, &options) {
        Ok(plan) => plan,
        Err(apivolve_model::PlanError::Invalid(report)) => {
            anyhow::bail!(
                "generated release does not check: {}",
                report
                    .diagnostics
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("\n")
            )
        }
        Err(apivolve_model::PlanError::Refused(error)) => {
            return Err(error).context("release refused");
        }
    };
    apivolve_model::execute_release(&project, &plan)?;
    Ok(())
}
