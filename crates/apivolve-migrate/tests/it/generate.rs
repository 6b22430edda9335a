//! Values valid against a JSON Schema at a version, generated for property tests.
//!
//! Covers what the demo API's schemas use: objects with their properties (required ones always,
//! optional ones sometimes) and `additionalProperties` maps, arrays, `enum` and `const`, strings,
//! integers (with `minimum`), numbers, booleans, `null` and type lists (`[string, "null"]`),
//! `oneOf`/`anyOf` (one alternative), `allOf` (the parts merged) and `$ref`s to named types.
//! Recursion is bounded: past `MAX_DEPTH` refs deep, arrays and maps are empty and optional
//! properties absent.

use apivolve_model::{Schema, Snapshot};
use proptest::prelude::*;
use proptest::strategy::Union;
use serde_json::{Map, Value, json};

/// How many `$ref`s deep a generated value goes before it stops growing.
const MAX_DEPTH: usize = 3;

/// A strategy for values of `schema` at `snapshot`.
pub(crate) fn values(snapshot: &Snapshot, schema: &Schema) -> BoxedStrategy<Value> {
    Generator { snapshot }.schema(schema, 0)
}

struct Generator<'s> {
    snapshot: &'s Snapshot,
}

impl Generator<'_> {
    fn schema(&self, schema: &Schema, depth: usize) -> BoxedStrategy<Value> {
        if let Some(name) = Snapshot::ref_name(schema) {
            let target = self.snapshot.types.get(name).unwrap();
            return self.schema(target, depth + 1);
        }
        let Some(map) = schema.as_object() else {
            return Just(json!(null)).boxed();
        };
        if let Some(constant) = map.get("const") {
            return Just(constant.clone()).boxed();
        }
        if let Some(Value::Array(values)) = map.get("enum") {
            return proptest::sample::select(values.clone()).boxed();
        }
        for keyword in ["oneOf", "anyOf"] {
            if let Some(Value::Array(alternatives)) = map.get(keyword) {
                let alternatives: Vec<_> = alternatives
                    .iter()
                    .map(|alternative| self.schema(alternative, depth))
                    .collect();
                return Union::new(alternatives).boxed();
            }
        }
        if let Some(Value::Array(parts)) = map.get("allOf") {
            let mut own = map.clone();
            own.remove("allOf");
            let mut strategies: Vec<_> =
                parts.iter().map(|part| self.schema(part, depth)).collect();
            strategies.push(self.schema(&Value::Object(own), depth));
            return strategies
                .prop_map(|objects| {
                    let mut merged = Map::new();
                    for object in objects {
                        if let Value::Object(object) = object {
                            merged.extend(object);
                        }
                    }
                    Value::Object(merged)
                })
                .boxed();
        }
        let types: Vec<&str> = match map.get("type") {
            Some(Value::String(kind)) => vec![kind.as_str()],
            Some(Value::Array(kinds)) => kinds.iter().filter_map(Value::as_str).collect(),
            _ if map.contains_key("properties") => vec!["object"],
            _ => vec!["string"],
        };
        let alternatives: Vec<_> = types
            .into_iter()
            .map(|kind| self.typed(kind, map, depth))
            .collect();
        Union::new(alternatives).boxed()
    }

    fn typed(&self, kind: &str, map: &Map<String, Value>, depth: usize) -> BoxedStrategy<Value> {
        match kind {
            "null" => Just(Value::Null).boxed(),
            "boolean" => any::<bool>().prop_map(Value::Bool).boxed(),
            "integer" => {
                let minimum = map.get("minimum").and_then(Value::as_i64).unwrap_or(-1000);
                (minimum..minimum + 2000).prop_map(Value::from).boxed()
            }
            // Quarters are exact in binary, so a value survives any conversion unchanged.
            "number" => (-4000i32..4000)
                .prop_map(|n| json!(f64::from(n) / 4.0))
                .boxed(),
            "string" => prop_oneof![
                1 => Just(String::new()),
                1 => Just(" ".to_owned()),
                8 => proptest::string::string_regex("[a-zA-Z]{1,6}( [a-z]{1,5}){0,2}").unwrap(),
            ]
            .prop_map(Value::String)
            .boxed(),
            "array" => {
                let items = map.get("items").cloned().unwrap_or(json!({}));
                if depth >= MAX_DEPTH {
                    return Just(json!([])).boxed();
                }
                let minimum = map.get("minItems").and_then(Value::as_u64).unwrap_or(0);
                let minimum = usize::try_from(minimum).unwrap();
                proptest::collection::vec(self.schema(&items, depth), minimum..minimum + 3)
                    .prop_map(Value::Array)
                    .boxed()
            }
            "object" => self.object(map, depth),
            other => panic!("the generator does not know type `{other}`"),
        }
    }

    fn object(&self, map: &Map<String, Value>, depth: usize) -> BoxedStrategy<Value> {
        let required: Vec<&str> = map
            .get("required")
            .and_then(Value::as_array)
            .map(|names| names.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let empty = Map::new();
        let properties = map
            .get("properties")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let fields: Vec<BoxedStrategy<Option<(String, Value)>>> = properties
            .iter()
            .map(|(name, schema)| {
                let name = name.clone();
                let value = self.schema(schema, depth);
                if required.contains(&name.as_str()) {
                    value
                        .prop_map(move |value| Some((name.clone(), value)))
                        .boxed()
                } else if depth >= MAX_DEPTH {
                    Just(None).boxed()
                } else {
                    proptest::option::of(value.prop_map(move |value| (name.clone(), value))).boxed()
                }
            })
            .collect();
        let extra = match map.get("additionalProperties") {
            Some(schema @ Value::Object(_)) if depth < MAX_DEPTH => {
                let declared: Vec<String> = properties.keys().cloned().collect();
                proptest::collection::btree_map(
                    "[a-z][a-z0-9]{0,3}",
                    self.schema(schema, depth),
                    0..3,
                )
                .prop_map(move |map| {
                    map.into_iter()
                        .filter(|(key, _)| !declared.contains(key))
                        .collect::<Vec<_>>()
                })
                .boxed()
            }
            _ => Just(Vec::new()).boxed(),
        };
        (fields, extra)
            .prop_map(|(fields, extra)| {
                let mut object: Map<String, Value> = fields.into_iter().flatten().collect();
                object.extend(extra);
                Value::Object(object)
            })
            .boxed()
    }
}
