//! Random sequences of changes, valid and invalid, over a small snapshot: `apply` never panics,
//! a failed change leaves the snapshot as it was, and a successful one keeps it consistent.

use apivolve_model::{
    Change, Snapshot, TYPE_REF_PREFIX, apply, compile_jq, jq_expressions, missing_migrations,
};
use proptest::prelude::*;
use serde_json::{Value, json};

const TYPES: &[&str] = &["A", "B", "C", "D"];
const FIELDS: &[&str] = &["a", "b", "c", "x", "x.y", "x.z", "a.b", "w.v.u", ""];
const ENDPOINTS: &[&str] = &["e1", "e2", "e3"];
const PATHS: &[&str] = &[
    "/p",
    "/p/{id}",
    "/q/{x}",
    "/q/{y}",
    "/p/{id}/{id}",
    "p",
    "/r/{",
];
const METHODS: &[&str] = &["GET", "POST", "PUT", "get"];
const STATUSES: &[u16] = &[200, 201, 404, 42];
const VALUES: &[&str] = &["v1", "v2", "v3"];
const DATES: &[&str] = &["2025-01-01", "2025-06-01"];
const JQ: &[&str] = &[".", ". + 1", "lenght", ")", "{a: .b}", "error(\"x\")"];

/// A valid starting point: objects with nested and referring fields, an enum, three endpoints.
fn base() -> Snapshot {
    serde_json::from_value(json!({
        "types": {
            "A": {"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "integer"}}, "required": ["b"]},
            "B": {"type": "string", "enum": ["v1", "v2"]},
            "C": {"type": "object", "properties": {
                "x": {"type": "object", "properties": {"y": {"type": "string"}}, "required": ["y"]},
                "c": {"$ref": "#/types/A"},
                "e": {"type": "string", "enum": ["v1"]}
            }}
        },
        "endpoints": {
            "e1": {"id": "e1", "methods": ["GET"], "path": "/p/{id}",
                   "parameters": [{"name": "id", "in": "path", "required": true}],
                   "responses": {"200": {"schema": {"$ref": "#/types/C"}}}},
            "e2": {"id": "e2", "methods": ["POST"], "path": "/p",
                   "request": {"schema": {"$ref": "#/types/A"}},
                   "responses": {"201": {"schema": {"$ref": "#/types/B"}}}}
        }
    }))
    .unwrap()
}

fn pick<T: Clone + std::fmt::Debug + 'static>(items: &'static [T]) -> BoxedStrategy<T> {
    proptest::sample::select(items).boxed()
}

fn schema() -> BoxedStrategy<Value> {
    prop_oneof![
        Just(json!({"type": "string"})),
        Just(json!({"type": "integer"})),
        Just(json!({"type": "string", "enum": ["v1", "v2"]})),
        Just(json!({"type": "object", "properties": {"a": {"type": "string"}, "r": {"$ref": "#/types/A"}}})),
        pick(TYPES).prop_map(|name| json!({"$ref": format!("{TYPE_REF_PREFIX}{name}")})),
        pick(TYPES).prop_map(|name| json!({"type": "array", "items": {"$ref": format!("{TYPE_REF_PREFIX}{name}")}})),
        Just(json!("not a schema")),
    ]
    .boxed()
}

fn body() -> BoxedStrategy<Value> {
    schema()
        .prop_map(|schema| json!({"schema": schema}))
        .boxed()
}

fn optional<T: std::fmt::Debug + Clone + 'static>(
    strategy: BoxedStrategy<T>,
) -> BoxedStrategy<Option<T>> {
    proptest::option::of(strategy).boxed()
}

/// One change, as its YAML would read, from the small name pools above.
fn change() -> BoxedStrategy<Value> {
    let type_changes = prop_oneof![
        (pick(TYPES), schema()).prop_map(|(name, schema)| json!({"add_type": {"name": name, "schema": schema}})),
        pick(TYPES).prop_map(|name| json!({"remove_type": {"name": name}})),
        (pick(TYPES), pick(TYPES)).prop_map(|(from, to)| json!({"rename_type": {"from": from, "to": to}})),
        (pick(TYPES), pick(FIELDS), schema(), any::<bool>(), optional(Just(json!(1)).boxed())).prop_map(
            |(t, field, schema, required, default)| {
                json!({"add_field": {"type": t, "field": field, "schema": schema, "required": required, "default": default}})
            }
        ),
        (pick(TYPES), pick(FIELDS)).prop_map(|(t, field)| json!({"remove_field": {"type": t, "field": field}})),
        (pick(TYPES), pick(FIELDS), pick(FIELDS))
            .prop_map(|(t, from, to)| json!({"rename_field": {"type": t, "from": from, "to": to}})),
        (pick(TYPES), pick(FIELDS), schema(), optional(pick(JQ)))
            .prop_map(|(t, field, schema, up)| json!({"change_field": {"type": t, "field": field, "schema": schema, "up": up}})),
        (pick(TYPES), pick(FIELDS), any::<bool>()).prop_map(|(t, field, required)| {
            let kind = if required { "make_required" } else { "make_optional" };
            json!({kind: {"type": t, "field": field}})
        }),
        (pick(TYPES), optional(pick(FIELDS)), pick(VALUES), optional(pick(VALUES)), any::<bool>()).prop_map(
            |(t, field, value, map, add)| {
                if add {
                    json!({"add_enum_value": {"type": t, "field": field, "value": value, "down_map": map}})
                } else {
                    json!({"remove_enum_value": {"type": t, "field": field, "value": value, "up_map": map}})
                }
            }
        ),
        (pick(TYPES), pick(FIELDS), pick(FIELDS))
            .prop_map(|(t, from, to)| json!({"move_field": {"type": t, "from": from, "to": to}})),
        (pick(TYPES), pick(FIELDS), proptest::collection::vec((pick(FIELDS), schema(), any::<bool>()), 0..3)).prop_map(
            |(t, field, into)| {
                let into: Vec<Value> = into.into_iter().map(|(name, schema, required)| json!({"name": name, "schema": schema, "required": required})).collect();
                json!({"split_field": {"type": t, "field": field, "into": into, "up": ".", "down": "."}})
            }
        ),
        (pick(TYPES), proptest::collection::vec(pick(&["a", "b", "c", "e", "x", "a.b"][..]), 1..4), pick(FIELDS), schema()).prop_map(
            |(t, fields, into, schema)| {
                json!({"merge_fields": {"type": t, "fields": fields, "into": {"name": into, "schema": schema}, "up": ".", "down": "."}})
            }
        ),
    ];
    let endpoint_changes = prop_oneof![
        (pick(ENDPOINTS), proptest::collection::vec(pick(METHODS), 1..3), pick(PATHS), any::<bool>(), optional(body()))
            .prop_map(|(id, methods, path, with_param, request)| {
                let parameters = if with_param { json!([{"name": "id", "in": "path"}]) } else { json!([]) };
                json!({"add_endpoint": {"id": id, "methods": methods, "path": path, "parameters": parameters,
                    "request": request, "responses": {"200": {"schema": {"$ref": "#/types/A"}}}}})
            }),
        (pick(ENDPOINTS), optional(pick(ENDPOINTS)))
            .prop_map(|(id, successor)| json!({"remove_endpoint": {"endpoint": id, "successor": successor}})),
        (pick(ENDPOINTS), pick(PATHS)).prop_map(|(id, path)| json!({"change_path": {"endpoint": id, "path": path}})),
        (pick(ENDPOINTS), pick(METHODS), pick(METHODS))
            .prop_map(|(id, from, to)| json!({"change_method": {"endpoint": id, "from": from, "to": to}})),
        (pick(ENDPOINTS), pick(&["id", "x", "y", "q"][..]), pick(&["path", "query", "header"][..]), any::<bool>()).prop_map(
            |(id, name, location, required)| {
                json!({"add_param": {"endpoint": id, "param": {"name": name, "in": location, "required": required}}})
            }
        ),
        (pick(ENDPOINTS), pick(&["id", "x", "q"][..]), pick(&["path", "query"][..]))
            .prop_map(|(id, name, location)| json!({"remove_param": {"endpoint": id, "name": name, "in": location}})),
        (pick(ENDPOINTS), pick(&["path", "query"][..]), pick(&["id", "x", "y"][..]), pick(&["id", "x", "y", "a/b"][..])).prop_map(
            |(id, location, from, to)| json!({"rename_param": {"endpoint": id, "in": location, "from": from, "to": to}})
        ),
        (pick(ENDPOINTS), optional(body()), optional(pick(JQ)))
            .prop_map(|(id, body, up)| json!({"set_request": {"endpoint": id, "body": body, "up": up}})),
        (pick(ENDPOINTS), pick(STATUSES), body())
            .prop_map(|(id, status, body)| json!({"set_response": {"endpoint": id, "status": status, "body": body}})),
        (pick(ENDPOINTS), pick(STATUSES))
            .prop_map(|(id, status)| json!({"remove_response": {"endpoint": id, "status": status}})),
        (optional(pick(ENDPOINTS)), pick(STATUSES), pick(STATUSES))
            .prop_map(|(id, from, to)| json!({"change_status": {"endpoint": id, "from": from, "to": to}})),
        (optional(pick(ENDPOINTS)), pick(&["application/problem+json", "text/plain", "application/json", ""][..]), optional(schema()))
            .prop_map(|(id, media_type, schema)| {
                json!({"change_error": {"endpoint": id, "shape": {"media_type": media_type, "schema": schema}, "down": "."}})
            }),
        (
            pick(ENDPOINTS),
            pick(&["preview", "stable", "deprecated", "sunset", "retired"][..]),
            optional(pick(DATES)),
            optional(pick(ENDPOINTS)),
            optional(pick(&[301_u16, 302, 308][..]))
        )
            .prop_map(|(id, state, date, successor, redirect)| {
                json!({"set_lifecycle": {"endpoint": id, "state": state, "date": date, "successor": successor, "redirect": redirect}})
            }),
        (optional(pick(ENDPOINTS)), optional(pick(TYPES)), optional(schema()), optional(pick(JQ))).prop_map(
            |(endpoint, type_name, schema, up)| {
                json!({"custom": {"description": "d", "endpoint": endpoint, "type": type_name, "schema": schema,
                    "up": up, "impact": "breaking"}})
            }
        ),
    ];
    prop_oneof![type_changes, endpoint_changes].boxed()
}

/// Drops `null` members, which stand for absent optional keys (except a `set_request` body).
fn tidy(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(key, value)| !value.is_null() || key == "body")
                .map(|(key, value)| (key, tidy(value)))
                .collect(),
        ),
        other => other,
    }
}

/// Every `$ref` string in a value, anywhere.
fn refs(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get("$ref") {
                found.push(reference.clone());
            }
            map.values().for_each(|child| refs(child, found));
        }
        Value::Array(items) => items.iter().for_each(|child| refs(child, found)),
        _ => {}
    }
}

/// Every `required` entry names a property of its object.
fn required_are_properties(value: &Value) -> bool {
    match value {
        Value::Object(map) => {
            let own = match (
                map.get("required").and_then(Value::as_array),
                map.get("properties").and_then(Value::as_object),
            ) {
                (Some(required), Some(properties)) => required.iter().all(|name| {
                    name.as_str()
                        .is_some_and(|name| properties.contains_key(name))
                }),
                (Some(required), None) => required.is_empty(),
                _ => true,
            };
            own && map.values().all(required_are_properties)
        }
        Value::Array(items) => items.iter().all(required_are_properties),
        _ => true,
    }
}

fn template(path: &str) -> Vec<String> {
    path.split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}'))
        .map(|(name, _)| name.to_owned())
        .collect()
}

/// What a successful change must leave true when it held before.
fn check_consistent(snapshot: &Snapshot) -> Result<(), TestCaseError> {
    let value = serde_json::to_value(snapshot).unwrap();
    let mut found = Vec::new();
    refs(&value, &mut found);
    for reference in found {
        let name = reference
            .strip_prefix(TYPE_REF_PREFIX)
            .unwrap_or(&reference);
        prop_assert!(
            snapshot.types.contains_key(name),
            "dangling `$ref` {reference} in {value:#}"
        );
    }
    prop_assert!(
        required_are_properties(&value),
        "a `required` entry without its property in {value:#}"
    );
    let mut routes = Vec::new();
    for endpoint in snapshot.endpoints.values() {
        let names = template(&endpoint.path);
        for parameter in endpoint
            .parameters
            .iter()
            .filter(|p| p.location == apivolve_model::ParameterLocation::Path)
        {
            prop_assert!(
                names.contains(&parameter.name),
                "path parameter {} not in {}",
                parameter.name,
                endpoint.path
            );
        }
        let shape: String = endpoint
            .path
            .split('{')
            .map(|part| part.split_once('}').map_or(part, |(_, rest)| rest))
            .collect();
        for method in &endpoint.methods {
            let route = (shape.clone(), method.clone());
            prop_assert!(!routes.contains(&route), "two endpoints answer {route:?}");
            routes.push(route);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn apply_is_total_transactional_and_consistent(changes in proptest::collection::vec(change(), 1..24)) {
        let mut snapshot = base();
        check_consistent(&snapshot)?;
        for value in changes {
            let value = tidy(value);
            let Ok(change) = serde_json::from_value::<Change>(value.clone()) else { continue };
            for (_, jq) in jq_expressions(&change) {
                let _ = compile_jq(&jq.0);
            }
            let before = snapshot.clone();
            match apply(&mut snapshot, &change) {
                Ok(()) => {
                    check_consistent(&snapshot).map_err(|error| TestCaseError::fail(format!("after {value}: {error}")))?;
                    let _ = missing_migrations(&change, &before, &snapshot);
                }
                Err(error) => {
                    prop_assert_eq!(&snapshot, &before, "a failed change left edits behind: {} {:?}", value, error);
                    prop_assert!(!error.message.is_empty());
                    prop_assert!(error.pointer.is_empty() || error.pointer.starts_with('/'), "{:?}", error);
                }
            }
        }
    }
}

#[test]
fn an_evolution_folds_into_the_expected_snapshot() {
    let changes = [
        json!({"add_field": {"type": "A", "field": "birthday", "schema": {"type": "string", "format": "date"}}}),
        json!({"rename_field": {"type": "A", "from": "a", "to": "full_name"}}),
        json!({"change_field": {"type": "A", "field": "b", "schema": {"type": "string"}, "up": "tostring", "down": "tonumber"}}),
        json!({"rename_type": {"from": "A", "to": "Person"}}),
        json!({"move_field": {"type": "C", "from": "x.y", "to": "y"}}),
        json!({"rename_param": {"endpoint": "e1", "in": "path", "from": "id", "to": "person_id"}}),
        json!({"set_lifecycle": {"endpoint": "e2", "state": "deprecated", "date": "2025-01-01"}}),
    ];
    let mut snapshot = base();
    for value in changes {
        let change: Change = serde_json::from_value(value).unwrap();
        apply(&mut snapshot, &change).unwrap();
    }
    insta::assert_json_snapshot!(snapshot);
}
