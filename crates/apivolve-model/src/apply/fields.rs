//! `add_field`, `remove_field`, `rename_field`, `change_field`, `make_required` and
//! `make_optional`.
//!
//! Every one takes a type and a field name or dotted path (`address.city`); see `util.rs` for
//! how the path is walked.

use serde_json::{Map, Value};

use super::ApplyError;
use super::draft::Draft;
use super::refs::check_refs;
use super::types::check_schema;
use super::util::{
    check_field_name, existing_field, is_required, new_field, object, object_mut, properties,
    properties_mut, set_required,
};
use crate::change::{AddField, ChangeField, RemoveField, RenameField};

pub(super) fn add_field(draft: &mut Draft<'_>, change: &AddField) -> Result<(), ApplyError> {
    let site = new_field(draft, &change.type_name, &change.field, "/type", "/field")?;
    check_schema(&change.schema, "/schema")?;
    check_refs(draft, &change.schema, "/schema", None)?;
    let object = object_mut(draft, &site.object)?;
    properties_mut(object)?.insert(site.name.clone(), change.schema.clone());
    if change.required {
        set_required(object, &site.name, true);
    }
    Ok(())
}

pub(super) fn remove_field(draft: &mut Draft<'_>, change: &RemoveField) -> Result<(), ApplyError> {
    let (site, _) = existing_field(draft, &change.type_name, &change.field, "/type", "/field")?;
    let object = object_mut(draft, &site.object)?;
    properties_mut(object)?.shift_remove(&site.name);
    set_required(object, &site.name, false);
    Ok(())
}

pub(super) fn rename_field(draft: &mut Draft<'_>, change: &RenameField) -> Result<(), ApplyError> {
    let (site, _) = existing_field(draft, &change.type_name, &change.from, "/type", "/from")?;
    check_field_name(&change.to, "/to")?;
    if change.to == site.name {
        return Err(ApplyError::new(
            "/to",
            format!("`rename_field` renames {} to itself", site.describe()),
        )
        .hint("remove this change, or give the field a new name"));
    }
    if object(draft, &site.object)
        .and_then(properties)
        .is_some_and(|props| props.contains_key(&change.to))
    {
        return Err(ApplyError::new(
            "/to",
            format!(
                "{} already has a field `{}`",
                site.object.describe(),
                change.to
            ),
        )
        .hint("pick another name, or remove the other field first"));
    }
    let object = object_mut(draft, &site.object)?;
    let props = properties_mut(object)?;
    rename_key(props, &site.name, &change.to);
    if let Some(Value::Array(required)) = object.get_mut("required") {
        for entry in required.iter_mut().filter(|entry| **entry == *site.name) {
            *entry = Value::String(change.to.clone());
        }
    }
    Ok(())
}

/// Renames a key in place, keeping the map's order.
pub(super) fn rename_key(map: &mut Map<String, Value>, from: &str, to: &str) {
    let entries = std::mem::take(map);
    *map = entries
        .into_iter()
        .map(|(key, value)| {
            if key == from {
                (to.to_owned(), value)
            } else {
                (key, value)
            }
        })
        .collect();
}

pub(super) fn change_field(draft: &mut Draft<'_>, change: &ChangeField) -> Result<(), ApplyError> {
    let (site, _) = existing_field(draft, &change.type_name, &change.field, "/type", "/field")?;
    check_schema(&change.schema, "/schema")?;
    check_refs(draft, &change.schema, "/schema", None)?;
    let object = object_mut(draft, &site.object)?;
    properties_mut(object)?.insert(site.name.clone(), change.schema.clone());
    Ok(())
}

/// `make_required` (`required` true) and `make_optional` (false).
pub(super) fn make_required(
    draft: &mut Draft<'_>,
    type_name: &str,
    field: &str,
    required: bool,
) -> Result<(), ApplyError> {
    let (site, _) = existing_field(draft, type_name, field, "/type", "/field")?;
    let already = object(draft, &site.object).is_some_and(|object| is_required(object, &site.name));
    if already == required {
        let state = if required { "required" } else { "optional" };
        return Err(
            ApplyError::new("/field", format!("{} is already {state}", site.describe()))
                .hint("remove this change, or check the field path"),
        );
    }
    set_required(object_mut(draft, &site.object)?, &site.name, required);
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::apply::testing::{applied, assert_error, fails};

    #[test]
    fn add_field_appends_and_marks_required() {
        let snapshot = applied(
            json!({"add_field": {"type": "User", "field": "age", "schema": {"type": "integer"}, "required": true}}),
        );
        let user = &snapshot.types["User"];
        assert_eq!(
            user["properties"]
                .as_object()
                .and_then(|p| p.keys().next_back())
                .map(String::as_str),
            Some("age")
        );
        assert_eq!(user["required"], json!(["id", "name", "age"]));

        let snapshot = applied(
            json!({"add_field": {"type": "Order", "field": "owner.address.zip", "schema": {"type": "string"}}}),
        );
        assert_eq!(
            snapshot.types["User"]["properties"]["address"]["properties"]["zip"],
            json!({"type": "string"})
        );
        assert_eq!(
            snapshot.types["User"]["properties"]["address"]["required"],
            json!(["city"])
        );
    }

    #[test]
    fn add_field_errors() {
        let error = fails(json!({"add_field": {"type": "User", "field": "name", "schema": {}}}));
        assert_error(
            &error,
            "/field",
            "type `User` already has a field `name`",
            "change_field",
        );
        let error = fails(json!({"add_field": {"type": "Usr", "field": "x", "schema": {}}}));
        assert_error(
            &error,
            "/type",
            "unknown type `Usr`",
            "did you mean `User`?",
        );
        let error =
            fails(json!({"add_field": {"type": "User", "field": "adress.zip", "schema": {}}}));
        assert_error(
            &error,
            "/field",
            "type `User` has no field `adress`",
            "did you mean `address`?",
        );
        let error = fails(
            json!({"add_field": {"type": "User", "field": "x", "schema": {"$ref": "#/types/Zebra"}}}),
        );
        assert_error(
            &error,
            "/schema/$ref",
            "unknown type `Zebra`",
            "existing types: `Order`, `Role`, `User`",
        );
    }

    #[test]
    fn remove_field_removes_from_properties_and_required() {
        let snapshot = applied(json!({"remove_field": {"type": "User", "field": "name"}}));
        assert!(snapshot.types["User"]["properties"].get("name").is_none());
        assert_eq!(snapshot.types["User"]["required"], json!(["id"]));
        let snapshot = applied(json!({"remove_field": {"type": "User", "field": "address.city"}}));
        assert!(
            snapshot.types["User"]["properties"]["address"]
                .get("required")
                .is_none()
        );
        let error = fails(json!({"remove_field": {"type": "User", "field": "nmae"}}));
        assert_error(
            &error,
            "/field",
            "type `User` has no field `nmae`",
            "did you mean `name`?",
        );
    }

    #[test]
    fn rename_field_keeps_position_and_required() {
        let snapshot =
            applied(json!({"rename_field": {"type": "User", "from": "name", "to": "full_name"}}));
        let user = &snapshot.types["User"];
        let keys: Vec<&String> = user["properties"]
            .as_object()
            .map(|p| p.keys().collect())
            .unwrap_or_default();
        assert_eq!(keys, ["id", "full_name", "email", "role", "address"]);
        assert_eq!(user["required"], json!(["id", "full_name"]));
        assert_eq!(
            user["properties"]["full_name"],
            json!({"type": "string", "maxLength": 100})
        );
    }

    #[test]
    fn rename_field_errors() {
        let error =
            fails(json!({"rename_field": {"type": "User", "from": "nmae", "to": "full_name"}}));
        assert_error(
            &error,
            "/from",
            "type `User` has no field `nmae`",
            "did you mean `name`?",
        );
        let error = fails(json!({"rename_field": {"type": "User", "from": "name", "to": "email"}}));
        assert_error(
            &error,
            "/to",
            "type `User` already has a field `email`",
            "pick another name",
        );
        let error = fails(json!({"rename_field": {"type": "User", "from": "name", "to": "a.b"}}));
        assert_error(&error, "/to", "field name `a.b` contains `.`", "move_field");
        let error = fails(json!({"rename_field": {"type": "User", "from": "name", "to": "name"}}));
        assert_error(
            &error,
            "/to",
            "renames `User.name` to itself",
            "remove this change",
        );
    }

    #[test]
    fn change_field_replaces_the_schema_in_place() {
        let snapshot = applied(
            json!({"change_field": {"type": "Order", "field": "amount", "schema": {"type": "string"}}}),
        );
        assert_eq!(
            snapshot.types["Order"]["properties"]["amount"],
            json!({"type": "string"})
        );
        let keys: Vec<&String> = snapshot.types["Order"]["properties"]
            .as_object()
            .map(|p| p.keys().collect())
            .unwrap_or_default();
        assert_eq!(keys, ["id", "amount", "status", "owner"]);
        let error =
            fails(json!({"change_field": {"type": "Order", "field": "amout", "schema": {}}}));
        assert_error(
            &error,
            "/field",
            "type `Order` has no field `amout`",
            "did you mean `amount`?",
        );
    }

    #[test]
    fn make_required_and_optional() {
        let snapshot = applied(json!({"make_required": {"type": "User", "field": "email"}}));
        assert_eq!(
            snapshot.types["User"]["required"],
            json!(["id", "name", "email"])
        );
        let snapshot = applied(json!({"make_optional": {"type": "User", "field": "name"}}));
        assert_eq!(snapshot.types["User"]["required"], json!(["id"]));

        let error = fails(json!({"make_required": {"type": "User", "field": "name"}}));
        assert_error(
            &error,
            "/field",
            "`User.name` is already required",
            "remove this change",
        );
        let error = fails(json!({"make_optional": {"type": "User", "field": "email"}}));
        assert_error(
            &error,
            "/field",
            "`User.email` is already optional",
            "remove this change",
        );
        let error = fails(json!({"make_optional": {"type": "User", "field": "address.street"}}));
        assert_error(
            &error,
            "/field",
            "`User.address.street` is already optional",
            "",
        );
    }
}
