//! Test fixtures: YAML files read as JSON values, and JSON Schema validation at a version.

use std::path::Path;

use apivolve_model::{Schema, Snapshot, export};
use serde_json::{Map, Number, Value};
use yaml_rust2::{Yaml, YamlLoader};

/// Reads a YAML fixture (anchors and aliases resolved) as JSON.
pub(crate) fn read_yaml(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap();
    let documents = YamlLoader::load_from_str(&text).unwrap();
    assert_eq!(documents.len(), 1, "{} holds one document", path.display());
    to_json(&documents[0])
}

fn to_json(yaml: &Yaml) -> Value {
    match yaml {
        Yaml::Null => Value::Null,
        Yaml::Boolean(flag) => Value::Bool(*flag),
        Yaml::Integer(number) => Value::from(*number),
        Yaml::Real(text) => Value::Number(Number::from_f64(text.parse().unwrap()).unwrap()),
        Yaml::String(text) => Value::String(text.clone()),
        Yaml::Array(items) => Value::Array(items.iter().map(to_json).collect()),
        Yaml::Hash(entries) => {
            let mut object = Map::new();
            for (key, value) in entries {
                let key = match key {
                    Yaml::String(text) => text.clone(),
                    Yaml::Integer(number) => number.to_string(),
                    other => panic!("unexpected key {other:?}"),
                };
                object.insert(key, to_json(value));
            }
            Value::Object(object)
        }
        other => panic!("unexpected YAML node {other:?}"),
    }
}

/// A validator for values of `schema` (a body schema that may refer to named types) at a version.
pub(crate) fn validator(snapshot: &Snapshot, schema: &Schema) -> jsonschema::Validator {
    jsonschema::draft202012::new(&export::body_schema(snapshot, schema)).unwrap()
}

/// The validation errors of `value`, one line each (empty when valid).
pub(crate) fn errors(validator: &jsonschema::Validator, value: &Value) -> Vec<String> {
    validator
        .iter_errors(value)
        .map(|error| format!("{} at `{}`", error, error.instance_path()))
        .collect()
}
