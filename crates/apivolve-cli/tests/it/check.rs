//! `apivolve check` in its three formats, on a clean project and on one with errors; exit codes.

use crate::support::{TempProject, assert_run, fixture};

const FORMATS: [&str; 3] = ["text", "json", "github"];

#[test]
fn objid_is_clean_in_every_format() {
    let project = TempProject::objid();
    for format in FORMATS {
        let run = project.run(&["check", "--format", format, "."]);
        assert_eq!(run.code, 0, "{format}: {}", run.transcript());
        assert_run!(format!("objid_{format}"), run);
    }
}

#[test]
fn errors_are_reported_in_every_format() {
    let project = TempProject::copy(&fixture("errors"));
    for format in FORMATS {
        let run = project.run(&["check", "--format", format, "."]);
        assert_eq!(run.code, 1, "{format}: {}", run.transcript());
        assert_run!(format!("errors_{format}"), run);
    }
}

#[test]
fn errors_name_file_line_column_and_hint() {
    let project = TempProject::copy(&fixture("errors"));
    let run = project.run(&["check", "--format", "json", "."]);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let diagnostics = report["diagnostics"].as_array().unwrap();
    let by_code = |code: &str| {
        diagnostics
            .iter()
            .find(|diagnostic| diagnostic["code"] == code)
            .unwrap_or_else(|| panic!("no `{code}` in {diagnostics:#?}"))
    };
    let rename = by_code("change-does-not-apply");
    assert_eq!(rename["file"], "0002-rename-missing-field.yaml");
    assert_eq!(rename["position"]["line"], 3);
    assert_eq!(rename["position"]["column"], 38);
    assert_eq!(rename["hint"], "did you mean `name`?");
    let jq = by_code("invalid-jq");
    assert_eq!(jq["file"], "0003-invalid-jq.yaml");
    assert_eq!(jq["position"]["line"], 7);
    assert_eq!(by_code("invalid-yaml")["file"], "0004-yaml-syntax.yaml");
    let kind = by_code("invalid-evolution");
    assert_eq!(kind["file"], "0005-unknown-kind.yaml");
    assert_eq!(kind["position"]["line"], 3);
    assert!(
        kind["hint"]
            .as_str()
            .unwrap()
            .starts_with("did you mean `rename_field`?")
    );
}

#[test]
fn an_unknown_flag_is_misuse() {
    let project = TempProject::objid();
    let run = project.run(&["check", "--strict", "."]);
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert!(
        run.stderr.contains("unexpected argument '--strict'"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_folder_that_is_not_a_project_is_misuse() {
    let project = TempProject::objid();
    let run = project.run(&["check", "v1.0.0"]);
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert_run!("not_a_project", run);
}

#[test]
fn a_missing_folder_is_misuse() {
    let project = TempProject::objid();
    let run = project.run(&["check", "no-such-folder"]);
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert!(run.stderr.contains("no-such-folder"), "{}", run.stderr);
}
