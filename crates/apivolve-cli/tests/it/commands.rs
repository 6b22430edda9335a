//! `apivolve new`, `changelog` and `schema`.

use crate::support::{TempProject, assert_run};

#[test]
fn new_writes_an_empty_evolution_that_checks_clean() {
    let project = TempProject::objid();
    let run = project.run(&["new", "user-birthday", "."]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert_eq!(run.stdout, "created ./user-birthday.yaml\n");
    let text = project.read("user-birthday.yaml");
    let evolution =
        apivolve_model::parse_evolution(std::path::Path::new("user-birthday.yaml"), &text).unwrap();
    assert!(evolution.file.changes.is_empty());

    let check = project.run(&["check", "."]);
    assert_eq!(check.code, 0, "{}", check.transcript());
    assert_run!("new_then_check", check);
}

#[test]
fn new_refuses_an_existing_file_and_a_bad_name() {
    let project = TempProject::objid();
    assert_eq!(project.run(&["new", "twice", "."]).code, 0);
    let again = project.run(&["new", "twice", "."]);
    assert_eq!(again.code, 2, "{}", again.transcript());
    let bad = project.run(&["new", "Not A Name", "."]);
    assert_eq!(bad.code, 2, "{}", bad.transcript());
    assert!(
        bad.stderr.contains("not a valid evolution name"),
        "{}",
        bad.stderr
    );
}

#[test]
fn changelog_of_objid() {
    let project = TempProject::objid();
    let run = project.run(&["changelog", "."]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert_run!("changelog_markdown", run);
}

#[test]
fn schema_evolution_prints_the_file_format() {
    let project = TempProject::objid();
    let run = project.run(&["schema", "evolution"]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    let printed: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(printed, apivolve_model::evolution_file_schema());
    assert!(
        printed["$schema"].as_str().unwrap().contains("2020-12"),
        "{printed}"
    );
}
