//! `load_and_check` (which folds each version while the next is read) reports exactly what
//! `Project::load` followed by `check` reports.

use std::fs;
use std::path::{Path, PathBuf};

use apivolve_model::{CheckOptions, CheckReport, Evolution, Project, check, load_and_check};

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Everything a report holds, the folded schemas included, and what was loaded, as text
/// (source maps left out: their `Debug` order is a hash map's).
fn everything(project: &Project, report: &CheckReport) -> String {
    let evolutions = |evolutions: &[Evolution]| {
        evolutions
            .iter()
            .map(|evolution| {
                format!(
                    "{:?} {:?} {}",
                    evolution.path, evolution.file, evolution.raw
                )
            })
            .collect::<Vec<_>>()
    };
    let versions: Vec<_> = project
        .versions
        .iter()
        .map(|dir| {
            format!(
                "{} {:?} {:?} {:?}",
                dir.version,
                dir.dir,
                dir.release,
                evolutions(&dir.evolutions)
            )
        })
        .collect();
    format!(
        "{}\n{:?}\n{:?}\n{:?}\n{:?}",
        serde_json::to_string_pretty(report).unwrap(),
        report.history,
        project.config,
        versions,
        evolutions(&project.pending)
    )
}

fn assert_same(root: &Path, options: &CheckOptions) {
    let (project, diagnostics) = Project::load(root).unwrap();
    let expected = everything(&project, &check(&project, diagnostics, options));
    for _ in 0..5 {
        let (project, report) = load_and_check(root, options).unwrap();
        assert_eq!(
            everything(&project, &report),
            expected,
            "{}",
            root.display()
        );
    }
}

#[test]
fn the_projects_of_the_repository_check_the_same_either_way() {
    for folder in [
        "examples/objid/api",
        "crates/apivolve-migrate/tests/fixtures/demo",
        "crates/apivolve-server/tests/fixtures/layer-api",
        "crates/apivolve-server/tests/fixtures/bulk-api",
        "crates/apivolve-cli/tests/fixtures/errors",
        "crates/apivolve-cli/tests/fixtures/examples",
        "crates/apivolve-cli/tests/fixtures/stored",
    ] {
        assert_same(&repository().join(folder), &CheckOptions::default());
    }
    let objid = repository().join("examples/objid/api");
    assert_same(
        &objid,
        &CheckOptions {
            pending_parent: Some(semver::Version::new(1, 0, 0)),
        },
    );
}

/// Versions whose parent comes later in version order, a parent that is not there, a file
/// edited after its release, a jq expression that does not compile, a malformed file, and
/// pending evolutions: every path of the fold and of the file checks.
#[test]
fn a_damaged_lineage_checks_the_same_either_way() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::write(root.join("apivolve.toml"), "name = \"lineage\"\n").unwrap();
    let release = |version: &str, parent: Option<&str>, files: &[(&str, &str)]| {
        let folder = root.join(format!("v{version}"));
        fs::create_dir(&folder).unwrap();
        let mut toml = format!("version = \"{version}\"\nhash = \"0\"\ndate = \"2026-01-01\"\n");
        if let Some(parent) = parent {
            toml.push_str(&format!("parent = \"{parent}\"\nparent_hash = \"0\"\n"));
        }
        toml.push_str("\n[files]\n");
        for (name, text) in files {
            fs::write(folder.join(name), text).unwrap();
            toml.push_str(&format!("\"{name}\" = \"0\"\n"));
        }
        fs::write(folder.join("release.toml"), toml).unwrap();
    };
    let add_type = |name: &str| {
        format!(
            "description: {name}\nchanges:\n  - add_type: {{name: {name}, schema: {{type: object, properties: {{id: {{type: string}}}}}}}}\n"
        )
    };
    release("1.0.0", None, &[("0001-a.yaml", &add_type("A"))]);
    // 1.1.0 builds on 3.0.0, which builds on 1.0.0: folded after the first pass.
    release("1.1.0", Some("3.0.0"), &[("0001-c.yaml", &add_type("C"))]);
    release("1.10.0", Some("1.1.0"), &[("0001-d.yaml", &add_type("D"))]);
    release(
        "3.0.0",
        Some("1.0.0"),
        &[
            ("0001-b.yaml", &add_type("B")),
            (
                "0002-jq.yaml",
                "description: jq\nchanges:\n  - change_field: {type: A, field: id, schema: {type: integer}, up: 'tonumber(', down: tostring}\n  - rename_field: {type: A, from: missing, to: other}\n",
            ),
            ("0003-broken.yaml", "description: [unclosed\n"),
        ],
    );
    release("2.0.0", Some("9.9.9"), &[("0001-e.yaml", &add_type("E"))]);
    fs::write(root.join("next.yaml"), add_type("F")).unwrap();
    fs::write(
        root.join("other.yaml"),
        "description: more\nchanges:\n  - change_field: {type: F, field: id, schema: {type: integer}, up: '.[', down: tostring}\n",
    )
    .unwrap();

    assert_same(root, &CheckOptions::default());
    let (_, report) = load_and_check(root, &CheckOptions::default()).unwrap();
    let rules: Vec<_> = report.diagnostics.iter().map(|d| d.code).collect();
    for rule in [
        "unknown-parent",
        "invalid-jq",
        "invalid-yaml",
        "hash-mismatch",
        "change-does-not-apply",
    ] {
        assert!(rules.contains(&rule), "{rule} in {rules:?}");
    }
    assert!(
        report
            .history
            .snapshot(&semver::Version::new(1, 10, 0))
            .is_some()
    );
}

#[test]
fn a_folder_without_a_project_is_an_error_either_way() {
    let dir = tempfile::tempdir().unwrap();
    assert!(Project::load(dir.path()).is_err());
    assert!(load_and_check(dir.path(), &CheckOptions::default()).is_err());
}
