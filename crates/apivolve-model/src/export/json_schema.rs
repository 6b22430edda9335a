//! JSON Schema 2020-12 exports: the whole version as one document, or one self-contained schema.

use serde_json::{Map, Value, json};

use crate::config::Config;
use crate::export::refs::Names;
use crate::snapshot::{Schema, Snapshot};

/// The `$schema` of every exported JSON Schema document.
pub const JSON_SCHEMA_DIALECT: &str = "https://json-schema.org/draft/2020-12/schema";

/// Where refs to named types point in JSON Schema exports.
const DEFS_PREFIX: &str = "#/$defs/";

/// The schema at `version` as one JSON Schema 2020-12 document.
///
/// Every named type is under `$defs` with its own name, and every `#/types/Name` ref is
/// rewritten to `#/$defs/Name`, so `{"$ref": "<$id>#/$defs/Name"}` validates a value of any
/// type. The `$id` is `urn:apivolve:<name>:<version>`. OpenAPI 3.0's `nullable: true` is
/// translated to its 2020-12 meaning; everything else passes through.
pub fn json_schema(snapshot: &Snapshot, config: &Config, version: &semver::Version) -> Value {
    let names = Names::identity(snapshot, DEFS_PREFIX);
    let defs: Map<String, Value> = snapshot
        .types
        .iter()
        .map(|(name, schema)| (name.clone(), names.export(schema)))
        .collect();
    let title = config.title.as_deref().unwrap_or(&config.name);
    json!({
        "$schema": JSON_SCHEMA_DIALECT,
        "$id": format!("urn:apivolve:{}:{version}", urn_escape(&config.name)),
        "title": format!("{title} {version}"),
        "$defs": defs,
    })
}

/// A self-contained JSON Schema 2020-12 for the named type `name`, or `None` if there is none.
///
/// The type's schema is at the root, with `$schema` added and a `$defs` holding every named
/// type it reaches (itself too, when it is recursive); refs point into that `$defs`. The
/// result compiles on its own, e.g. with `jsonschema::validator_for`.
pub fn type_schema(snapshot: &Snapshot, name: &str) -> Option<Value> {
    snapshot
        .types
        .get(name)
        .map(|schema| body_schema(snapshot, schema))
}

/// A self-contained JSON Schema 2020-12 for an inline schema that may refer to named types
/// (a request or response body's schema), built like [`type_schema`].
pub fn body_schema(snapshot: &Snapshot, schema: &Schema) -> Value {
    let names = Names::identity(snapshot, DEFS_PREFIX);
    let defs: Map<String, Value> = names
        .reachable(snapshot, schema)
        .into_iter()
        .filter_map(|name| Some((name.to_owned(), names.export(snapshot.types.get(name)?))))
        .collect();
    let mut document = Map::new();
    document.insert("$schema".to_owned(), json!(JSON_SCHEMA_DIALECT));
    match names.export(schema) {
        Value::Object(root) => document.extend(root),
        // A boolean schema (or something that is not a schema, which the validator will report).
        other => {
            document.insert("allOf".to_owned(), json!([other]));
        }
    }
    if !defs.is_empty() {
        match document.get_mut("$defs") {
            Some(Value::Object(own)) => own.extend(defs),
            _ => {
                document.insert("$defs".to_owned(), Value::Object(defs));
            }
        }
    }
    Value::Object(document)
}

/// A name as part of a URN: characters other than letters, digits and `-._~` percent-encoded.
fn urn_escape(name: &str) -> String {
    let mut escaped = String::with_capacity(name.len());
    for byte in name.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            escaped.push(char::from(byte));
        } else {
            escaped.push_str(&format!("%{byte:02X}"));
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot(types: Value) -> Snapshot {
        serde_json::from_value(json!({"types": types, "endpoints": {}})).unwrap()
    }

    #[test]
    fn a_type_schema_carries_only_what_it_reaches() {
        let snapshot = snapshot(json!({
            "User": {"type": "object", "properties": {"address": {"$ref": "#/types/Address"}}},
            "Address": {"type": "object", "properties": {"city": {"type": "string"}}},
            "Order": {"type": "object"},
        }));
        let schema = type_schema(&snapshot, "User").unwrap();
        assert_eq!(
            schema,
            json!({
                "$schema": JSON_SCHEMA_DIALECT,
                "type": "object",
                "properties": {"address": {"$ref": "#/$defs/Address"}},
                "$defs": {"Address": {"type": "object", "properties": {"city": {"type": "string"}}}},
            })
        );
        assert_eq!(type_schema(&snapshot, "Nobody"), None);
    }

    #[test]
    fn a_boolean_body_schema_is_wrapped() {
        let snapshot = snapshot(json!({}));
        assert_eq!(
            body_schema(&snapshot, &json!(false)),
            json!({"$schema": JSON_SCHEMA_DIALECT, "allOf": [false]})
        );
    }

    #[test]
    fn urn_names_are_escaped() {
        assert_eq!(urn_escape("my api/é"), "my%20api%2F%C3%A9");
    }
}
