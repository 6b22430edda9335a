//! Hand-written requests and responses at every version of the demo API
//! (`tests/fixtures/demo-payloads.yaml`), migrated up and down by the compiled plans.

use std::sync::LazyLock;

use apivolve_migrate::{Direction, MigratedResponse, Parameters};
use serde_json::{Map, Value};

use crate::demo::{DEMO, version};
use crate::fixture::{errors, read_yaml, validator};

static PAYLOADS: LazyLock<Value> = LazyLock::new(|| {
    read_yaml(
        &std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/demo-payloads.yaml"),
    )
});

/// `{path: {id: b1}, query: {...}}` as parameters, in the order written.
fn parameters(value: Option<&Value>) -> Parameters {
    let list = |location: &str| -> Vec<(String, String)> {
        value
            .and_then(|value| value.get(location))
            .and_then(Value::as_object)
            .map(|pairs| {
                pairs
                    .iter()
                    .map(|(name, value)| (name.clone(), value.as_str().unwrap().to_owned()))
                    .collect()
            })
            .unwrap_or_default()
    };
    Parameters {
        path: list("path"),
        query: list("query"),
        header: list("header"),
    }
}

fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap()
}

/// Checks that `value` is valid at `at` against `schema`, recording problems in `failures`.
fn check_valid(
    failures: &mut Vec<String>,
    what: &str,
    at: &semver::Version,
    schema: &Value,
    value: &Value,
) {
    let problems = errors(&validator(DEMO.snapshot(at), schema), value);
    if !problems.is_empty() {
        failures.push(format!(
            "{what}: not valid at {at}: {problems:?}\n{}",
            pretty(value)
        ));
    }
}

#[test]
fn requests_reach_latest_from_every_version() {
    let latest = DEMO.latest();
    let latest_snapshot = DEMO.snapshot(latest);
    let requests = PAYLOADS["requests"].as_object().unwrap();
    let mut failures = Vec::new();
    let mut checked = 0;
    for at in DEMO.versions() {
        let cases = requests
            .get(&at.to_string())
            .and_then(Value::as_object)
            .unwrap_or_else(|| panic!("no requests for {at}"));
        let snapshot = DEMO.snapshot(at);
        for name in cases.keys() {
            assert!(
                snapshot.endpoints.contains_key(name),
                "{at}: `{name}` does not exist"
            );
        }
        for (id, endpoint) in &snapshot.endpoints {
            let case = cases
                .get(id)
                .unwrap_or_else(|| panic!("{at}: no request case for `{id}`"));
            let what = format!("request of `{id}` at {at}");
            let mut body = case.get("body").cloned();
            let mut params = parameters(case.get("params"));
            if let (Some(body), Some(request)) = (&body, &endpoint.request) {
                check_valid(&mut failures, &what, at, &request.schema, body);
            }
            let plan = DEMO.migrator.plan(id, at, Direction::Request).unwrap();
            if let Err(error) = plan.migrate_request(&mut body, &mut params) {
                failures.push(format!("{what}: {error}"));
                continue;
            }
            checked += 1;
            let expected_body = case.get("latest").cloned();
            if body != expected_body {
                failures.push(format!(
                    "{what}: got\n{}\nexpected\n{}",
                    pretty(&body.clone().unwrap_or_default()),
                    pretty(&expected_body.unwrap_or_default())
                ));
            }
            let expected_params =
                parameters(case.get("latest_params").or_else(|| case.get("params")));
            if params != expected_params {
                failures.push(format!(
                    "{what}: parameters {params:?}, expected {expected_params:?}"
                ));
            }
            if let Some(request) = latest_snapshot
                .endpoints
                .get(id)
                .and_then(|endpoint| endpoint.request.as_ref())
                && let Some(body) = &body
            {
                check_valid(
                    &mut failures,
                    &format!("{what}, migrated"),
                    latest,
                    &request.schema,
                    body,
                );
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(checked >= 90, "only {checked} requests checked");
}

/// The expected response at a version, from `{status, body, media_type}`.
fn expected_response(value: &Value) -> MigratedResponse {
    MigratedResponse {
        status: u16::try_from(value["status"].as_u64().unwrap()).unwrap(),
        body: value.get("body").cloned(),
        media_type: value
            .get("media_type")
            .and_then(Value::as_str)
            .map(str::to_owned),
    }
}

#[test]
fn responses_reach_every_version_from_latest() {
    let latest = DEMO.latest();
    let responses = PAYLOADS["responses"].as_object().unwrap();
    let mut failures = Vec::new();
    let mut checked = 0;
    for name in responses.keys() {
        assert!(
            DEMO.snapshot(latest).endpoints.contains_key(name),
            "`{name}` does not exist at latest"
        );
    }
    for (id, latest_endpoint) in &DEMO.snapshot(latest).endpoints {
        let cases = responses
            .get(id)
            .and_then(Value::as_array)
            .unwrap_or_else(|| panic!("no response cases for `{id}`"));
        let first: &Map<String, Value> = cases[0]["at"].as_object().unwrap();
        for at in DEMO.versions() {
            if DEMO.snapshot(at).endpoints.contains_key(id) {
                assert!(
                    first.contains_key(&at.to_string()),
                    "the first response case of `{id}` has nothing at {at}"
                );
            }
        }
        for case in cases {
            let input = expected_response(&case["latest"]);
            if let Some(body) = &input.body
                && let Some(declared) = latest_endpoint.responses.get(&input.status)
            {
                check_valid(
                    &mut failures,
                    &format!("latest response {} of `{id}`", input.status),
                    latest,
                    &declared.schema,
                    body,
                );
            }
            for (at, expected) in case["at"].as_object().unwrap() {
                let at = version(at);
                let what = format!("response {} of `{id}` at {at}", input.status);
                let plan = DEMO
                    .migrator
                    .plan(id, &at, Direction::Response)
                    .unwrap_or_else(|| panic!("{what}: no plan"));
                let expected = expected_response(expected);
                match plan.migrate_response(input.status, input.body.clone()) {
                    Ok(actual) if actual == expected => checked += 1,
                    Ok(actual) => failures.push(format!(
                        "{what}: got {} {:?}\n{}\nexpected {} {:?}\n{}",
                        actual.status,
                        actual.media_type,
                        pretty(&actual.body.unwrap_or_default()),
                        expected.status,
                        expected.media_type,
                        pretty(&expected.body.clone().unwrap_or_default())
                    )),
                    Err(error) => failures.push(format!("{what}: {error}")),
                }
                let declared = DEMO
                    .snapshot(&at)
                    .endpoints
                    .get(id)
                    .and_then(|endpoint| endpoint.responses.get(&expected.status));
                if let (Some(declared), Some(body)) = (declared, &expected.body) {
                    check_valid(&mut failures, &what, &at, &declared.schema, body);
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(checked >= 80, "only {checked} responses checked");
}
