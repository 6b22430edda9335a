//! `oneOf`, `anyOf` and `allOf`, and nullability in its three spellings.
//!
//! Nullability is judged on its own, so that respelling it (`nullable: true` to
//! `type: [T, "null"]` to `oneOf: [T, {type: "null"}]`) yields nothing and adding it yields one
//! finding, not an alternative-added plus a type change.

use std::borrow::Cow;

use serde_json::{Map, Value};

use super::Rule;
use super::schema::normalized;
use super::walk::{Cursor, Walker};
use crate::snapshot::Snapshot;

/// Splits nullability off a schema: whether it accepts `null`, and the schema without that.
///
/// Recognises `nullable: true` (OpenAPI 3.0), `type: [T, "null"]` and `null` alternatives of a
/// `oneOf`/`anyOf` (`{type: "null"}`, `{const: null}`, `{enum: [null]}`); a `oneOf` left with a
/// single alternative and nothing beside it becomes that alternative.
pub(super) fn split_null(schema: &Value) -> (bool, Cow<'_, Value>) {
    let mut nullable = false;
    let mut current = Cow::Borrowed(schema);
    while let Some(stripped) = current.as_object().and_then(strip_null_once) {
        nullable = true;
        current = Cow::Owned(stripped);
    }
    (nullable, current)
}

/// Removes one spelling of nullability, or `None` when there is none.
fn strip_null_once(object: &Map<String, Value>) -> Option<Value> {
    if object.get("nullable") == Some(&Value::Bool(true)) {
        let mut stripped = object.clone();
        stripped.remove("nullable");
        return Some(Value::Object(stripped));
    }
    if let Some(Value::Array(types)) = object.get("type") {
        let others: Vec<&Value> = types
            .iter()
            .filter(|name| name.as_str() != Some("null"))
            .collect();
        if others.len() < types.len() && !others.is_empty() {
            let mut stripped = object.clone();
            let types = match others.as_slice() {
                [single] => (*single).clone(),
                _ => Value::Array(others.into_iter().cloned().collect()),
            };
            stripped.insert("type".to_owned(), types);
            return Some(Value::Object(stripped));
        }
    }
    for keyword in ["oneOf", "anyOf"] {
        let Some(Value::Array(alternatives)) = object.get(keyword) else {
            continue;
        };
        let others: Vec<&Value> = alternatives
            .iter()
            .filter(|alternative| !is_null_schema(alternative))
            .collect();
        if others.len() == alternatives.len() || others.is_empty() {
            continue;
        }
        let alone = object
            .keys()
            .all(|key| key == keyword || ANNOTATIONS.contains(&key.as_str()));
        if let ([single], true) = (others.as_slice(), alone) {
            return Some((*single).clone());
        }
        let mut stripped = object.clone();
        stripped.insert(
            keyword.to_owned(),
            Value::Array(others.into_iter().cloned().collect()),
        );
        return Some(Value::Object(stripped));
    }
    None
}

/// Keywords that may sit beside a `oneOf` that is unwrapped to its single alternative.
const ANNOTATIONS: &[&str] = &[
    "description",
    "title",
    "$comment",
    "examples",
    "example",
    "deprecated",
];

fn is_null_schema(schema: &Value) -> bool {
    let Some(object) = schema.as_object() else {
        return false;
    };
    let null_type = match object.get("type") {
        Some(Value::String(name)) => name == "null",
        Some(Value::Array(names)) => names.len() == 1 && names[0].as_str() == Some("null"),
        _ => false,
    };
    let null_const = object.get("const") == Some(&Value::Null);
    let null_enum = object
        .get("enum")
        .and_then(Value::as_array)
        .is_some_and(|values| values == &[Value::Null]);
    null_type || null_const || null_enum
}

/// The alternatives of a `oneOf` (or else `anyOf`), with the keyword.
fn alternatives(schema: &Value) -> Option<(&'static str, Vec<&Value>)> {
    ["oneOf", "anyOf"]
        .into_iter()
        .find_map(|keyword| Some((keyword, schema.get(keyword)?.as_array()?.iter().collect())))
}

fn all_of(schema: &Value) -> Option<Vec<&Value>> {
    schema
        .get("allOf")
        .and_then(Value::as_array)
        .map(|members| members.iter().collect())
}

/// What a list of subschemas means, and how its changes are reported.
struct Members {
    keyword: &'static str,
    noun: &'static str,
    added: Rule,
    removed: Rule,
}

impl Walker<'_> {
    /// Compares `oneOf`/`anyOf`. Returns `true` when one side had none: the plain side was then
    /// compared as a one-alternative list and nothing else is left to compare.
    pub(super) fn compare_alternatives(
        &mut self,
        old: &Value,
        new: &Value,
        cursor: &Cursor<'_>,
    ) -> bool {
        let members = |keyword| Members {
            keyword,
            noun: "alternative",
            added: cursor.pick(
                Rule::RequestAlternativeAdded,
                Rule::ResponseAlternativeAdded,
            ),
            removed: cursor.pick(
                Rule::RequestAlternativeRemoved,
                Rule::ResponseAlternativeRemoved,
            ),
        };
        match (alternatives(old), alternatives(new)) {
            (None, None) => false,
            (Some((old_keyword, old_list)), Some((new_keyword, new_list))) => {
                if old_keyword != new_keyword {
                    let rule = cursor.pick(Rule::RequestSchemaChanged, Rule::ResponseSchemaChanged);
                    let message = format!(
                        "{} changed from `{old_keyword}` to `{new_keyword}` in {}",
                        cursor.target(),
                        cursor.site.phrase()
                    );
                    self.report(rule, cursor, message);
                }
                self.pair_members(&old_list, &new_list, cursor, &members(new_keyword));
                false
            }
            (Some((keyword, old_list)), None) => {
                self.pair_members(&old_list, &[new], cursor, &members(keyword));
                true
            }
            (None, Some((keyword, new_list))) => {
                self.pair_members(&[old], &new_list, cursor, &members(keyword));
                true
            }
        }
    }

    /// Compares `allOf` lists (a missing one is empty).
    pub(super) fn compare_all_of(&mut self, old: &Value, new: &Value, cursor: &Cursor<'_>) {
        let (old_list, new_list) = (all_of(old), all_of(new));
        if old_list.is_none() && new_list.is_none() {
            return;
        }
        let members = Members {
            keyword: "allOf",
            noun: "member",
            added: cursor.pick(
                Rule::RequestAllOfMemberAdded,
                Rule::ResponseAllOfMemberAdded,
            ),
            removed: cursor.pick(
                Rule::RequestAllOfMemberRemoved,
                Rule::ResponseAllOfMemberRemoved,
            ),
        };
        self.pair_members(
            &old_list.unwrap_or_default(),
            &new_list.unwrap_or_default(),
            cursor,
            &members,
        );
    }

    /// Pairs old and new subschemas (identical first, then same `$ref` or `type`, then the last
    /// one left on each side), compares the pairs and reports the rest as added or removed.
    fn pair_members(
        &mut self,
        old: &[&Value],
        new: &[&Value],
        cursor: &Cursor<'_>,
        members: &Members,
    ) {
        let old_normal: Vec<Value> = old.iter().map(|schema| normalized(schema)).collect();
        let new_normal: Vec<Value> = new.iter().map(|schema| normalized(schema)).collect();
        let mut partner: Vec<Option<usize>> = vec![None; old.len()];
        let mut taken = vec![false; new.len()];
        let passes: [&dyn Fn(usize, usize) -> bool; 2] =
            [&|i, j| old_normal[i] == new_normal[j], &|i, j| {
                same_kind(old[i], new[j])
            }];
        for pass in passes {
            for (i, slot) in partner.iter_mut().enumerate() {
                if slot.is_some() {
                    continue;
                }
                if let Some(j) = (0..new.len()).find(|&j| !taken[j] && pass(i, j)) {
                    *slot = Some(j);
                    taken[j] = true;
                }
            }
        }
        let lone_old: Vec<usize> = (0..old.len()).filter(|&i| partner[i].is_none()).collect();
        let lone_new: Vec<usize> = (0..new.len()).filter(|&j| !taken[j]).collect();
        if let ([i], [j]) = (lone_old.as_slice(), lone_new.as_slice()) {
            partner[*i] = Some(*j);
            taken[*j] = true;
        }
        for (i, j) in partner.iter().enumerate() {
            if let Some(j) = j {
                self.compare(old[i], new[*j], cursor);
            }
        }
        let (target, site) = (cursor.target(), cursor.site.phrase());
        let (keyword, noun) = (members.keyword, members.noun);
        for (schema, _) in new.iter().zip(&taken).filter(|(_, taken)| !**taken) {
            let message = format!(
                "{noun} {} was added to the `{keyword}` of {target} in {site}",
                describe(schema)
            );
            self.report(members.added, cursor, message);
        }
        for (schema, _) in old
            .iter()
            .zip(&partner)
            .filter(|(_, partner)| partner.is_none())
        {
            let message = format!(
                "{noun} {} was removed from the `{keyword}` of {target} in {site}",
                describe(schema)
            );
            self.report(members.removed, cursor, message);
        }
    }
}

/// Two subschemas of the same kind: references to the same type, or the same `type`.
fn same_kind(old: &Value, new: &Value) -> bool {
    match (Snapshot::ref_name(old), Snapshot::ref_name(new)) {
        (Some(old_name), Some(new_name)) => old_name == new_name,
        (None, None) => old.get("type").is_some() && old.get("type") == new.get("type"),
        _ => false,
    }
}

/// A short description of a subschema for messages: its type name, or its JSON (shortened).
fn describe(schema: &Value) -> String {
    if let Some(name) = Snapshot::ref_name(schema) {
        return format!("`{name}`");
    }
    let text = normalized(schema).to_string();
    match text.char_indices().nth(60) {
        Some((cut, _)) => format!("`{}…`", &text[..cut]),
        None => format!("`{text}`"),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn every_spelling_of_null_splits_off() {
        let cases = [
            (
                json!({"type": ["string", "null"]}),
                json!({"type": "string"}),
            ),
            (
                json!({"type": ["null", "string", "integer"]}),
                json!({"type": ["string", "integer"]}),
            ),
            (
                json!({"type": "string", "nullable": true}),
                json!({"type": "string"}),
            ),
            (
                json!({"oneOf": [{"$ref": "#/types/User"}, {"type": "null"}]}),
                json!({"$ref": "#/types/User"}),
            ),
            (
                json!({"anyOf": [{"const": null}, {"type": "string"}], "title": "t"}),
                json!({"type": "string"}),
            ),
            (
                json!({"oneOf": [{"enum": [null]}, {"type": "string"}, {"type": "integer"}]}),
                json!({"oneOf": [{"type": "string"}, {"type": "integer"}]}),
            ),
            // Spellings nest: the unwrapped alternative is itself nullable.
            (
                json!({"oneOf": [{"type": ["string", "null"]}, {"type": "null"}]}),
                json!({"type": "string"}),
            ),
        ];
        for (schema, core) in cases {
            let (nullable, stripped) = split_null(&schema);
            assert!(nullable, "{schema}");
            assert_eq!(*stripped, core, "{schema}");
        }
    }

    #[test]
    fn schemas_without_null_are_left_alone() {
        for schema in [
            json!({"type": "string"}),
            json!({"type": "null"}),
            json!({"type": "string", "nullable": false}),
            json!({"oneOf": [{"type": "null"}]}),
            json!({"oneOf": [{"type": "string"}, {"type": "integer"}]}),
            json!(true),
        ] {
            let (nullable, stripped) = split_null(&schema);
            assert!(!nullable, "{schema}");
            assert!(matches!(stripped, Cow::Borrowed(_)), "{schema}");
        }
    }

    #[test]
    fn a_oneof_with_other_keywords_keeps_its_list() {
        let schema = json!({"oneOf": [{"type": "string"}, {"type": "null"}], "default": "x"});
        let (nullable, stripped) = split_null(&schema);
        assert!(nullable);
        assert_eq!(
            *stripped,
            json!({"oneOf": [{"type": "string"}], "default": "x"})
        );
    }

    #[test]
    fn descriptions_are_short() {
        assert_eq!(describe(&json!({"$ref": "#/types/Card"})), "`Card`");
        assert_eq!(
            describe(&json!({"type": "integer", "description": "n"})),
            "`{\"type\":\"integer\"}`"
        );
        let long = describe(
            &json!({"type": "object", "properties": {"a_rather_long_name": {"type": "string"}, "b": {}}}),
        );
        assert!(long.ends_with("…`") && long.chars().count() == 63, "{long}");
    }
}
