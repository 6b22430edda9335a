//! `add_enum_value` and `remove_enum_value`.
//!
//! The enum is a type that is itself an enum (`field` absent) or a field of an object type. An
//! array of enum values (`items: {enum: [...]}`) counts as the enum of its items. A field that
//! refers to a named enum type is refused: the change must name that type, so that its migration
//! applies wherever the type occurs.

use serde_json::Value;

use super::ApplyError;
use super::draft::Draft;
use super::refs::escape;
use super::util::{alias_target, article, existing_field, find_type, quoted, suggest};
use crate::change::{AddEnumValue, RemoveEnumValue};
use crate::snapshot::Snapshot;

/// Where an enum lives.
struct EnumAt {
    owner: String,
    /// The pointer of the schema holding `enum` inside the owner's schema.
    pointer: String,
    /// `` `Order.status` `` or `` `Role` ``, for messages.
    describe: String,
    values: Vec<Value>,
}

fn locate(draft: &Draft<'_>, type_name: &str, field: Option<&str>) -> Result<EnumAt, ApplyError> {
    let (owner, pointer, describe, schema, at) = match field {
        None => {
            let schema = find_type(draft, type_name, "/type")?;
            let owner = alias_target(draft, type_name, schema);
            let schema = draft.type_schema(&owner).unwrap_or(schema);
            (
                owner.clone(),
                String::new(),
                format!("`{owner}`"),
                schema,
                "/type",
            )
        }
        Some(path) => {
            let (site, schema) = existing_field(draft, type_name, path, "/type", "/field")?;
            if let Some(target) = Snapshot::ref_name(schema) {
                return Err(ApplyError::new(
                    "/field",
                    format!("{} refers to type `{target}`", site.describe()),
                )
                .hint(format!(
                    "name the enum type itself: `type: {target}` without `field`"
                )));
            }
            let pointer = format!("{}/properties/{}", site.object.pointer, escape(&site.name));
            (
                site.object.owner.clone(),
                pointer,
                site.describe(),
                schema,
                "/field",
            )
        }
    };
    let (suffix, values) = if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        ("", values)
    } else if let Some(values) = schema
        .get("items")
        .and_then(|items| items.get("enum"))
        .and_then(Value::as_array)
    {
        ("/items", values)
    } else {
        return Err(ApplyError::new(at, format!("{describe} is not an enum"))
            .hint("enum changes work on schemas with `enum: [...]`; change other schemas with `change_field`"));
    };
    Ok(EnumAt {
        owner,
        pointer: format!("{pointer}{suffix}"),
        describe,
        values: values.clone(),
    })
}

/// A value as it reads in a message: strings bare, anything else as JSON.
fn show(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

fn shown(values: &[Value]) -> String {
    let texts: Vec<String> = values.iter().map(show).collect();
    quoted(&texts.iter().map(String::as_str).collect::<Vec<_>>())
}

/// Writes the new values back.
fn store(draft: &mut Draft<'_>, at: &EnumAt, values: Vec<Value>) -> Result<(), ApplyError> {
    let schema = draft
        .type_mut(&at.owner)
        .and_then(|schema| schema.pointer_mut(&at.pointer))
        .and_then(Value::as_object_mut)
        .ok_or_else(|| {
            ApplyError::new(
                "",
                format!("{} disappeared while the change was applied", at.describe),
            )
        })?;
    schema.insert("enum".to_owned(), Value::Array(values));
    Ok(())
}

/// Checks the value against the enum schema's `type`, when it has a simple one.
fn check_type(draft: &Draft<'_>, at: &EnumAt, value: &Value) -> Result<(), ApplyError> {
    let Some(schema) = draft
        .type_schema(&at.owner)
        .and_then(|schema| schema.pointer(&at.pointer))
    else {
        return Ok(());
    };
    let allowed: Vec<&str> = match schema.get("type") {
        Some(Value::String(kind)) => vec![kind.as_str()],
        Some(Value::Array(kinds)) => kinds.iter().filter_map(Value::as_str).collect(),
        _ => return Ok(()),
    };
    let actual = match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(number) if number.is_i64() || number.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    let fits = allowed.contains(&actual) || (actual == "integer" && allowed.contains(&"number"));
    if fits {
        return Ok(());
    }
    Err(ApplyError::new(
        "/value",
        format!(
            "`{}` is {}, but the enum of {} holds {} values",
            show(value),
            article(actual),
            at.describe,
            allowed.join(" or ")
        ),
    )
    .hint(format!(
        "write the value as {}",
        article(&allowed.join(" or "))
    )))
}

pub(super) fn add_enum_value(
    draft: &mut Draft<'_>,
    change: &AddEnumValue,
) -> Result<(), ApplyError> {
    let at = locate(draft, &change.type_name, change.field.as_deref())?;
    if at.values.contains(&change.value) {
        return Err(ApplyError::new(
            "/value",
            format!(
                "the enum of {} already has `{}`",
                at.describe,
                show(&change.value)
            ),
        )
        .hint("remove this change, or check the value"));
    }
    check_type(draft, &at, &change.value)?;
    if let Some(down) = &change.down_map
        && !at.values.contains(down)
    {
        return Err(ApplyError::new(
            "/down_map",
            format!(
                "`down_map` value `{}` is not in the enum of {}",
                show(down),
                at.describe
            ),
        )
        .hint(format!("older versions know only {}", shown(&at.values))));
    }
    let mut values = at.values.clone();
    values.push(change.value.clone());
    store(draft, &at, values)
}

pub(super) fn remove_enum_value(
    draft: &mut Draft<'_>,
    change: &RemoveEnumValue,
) -> Result<(), ApplyError> {
    let at = locate(draft, &change.type_name, change.field.as_deref())?;
    if !at.values.contains(&change.value) {
        let texts: Vec<String> = at.values.iter().map(show).collect();
        let names: Vec<&str> = texts.iter().map(String::as_str).collect();
        return Err(ApplyError::new(
            "/value",
            format!(
                "the enum of {} has no value `{}`",
                at.describe,
                show(&change.value)
            ),
        )
        .hint(suggest(&show(&change.value), &names, "values")));
    }
    let values: Vec<Value> = at
        .values
        .iter()
        .filter(|value| **value != change.value)
        .cloned()
        .collect();
    if values.is_empty() {
        return Err(ApplyError::new(
            "/value",
            format!(
                "removing `{}` would leave the enum of {} empty",
                show(&change.value),
                at.describe
            ),
        )
        .hint("remove the field or type instead, or give it a new schema"));
    }
    if let Some(up) = &change.up_map
        && !values.contains(up)
    {
        return Err(ApplyError::new(
            "/up_map",
            format!(
                "`up_map` value `{}` is not in the enum of {}",
                show(up),
                at.describe
            ),
        )
        .hint(format!(
            "after this change the enum holds {}",
            shown(&values)
        )));
    }
    store(draft, &at, values)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::apply::testing::{applied, assert_error, fails};

    #[test]
    fn values_are_added_to_enum_types_and_enum_fields() {
        let snapshot = applied(
            json!({"add_enum_value": {"type": "Role", "value": "guest", "down_map": "member"}}),
        );
        assert_eq!(
            snapshot.types["Role"]["enum"],
            json!(["admin", "member", "guest"])
        );
        let snapshot = applied(
            json!({"add_enum_value": {"type": "Order", "field": "status", "value": "refunded"}}),
        );
        assert_eq!(
            snapshot.types["Order"]["properties"]["status"]["enum"],
            json!(["open", "paid", "refunded"])
        );
    }

    #[test]
    fn arrays_of_enum_values_count() {
        let mut snapshot = crate::apply::testing::sample();
        let change =
            crate::apply::testing::change(json!({"add_field": {"type": "User", "field": "tags",
            "schema": {"type": "array", "items": {"type": "string", "enum": ["a"]}}}}));
        crate::apply::apply(&mut snapshot, &change).unwrap();
        let change = crate::apply::testing::change(
            json!({"add_enum_value": {"type": "User", "field": "tags", "value": "b"}}),
        );
        crate::apply::apply(&mut snapshot, &change).unwrap();
        assert_eq!(
            snapshot.types["User"]["properties"]["tags"]["items"]["enum"],
            json!(["a", "b"])
        );
    }

    #[test]
    fn add_enum_value_errors() {
        let error = fails(json!({"add_enum_value": {"type": "Role", "value": "admin"}}));
        assert_error(
            &error,
            "/value",
            "the enum of `Role` already has `admin`",
            "remove this change",
        );
        let error =
            fails(json!({"add_enum_value": {"type": "User", "field": "name", "value": "x"}}));
        assert_error(
            &error,
            "/field",
            "`User.name` is not an enum",
            "change_field",
        );
        let error =
            fails(json!({"add_enum_value": {"type": "User", "field": "role", "value": "x"}}));
        assert_error(
            &error,
            "/field",
            "`User.role` refers to type `Role`",
            "`type: Role` without `field`",
        );
        let error = fails(json!({"add_enum_value": {"type": "Role", "value": 3}}));
        assert_error(
            &error,
            "/value",
            "`3` is an integer, but the enum of `Role` holds string values",
            "write the value as a string",
        );
        let error = fails(
            json!({"add_enum_value": {"type": "Role", "value": "guest", "down_map": "visitor"}}),
        );
        assert_error(
            &error,
            "/down_map",
            "`down_map` value `visitor` is not in the enum of `Role`",
            "`admin`, `member`",
        );
        let error = fails(json!({"add_enum_value": {"type": "User", "value": "x"}}));
        assert_error(&error, "/type", "`User` is not an enum", "");
    }

    #[test]
    fn remove_enum_value_and_its_errors() {
        let snapshot = applied(
            json!({"remove_enum_value": {"type": "Order", "field": "status", "value": "open", "up_map": "paid"}}),
        );
        assert_eq!(
            snapshot.types["Order"]["properties"]["status"]["enum"],
            json!(["paid"])
        );

        let error = fails(json!({"remove_enum_value": {"type": "Role", "value": "admn"}}));
        assert_error(
            &error,
            "/value",
            "the enum of `Role` has no value `admn`",
            "did you mean `admin`?",
        );
        let error = fails(
            json!({"remove_enum_value": {"type": "Role", "value": "admin", "up_map": "admin"}}),
        );
        assert_error(
            &error,
            "/up_map",
            "`up_map` value `admin` is not in the enum of `Role`",
            "the enum holds `member`",
        );
        let mut snapshot =
            applied(json!({"remove_enum_value": {"type": "Role", "value": "admin"}}));
        let last = crate::apply::testing::change(
            json!({"remove_enum_value": {"type": "Role", "value": "member"}}),
        );
        let error = crate::apply::apply(&mut snapshot, &last).unwrap_err();
        assert_error(
            &error,
            "/value",
            "would leave the enum of `Role` empty",
            "remove the field or type",
        );
    }
}
