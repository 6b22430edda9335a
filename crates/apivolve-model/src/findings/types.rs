//! `type` and `enum`/`const`: which kinds and which values a schema admits.

use std::collections::BTreeSet;

use serde_json::Value;

use super::Rule;
use super::walk::{Cursor, Walker, code};

impl Walker<'_> {
    /// Compares the `type` keywords; `false` when they are incompatible (nothing below is
    /// compared then).
    pub(super) fn compare_types(&mut self, old: &Value, new: &Value, cursor: &Cursor<'_>) -> bool {
        let (old_types, new_types) = (type_set(old), type_set(new));
        let (rule, verb) = match (&old_types, &new_types) {
            (Some(old_set), Some(new_set)) if old_set == new_set => return true,
            (Some(old_set), Some(new_set)) if covers(new_set, old_set) => (
                cursor.pick(Rule::RequestTypeWidened, Rule::ResponseTypeWidened),
                "was widened",
            ),
            (Some(old_set), Some(new_set)) if covers(old_set, new_set) => (
                cursor.pick(Rule::RequestTypeNarrowed, Rule::ResponseTypeNarrowed),
                "was narrowed",
            ),
            (Some(_), Some(_)) => (
                cursor.pick(Rule::RequestTypeChanged, Rule::ResponseTypeChanged),
                "changed",
            ),
            (None, Some(_)) if unconstrained(old) => (
                cursor.pick(Rule::RequestTypeNarrowed, Rule::ResponseTypeNarrowed),
                "was narrowed",
            ),
            (Some(_), None) if unconstrained(new) => (
                cursor.pick(Rule::RequestTypeWidened, Rule::ResponseTypeWidened),
                "was widened",
            ),
            _ => return true,
        };
        let message = format!(
            "type of {} {verb} from {} to {} in {}",
            cursor.target(),
            show_types(old_types.as_ref()),
            show_types(new_types.as_ref()),
            cursor.site.phrase()
        );
        self.report(rule, cursor, message);
        !matches!(rule, Rule::RequestTypeChanged | Rule::ResponseTypeChanged)
    }

    pub(super) fn compare_enums(&mut self, old: &Value, new: &Value, cursor: &Cursor<'_>) {
        let (target, site) = (cursor.target(), cursor.site.phrase());
        match (enum_values(old), enum_values(new)) {
            (None, None) => {}
            (None, Some(values)) => {
                let rule = cursor.pick(
                    Rule::RequestEnumConstraintAdded,
                    Rule::ResponseEnumConstraintAdded,
                );
                self.report(
                    rule,
                    cursor,
                    format!(
                        "{target} is now restricted to {} in {site}",
                        show_values(&values)
                    ),
                );
            }
            (Some(values), None) => {
                let rule = cursor.pick(
                    Rule::RequestEnumConstraintRemoved,
                    Rule::ResponseEnumConstraintRemoved,
                );
                let message = format!(
                    "{target} is no longer restricted to {} in {site}",
                    show_values(&values)
                );
                self.report(rule, cursor, message);
            }
            (Some(old_values), Some(new_values)) => {
                for value in new_values
                    .iter()
                    .filter(|value| !old_values.contains(value))
                {
                    let rule =
                        cursor.pick(Rule::RequestEnumValueAdded, Rule::ResponseEnumValueAdded);
                    let message = format!(
                        "value {} was added to the enum of {target} in {site}",
                        code(value)
                    );
                    self.report(rule, cursor, message);
                }
                for value in old_values
                    .iter()
                    .filter(|value| !new_values.contains(value))
                {
                    let rule = cursor.pick(
                        Rule::RequestEnumValueRemoved,
                        Rule::ResponseEnumValueRemoved,
                    );
                    let message = format!(
                        "value {} was removed from the enum of {target} in {site}",
                        code(value)
                    );
                    self.report(rule, cursor, message);
                }
            }
        }
    }
}

/// The `type` keyword as a set (`null` is split off beforehand); `None` when absent.
fn type_set(schema: &Value) -> Option<BTreeSet<&str>> {
    match schema.get("type")? {
        Value::String(name) => Some(BTreeSet::from([name.as_str()])),
        Value::Array(names) => Some(names.iter().filter_map(Value::as_str).collect()),
        _ => None,
    }
}

/// Whether every value of the types `inner` is also of the types `outer` (`number` covers
/// `integer`).
fn covers(outer: &BTreeSet<&str>, inner: &BTreeSet<&str>) -> bool {
    inner
        .iter()
        .all(|name| outer.contains(name) || (*name == "integer" && outer.contains("number")))
}

/// A schema without `type` that constrains nothing else about the kind of value either.
fn unconstrained(schema: &Value) -> bool {
    ["$ref", "oneOf", "anyOf", "allOf", "enum", "const", "not"]
        .iter()
        .all(|keyword| schema.get(keyword).is_none())
}

fn show_types(types: Option<&BTreeSet<&str>>) -> String {
    match types {
        Some(types) if !types.is_empty() => {
            format!(
                "`{}`",
                types.iter().copied().collect::<Vec<_>>().join(" | ")
            )
        }
        _ => "any type".to_owned(),
    }
}

/// The values of `enum` (or a `const` as a one-value enum), without `null` (nullability is
/// judged on its own).
fn enum_values(schema: &Value) -> Option<Vec<&Value>> {
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        return Some(values.iter().filter(|value| !value.is_null()).collect());
    }
    schema
        .get("const")
        .filter(|value| !value.is_null())
        .map(|value| vec![value])
}

fn show_values(values: &[&Value]) -> String {
    values
        .iter()
        .map(|value| code(value))
        .collect::<Vec<_>>()
        .join(", ")
}
