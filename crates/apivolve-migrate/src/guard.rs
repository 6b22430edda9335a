//! Which alternatives of a `oneOf` or `anyOf` a value can be, told from its shape.
//!
//! A type-level step walks into an alternative only when the value may be one: a value of one
//! alternative must not get the steps of another (a `Note` in a list of books and notes does not
//! get a book's fields), and a type nested in several alternatives is transformed once. The guard
//! is a necessary condition read from the alternative's schema (`type`, `const`, `enum`,
//! `required`, property `const`s, closed `additionalProperties`), not a full validation: when
//! it cannot tell alternatives apart, each one that fits is walked.
//!
//! A step applies to a value of its type only when the value has one of the type's JSON types
//! ([`Guard::shape`]): a string where an object is expected is left alone, not handed to jq.

use apivolve_model::{Schema, Snapshot};
use serde_json::Value;

use crate::tree::{Kind, Object, Tree};

/// What a value must look like to be one alternative.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Guard {
    /// JSON types it may have (`integer` counts as a `number`); any when empty.
    types: Vec<JsonType>,
    /// Values it may be (`const` or `enum`); any when `None`.
    values: Option<Vec<Value>>,
    /// Properties an object must have.
    required: Vec<String>,
    /// Properties that, when present, must have this value.
    constants: Vec<(String, Value)>,
    /// With `additionalProperties: false`: the only properties an object may have.
    closed: Option<Vec<String>>,
}

impl Guard {
    /// The guard of `schema` (refs to named types followed in `snapshot`).
    pub(crate) fn of(snapshot: &Snapshot, schema: &Schema) -> Self {
        let Some(map) = snapshot.resolve(schema).as_object() else {
            return Self::default();
        };
        let mut guard = Self::default();
        match map.get("type") {
            Some(Value::String(kind)) => guard.types.push(JsonType::of(kind)),
            Some(Value::Array(kinds)) => {
                guard.types = kinds
                    .iter()
                    .filter_map(Value::as_str)
                    .map(JsonType::of)
                    .collect();
            }
            _ => {}
        }
        if !guard.types.is_empty() && map.get("nullable") == Some(&Value::Bool(true)) {
            guard.types.push(JsonType::Null);
        }
        if let Some(constant) = map.get("const") {
            guard.values = Some(vec![constant.clone()]);
        } else if let Some(Value::Array(values)) = map.get("enum") {
            guard.values = Some(values.clone());
        }
        if let Some(Value::Array(required)) = map.get("required") {
            guard.required = required
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect();
        }
        if let Some(Value::Object(properties)) = map.get("properties") {
            guard.constants = properties
                .iter()
                .filter_map(|(name, property)| {
                    let constant = snapshot.resolve(property).get("const")?;
                    Some((name.clone(), constant.clone()))
                })
                .collect();
            if map.get("additionalProperties") == Some(&Value::Bool(false)) {
                guard.closed = Some(properties.keys().cloned().collect());
            }
        }
        guard
    }

    /// Only the JSON types of `schema`: a wrongly shaped value is skipped, but a value that
    /// misses a required property is still migrated.
    pub(crate) fn shape(snapshot: &Snapshot, schema: &Schema) -> Self {
        let guard = Self::of(snapshot, schema);
        Self {
            types: guard.types,
            ..Self::default()
        }
    }

    /// Whether the guard compares values (`const`, `enum`, property constants), not only the
    /// JSON type and the property names.
    pub(crate) fn reads_values(&self) -> bool {
        self.values.is_some() || !self.constants.is_empty()
    }

    /// Whether the guard reads nothing but the value's JSON type (as [`Guard::shape`]'s).
    pub(crate) fn is_shape(&self) -> bool {
        self.values.is_none()
            && self.required.is_empty()
            && self.constants.is_empty()
            && self.closed.is_none()
    }

    /// Whether an object passes the guard, when it [`Guard::is_shape`].
    pub(crate) fn admits_objects(&self) -> bool {
        self.types.is_empty() || self.types.contains(&JsonType::Object)
    }

    /// Whether `value` may be a value of the alternative.
    pub(crate) fn admits<'k, V: Tree<'k>>(&self, value: &V) -> bool {
        if !self.types.is_empty() && !self.types.iter().any(|kind| kind.admits(value)) {
            return false;
        }
        if let Some(values) = &self.values
            && !values.iter().any(|known| value.equals(known))
        {
            return false;
        }
        let Some(object) = value.as_object() else {
            return true;
        };
        self.required.iter().all(|name| object.contains_key(name))
            && self
                .constants
                .iter()
                .all(|(name, constant)| object.get(name).is_none_or(|value| value.equals(constant)))
            && self.closed.as_ref().is_none_or(|names| {
                object
                    .keys()
                    .all(|key| names.iter().any(|name| name == key))
            })
    }
}

/// A JSON Schema `type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum JsonType {
    Null,
    Boolean,
    String,
    Array,
    Object,
    Number,
    Integer,
    /// A name JSON Schema does not know: no value has it.
    Unknown,
}

impl JsonType {
    fn of(name: &str) -> Self {
        match name {
            "null" => Self::Null,
            "boolean" => Self::Boolean,
            "string" => Self::String,
            "array" => Self::Array,
            "object" => Self::Object,
            "number" => Self::Number,
            "integer" => Self::Integer,
            _ => Self::Unknown,
        }
    }

    fn admits<'k, V: Tree<'k>>(self, value: &V) -> bool {
        match (self, value.kind()) {
            (Self::Null, Kind::Null)
            | (Self::Boolean, Kind::Bool)
            | (Self::String, Kind::String)
            | (Self::Array, Kind::Array)
            | (Self::Object, Kind::Object)
            | (Self::Number, Kind::Number) => true,
            (Self::Integer, Kind::Number) => value.is_integer(),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn guard(schema: Value) -> Guard {
        let mut snapshot = Snapshot::default();
        snapshot.types.insert(
            "Note".into(),
            json!({"type": "object", "required": ["kind"], "properties": {"kind": {"const": "note"}}}),
        );
        Guard::of(&snapshot, &schema)
    }

    #[test]
    fn objects_are_told_apart_by_required_properties_and_constants() {
        let note = guard(json!({"$ref": "#/types/Note"}));
        assert!(note.admits(&json!({"kind": "note", "text": "hi"})));
        assert!(!note.admits(&json!({"kind": "book"})));
        assert!(!note.admits(&json!({"title": "Dune"})));
        assert!(!note.admits(&json!("note")));
        let closed = guard(
            json!({"type": "object", "properties": {"a": {}}, "additionalProperties": false}),
        );
        assert!(closed.admits(&json!({"a": 1})));
        assert!(!closed.admits(&json!({"a": 1, "b": 2})));
    }

    #[test]
    fn scalars_are_told_apart_by_type_and_values() {
        assert!(guard(json!({"type": "null"})).admits(&Value::Null));
        assert!(!guard(json!({"type": "null"})).admits(&json!({})));
        assert!(guard(json!({"type": "integer"})).admits(&json!(2.0)));
        assert!(!guard(json!({"type": "integer"})).admits(&json!(2.5)));
        assert!(guard(json!({"type": "number"})).admits(&json!(2)));
        assert!(guard(json!({"type": "string", "nullable": true})).admits(&Value::Null));
        assert!(guard(json!({"enum": ["a", "b"]})).admits(&json!("b")));
        assert!(!guard(json!({"enum": ["a", "b"]})).admits(&json!("c")));
        assert!(guard(json!({})).admits(&json!([1])));
    }

    #[test]
    fn shapes_only_look_at_json_types() {
        let shape = Guard::shape(
            &Snapshot::default(),
            &json!({"type": "object", "required": ["a"]}),
        );
        assert!(shape.admits(&json!({})));
        assert!(!shape.admits(&json!("a")));
    }
}
