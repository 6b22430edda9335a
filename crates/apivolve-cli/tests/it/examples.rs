//! The lint of issue 2: examples are valid against the schema of their version.

use crate::support::{TempProject, assert_run, fixture};

#[test]
fn invalid_examples_are_errors_at_their_position() {
    let project = TempProject::copy(&fixture("examples"));
    let run = project.run(&["check", "."]);
    assert_eq!(run.code, 1, "{}", run.transcript());
    assert_run!("examples_text", run);
    let github = project.run(&["check", "--format", "github", "."]);
    assert_run!("examples_github", github);
}

#[test]
fn objid_examples_are_valid_and_a_broken_one_is_caught() {
    let project = TempProject::objid();
    // Examples are left out of the hash: editing one keeps the release intact.
    let file = "v1.0.0/0001-initial.yaml";
    let text = project.read(file);
    let edited = text.replacen("updateAttempts: 0,", "updateAttempts: -1,", 1);
    assert_ne!(edited, text, "the fixture line moved");
    project.write(file, &edited);
    let run = project.run(&["check", "--format", "json", "."]);
    assert_eq!(run.code, 1, "{}", run.transcript());
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let diagnostics = report["diagnostics"].as_array().unwrap();
    assert_eq!(diagnostics.len(), 1, "{diagnostics:#?}");
    assert_eq!(diagnostics[0]["code"], "invalid-example");
    assert_eq!(diagnostics[0]["file"], file);
    assert!(
        diagnostics[0]["message"]
            .as_str()
            .unwrap()
            .contains("at `/updateAttempts`: -1 is less than the minimum of 0"),
        "{}",
        diagnostics[0]["message"]
    );
}
