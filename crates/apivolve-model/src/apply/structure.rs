//! `move_field`, `split_field` and `merge_fields`: changes that reshape an object.
//!
//! `move_field` creates the missing objects on the way to `to` as inline objects
//! (`{type: object, properties: {...}}`), required when the moved field is required. It drops
//! the inline objects on the way from `from` that the move leaves without properties (and with
//! nothing but `type`, `properties`, `required`, `additionalProperties`, `title` or
//! `description`), so that moving a field back and forth gives the schema it started from.
//! Named types are never dropped.

use serde_json::{Map, Value, json};

use super::ApplyError;
use super::draft::Draft;
use super::refs::check_refs;
use super::types::check_schema;
use super::util::{
    ObjectAt, Site, check_field_name, existing_field, is_required, object, object_mut, properties,
    properties_mut, segments, set_required, step, type_object,
};
use crate::change::{FieldSpec, MergeFields, MoveField, SplitField};

/// Keywords an emptied inline object may carry and still be dropped.
const DROPPABLE: &[&str] = &[
    "type",
    "properties",
    "required",
    "additionalProperties",
    "title",
    "description",
];

pub(super) fn move_field(draft: &mut Draft<'_>, change: &MoveField) -> Result<(), ApplyError> {
    let (from, schema) = existing_field(draft, &change.type_name, &change.from, "/type", "/from")?;
    let schema = schema.clone();
    let required =
        object(draft, &from.object).is_some_and(|object| is_required(object, &from.name));
    let parts = segments(&change.to, "/to")?;
    if change.to == change.from {
        return Err(ApplyError::new(
            "/to",
            format!("`move_field` moves {} to itself", from.describe()),
        )
        .hint("remove this change, or give the field a new place"));
    }
    if change.to.starts_with(&format!("{}.", change.from)) {
        return Err(ApplyError::new(
            "/to",
            format!("{} cannot move into itself", from.describe()),
        )
        .hint("move it next to or above its current place"));
    }
    let Some((name, parents)) = parts.split_last() else {
        return Err(ApplyError::new("/to", "the field path is empty"));
    };

    // Walk the part of `to` that exists; the rest is created.
    let mut at = type_object(draft, &change.type_name, "/type")?;
    let mut missing: Vec<&str> = Vec::new();
    for segment in parents {
        let exists = object(draft, &at)
            .and_then(properties)
            .is_some_and(|props| props.contains_key(*segment));
        if missing.is_empty() && exists {
            at = step(draft, &at, segment, "/to")?;
        } else {
            missing.push(segment);
        }
    }
    if missing.is_empty()
        && object(draft, &at)
            .and_then(properties)
            .is_some_and(|props| props.contains_key(*name))
    {
        return Err(ApplyError::new(
            "/to",
            format!("{} already has a field `{name}`", at.describe()),
        )
        .hint("pick another place, or remove the other field first"));
    }

    let source = object_mut(draft, &from.object)?;
    properties_mut(source)?.shift_remove(&from.name);
    set_required(source, &from.name, false);

    let mut target = object_mut(draft, &at)?;
    for segment in &missing {
        properties_mut(target)?.insert(
            (*segment).to_owned(),
            json!({"type": "object", "properties": {}}),
        );
        if required {
            set_required(target, segment, true);
        }
        target = properties_mut(target)?
            .get_mut(*segment)
            .and_then(Value::as_object_mut)
            .ok_or_else(|| ApplyError::new("/to", "a created object disappeared"))?;
    }
    properties_mut(target)?.insert((*name).to_owned(), schema);
    if required {
        set_required(target, name, true);
    }
    drop_emptied(draft, &from.object)
}

/// Drops the inline objects from `at` upwards that have become empty.
fn drop_emptied(draft: &mut Draft<'_>, at: &ObjectAt) -> Result<(), ApplyError> {
    let mut pointer = at.pointer.clone();
    loop {
        let Some((parent, token)) = pointer.rsplit_once("/properties/") else {
            return Ok(());
        };
        if token.contains('/') {
            return Ok(()); // a nullable branch (`.../anyOf/0`): leave it as written
        }
        let empty = draft
            .type_schema(&at.owner)
            .and_then(|schema| schema.pointer(&pointer))
            .and_then(Value::as_object)
            .is_some_and(|object| {
                properties(object).is_none_or(Map::is_empty)
                    && object.keys().all(|key| DROPPABLE.contains(&key.as_str()))
            });
        if !empty {
            return Ok(());
        }
        let name = token.replace("~1", "/").replace("~0", "~");
        let holder = ObjectAt {
            owner: at.owner.clone(),
            pointer: parent.to_owned(),
            trail: Vec::new(),
        };
        let object = object_mut(draft, &holder)?;
        properties_mut(object)?.shift_remove(&name);
        set_required(object, &name, false);
        pointer = parent.to_owned();
    }
}

/// Checks the fields a split or merge brings in; `taken` are the names they may not use.
fn check_specs(
    draft: &Draft<'_>,
    specs: &[(String, &FieldSpec)],
    site: &ObjectAt,
    taken: &[&str],
) -> Result<(), ApplyError> {
    for (index, (pointer, spec)) in specs.iter().enumerate() {
        check_field_name(&spec.name, &format!("{pointer}/name"))?;
        if specs[..index]
            .iter()
            .any(|(_, earlier)| earlier.name == spec.name)
        {
            return Err(ApplyError::new(
                format!("{pointer}/name"),
                format!("field `{}` is listed twice", spec.name),
            )
            .hint("give each new field its own name"));
        }
        if taken.contains(&spec.name.as_str()) {
            return Err(ApplyError::new(
                format!("{pointer}/name"),
                format!("{} already has a field `{}`", site.describe(), spec.name),
            )
            .hint("pick another name, or remove the other field first"));
        }
        check_schema(&spec.schema, &format!("{pointer}/schema"))?;
        check_refs(draft, &spec.schema, &format!("{pointer}/schema"), None)?;
    }
    Ok(())
}

/// Replaces the fields `removed` of `site` by `added`, at the place of the first removed one.
fn replace_fields(
    draft: &mut Draft<'_>,
    site: &ObjectAt,
    removed: &[&str],
    added: &[&FieldSpec],
) -> Result<(), ApplyError> {
    let object = object_mut(draft, site)?;
    let props = properties_mut(object)?;
    let mut rebuilt = Map::new();
    let mut placed = false;
    for (key, value) in std::mem::take(props) {
        if removed.contains(&key.as_str()) {
            if !placed {
                for spec in added {
                    rebuilt.insert(spec.name.clone(), spec.schema.clone());
                }
                placed = true;
            }
        } else {
            rebuilt.insert(key, value);
        }
    }
    *props = rebuilt;
    for name in removed {
        set_required(object, name, false);
    }
    for spec in added.iter().filter(|spec| spec.required) {
        set_required(object, &spec.name, true);
    }
    Ok(())
}

pub(super) fn split_field(draft: &mut Draft<'_>, change: &SplitField) -> Result<(), ApplyError> {
    let (site, _) = existing_field(draft, &change.type_name, &change.field, "/type", "/field")?;
    if change.into.is_empty() {
        return Err(
            ApplyError::new("/into", "`into` is empty").hint("list the fields the field becomes")
        );
    }
    let names = object(draft, &site.object)
        .map(super::util::property_names)
        .unwrap_or_default();
    let taken: Vec<&str> = names
        .into_iter()
        .filter(|name| *name != site.name)
        .collect();
    let specs: Vec<(String, &FieldSpec)> = change
        .into
        .iter()
        .enumerate()
        .map(|(i, spec)| (format!("/into/{i}"), spec))
        .collect();
    check_specs(draft, &specs, &site.object, &taken)?;
    let added: Vec<&FieldSpec> = change.into.iter().collect();
    replace_fields(draft, &site.object, &[site.name.as_str()], &added)
}

pub(super) fn merge_fields(draft: &mut Draft<'_>, change: &MergeFields) -> Result<(), ApplyError> {
    if change.fields.len() < 2 {
        return Err(
            ApplyError::new("/fields", "`merge_fields` needs at least two fields")
                .hint("for one field use `rename_field` or `change_field`"),
        );
    }
    let mut sites: Vec<Site> = Vec::new();
    for (index, field) in change.fields.iter().enumerate() {
        let pointer = format!("/fields/{index}");
        let (site, _) = existing_field(draft, &change.type_name, field, "/type", &pointer)?;
        if let Some(first) = sites.first()
            && first.object != site.object
        {
            return Err(ApplyError::new(
                pointer,
                format!(
                    "{} and {} are in different objects",
                    first.describe(),
                    site.describe()
                ),
            )
            .hint("merge fields of one object; bring them together first with `move_field`"));
        }
        if sites.contains(&site) {
            return Err(
                ApplyError::new(pointer, format!("{} is listed twice", site.describe()))
                    .hint("list each field once"),
            );
        }
        sites.push(site);
    }
    let Some(object_at) = sites.first().map(|site| site.object.clone()) else {
        return Ok(());
    };
    let removed: Vec<&str> = sites.iter().map(|site| site.name.as_str()).collect();
    let names = object(draft, &object_at)
        .map(super::util::property_names)
        .unwrap_or_default();
    let taken: Vec<&str> = names
        .into_iter()
        .filter(|name| !removed.contains(name))
        .collect();
    check_specs(
        draft,
        &[("/into".to_owned(), &change.into)],
        &object_at,
        &taken,
    )?;
    replace_fields(draft, &object_at, &removed, &[&change.into])
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::apply::testing::{applied, assert_error, change, fails, sample};

    #[test]
    fn move_field_out_of_an_object_drops_the_emptied_object() {
        let snapshot =
            applied(json!({"move_field": {"type": "User", "from": "address.city", "to": "city"}}));
        let user = &snapshot.types["User"];
        assert_eq!(user["properties"]["city"], json!({"type": "string"}));
        assert_eq!(user["required"], json!(["id", "name", "city"]));
        assert_eq!(
            user["properties"]["address"]["properties"],
            json!({"street": {"type": "string"}})
        );

        let mut snapshot = sample();
        for step in [
            json!({"move_field": {"type": "User", "from": "address.city", "to": "city"}}),
            json!({"move_field": {"type": "User", "from": "address.street", "to": "street"}}),
        ] {
            crate::apply::apply(&mut snapshot, &change(step)).unwrap();
        }
        assert!(
            snapshot.types["User"]["properties"]
                .get("address")
                .is_none(),
            "{}",
            snapshot.types["User"]
        );
    }

    #[test]
    fn move_field_creates_objects_and_moving_back_restores_the_schema() {
        let mut snapshot = sample();
        crate::apply::apply(&mut snapshot, &change(json!({"move_field": {"type": "User", "from": "name", "to": "profile.display.name"}})))
            .unwrap();
        let profile = &snapshot.types["User"]["properties"]["profile"];
        assert_eq!(
            profile["properties"]["display"]["properties"]["name"],
            json!({"type": "string", "maxLength": 100})
        );
        assert_eq!(
            profile["required"],
            json!(["display"]),
            "required-ness follows the moved field"
        );
        assert_eq!(snapshot.types["User"]["required"], json!(["id", "profile"]));

        crate::apply::apply(&mut snapshot, &change(json!({"move_field": {"type": "User", "from": "profile.display.name", "to": "name"}})))
            .unwrap();
        assert!(
            snapshot.types["User"]["properties"]
                .get("profile")
                .is_none()
        );
        assert_eq!(snapshot.types["User"]["required"], json!(["id", "name"]));
    }

    #[test]
    fn move_field_errors() {
        let error = fails(json!({"move_field": {"type": "User", "from": "nmae", "to": "x"}}));
        assert_error(
            &error,
            "/from",
            "type `User` has no field `nmae`",
            "did you mean `name`?",
        );
        let error = fails(json!({"move_field": {"type": "User", "from": "name", "to": "email"}}));
        assert_error(
            &error,
            "/to",
            "type `User` already has a field `email`",
            "pick another place",
        );
        let error = fails(
            json!({"move_field": {"type": "User", "from": "address", "to": "address.inner"}}),
        );
        assert_error(&error, "/to", "`User.address` cannot move into itself", "");
        let error =
            fails(json!({"move_field": {"type": "User", "from": "email", "to": "name.email"}}));
        assert_error(
            &error,
            "/to",
            "`User.name` is not an object (it is a string)",
            "object fields only",
        );
        let error = fails(json!({"move_field": {"type": "User", "from": "email", "to": "email"}}));
        assert_error(
            &error,
            "/to",
            "moves `User.email` to itself",
            "remove this change",
        );
    }

    #[test]
    fn split_field_puts_the_new_fields_in_its_place() {
        let snapshot = applied(json!({"split_field": {"type": "User", "field": "name",
            "into": [{"name": "first", "schema": {"type": "string"}, "required": true}, {"name": "last", "schema": {"type": "string"}}],
            "up": ".", "down": "."}}));
        let user = &snapshot.types["User"];
        let keys: Vec<&String> = user["properties"]
            .as_object()
            .map(|p| p.keys().collect())
            .unwrap_or_default();
        assert_eq!(keys, ["id", "first", "last", "email", "role", "address"]);
        assert_eq!(user["required"], json!(["id", "first"]));
    }

    #[test]
    fn split_field_errors() {
        let split = |into: serde_json::Value| json!({"split_field": {"type": "User", "field": "name", "into": into, "up": ".", "down": "."}});
        assert_error(
            &fails(split(json!([]))),
            "/into",
            "`into` is empty",
            "list the fields",
        );
        let error = fails(split(json!([{"name": "email", "schema": {}}])));
        assert_error(
            &error,
            "/into/0/name",
            "type `User` already has a field `email`",
            "pick another name",
        );
        let error = fails(split(
            json!([{"name": "a", "schema": {}}, {"name": "a", "schema": {}}]),
        ));
        assert_error(&error, "/into/1/name", "field `a` is listed twice", "");
        let error = fails(split(
            json!([{"name": "a", "schema": {"$ref": "#/types/Nope"}}]),
        ));
        assert_error(&error, "/into/0/schema/$ref", "unknown type `Nope`", "");
        // The split field's own name may be reused.
        applied(split(
            json!([{"name": "name", "schema": {}}, {"name": "nick", "schema": {}}]),
        ));
    }

    #[test]
    fn merge_fields_and_errors() {
        let snapshot = applied(
            json!({"merge_fields": {"type": "User", "fields": ["email", "name"],
            "into": {"name": "contact", "schema": {"type": "string"}, "required": true}, "up": ".", "down": "."}}),
        );
        let user = &snapshot.types["User"];
        let keys: Vec<&String> = user["properties"]
            .as_object()
            .map(|p| p.keys().collect())
            .unwrap_or_default();
        assert_eq!(keys, ["id", "contact", "role", "address"]);
        assert_eq!(user["required"], json!(["id", "contact"]));

        let merge = |fields: serde_json::Value| {
            json!({"merge_fields": {"type": "User", "fields": fields,
            "into": {"name": "x", "schema": {}}, "up": ".", "down": "."}})
        };
        assert_error(
            &fails(merge(json!(["name"]))),
            "/fields",
            "at least two fields",
            "rename_field",
        );
        let error = fails(merge(json!(["name", "address.city"])));
        assert_error(
            &error,
            "/fields/1",
            "`User.name` and `User.address.city` are in different objects",
            "move_field",
        );
        assert_error(
            &fails(merge(json!(["name", "name"]))),
            "/fields/1",
            "`User.name` is listed twice",
            "",
        );
        assert_error(
            &fails(merge(json!(["name", "emial"]))),
            "/fields/1",
            "no field `emial`",
            "did you mean `email`?",
        );
    }
}
