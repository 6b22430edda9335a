//! `apivolve migrate`: stored documents moved between objid's versions.

use serde_json::{Value, json};

use crate::support::{TempProject, apivolve, fixture};

fn migrate(project: &TempProject, args: &[&str], document: &Value) -> (i32, Value, String) {
    let mut all = vec!["migrate"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["-", "."]);
    let run = apivolve(&all, &project.root, Some(&document.to_string()));
    let value = serde_json::from_str(&run.stdout).unwrap_or(Value::Null);
    (run.code, value, run.stderr)
}

#[test]
fn a_v1_get_next_request_migrates_up_to_2_0_0() {
    let project = TempProject::objid();
    let request = json!({
        "appId": "9f2c",
        "type": "codeunit",
        "ranges": [{"from": 60000, "to": 60100}, {"from": 50000, "to": 59999}],
        "content": {"user": "ada"}
    });
    let args = [
        "--from",
        "1.0.0",
        "--to",
        "2.0.0",
        "--endpoint",
        "getNext",
        "--direction",
        "request",
    ];
    let (code, migrated, stderr) = migrate(&project, &args, &request);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        migrated,
        json!({
            "appId": "9f2c",
            "type": "codeunit",
            "ranges": [{"from": 50000, "to": 59999}, {"from": 60000, "to": 60100}],
            "user": "ada"
        })
    );
}

#[test]
fn a_file_argument_works_like_standard_input() {
    let project = TempProject::objid();
    project.write("request.json", r#"{"appId": "a", "type": "table", "ranges": [{"from": 1, "to": 9}], "content": {"user": "bo"}}"#);
    let run = project.run(&[
        "migrate",
        "--from",
        "1.0.0",
        "--to",
        "2.0.0",
        "--endpoint",
        "getNext",
        "--direction",
        "request",
        "request.json",
        ".",
    ]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    let migrated: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(migrated["user"], "bo");
    assert!(migrated.get("content").is_none(), "{migrated}");
}

#[test]
fn an_invalid_v1_request_is_refused_with_the_migration_message() {
    let project = TempProject::objid();
    let request = json!({"appId": "a", "type": "table", "ranges": [{"from": 9, "to": 1}]});
    let args = [
        "--from",
        "1.0.0",
        "--to",
        "2.0.0",
        "--endpoint",
        "getNext",
        "--direction",
        "request",
    ];
    let (code, _, stderr) = migrate(&project, &args, &request);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("Invalid ranges: `from` must not be greater than `to`"),
        "{stderr}"
    );
}

#[test]
fn a_v2_get_next_response_migrates_down_to_1_0_0() {
    let project = TempProject::objid();
    let response = json!({
        "id": [50000, 60000], "updated": true, "available": true,
        "updateAttempts": 0, "hasConsumption": true
    });
    let args = [
        "--from",
        "2.0.0",
        "--to",
        "1.0.0",
        "--endpoint",
        "getNext",
        "--direction",
        "response",
    ];
    let (code, migrated, stderr) = migrate(&project, &args, &response);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        migrated,
        json!({
            "id": 50000, "updated": true, "available": true,
            "updateAttempts": 0, "hasConsumption": true
        })
    );
}

#[test]
fn an_error_response_takes_the_v1_shape() {
    let project = TempProject::objid();
    let problem = json!({"type": "about:blank", "title": "Conflict", "status": 409, "detail": "too many attempts"});
    let args = [
        "--from",
        "2.0.0",
        "--to",
        "1.0.0",
        "--endpoint",
        "getNext",
        "--direction",
        "response",
        "--status",
        "409",
    ];
    let (code, migrated, stderr) = migrate(&project, &args, &problem);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(migrated, json!("too many attempts"));
}

#[test]
fn a_v2_consumption_migrates_down_to_1_0_0_by_type() {
    let project = TempProject::objid();
    let consumption = json!({"table": [50000, 50001], "codeunit": [50100]});
    let args = ["--from", "2.0.0", "--to", "1.0.0", "--type", "Consumption"];
    let (code, migrated, stderr) = migrate(&project, &args, &consumption);
    assert_eq!(code, 0, "{stderr}");
    let types = [
        "codeunit",
        "enum",
        "enumextension",
        "page",
        "pageextension",
        "permissionset",
        "permissionsetextension",
        "query",
        "report",
        "reportextension",
        "table",
        "tableextension",
        "xmlport",
    ];
    let object = migrated.as_object().unwrap();
    assert_eq!(object.len(), 13, "{migrated}");
    for name in types {
        assert!(object[name].is_array(), "`{name}` in {migrated}");
    }
    assert_eq!(migrated["table"], json!([50000, 50001]));
    assert_eq!(migrated["codeunit"], json!([50100]));
    assert_eq!(migrated["page"], json!([]));
}

#[test]
fn a_type_up_follows_the_nested_types() {
    let project = TempProject::objid();
    let request = json!({"appId": "a", "type": "page", "ranges": [], "content": {"user": "cy"}});
    let args = [
        "--from",
        "1.0.0",
        "--to",
        "2.0.0",
        "--type",
        "GetNextRequest",
    ];
    let (code, migrated, stderr) = migrate(&project, &args, &request);
    assert_eq!(code, 0, "{stderr}");
    // The type's own change moves the user; the endpoint's custom step (sorting) is not a type's.
    assert_eq!(
        migrated,
        json!({"appId": "a", "type": "page", "ranges": [], "user": "cy"})
    );
}

#[test]
fn misuse_is_exit_2() {
    let project = TempProject::objid();
    let document = json!({});
    let cases: [&[&str]; 5] = [
        // a request goes up
        &[
            "--from",
            "2.0.0",
            "--to",
            "1.0.0",
            "--endpoint",
            "getNext",
            "--direction",
            "request",
        ],
        // a response goes down
        &[
            "--from",
            "1.0.0",
            "--to",
            "2.0.0",
            "--endpoint",
            "getNext",
            "--direction",
            "response",
        ],
        // neither a type nor an endpoint
        &["--from", "1.0.0", "--to", "2.0.0"],
        // an endpoint without a direction
        &["--from", "1.0.0", "--to", "2.0.0", "--endpoint", "getNext"],
        // no such type
        &["--from", "1.0.0", "--to", "2.0.0", "--type", "Nothing"],
    ];
    for args in cases {
        let (code, _, stderr) = migrate(&project, args, &document);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stderr.starts_with("error:"), "{args:?}: {stderr}");
    }
    let not_json = apivolve(
        &[
            "migrate", "--from", "1.0.0", "--to", "2.0.0", "--type", "Range", "-", ".",
        ],
        &project.root,
        Some("{not json"),
    );
    assert_eq!(not_json.code, 2, "{}", not_json.transcript());
    assert!(
        not_json
            .stderr
            .contains("standard input is not a JSON document"),
        "{}",
        not_json.stderr
    );
}

#[test]
fn a_type_plan_follows_a_type_rename_both_ways() {
    let project = TempProject::copy(&fixture("stored"));
    let up = ["--from", "1.0.0", "--to", "2.0.0", "--type", "Order"];
    let order = json!({"items": [{"name": "pen"}, {"name": "ink"}]});
    let (code, migrated, stderr) = migrate(&project, &up, &order);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        migrated,
        json!({"items": [{"title": "pen"}, {"title": "ink"}]})
    );

    let item_up = ["--from", "1.0.0", "--to", "2.0.0", "--type", "Item"];
    let (code, migrated, stderr) = migrate(&project, &item_up, &json!({"name": "pen"}));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(migrated, json!({"title": "pen"}));

    let product_down = ["--from", "2.0.0", "--to", "1.0.0", "--type", "Product"];
    let (code, migrated, stderr) = migrate(&project, &product_down, &json!({"title": "pen"}));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(migrated, json!({"name": "pen"}));
}

#[test]
fn a_type_is_named_as_at_the_document_version() {
    let project = TempProject::copy(&fixture("stored"));
    let cases: [(&[&str], &str); 2] = [
        (
            &["--from", "2.0.0", "--to", "1.0.0", "--type", "Item"],
            "type `Item` does not exist at version `2.0.0`",
        ),
        (
            &["--from", "1.0.0", "--to", "2.0.0", "--type", "Product"],
            "type `Product` does not exist at version `1.0.0`",
        ),
    ];
    for (args, message) in cases {
        let (code, _, stderr) = migrate(&project, args, &json!({}));
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    }
}

#[test]
fn migrating_to_the_same_version_changes_nothing() {
    let project = TempProject::objid();
    let document = json!({"content": {"user": "ada"}, "ranges": [{"from": 9, "to": 10}, {"from": 1, "to": 2}]});
    let args = [
        "--from",
        "1.0.0",
        "--to",
        "1.0.0",
        "--endpoint",
        "getNext",
        "--direction",
        "request",
    ];
    let (code, migrated, stderr) = migrate(&project, &args, &document);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(migrated, document);
}
