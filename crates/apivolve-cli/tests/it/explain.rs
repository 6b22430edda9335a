//! `apivolve explain`: the compiled plans of objid's endpoints.

use crate::support::{TempProject, assert_run};

#[test]
fn explain_get_next_from_1_0_0() {
    let project = TempProject::objid();
    let run = project.run(&["explain", "getNext", "--from", "1.0.0", "."]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert_run!("get_next", run);
}

#[test]
fn explain_sync_ids_from_1_0_0() {
    let project = TempProject::objid();
    let run = project.run(&["explain", "syncIds", "--from", "1.0.0", "."]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert_run!("sync_ids", run);
}

#[test]
fn explain_one_direction() {
    let project = TempProject::objid();
    let run = project.run(&[
        "explain",
        "autoSyncIds",
        "--from",
        "1.0.0",
        "--to",
        "2.0.0",
        "--direction",
        "request",
        ".",
    ]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert_eq!(
        run.stdout,
        "plan for `autoSyncIds` request from 1.0.0 to 2.0.0: 1 step(s)\n  \
         1. [2.0.0 v2.0.0/0004-sync-consumption.yaml#2 custom] body: \
         jq `.skipUnauthorized = true`\n"
    );
}

#[test]
fn explain_on_latest_is_empty() {
    let project = TempProject::objid();
    let run = project.run(&["explain", "getNext", "--from", "2.0.0", "."]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert_eq!(run.stdout.matches("0 step(s)").count(), 2, "{}", run.stdout);
}

#[test]
fn explain_misuse() {
    let project = TempProject::objid();
    let unknown = project.run(&["explain", "getNxt", "--from", "1.0.0", "."]);
    assert_eq!(unknown.code, 2, "{}", unknown.transcript());
    assert!(
        unknown
            .stderr
            .contains("endpoint `getNxt` does not exist at version `1.0.0`"),
        "{}",
        unknown.stderr
    );
    let backwards = project.run(&[
        "explain", "getNext", "--from", "2.0.0", "--to", "1.0.0", ".",
    ]);
    assert_eq!(backwards.code, 2, "{}", backwards.transcript());
    let unreleased = project.run(&["explain", "getNext", "--from", "1.5.0", "."]);
    assert_eq!(unreleased.code, 2, "{}", unreleased.transcript());
    assert!(
        unreleased.stderr.contains("not on the served chain"),
        "{}",
        unreleased.stderr
    );
}
