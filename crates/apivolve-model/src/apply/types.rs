//! `add_type`, `remove_type` and `rename_type`.

use serde_json::Value;

use super::ApplyError;
use super::draft::Draft;
use super::refs::{
    check_refs, endpoint_schemas, endpoint_schemas_mut, refers_to, rename_refs, type_refs,
};
use super::util::{check_type_name, find_type};
use crate::change::{AddType, RemoveType, RenameType};

/// How many referring places an error names before it counts the rest.
const NAMED_PLACES: usize = 3;

pub(super) fn add_type(draft: &mut Draft<'_>, change: &AddType) -> Result<(), ApplyError> {
    check_type_name(&change.name, "/name")?;
    if draft.has_type(&change.name) {
        return Err(ApplyError::new("/name", format!("type `{}` already exists", change.name))
            .hint("pick another name; change the existing type with field changes or `custom` with a `schema`"));
    }
    check_schema(&change.schema, "/schema")?;
    check_refs(draft, &change.schema, "/schema", Some(&change.name))?;
    draft.set_type(&change.name, change.schema.clone());
    Ok(())
}

/// A type's schema must be a mapping (or `true`/`false`).
pub(super) fn check_schema(schema: &Value, pointer: &str) -> Result<(), ApplyError> {
    if schema.is_object() || schema.is_boolean() {
        return Ok(());
    }
    Err(ApplyError::new(pointer, "a schema must be a mapping")
        .hint("write a JSON Schema, e.g. `{type: object, properties: {id: {type: string}}}`"))
}

pub(super) fn remove_type(draft: &mut Draft<'_>, change: &RemoveType) -> Result<(), ApplyError> {
    find_type(draft, &change.name, "/name")?;
    let places = references(draft, &change.name);
    if let Some(first) = places.first() {
        let mut named: Vec<&str> = places
            .iter()
            .take(NAMED_PLACES)
            .map(String::as_str)
            .collect();
        let more = places.len().saturating_sub(NAMED_PLACES);
        let list = if more > 0 {
            format!("{} and {more} more", named.join(", "))
        } else if named.len() > 1 {
            let last = named.pop().unwrap_or(first);
            format!("{} and {last}", named.join(", "))
        } else {
            first.clone()
        };
        return Err(ApplyError::new("/name", format!("type `{}` is still referred to by {list}", change.name))
            .hint("change or remove those references first (`change_field`, `remove_field`, `set_response`, ...)"));
    }
    draft.remove_type(&change.name);
    Ok(())
}

/// Where type `name` is referred to, outside its own schema.
fn references(draft: &Draft<'_>, name: &str) -> Vec<String> {
    let mut places = Vec::new();
    for (owner, schema) in draft.types() {
        if owner == name {
            continue;
        }
        for (pointer, target) in type_refs(schema, "") {
            if target == name {
                let at = pointer.trim_end_matches("/$ref");
                places.push(if at.is_empty() {
                    format!("type `{owner}`")
                } else {
                    format!("type `{owner}` at `{at}`")
                });
            }
        }
    }
    for (id, endpoint) in draft.endpoints() {
        for place in endpoint_schemas(endpoint) {
            if refers_to(place.schema, name) {
                places.push(format!("the {} of endpoint `{id}`", place.label));
            }
        }
    }
    places
}

pub(super) fn rename_type(draft: &mut Draft<'_>, change: &RenameType) -> Result<(), ApplyError> {
    let schema = find_type(draft, &change.from, "/from")?.clone();
    check_type_name(&change.to, "/to")?;
    if change.to == change.from {
        return Err(ApplyError::new(
            "/to",
            format!("`rename_type` renames `{}` to itself", change.from),
        )
        .hint("remove this change, or give the type a new name"));
    }
    if draft.has_type(&change.to) {
        return Err(
            ApplyError::new("/to", format!("type `{}` already exists", change.to))
                .hint("pick another name, or remove the existing type first"),
        );
    }
    draft.remove_type(&change.from);
    draft.set_type(&change.to, schema);

    let referring: Vec<String> = draft
        .types()
        .into_iter()
        .filter(|(_, schema)| refers_to(schema, &change.from))
        .map(|(name, _)| name.to_owned())
        .collect();
    for name in referring {
        if let Some(schema) = draft.type_mut(&name) {
            rename_refs(schema, &change.from, &change.to);
        }
    }
    let endpoints: Vec<String> = draft
        .endpoints()
        .into_iter()
        .filter(|(_, endpoint)| {
            endpoint_schemas(endpoint)
                .iter()
                .any(|place| refers_to(place.schema, &change.from))
        })
        .map(|(id, _)| id.to_owned())
        .collect();
    for id in endpoints {
        if let Some(endpoint) = draft.endpoint_mut(&id) {
            for schema in endpoint_schemas_mut(endpoint) {
                rename_refs(schema, &change.from, &change.to);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::apply::testing::{applied, assert_error, change, fails};

    #[test]
    fn add_type_adds_and_allows_self_references() {
        let snapshot = applied(json!({"add_type": {"name": "Tree", "schema": {
            "type": "object", "properties": {"children": {"type": "array", "items": {"$ref": "#/types/Tree"}}}
        }}}));
        assert!(snapshot.types.contains_key("Tree"));
    }

    #[test]
    fn add_type_errors() {
        let error = fails(json!({"add_type": {"name": "User", "schema": {"type": "object"}}}));
        assert_error(
            &error,
            "/name",
            "type `User` already exists",
            "pick another name",
        );
        let error = fails(json!({"add_type": {"name": "Tag", "schema": {"$ref": "#/types/Rol"}}}));
        assert_error(
            &error,
            "/schema/$ref",
            "`$ref` names unknown type `Rol`",
            "did you mean `Role`?",
        );
        let error = fails(json!({"add_type": {"name": "a b", "schema": {}}}));
        assert_error(
            &error,
            "/name",
            "type name `a b` contains ` `",
            "letters, digits",
        );
        let error = fails(json!({"add_type": {"name": "Tag", "schema": "string"}}));
        assert_error(
            &error,
            "/schema",
            "a schema must be a mapping",
            "JSON Schema",
        );
    }

    #[test]
    fn remove_type_removes_unreferenced_types() {
        let mut snapshot =
            applied(json!({"add_type": {"name": "Tag", "schema": {"type": "string"}}}));
        crate::apply::apply(
            &mut snapshot,
            &change(json!({"remove_type": {"name": "Tag"}})),
        )
        .unwrap();
        assert_eq!(snapshot, crate::apply::testing::sample());
    }

    #[test]
    fn remove_type_says_where_it_is_still_referred_to() {
        let error = fails(json!({"remove_type": {"name": "User"}}));
        assert_error(
            &error,
            "/name",
            "type `User` is still referred to by type `Order` at `/properties/owner`, the request body of endpoint \
             `users.create`, the response `201` of endpoint `users.create` and 1 more",
            "change or remove those references first",
        );
        let error = fails(json!({"remove_type": {"name": "Usr"}}));
        assert_error(
            &error,
            "/name",
            "unknown type `Usr`",
            "did you mean `User`?",
        );
    }

    #[test]
    fn rename_type_rewrites_every_ref() {
        let snapshot = applied(json!({"rename_type": {"from": "User", "to": "Person"}}));
        assert!(!snapshot.types.contains_key("User"));
        assert_eq!(
            snapshot.types["Order"]["properties"]["owner"]["$ref"],
            "#/types/Person"
        );
        let create = &snapshot.endpoints["users.create"];
        assert_eq!(
            create.request.as_ref().map(|body| &body.schema),
            Some(&json!({"$ref": "#/types/Person"}))
        );
        assert_eq!(
            create.responses[&201].schema,
            json!({"$ref": "#/types/Person"})
        );
        assert_eq!(
            snapshot.endpoints["users.get"].responses[&200].schema,
            json!({"$ref": "#/types/Person"})
        );
    }

    #[test]
    fn rename_type_rewrites_self_references() {
        let mut snapshot = applied(
            json!({"add_type": {"name": "Tree", "schema": {"items": {"$ref": "#/types/Tree"}}}}),
        );
        let rename = change(json!({"rename_type": {"from": "Tree", "to": "Forest"}}));
        crate::apply::apply(&mut snapshot, &rename).unwrap();
        assert_eq!(snapshot.types["Forest"]["items"]["$ref"], "#/types/Forest");
    }

    #[test]
    fn rename_type_errors() {
        assert_error(
            &fails(json!({"rename_type": {"from": "Usr", "to": "P"}})),
            "/from",
            "unknown type `Usr`",
            "`User`",
        );
        assert_error(
            &fails(json!({"rename_type": {"from": "User", "to": "Order"}})),
            "/to",
            "type `Order` already exists",
            "pick another name",
        );
        assert_error(
            &fails(json!({"rename_type": {"from": "User", "to": "User"}})),
            "/to",
            "to itself",
            "remove this change",
        );
    }
}
