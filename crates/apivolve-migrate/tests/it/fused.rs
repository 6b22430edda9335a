//! A plan applies consecutive walks in one pass over the value; the steps one after another
//! ([`Plan::step_by_step`]) are the reference. Both must give the same result, errors included,
//! on payloads valid at latest and on arbitrary JSON made of the API's own names and values; and
//! so must the plan on the payload's text (`migrate_request_bytes`, `migrate_response_bytes`),
//! which migrates the migration's own tree instead of a `serde_json::Value`.

use std::collections::BTreeSet;

use apivolve_migrate::{
    Direction, MigratedBytes, MigratedResponse, Migrator, Parameters, Plan, Registry,
};
use apivolve_model::{FoldOptions, History, Snapshot, fold};
use proptest::prelude::*;
use proptest::strategy::{BoxedStrategy, Union};
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};
use serde_json::{Map, Value, json};

use crate::demo::DEMO;
use crate::generate::values;
use crate::mini::project;

/// Property names, enum and `const` values found anywhere in the schemas of `history`.
fn vocabulary(history: &History) -> (Vec<String>, Vec<Value>) {
    fn collect(schema: &Value, names: &mut BTreeSet<String>, values: &mut Vec<Value>) {
        match schema {
            Value::Object(map) => {
                if let Some(Value::Object(properties)) = map.get("properties") {
                    names.extend(properties.keys().cloned());
                }
                if let Some(constant) = map.get("const") {
                    values.push(constant.clone());
                }
                if let Some(Value::Array(list)) = map.get("enum") {
                    values.extend(list.iter().cloned());
                }
                for inner in map.values() {
                    collect(inner, names, values);
                }
            }
            Value::Array(items) => {
                for inner in items {
                    collect(inner, names, values);
                }
            }
            _ => {}
        }
    }
    let mut names = BTreeSet::new();
    let mut found = vec![json!("1"), json!("2"), json!("x"), json!(""), json!(1.5)];
    for version in &history.chain {
        let snapshot = history.snapshot(version).unwrap();
        for schema in snapshot.types.values() {
            collect(schema, &mut names, &mut found);
        }
        for endpoint in snapshot.endpoints.values() {
            collect(
                &serde_json::to_value(endpoint).unwrap(),
                &mut names,
                &mut found,
            );
        }
    }
    found.sort_by_key(ToString::to_string);
    found.dedup();
    names.extend(["kind", "type", "id"].map(str::to_owned));
    (names.into_iter().collect(), found)
}

/// Arbitrary JSON whose keys and strings come from the API's vocabulary.
fn arbitrary(names: &[String], found: &[Value]) -> BoxedStrategy<Value> {
    let names = names.to_vec();
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-3_i64..40).prop_map(Value::from),
        proptest::sample::select(found.to_vec()),
    ];
    leaf.prop_recursive(5, 64, 6, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::vec((proptest::sample::select(names.clone()), inner), 0..7)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect::<Map<_, _>>())),
        ]
    })
    .boxed()
}

/// Values of `schema` at `snapshot`, half of them valid, half arbitrary.
fn payloads(
    snapshot: &Snapshot,
    schema: Option<&Value>,
    vocabulary: &(Vec<String>, Vec<Value>),
) -> BoxedStrategy<Value> {
    let arbitrary = arbitrary(&vocabulary.0, &vocabulary.1);
    match schema {
        Some(schema) => Union::new([values(snapshot, schema), arbitrary]).boxed(),
        None => arbitrary,
    }
}

fn runner() -> TestRunner {
    let config = Config {
        cases: 24,
        failure_persistence: None,
        ..Config::default()
    };
    TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha))
}

fn same<T: PartialEq + std::fmt::Debug>(
    fused: T,
    reference: T,
    what: &str,
) -> Result<(), TestCaseError> {
    if fused == reference {
        Ok(())
    } else {
        Err(TestCaseError::fail(format!(
            "{what}: fused {fused:?}, step by step {reference:?}"
        )))
    }
}

/// `serde_json`'s text of a value.
fn text(value: &Value) -> Vec<u8> {
    serde_json::to_vec(value).unwrap()
}

/// The response migrated from bytes is the text of the response migrated as a value (the
/// payloads are `serde_json`'s own text, so even the numbers are written alike), errors included.
fn same_bytes(
    value: &apivolve_migrate::Result<MigratedResponse>,
    bytes: apivolve_migrate::Result<MigratedBytes>,
) -> Result<(), TestCaseError> {
    let expected = value.clone().map(|migrated| {
        let text_body = migrated
            .media_type
            .as_deref()
            .is_some_and(|media_type| media_type.starts_with("text/"));
        MigratedBytes {
            status: migrated.status,
            body: migrated.body.map(|body| match body.as_str() {
                Some(string) if text_body => string.as_bytes().to_vec(),
                _ => text(&body),
            }),
            media_type: migrated.media_type,
        }
    });
    same(bytes, expected, "response from bytes")
}

/// Every plan of `migrator`, at every version of `history`, fused and step by step, on requests,
/// responses of each status (and an undeclared error), and values of each type.
fn compare_everything(history: &History, migrator: &Migrator) -> usize {
    let vocabulary = vocabulary(history);
    let Some(latest) = history.latest() else {
        return 0;
    };
    let latest_snapshot = history.snapshot(latest).unwrap();
    let mut compared = 0;
    let mut check = |plan: &Plan, strategy: BoxedStrategy<Value>, status: Option<u16>| {
        let reference = plan.step_by_step();
        runner()
            .run(&strategy, |payload| {
                match status {
                    Some(status) => {
                        let fused = plan.migrate_response(status, Some(payload.clone()));
                        same_bytes(
                            &fused,
                            plan.migrate_response_bytes(status, Some(&text(&payload))),
                        )?;
                        same(
                            fused,
                            reference.migrate_response(status, Some(payload)),
                            "response",
                        )?;
                    }
                    None if plan.direction == Direction::Request => {
                        let (mut body, mut parameters) =
                            (Some(payload.clone()), Parameters::default());
                        let fused = plan.migrate_request(&mut body, &mut parameters);
                        let payload_copy = payload.clone();
                        let (mut expected, mut expected_parameters) =
                            (Some(payload), Parameters::default());
                        let step_by_step =
                            reference.migrate_request(&mut expected, &mut expected_parameters);
                        same(fused.clone(), step_by_step, "request")?;
                        let mut bytes_parameters = Parameters::default();
                        let bytes = plan.migrate_request_bytes(
                            Some(&text(&payload_copy)),
                            &mut bytes_parameters,
                        );
                        same(
                            bytes.clone().map(|_| ()),
                            fused.clone(),
                            "request from bytes",
                        )?;
                        if fused.is_ok() {
                            same(
                                bytes.ok().flatten(),
                                body.as_ref().map(text),
                                "request body from bytes",
                            )?;
                            same(&bytes_parameters, &parameters, "parameters from bytes")?;
                            same(body, expected, "request body")?;
                            same(parameters, expected_parameters, "parameters")?;
                        }
                    }
                    None => same(
                        plan.migrate_value(payload.clone()),
                        reference.migrate_value(payload),
                        "value",
                    )?,
                }
                Ok(())
            })
            .unwrap_or_else(|error| panic!("{plan}{error}"));
        compared += 1;
    };
    for version in &history.chain {
        let snapshot = history.snapshot(version).unwrap();
        for (id, endpoint) in &snapshot.endpoints {
            if let Some(plan) = migrator.plan(id, version, Direction::Request) {
                let schema = endpoint.request.as_ref().map(|body| &body.schema);
                check(plan, payloads(snapshot, schema, &vocabulary), None);
            }
            let Some(plan) = migrator.plan(id, version, Direction::Response) else {
                continue;
            };
            if plan.is_empty() {
                continue;
            }
            let latest_endpoint = latest_snapshot.endpoints.get(id);
            let mut statuses: Vec<(u16, Option<&Value>)> = latest_endpoint
                .map(|endpoint| {
                    endpoint
                        .responses
                        .iter()
                        .map(|(status, body)| (*status, Some(&body.schema)))
                        .collect()
                })
                .unwrap_or_default();
            let error_schema = latest_endpoint
                .and_then(|endpoint| endpoint.error.as_ref())
                .and_then(|shape| shape.schema.as_ref());
            statuses.push((599, error_schema));
            statuses.push((299, None));
            for (status, schema) in statuses {
                check(
                    plan,
                    payloads(latest_snapshot, schema, &vocabulary),
                    Some(status),
                );
            }
        }
        for name in snapshot.types.keys() {
            for (from, to) in [(version, latest), (latest, version)] {
                let Ok(plan) = migrator.type_plan(name, from, to) else {
                    continue;
                };
                let at = history.snapshot(from).unwrap();
                let schema = json!({"$ref": format!("{}{name}", apivolve_model::TYPE_REF_PREFIX)});
                check(&plan, payloads(at, Some(&schema), &vocabulary), None);
            }
        }
    }
    compared
}

#[test]
fn fused_walks_match_the_steps_one_after_another_on_the_demo() {
    let compared = compare_everything(&DEMO.history, &DEMO.migrator);
    assert!(compared >= 100, "only {compared} plans compared");
}

/// Shapes that make the fused walk hand values over to the steps: recursive types, places of
/// a type inside places of another, alternatives told apart by required properties and
/// constants that the steps rename and change, `allOf` parts that reach the same value twice.
const SHAPES: &str = r##"
description: Shapes for the fused walk.
changes:
  - add_type:
      name: Leaf
      schema:
        type: object
        required: [label]
        properties:
          label: {type: string}
          kind: {const: leaf}
          size: {type: integer}
  - add_type:
      name: Tree
      schema:
        type: object
        properties:
          label: {type: string}
          leaf: {$ref: "#/types/Leaf"}
          children: {type: array, items: {$ref: "#/types/Tree"}}
          tags: {type: object, additionalProperties: {$ref: "#/types/Leaf"}}
          pair: {type: array, prefixItems: [{$ref: "#/types/Leaf"}, {$ref: "#/types/Tree"}]}
  - add_type:
      name: Either
      schema:
        oneOf:
          - {$ref: "#/types/Leaf"}
          - {type: object, required: [name], properties: {name: {type: string}, kind: {const: other}}}
          - {type: "null"}
  - add_type:
      name: Both
      schema:
        allOf:
          - {$ref: "#/types/Leaf"}
          - {type: object, properties: {extra: {$ref: "#/types/Leaf"}}}
  - add_endpoint:
      id: shapes.put
      methods: [PUT]
      path: /shapes
      request:
        schema:
          type: object
          properties:
            tree: {$ref: "#/types/Tree"}
            either: {type: array, items: {$ref: "#/types/Either"}}
            both: {$ref: "#/types/Both"}
            maybe: {anyOf: [{$ref: "#/types/Leaf"}, {type: "null"}]}
      responses:
        200:
          schema:
            type: object
            properties:
              tree: {$ref: "#/types/Tree"}
              either: {type: array, items: {$ref: "#/types/Either"}}
              both: {$ref: "#/types/Both"}
              maybe: {anyOf: [{$ref: "#/types/Leaf"}, {type: "null"}]}
"##;

fn tricky_shapes() -> (History, Migrator) {
    let evolutions = [
        SHAPES,
        "description: a\nchanges:\n  - rename_field: {type: Leaf, from: label, to: title}\n  - add_field: {type: Tree, field: weight, schema: {type: integer}, default: 1}\n",
        "description: b\nchanges:\n  - add_field: {type: Leaf, field: label, schema: {type: string}, default: \"\"}\n  - change_field: {type: Leaf, field: size, schema: {type: string}, up: 'tostring', down: 'tonumber'}\n",
        r##"
description: c
changes:
  - rename_field: {type: Leaf, from: title, to: name}
  - rename_field: {type: Tree, from: label, to: title}
  - custom:
      description: counts
      type: Leaf
      impact: breaking
      schema:
        type: object
        required: [name]
        properties:
          name: {type: string}
          kind: {const: leaf}
          size: {type: string}
          label: {type: string}
          seen: {type: integer}
      up: '.seen = ((.seen // 0) + 1)'
      down: 'if .size == "1" then error("one") else .seen = ((.seen // 0) - 1) end'
"##,
        r##"
description: d
changes:
  - rename_field: {type: Leaf, from: name, to: label2}
  - custom:
      description: twos
      type: Leaf
      impact: breaking
      schema:
        type: object
        required: [label2]
        properties:
          label2: {type: string}
          kind: {const: leaf}
          size: {type: string}
          label: {type: string}
          seen: {type: integer}
      up: '.'
      down: 'if .size == "2" then error("two") else . end'
  - custom:
      description: counts
      type: Tree
      impact: breaking
      schema:
        type: object
        properties:
          title: {type: string}
          weight: {type: integer}
          count: {type: integer}
          leaf: {$ref: "#/types/Leaf"}
          children: {type: array, items: {$ref: "#/types/Tree"}}
          tags: {type: object, additionalProperties: {$ref: "#/types/Leaf"}}
          pair: {type: array, prefixItems: [{$ref: "#/types/Leaf"}, {$ref: "#/types/Tree"}]}
      up: '.'
      down: 'if (.children | length) == 3 then error("three") else .count = (.children | length) end'
"##,
    ];
    let project = project(&evolutions);
    let (history, diagnostics) = fold(&project, &FoldOptions::default());
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    let migrator = Migrator::compile(&project, &history, &Registry::new()).unwrap();
    (history, migrator)
}

#[test]
fn fused_walks_match_the_steps_one_after_another_on_tricky_shapes() {
    let (history, migrator) = tricky_shapes();
    let compared = compare_everything(&history, &migrator);
    assert!(compared >= 20, "only {compared} plans compared");
}

/// The steps one after another stop at the first step that fails anywhere; the fused walk meets
/// a later step's failure first (on the first leaf) and must still report the earlier step's.
#[test]
fn a_fused_walk_reports_the_failure_of_the_earliest_step() {
    let (_, migrator) = tricky_shapes();
    let plan = migrator
        .plan(
            "shapes.put",
            &semver::Version::new(2, 0, 0),
            Direction::Response,
        )
        .unwrap();
    let leaf = |size: &str| json!({"label2": "a", "kind": "leaf", "size": size});
    let body = json!({"either": [leaf("1"), leaf("2")]});
    let fused = plan.migrate_response(200, Some(body.clone()));
    let reference = plan.step_by_step().migrate_response(200, Some(body));
    eprintln!("{plan}\n{fused:?}\n{reference:?}");
    assert_eq!(fused, reference);
    assert!(fused.unwrap_err().to_string().contains("two"));
}
