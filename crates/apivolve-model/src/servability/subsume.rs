//! Whether one schema accepts every value another accepts: a sound, conservative check.
//!
//! JSON Schema keywords are conjunctive, so `narrow` fits inside `wide` when every keyword of
//! `wide` is implied by `narrow`: the same keyword with the same value, or a tighter one (a
//! higher `minimum`, a smaller `enum`, more `required` fields, ...). When the check cannot tell,
//! it says no, and the caller asks the author for a migration.

use serde_json::{Map, Value};

/// Annotation keywords: they document, they do not validate.
const ANNOTATIONS: &[&str] = &[
    "title",
    "description",
    "examples",
    "example",
    "$comment",
    "default",
    "deprecated",
    "readOnly",
    "writeOnly",
];

/// The schema without annotations (`description`, `examples`, `x-...`), at every depth.
pub(crate) fn without_docs(schema: &Value) -> Value {
    match schema {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(key, _)| !ANNOTATIONS.contains(&key.as_str()) && !key.starts_with("x-"))
                .map(|(key, value)| {
                    // `enum`, `const` and `required` hold data; everything else may hold schemas.
                    let value = if matches!(key.as_str(), "enum" | "const" | "required") {
                        value.clone()
                    } else {
                        without_docs(value)
                    };
                    (key.clone(), value)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(without_docs).collect()),
        other => other.clone(),
    }
}

/// Whether the two schemas differ in what they accept (not only in their docs).
pub(crate) fn differ(a: &Value, b: &Value) -> bool {
    without_docs(a) != without_docs(b)
}

/// True when every value valid under `narrow` is valid under `wide` (false when unsure).
pub(crate) fn accepts_all(wide: &Value, narrow: &Value) -> bool {
    covers(&without_docs(wide), &without_docs(narrow), 0)
}

const MAX_DEPTH: usize = 64;

fn covers(wide: &Value, narrow: &Value, depth: usize) -> bool {
    if wide == narrow || is_anything(wide) || narrow == &Value::Bool(false) {
        return true;
    }
    if depth > MAX_DEPTH {
        return false;
    }
    let (Value::Object(wide), Value::Object(narrow)) = (wide, narrow) else {
        return false;
    };
    if narrow.get("nullable") == Some(&Value::Bool(true))
        && wide.get("nullable") != Some(&Value::Bool(true))
    {
        return false; // OpenAPI 3.0's `nullable` widens
    }
    wide.iter().all(|(keyword, value)| match keyword.as_str() {
        // These depend on their siblings: the same value can mean something else.
        "additionalProperties" => additional_fit(value, wide, narrow, depth),
        "items" => items_fit(value, wide, narrow, depth),
        "if" | "then" | "else" => ["if", "then", "else"]
            .iter()
            .all(|key| wide.get(*key) == narrow.get(*key)),
        "unevaluatedProperties" | "unevaluatedItems" => false,
        _ => narrow.get(keyword) == Some(value) || implied(keyword, value, wide, narrow, depth),
    })
}

fn items_fit(
    value: &Value,
    wide: &Map<String, Value>,
    narrow: &Map<String, Value>,
    depth: usize,
) -> bool {
    if wide.get("prefixItems") != narrow.get("prefixItems") {
        return false;
    }
    match value {
        Value::Object(_) | Value::Bool(_) => covers(
            value,
            narrow.get("items").unwrap_or(&Value::Bool(true)),
            depth + 1,
        ),
        // The draft 2019 array form: positional, compare as equal.
        _ => narrow.get("items") == Some(value),
    }
}

fn is_anything(schema: &Value) -> bool {
    match schema {
        Value::Bool(flag) => *flag,
        Value::Object(map) => map.is_empty(),
        _ => false,
    }
}

fn number(map: &Map<String, Value>, keyword: &str) -> Option<f64> {
    map.get(keyword).and_then(Value::as_f64)
}

/// Whether `narrow` implies the keyword `keyword: value` of `wide`.
fn implied(
    keyword: &str,
    value: &Value,
    wide: &Map<String, Value>,
    narrow: &Map<String, Value>,
    depth: usize,
) -> bool {
    match keyword {
        "type" => types_fit(value, narrow),
        "enum" => values_of(narrow).is_some_and(|values| {
            value
                .as_array()
                .is_some_and(|allowed| values.iter().all(|v| allowed.contains(v)))
        }),
        "const" => values_of(narrow).is_some_and(|values| values.iter().all(|v| v == value)),
        "minimum" => lower(value, narrow, |n, w| n >= w, |n, w| n >= w),
        "exclusiveMinimum" => lower(value, narrow, |n, w| n > w, |n, w| n >= w),
        "maximum" => upper(value, narrow, |n, w| n <= w, |n, w| n <= w),
        "exclusiveMaximum" => upper(value, narrow, |n, w| n < w, |n, w| n <= w),
        "minLength" | "minItems" | "minProperties" | "minContains" => value
            .as_f64()
            .is_some_and(|w| number(narrow, keyword).is_some_and(|n| n >= w)),
        "maxLength" | "maxItems" | "maxProperties" | "maxContains" => value
            .as_f64()
            .is_some_and(|w| number(narrow, keyword).is_some_and(|n| n <= w)),
        "multipleOf" => value.as_f64().is_some_and(|w| {
            number(narrow, keyword)
                .is_some_and(|n| w > 0.0 && ((n / w) - (n / w).round()).abs() < 1e-9)
        }),
        "uniqueItems" => {
            value == &Value::Bool(false) || narrow.get("uniqueItems") == Some(&Value::Bool(true))
        }
        "required" => value.as_array().is_some_and(|fields| {
            let have = narrow.get("required").and_then(Value::as_array);
            fields
                .iter()
                .all(|field| have.is_some_and(|have| have.contains(field)))
        }),
        "properties" => properties_fit(value, wide, narrow, depth),
        "allOf" => value.as_array().is_some_and(|branches| {
            branches
                .iter()
                .all(|branch| covers(branch, &Value::Object(narrow.clone()), depth + 1))
        }),
        "anyOf" => value.as_array().is_some_and(|branches| {
            let fits = |candidate: &Value| {
                branches
                    .iter()
                    .any(|branch| covers(branch, candidate, depth + 1))
            };
            let mut rest = narrow.clone();
            match rest.remove("anyOf") {
                // Each alternative of `narrow` (with the rest of `narrow`) fits some branch.
                Some(Value::Array(alternatives)) => alternatives.iter().all(|alternative| {
                    let mut combined = rest.clone();
                    combined.insert("allOf".to_owned(), Value::Array(vec![alternative.clone()]));
                    fits(alternative) || fits(&Value::Object(combined))
                }),
                _ => fits(&Value::Object(narrow.clone())),
            }
        }),
        "nullable" => true, // a `nullable` wide schema only widens
        _ => false,
    }
}

/// The values `narrow` is limited to (`enum` or `const`), if it is.
fn values_of(narrow: &Map<String, Value>) -> Option<Vec<Value>> {
    if let Some(Value::Array(values)) = narrow.get("enum") {
        return Some(values.clone());
    }
    narrow.get("const").map(|value| vec![value.clone()])
}

fn type_names(value: &Value) -> Vec<&str> {
    match value {
        Value::String(name) => vec![name.as_str()],
        Value::Array(names) => names.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(number) if number.is_i64() || number.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn types_fit(wide: &Value, narrow: &Map<String, Value>) -> bool {
    let allowed = type_names(wide);
    let fits =
        |name: &str| allowed.contains(&name) || (name == "integer" && allowed.contains(&"number"));
    match narrow.get("type") {
        Some(types) => {
            let names = type_names(types);
            !names.is_empty() && names.iter().all(|name| fits(name))
        }
        None => values_of(narrow)
            .is_some_and(|values| values.iter().all(|value| fits(json_type(value)))),
    }
}

/// A lower bound of `wide` (`value`) is implied by `narrow`'s `minimum` or `exclusiveMinimum`.
fn lower(
    value: &Value,
    narrow: &Map<String, Value>,
    by_minimum: fn(f64, f64) -> bool,
    by_exclusive: fn(f64, f64) -> bool,
) -> bool {
    let Some(bound) = value.as_f64() else {
        return false;
    };
    number(narrow, "minimum").is_some_and(|n| by_minimum(n, bound))
        || number(narrow, "exclusiveMinimum").is_some_and(|n| by_exclusive(n, bound))
}

fn upper(
    value: &Value,
    narrow: &Map<String, Value>,
    by_maximum: fn(f64, f64) -> bool,
    by_exclusive: fn(f64, f64) -> bool,
) -> bool {
    let Some(bound) = value.as_f64() else {
        return false;
    };
    number(narrow, "maximum").is_some_and(|n| by_maximum(n, bound))
        || number(narrow, "exclusiveMaximum").is_some_and(|n| by_exclusive(n, bound))
}

/// The schema `narrow` gives a property it does not list: nothing when extra properties are
/// refused, its `additionalProperties`, or anything.
fn unlisted(narrow: &Map<String, Value>) -> Value {
    if narrow.contains_key("patternProperties") {
        return Value::Bool(true);
    }
    narrow
        .get("additionalProperties")
        .cloned()
        .unwrap_or(Value::Bool(true))
}

fn properties_fit(
    value: &Value,
    wide: &Map<String, Value>,
    narrow: &Map<String, Value>,
    depth: usize,
) -> bool {
    let Some(wanted) = value.as_object() else {
        return false;
    };
    if wide.contains_key("patternProperties")
        && wide.get("patternProperties") != narrow.get("patternProperties")
    {
        return false;
    }
    let have = narrow.get("properties").and_then(Value::as_object);
    wanted.iter().all(
        |(name, schema)| match have.and_then(|have| have.get(name)) {
            Some(given) => covers(schema, given, depth + 1),
            None => covers(schema, &unlisted(narrow), depth + 1),
        },
    )
}

fn additional_fit(
    value: &Value,
    wide: &Map<String, Value>,
    narrow: &Map<String, Value>,
    depth: usize,
) -> bool {
    if wide.get("patternProperties") != narrow.get("patternProperties") {
        return false;
    }
    if value == &Value::Bool(true) {
        return true;
    }
    let listed = wide.get("properties").and_then(Value::as_object);
    let extra_fit = narrow
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter(|(name, _)| !listed.is_some_and(|listed| listed.contains_key(*name)))
        .all(|(_, schema)| covers(value, schema, depth + 1));
    extra_fit && covers(value, &unlisted(narrow), depth + 1)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn docs_do_not_count() {
        let a = json!({"type": "string", "description": "a", "properties": {"x": {"title": "t", "type": "integer"}}});
        let b =
            json!({"type": "string", "properties": {"x": {"type": "integer", "x-internal": true}}});
        assert!(!differ(&a, &b));
        assert!(differ(&a, &json!({"type": "integer"})));
    }

    #[test]
    fn tighter_constraints_fit_inside_looser_ones() {
        let wide = json!({"type": "string", "maxLength": 100});
        assert!(accepts_all(
            &wide,
            &json!({"type": "string", "maxLength": 50})
        ));
        assert!(!accepts_all(&wide, &json!({"type": "string"})));
        assert!(accepts_all(
            &json!({"type": "string"}),
            &json!({"type": "string", "maxLength": 5, "pattern": "^a"})
        ));
        assert!(accepts_all(
            &json!({"type": "number"}),
            &json!({"type": "integer"})
        ));
        assert!(!accepts_all(
            &json!({"type": "integer"}),
            &json!({"type": "number"})
        ));
        assert!(accepts_all(
            &json!({"type": ["string", "null"]}),
            &json!({"type": "string"})
        ));
        assert!(accepts_all(
            &json!({"minimum": 0}),
            &json!({"exclusiveMinimum": 0})
        ));
        assert!(!accepts_all(
            &json!({"exclusiveMinimum": 0}),
            &json!({"minimum": 0})
        ));
        assert!(accepts_all(&json!({"maximum": 10}), &json!({"maximum": 9})));
        assert!(accepts_all(
            &json!({"multipleOf": 2}),
            &json!({"multipleOf": 6})
        ));
        assert!(
            !accepts_all(&json!({"pattern": "^a"}), &json!({"pattern": "^ab"})),
            "patterns compare only as equal"
        );
    }

    #[test]
    fn enums_and_types() {
        assert!(accepts_all(
            &json!({"enum": ["a", "b"]}),
            &json!({"enum": ["a"]})
        ));
        assert!(!accepts_all(
            &json!({"enum": ["a"]}),
            &json!({"enum": ["a", "b"]})
        ));
        assert!(accepts_all(
            &json!({"type": "string"}),
            &json!({"enum": ["a", "b"]})
        ));
        assert!(accepts_all(&json!({"const": "a"}), &json!({"enum": ["a"]})));
        assert!(!accepts_all(&json!({"type": "string"}), &json!({})));
        assert!(accepts_all(&json!({}), &json!({"type": "string"})));
    }

    #[test]
    fn objects_and_arrays() {
        let wide =
            json!({"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]});
        let narrow = json!({"type": "object", "properties": {"a": {"type": "string", "maxLength": 3}, "b": {}}, "required": ["a", "b"]});
        assert!(accepts_all(&wide, &narrow));
        assert!(!accepts_all(&narrow, &wide));
        let closed =
            json!({"type": "object", "properties": {"a": {}}, "additionalProperties": false});
        assert!(accepts_all(
            &closed,
            &json!({"type": "object", "properties": {"a": {"type": "string"}}, "additionalProperties": false})
        ));
        assert!(!accepts_all(
            &closed,
            &json!({"type": "object", "properties": {"a": {}, "b": {}}, "additionalProperties": false})
        ));
        assert!(!accepts_all(
            &closed,
            &json!({"type": "object", "properties": {"a": {}}})
        ));
        assert!(accepts_all(
            &json!({"items": {"type": "number"}}),
            &json!({"items": {"type": "integer"}})
        ));
        assert!(!accepts_all(
            &json!({"items": {"type": "integer"}}),
            &json!({"type": "array"})
        ));
        assert!(!accepts_all(
            &json!({"$ref": "#/types/A"}),
            &json!({"$ref": "#/types/B"})
        ));
        let typed = json!({"properties": {"a": {}}, "additionalProperties": {"type": "string"}});
        let extra =
            json!({"properties": {"a": {}, "b": {}}, "additionalProperties": {"type": "string"}});
        assert!(
            !accepts_all(&typed, &extra),
            "`b` may hold a number in the narrow schema"
        );
        let closed_typed = json!({"properties": {"a": {}, "b": {"type": "string"}}, "additionalProperties": false});
        assert!(accepts_all(&typed, &closed_typed));
        let conditional = json!({"if": {"type": "string"}, "then": {"minLength": 1}});
        assert!(!accepts_all(
            &conditional,
            &json!({"if": {"type": "number"}, "then": {"minLength": 1}})
        ));
        assert!(accepts_all(
            &conditional,
            &json!({"if": {"type": "string"}, "then": {"minLength": 1}, "type": "string"})
        ));
    }

    #[test]
    fn combinators() {
        let any = json!({"anyOf": [{"type": "string"}, {"type": "null"}]});
        assert!(accepts_all(&any, &json!({"type": "string"})));
        assert!(accepts_all(
            &any,
            &json!({"anyOf": [{"type": "null"}, {"type": "string", "maxLength": 1}]})
        ));
        assert!(!accepts_all(&json!({"type": "string"}), &any));
        assert!(accepts_all(
            &json!({"allOf": [{"type": "string"}, {"maxLength": 5}]}),
            &json!({"type": "string", "maxLength": 2})
        ));
        assert!(!accepts_all(
            &json!({"oneOf": [{"type": "string"}]}),
            &json!({"type": "string", "minLength": 1})
        ));
    }
}
