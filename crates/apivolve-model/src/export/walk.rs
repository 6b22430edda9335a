//! The walk over a JSON Schema's subschemas, and the OpenAPI 3.0 `nullable` translation.
//!
//! The walk knows which keywords hold data (`const`, `enum`, `default`, `examples`) and leaves
//! them alone, so a `{"$ref": ...}` that is an example value is never mistaken for a reference.
//! Keywords that hold schemas by name (`properties`, `$defs`, ...) are entered value by value, so
//! a property called `const` or `$ref` is still a schema. Any other object or array is walked as
//! if it held schemas, which covers every applicator of 2020-12 and older drafts alike.

use serde_json::{Map, Value, json};

/// Keywords whose value is an instance, not a schema.
const DATA_KEYWORDS: &[&str] = &["const", "enum", "default", "examples", "example"];

/// Keywords whose value maps names to schemas.
const SCHEMA_MAP_KEYWORDS: &[&str] = &[
    "properties",
    "patternProperties",
    "$defs",
    "definitions",
    "dependentSchemas",
];

/// Deeper than this, the walk stops: a hostile schema cannot overflow the stack.
const MAX_DEPTH: usize = 256;

/// Calls `visit` on every object schema in `schema`, the root first (pre-order).
pub(crate) fn for_each_schema<'a>(
    schema: &'a Value,
    visit: &mut dyn FnMut(&'a Map<String, Value>),
) {
    walk(schema, visit, 0);
}

fn walk<'a>(schema: &'a Value, visit: &mut dyn FnMut(&'a Map<String, Value>), depth: usize) {
    let Value::Object(object) = schema else {
        return;
    };
    if depth > MAX_DEPTH {
        return;
    }
    visit(object);
    for (key, value) in object {
        if DATA_KEYWORDS.contains(&key.as_str()) {
            continue;
        }
        match value {
            Value::Object(map) if SCHEMA_MAP_KEYWORDS.contains(&key.as_str()) => {
                for subschema in map.values() {
                    walk(subschema, visit, depth + 1);
                }
            }
            _ => walk_any(value, visit, depth + 1),
        }
    }
}

fn walk_any<'a>(value: &'a Value, visit: &mut dyn FnMut(&'a Map<String, Value>), depth: usize) {
    match value {
        Value::Object(_) => walk(value, visit, depth),
        Value::Array(items) if depth <= MAX_DEPTH => {
            for item in items {
                walk_any(item, visit, depth + 1);
            }
        }
        _ => {}
    }
}

/// Calls `visit` on every object schema in `schema`, the root first; `visit` may reshape the
/// object it is given, and the walk then goes on into the new shape.
pub(crate) fn for_each_schema_mut(
    schema: &mut Value,
    visit: &mut dyn FnMut(&mut Map<String, Value>),
) {
    walk_mut(schema, visit, 0);
}

fn walk_mut(schema: &mut Value, visit: &mut dyn FnMut(&mut Map<String, Value>), depth: usize) {
    let Value::Object(object) = schema else {
        return;
    };
    if depth > MAX_DEPTH {
        return;
    }
    visit(object);
    for (key, value) in object.iter_mut() {
        if DATA_KEYWORDS.contains(&key.as_str()) {
            continue;
        }
        match value {
            Value::Object(map) if SCHEMA_MAP_KEYWORDS.contains(&key.as_str()) => {
                for subschema in map.values_mut() {
                    walk_mut(subschema, visit, depth + 1);
                }
            }
            _ => walk_any_mut(value, visit, depth + 1),
        }
    }
}

fn walk_any_mut(value: &mut Value, visit: &mut dyn FnMut(&mut Map<String, Value>), depth: usize) {
    match value {
        Value::Object(_) => walk_mut(value, visit, depth),
        Value::Array(items) if depth <= MAX_DEPTH => {
            for item in items {
                walk_any_mut(item, visit, depth + 1);
            }
        }
        _ => {}
    }
}

/// Rewrites OpenAPI 3.0's `nullable: true` into its JSON Schema 2020-12 meaning.
///
/// With a `type`, `"null"` joins it (and `null` joins an `enum`); without one (a `$ref`, an
/// `allOf`, a `const`), the schema becomes `anyOf: [schema, {type: null}]`. `nullable: false`
/// is dropped, as it meant nothing.
pub(crate) fn translate_nullable(object: &mut Map<String, Value>) {
    let Some(nullable) = object.remove("nullable") else {
        return;
    };
    if nullable != Value::Bool(true) {
        return;
    }
    let has_const = object.contains_key("const");
    match object.get_mut("type") {
        Some(Value::String(name)) if !has_const => {
            if name != "null" {
                let name = std::mem::take(name);
                object.insert("type".to_owned(), json!([name, "null"]));
            }
        }
        Some(Value::Array(names)) if !has_const => {
            if !names.iter().any(|name| name == "null") {
                names.push(json!("null"));
            }
        }
        _ => {
            let rest = std::mem::take(object);
            object.insert(
                "anyOf".to_owned(),
                json!([Value::Object(rest), {"type": "null"}]),
            );
            return;
        }
    }
    if let Some(Value::Array(values)) = object.get_mut("enum")
        && !values.contains(&Value::Null)
    {
        values.push(Value::Null);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn translated(mut schema: Value) -> Value {
        for_each_schema_mut(&mut schema, &mut translate_nullable);
        schema
    }

    #[test]
    fn nullable_joins_the_type_and_the_enum() {
        let schema = json!({"type": "string", "enum": ["a", "b"], "nullable": true});
        assert_eq!(
            translated(schema),
            json!({"type": ["string", "null"], "enum": ["a", "b", null]})
        );
        let schema = json!({"type": ["string", "integer"], "nullable": true});
        assert_eq!(
            translated(schema),
            json!({"type": ["string", "integer", "null"]})
        );
    }

    #[test]
    fn nullable_without_a_type_wraps_the_schema() {
        let schema = json!({"properties": {"a": {"$ref": "#/types/A", "nullable": true}}});
        let expected =
            json!({"properties": {"a": {"anyOf": [{"$ref": "#/types/A"}, {"type": "null"}]}}});
        assert_eq!(translated(schema), expected);
    }

    #[test]
    fn nullable_false_is_dropped_and_data_is_left_alone() {
        let schema = json!({"type": "object", "nullable": false, "default": {"nullable": true}});
        assert_eq!(
            translated(schema),
            json!({"type": "object", "default": {"nullable": true}})
        );
    }

    #[test]
    fn the_walk_enters_named_schemas_but_not_data() {
        let schema = json!({
            "properties": {"const": {"$ref": "#/types/A"}, "$ref": {"type": "string"}},
            "items": [{"$ref": "#/types/B"}],
            "examples": [{"$ref": "#/types/C"}],
            "enum": [{"$ref": "#/types/D"}],
        });
        let mut seen = Vec::new();
        for_each_schema(&schema, &mut |object| {
            if let Some(Value::String(reference)) = object.get("$ref") {
                seen.push(reference.clone());
            }
        });
        assert_eq!(seen, ["#/types/A", "#/types/B"]);
    }

    #[test]
    fn a_deep_schema_does_not_overflow_the_stack() {
        let mut schema = json!({"type": "string", "nullable": true});
        for _ in 0..1_000 {
            schema = json!({"items": schema});
        }
        let mut count = 0;
        for_each_schema(&schema, &mut |_| count += 1);
        assert_eq!(count, MAX_DEPTH + 1);
    }
}
