//! The acceptance checks of issue 2 on a copy of the objid API.

use crate::support::{TempProject, assert_run};

/// A pending evolution that renames a response field: a breaking change.
pub(crate) const RENAME_AVAILABLE: &str = "\
description: \"`available` becomes `isAvailable`.\"
changes:
  - rename_field: {type: GetNextResponse, from: available, to: isAvailable}
";

#[test]
fn objid_checks_clean() {
    let project = TempProject::objid();
    let run = project.run(&["check", "."]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(run.stdout.ends_with("ok\n"), "{}", run.stdout);
}

#[test]
fn a_schema_edit_in_a_released_file_is_caught_naming_the_file() {
    let project = TempProject::objid();
    let file = "v1.0.0/0001-initial.yaml";
    let text = project.read(file);
    let edited = text.replacen("from: {type: integer}", "from: {type: string}", 1);
    assert_ne!(edited, text, "the fixture line moved");
    project.write(file, &edited);
    let run = project.run(&["check", "."]);
    assert_eq!(run.code, 1, "{}", run.transcript());
    assert!(
        run.stderr
            .contains("`v1.0.0/0001-initial.yaml` changed after version `1.0.0` was"),
        "{}",
        run.stderr
    );
    let json = project.run(&["check", "--format", "json", "."]);
    let report: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let files: Vec<&str> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|diagnostic| diagnostic["code"] == "hash-mismatch")
        .filter_map(|diagnostic| diagnostic["file"].as_str())
        .collect();
    assert_eq!(files, ["v1.0.0/0001-initial.yaml"]);
}

#[test]
fn a_description_edit_in_a_released_file_is_allowed() {
    let project = TempProject::objid();
    let file = "v1.0.0/0001-initial.yaml";
    let text = project.read(file);
    let edited = text
        .replacen(
            "The first public API of objid",
            "The very first public API of objid",
            1,
        )
        .replacen(
            "description: A hash of the app's id; apps need no registration.",
            "description: A hash of the app's id (apps need no registration).",
            1,
        );
    assert_ne!(edited, text, "the fixture lines moved");
    project.write(file, &edited);
    let run = project.run(&["check", "."]);
    assert_eq!(run.code, 0, "{}", run.transcript());
}

#[test]
fn a_response_rename_is_a_major_bump_and_releases_as_3_0_0() {
    let project = TempProject::objid();
    project.write("rename-available.yaml", RENAME_AVAILABLE);
    let check = project.run(&["check", "."]);
    assert_eq!(check.code, 0, "{}", check.transcript());
    assert_run!("rename_available_check", check);
    let json = project.run(&["check", "--format", "json", "."]);
    let report: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(report["pending"]["next"], "3.0.0");
    assert_eq!(report["pending"]["bump"], "major");

    let release = project.run(&["release", "--date", "2026-12-24", "."]);
    assert_eq!(release.code, 0, "{}", release.transcript());
    assert_run!("rename_available_release", release);
    assert!(project.path("v3.0.0/release.toml").is_file());
    assert_eq!(
        project.read("v3.0.0/0001-rename-available.yaml"),
        RENAME_AVAILABLE
    );
    assert!(!project.path("rename-available.yaml").exists());
    let release_toml = project.read("v3.0.0/release.toml");
    assert!(
        release_toml.contains("version = \"3.0.0\""),
        "{release_toml}"
    );
    assert!(
        release_toml.contains("parent = \"2.0.0\""),
        "{release_toml}"
    );

    let after = project.run(&["check", "."]);
    assert_eq!(after.code, 0, "{}", after.transcript());
    assert!(
        after.stdout.contains("3.0.0      major  on 2.0.0"),
        "{}",
        after.stdout
    );
}

#[test]
fn export_openapi_prints_an_openapi_3_1_document() {
    let project = TempProject::objid();
    let run = project.run(&["export", "openapi", "--version", "1.0.0", "."]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let document: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert!(
        document["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        document["openapi"]
    );
    let paths = document["paths"].as_object().unwrap();
    assert!(
        paths.keys().any(|path| path.ends_with("/getNext")),
        "{:?}",
        paths.keys().collect::<Vec<_>>()
    );
    // v1 has no `checkApp`, v2 does.
    assert!(!paths.keys().any(|path| path.ends_with("/checkApp")));
}

#[test]
fn export_of_an_unreleased_version_is_misuse() {
    let project = TempProject::objid();
    let run = project.run(&["export", "openapi", "--version", "9.0.0", "."]);
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert!(
        run.stderr.contains("version `9.0.0` is not released"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_dry_run_release_changes_nothing() {
    let project = TempProject::objid();
    project.write("rename-available.yaml", RENAME_AVAILABLE);
    let before = project.contents();
    let run = project.run(&["release", "--dry-run", "--date", "2026-12-24", "."]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert_run!("rename_available_dry_run", run);
    assert!(run.stdout.contains("would release 3.0.0"), "{}", run.stdout);
    assert_eq!(project.contents(), before);
}

#[test]
fn release_without_pending_evolutions_is_refused() {
    let project = TempProject::objid();
    let before = project.contents();
    let run = project.run(&["release", "."]);
    assert_eq!(run.code, 1, "{}", run.transcript());
    assert_eq!(project.contents(), before);
}
