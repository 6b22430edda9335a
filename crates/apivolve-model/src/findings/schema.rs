//! The recursive structural comparison of two schemas, judged in the cursor's direction.
//!
//! The order of a comparison: nullability (any spelling) is split off first, then `$ref`s are
//! followed (both sides named: once per type pair; one side named: once per place on the
//! other side), then `oneOf`/`anyOf`/`allOf`, then the
//! `type`; an incompatible type change stops there. Otherwise enums, constraints, properties,
//! items and any other keyword are compared.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use super::Rule;
use super::composition::split_null;
use super::walk::{Cursor, Side, Walker};
use crate::snapshot::Snapshot;

/// The schema that accepts anything: what a missing `items` or a dangling `$ref` stands for.
pub(super) static ANY: Value = Value::Bool(true);

/// Keywords that never produce a finding.
const ANNOTATIONS: &[&str] = &[
    "description",
    "title",
    "examples",
    "example",
    "$comment",
    "deprecated",
    "externalDocs",
    "$schema",
    "$id",
];

/// Keywords some dedicated rule judges.
const JUDGED: &[&str] = &[
    "$ref",
    "type",
    "nullable",
    "properties",
    "required",
    "items",
    "additionalProperties",
    "enum",
    "const",
    "minLength",
    "maxLength",
    "pattern",
    "format",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minItems",
    "maxItems",
    "uniqueItems",
    "readOnly",
    "writeOnly",
    "default",
    "oneOf",
    "anyOf",
    "allOf",
];

impl Walker<'_> {
    /// Compares `old` with `new` at `cursor`.
    pub(super) fn compare(&mut self, old: &Value, new: &Value, cursor: &Cursor<'_>) {
        if cursor.too_deep() || unchanged(old, new) {
            return;
        }
        let (old_nullable, old) = split_null(old);
        let (new_nullable, new) = split_null(new);
        if old_nullable != new_nullable {
            let site = cursor.site.phrase();
            let target = cursor.target();
            if new_nullable {
                let rule = cursor.pick(Rule::RequestBecameNullable, Rule::ResponseBecameNullable);
                self.report(
                    rule,
                    cursor,
                    format!("{target} may now be `null` in {site}"),
                );
            } else {
                let rule = cursor.pick(
                    Rule::RequestBecameNonNullable,
                    Rule::ResponseBecameNonNullable,
                );
                self.report(
                    rule,
                    cursor,
                    format!("{target} can no longer be `null` in {site}"),
                );
            }
        }
        self.compare_core(&old, &new, cursor);
    }

    fn compare_core(&mut self, old: &Value, new: &Value, cursor: &Cursor<'_>) {
        let (old_types, new_types) = (&self.old.types, &self.new.types);
        match (Snapshot::ref_name(old), Snapshot::ref_name(new)) {
            (Some(old_name), Some(new_name)) => {
                return self.compare_named(old_name, new_name, cursor);
            }
            (Some(old_name), None) => {
                if self.enter_crossing(Side::Old, old_name, cursor) {
                    let target = old_types.get(old_name).unwrap_or(&ANY);
                    self.compare(target, new, &cursor.one_side(Side::Old, old_name));
                }
                return;
            }
            (None, Some(new_name)) => {
                if self.enter_crossing(Side::New, new_name, cursor) {
                    let target = new_types.get(new_name).unwrap_or(&ANY);
                    self.compare(old, target, &cursor.one_side(Side::New, new_name));
                }
                return;
            }
            (None, None) => {}
        }
        if self.compare_alternatives(old, new, cursor) {
            return;
        }
        self.compare_all_of(old, new, cursor);
        if !self.compare_types(old, new, cursor) {
            return;
        }
        self.compare_enums(old, new, cursor);
        self.compare_constraints(old, new, cursor);
        self.compare_properties(old, new, cursor);
        if old.get("items").is_some() || new.get("items").is_some() {
            let (old_items, new_items) = (
                old.get("items").unwrap_or(&ANY),
                new.get("items").unwrap_or(&ANY),
            );
            self.compare(old_items, new_items, &cursor.child("*"));
        }
        self.compare_other_keywords(old, new, cursor);
    }

    /// Both sides are references: compares the two named types once per direction.
    fn compare_named(&mut self, old_name: &str, new_name: &str, cursor: &Cursor<'_>) {
        let Some(pair) = self.enter_pair(old_name, new_name, cursor) else {
            return;
        };
        if old_name != new_name {
            let rule = cursor.pick(
                Rule::RequestTypeReferenceChanged,
                Rule::ResponseTypeReferenceChanged,
            );
            let message = format!(
                "{} refers to `{new_name}` instead of `{old_name}` in {}",
                cursor.target(),
                cursor.site.phrase()
            );
            self.report_owned(rule, cursor, Some(pair), message);
        }
        let (old_types, new_types) = (&self.old.types, &self.new.types);
        let old_target = old_types.get(old_name).unwrap_or(&ANY);
        let new_target = new_types.get(new_name).unwrap_or(&ANY);
        self.compare(
            old_target,
            new_target,
            &cursor.pair(old_name, new_name, pair),
        );
    }

    fn compare_properties(&mut self, old: &Value, new: &Value, cursor: &Cursor<'_>) {
        let empty = Map::new();
        let old_properties = old
            .get("properties")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let new_properties = new
            .get("properties")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let (old_required, new_required) = (required(old), required(new));
        let site = cursor.site.phrase();

        let removed = missing_from(old_properties, new_properties);
        let added = missing_from(new_properties, old_properties);
        let renames = renames(old_properties, new_properties, &removed, &added);
        for (from, to) in &renames {
            let rule = cursor.pick(Rule::RequestPropertyRenamed, Rule::ResponsePropertyRenamed);
            let message = format!("{} was renamed to `{to}` in {site}", cursor.property(from));
            self.report(rule, &cursor.child(from), message);
        }
        for name in removed
            .iter()
            .filter(|name| !renames.iter().any(|(from, _)| from == *name))
        {
            let rule = cursor.pick(Rule::RequestPropertyRemoved, Rule::ResponsePropertyRemoved);
            let message = format!("{} was removed from {site}", cursor.property(name));
            self.report(rule, &cursor.child(name), message);
        }
        for name in added
            .iter()
            .filter(|name| !renames.iter().any(|(_, to)| to == *name))
        {
            let (rule, kind) = if new_required.contains(name) {
                (
                    cursor.pick(
                        Rule::RequestRequiredPropertyAdded,
                        Rule::ResponseRequiredPropertyAdded,
                    ),
                    "required",
                )
            } else {
                (
                    cursor.pick(Rule::RequestPropertyAdded, Rule::ResponsePropertyAdded),
                    "optional",
                )
            };
            let message = format!("{kind} {} was added to {site}", cursor.property(name));
            self.report(rule, &cursor.child(name), message);
        }
        let mut aligned = new_properties.iter();
        for (name, old_schema) in old_properties {
            let new_schema = match aligned.next() {
                Some((key, schema)) if key == name => Some(schema),
                _ => new_properties.get(name),
            };
            if let Some(new_schema) = new_schema
                && !unchanged(old_schema, new_schema)
            {
                self.compare(old_schema, new_schema, &cursor.child(name));
            }
        }
        // Required-ness of properties on both sides (or declared on neither, as with `allOf`).
        for name in old_required.union(&new_required) {
            if old_properties.contains_key(*name) != new_properties.contains_key(*name) {
                continue;
            }
            let (rule, became) = match (old_required.contains(name), new_required.contains(name)) {
                (false, true) => (
                    cursor.pick(
                        Rule::RequestPropertyBecameRequired,
                        Rule::ResponsePropertyBecameRequired,
                    ),
                    "required",
                ),
                (true, false) => (
                    cursor.pick(
                        Rule::RequestPropertyBecameOptional,
                        Rule::ResponsePropertyBecameOptional,
                    ),
                    "optional",
                ),
                _ => continue,
            };
            let message = format!("{} became {became} in {site}", cursor.property(name));
            self.report(rule, &cursor.child(name), message);
        }
    }

    /// Any keyword no dedicated rule judges.
    fn compare_other_keywords(&mut self, old: &Value, new: &Value, cursor: &Cursor<'_>) {
        let empty = Map::new();
        let old_object = old.as_object().unwrap_or(&empty);
        let new_object = new.as_object().unwrap_or(&empty);
        let keywords: BTreeSet<&String> = old_object.keys().chain(new_object.keys()).collect();
        for keyword in keywords {
            if JUDGED.contains(&keyword.as_str()) || is_annotation(keyword) {
                continue;
            }
            let (old_value, new_value) = (old_object.get(keyword), new_object.get(keyword));
            if old_value.map(normalized) != new_value.map(normalized) {
                let rule = cursor.pick(Rule::RequestSchemaChanged, Rule::ResponseSchemaChanged);
                let message = format!(
                    "keyword `{keyword}` of {} changed in {}",
                    cursor.target(),
                    cursor.site.phrase()
                );
                self.report(rule, cursor, message);
            }
        }
    }
}

/// The keys of `map` that `other` lacks, in order. The key at the same position of `other` is
/// tried first: properties are mostly added at the end and renamed in place, so most keys are
/// found without hashing.
fn missing_from<'m>(map: &'m Map<String, Value>, other: &Map<String, Value>) -> Vec<&'m str> {
    let mut aligned = other.keys();
    map.keys()
        .filter(|name| aligned.next() != Some(*name) && !other.contains_key(*name))
        .map(String::as_str)
        .collect()
}

/// Equal schemas without a `$ref` anywhere inside: comparing them finds nothing and reaches no
/// named type, so the walk can skip them (most of a large type is unchanged between versions).
fn unchanged(old: &Value, new: &Value) -> bool {
    old == new && !has_ref(old)
}

/// Whether a `$ref` key occurs anywhere in `value`.
fn has_ref(value: &Value) -> bool {
    match value {
        Value::Object(map) => map
            .iter()
            .any(|(key, child)| key == "$ref" || has_ref(child)),
        Value::Array(items) => items.iter().any(has_ref),
        _ => false,
    }
}

fn is_annotation(keyword: &str) -> bool {
    ANNOTATIONS.contains(&keyword) || keyword.starts_with("x-")
}

fn required(schema: &Value) -> BTreeSet<&str> {
    schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect()
}

/// Pairs each removed property with the one added property whose schema is identical
/// (annotations aside), when that pairing is unambiguous both ways.
fn renames<'n>(
    old_properties: &Map<String, Value>,
    new_properties: &Map<String, Value>,
    removed: &[&'n str],
    added: &[&'n str],
) -> Vec<(&'n str, &'n str)> {
    let old_schemas: Vec<Value> = removed
        .iter()
        .map(|name| {
            old_properties
                .get(*name)
                .map(normalized)
                .unwrap_or_default()
        })
        .collect();
    let new_schemas: Vec<Value> = added
        .iter()
        .map(|name| {
            new_properties
                .get(*name)
                .map(normalized)
                .unwrap_or_default()
        })
        .collect();
    let mut pairs = Vec::new();
    for (from, old_schema) in removed.iter().zip(&old_schemas) {
        let mut candidates = added
            .iter()
            .zip(&new_schemas)
            .filter(|(_, new_schema)| *new_schema == old_schema);
        let (Some((to, _)), None) = (candidates.next(), candidates.next()) else {
            continue;
        };
        if old_schemas
            .iter()
            .filter(|schema| *schema == old_schema)
            .count()
            == 1
        {
            pairs.push((*from, *to));
        }
    }
    pairs
}

/// A schema with its annotations removed at every level, for "is it the same schema" tests.
pub(super) fn normalized(schema: &Value) -> Value {
    let Value::Object(object) = schema else {
        return schema.clone();
    };
    let mut result = Map::new();
    for (keyword, value) in object {
        if is_annotation(keyword) {
            continue;
        }
        let value = match (keyword.as_str(), value) {
            (
                "properties" | "patternProperties" | "$defs" | "dependentSchemas",
                Value::Object(schemas),
            ) => Value::Object(
                schemas
                    .iter()
                    .map(|(name, schema)| (name.clone(), normalized(schema)))
                    .collect(),
            ),
            ("oneOf" | "anyOf" | "allOf" | "prefixItems", Value::Array(schemas)) => {
                Value::Array(schemas.iter().map(normalized).collect())
            }
            (
                "items"
                | "additionalProperties"
                | "not"
                | "if"
                | "then"
                | "else"
                | "contains"
                | "propertyNames"
                | "unevaluatedItems"
                | "unevaluatedProperties",
                schema,
            ) => normalized(schema),
            (_, value) => value.clone(),
        };
        result.insert(keyword.clone(), value);
    }
    Value::Object(result)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn properties(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn a_rename_pairs_identical_schemas_only_when_unambiguous() {
        let old = properties(
            json!({"name": {"type": "string", "description": "a"}, "age": {"type": "integer"}}),
        );
        let new = properties(json!({"full_name": {"type": "string"}, "years": {"type": "number"}}));
        assert_eq!(
            renames(&old, &new, &["name", "age"], &["full_name", "years"]),
            [("name", "full_name")]
        );

        // Two candidates on the new side.
        let new = properties(json!({"first": {"type": "string"}, "last": {"type": "string"}}));
        assert_eq!(renames(&old, &new, &["name"], &["first", "last"]), []);

        // Two candidates on the old side.
        let old = properties(json!({"a": {"type": "string"}, "b": {"type": "string"}}));
        let new = properties(json!({"c": {"type": "string"}}));
        assert_eq!(renames(&old, &new, &["a", "b"], &["c"]), []);
    }

    #[test]
    fn normalising_drops_annotations_but_not_properties_named_like_them() {
        let schema = json!({
            "type": "object",
            "description": "gone",
            "x-internal": true,
            "properties": {"description": {"type": "string", "title": "gone"}},
            "items": {"examples": [1], "type": "integer"},
            "oneOf": [{"$comment": "gone", "type": "string"}],
            "enum": [{"description": "kept: a value, not a schema"}],
        });
        assert_eq!(
            normalized(&schema),
            json!({
                "type": "object",
                "properties": {"description": {"type": "string"}},
                "items": {"type": "integer"},
                "oneOf": [{"type": "string"}],
                "enum": [{"description": "kept: a value, not a schema"}],
            })
        );
    }
}
