//! What every change kind needs: finding types, endpoints and fields, with helpful errors.
//!
//! A field path `content.user` walks `properties.content.properties.user` of the type's object
//! schema. Each step may go through an inline object, a `$ref` to another named type (the walk
//! continues in that type) or a nullable `anyOf`/`oneOf` with one non-null branch.

use serde_json::{Map, Value};

use super::ApplyError;
use super::draft::Draft;
use super::refs::escape;
use crate::project::closest;
use crate::snapshot::{Endpoint, Schema, Snapshot};

/// How many existing names a hint lists before it stops listing.
const LISTED: usize = 8;

/// A hint for an unknown name: the closest candidate, the candidates, or how many there are.
pub(crate) fn suggest(name: &str, candidates: &[&str], what: &str) -> String {
    if let Some(best) = closest(name, candidates) {
        return format!("did you mean `{best}`?");
    }
    match candidates.len() {
        0 => format!("there are no {what} yet"),
        count if count <= LISTED => format!("existing {what}: {}", quoted(candidates)),
        count => format!("there are {count} {what}; check the spelling"),
    }
}

/// `` `a`, `b`, `c` ``.
pub(crate) fn quoted(names: &[&str]) -> String {
    names
        .iter()
        .map(|name| format!("`{name}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The schema of an existing type; `pointer` is where the change names it.
pub(crate) fn find_type<'d>(
    draft: &'d Draft<'_>,
    name: &str,
    pointer: &str,
) -> Result<&'d Schema, ApplyError> {
    draft.type_schema(name).ok_or_else(|| {
        let names = draft.type_names();
        ApplyError::new(pointer, format!("unknown type `{name}`"))
            .hint(suggest(name, &names, "types"))
    })
}

/// An existing endpoint; `pointer` is where the change names it.
pub(crate) fn find_endpoint<'d>(
    draft: &'d Draft<'_>,
    id: &str,
    pointer: &str,
) -> Result<&'d Endpoint, ApplyError> {
    draft.endpoint(id).ok_or_else(|| {
        let ids = draft.endpoint_ids();
        ApplyError::new(pointer, format!("unknown endpoint `{id}`")).hint(suggest(
            id,
            &ids,
            "endpoints",
        ))
    })
}

/// An endpoint for editing (after [`find_endpoint`] checked it exists).
pub(crate) fn endpoint_mut<'d>(
    draft: &'d mut Draft<'_>,
    id: &str,
    pointer: &str,
) -> Result<&'d mut Endpoint, ApplyError> {
    find_endpoint(draft, id, pointer).map(|_| ())?;
    draft
        .endpoint_mut(id)
        .ok_or_else(|| ApplyError::new(pointer, format!("unknown endpoint `{id}`")))
}

/// Checks an HTTP status code.
pub(crate) fn check_status(status: u16, pointer: &str) -> Result<(), ApplyError> {
    if (100..=599).contains(&status) {
        return Ok(());
    }
    Err(
        ApplyError::new(pointer, format!("`{status}` is not an HTTP status"))
            .hint("statuses run from 100 to 599"),
    )
}

/// Checks that a new type name can be referred to as `#/types/Name`.
pub(crate) fn check_type_name(name: &str, pointer: &str) -> Result<(), ApplyError> {
    let bad = name
        .chars()
        .find(|c| matches!(c, '/' | '~' | '#') || c.is_whitespace() || c.is_control());
    if name.is_empty() {
        return Err(
            ApplyError::new(pointer, "the type name is empty").hint("name the type, e.g. `User`")
        );
    }
    match bad {
        Some(c) => Err(ApplyError::new(
            pointer,
            format!("type name `{name}` contains `{}`", c.escape_default()),
        )
        .hint(
            "type names are referred to as `#/types/Name`: use letters, digits, `_`, `-` and `.`",
        )),
        None => Ok(()),
    }
}

/// Checks that a new field name is a plain name (not a path).
pub(crate) fn check_field_name(name: &str, pointer: &str) -> Result<(), ApplyError> {
    if name.is_empty() {
        return Err(ApplyError::new(pointer, "the field name is empty").hint("name the field"));
    }
    if name.contains('.') {
        return Err(
            ApplyError::new(pointer, format!("field name `{name}` contains `.`")).hint(
                "a field name is one name; use `move_field` to move a field into another object",
            ),
        );
    }
    Ok(())
}

/// Splits a dotted field path; an empty path or segment is an error at `pointer`.
pub(crate) fn segments<'p>(path: &'p str, pointer: &str) -> Result<Vec<&'p str>, ApplyError> {
    let parts: Vec<&str> = path.split('.').collect();
    if parts.iter().any(|part| part.is_empty()) {
        let message = if path.is_empty() {
            "the field path is empty".to_owned()
        } else {
            format!("field path `{path}` has an empty segment")
        };
        return Err(ApplyError::new(pointer, message)
            .hint("write a field as `name`, or a nested one as `outer.inner`"));
    }
    Ok(parts)
}

/// An object schema inside a named type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ObjectAt {
    /// The named type whose schema holds the object.
    pub(crate) owner: String,
    /// The object's JSON pointer inside the owner's schema (`""` for the type itself).
    pub(crate) pointer: String,
    /// Property names from the owner's root to the object, for messages.
    pub(crate) trail: Vec<String>,
}

impl ObjectAt {
    /// `type `User`` or `` `User.address` ``.
    pub(crate) fn describe(&self) -> String {
        if self.trail.is_empty() {
            format!("type `{}`", self.owner)
        } else {
            format!("`{}.{}`", self.owner, self.trail.join("."))
        }
    }

    /// `` `User.address.city` `` for a field of this object.
    pub(crate) fn field(&self, name: &str) -> String {
        let mut parts = vec![self.owner.as_str()];
        parts.extend(self.trail.iter().map(String::as_str));
        parts.push(name);
        format!("`{}`", parts.join("."))
    }

    /// The inline object schema at property `name` of this object.
    fn inline(&self, name: &str, suffix: &str) -> Self {
        let mut trail = self.trail.clone();
        trail.push(name.to_owned());
        Self {
            owner: self.owner.clone(),
            pointer: format!("{}/properties/{}{suffix}", self.pointer, escape(name)),
            trail,
        }
    }
}

/// A field: the object that holds it and its name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Site {
    /// The object holding the field.
    pub(crate) object: ObjectAt,
    /// The field's name.
    pub(crate) name: String,
}

impl Site {
    /// `` `User.address.city` ``.
    pub(crate) fn describe(&self) -> String {
        self.object.field(&self.name)
    }
}

/// Whether a schema describes an object with properties.
pub(crate) fn is_object_schema(schema: &Map<String, Value>) -> bool {
    let typed = match schema.get("type") {
        Some(Value::String(kind)) => kind == "object",
        Some(Value::Array(kinds)) => kinds.iter().any(|kind| kind == "object"),
        _ => false,
    };
    typed || schema.get("properties").is_some_and(Value::is_object)
}

/// `a` or `an` and the word.
pub(crate) fn article(word: &str) -> String {
    let vowel = word.starts_with(['a', 'e', 'i', 'o', 'u']);
    format!("{} {word}", if vowel { "an" } else { "a" })
}

/// What a schema is (`a string`, `an array`, `an enum`), for messages.
pub(crate) fn kind_of(schema: &Value) -> String {
    match schema.get("type") {
        Some(Value::String(kind)) => article(kind),
        Some(Value::Array(kinds)) => article(
            &kinds
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(" or "),
        ),
        _ if schema.get("enum").is_some() => "an enum".to_owned(),
        _ if Snapshot::ref_name(schema).is_some() => "a reference".to_owned(),
        _ => "a schema without `type`".to_owned(),
    }
}

/// The object schema of a named type (following aliases `{"$ref": ...}`).
pub(crate) fn type_object(
    draft: &Draft<'_>,
    name: &str,
    pointer: &str,
) -> Result<ObjectAt, ApplyError> {
    let schema = find_type(draft, name, pointer)?;
    let owner = alias_target(draft, name, schema);
    let resolved = draft.type_schema(&owner).unwrap_or(schema);
    match resolved.as_object() {
        Some(map) if is_object_schema(map) => Ok(ObjectAt { owner, pointer: String::new(), trail: Vec::new() }),
        _ => Err(ApplyError::new(pointer, format!("type `{name}` is not an object (it is {})", kind_of(resolved)))
            .hint("field changes need a type with `properties`; change other schemas with `custom` and a new `schema`")),
    }
}

/// The type an alias chain `A -> B -> C` ends at (`name` itself when it is no alias).
pub(crate) fn alias_target(draft: &Draft<'_>, name: &str, schema: &Schema) -> String {
    let mut owner = name.to_owned();
    let mut schema = schema;
    for _ in 0..=draft.type_count() {
        match Snapshot::ref_name(schema)
            .and_then(|target| draft.type_schema(target).map(|s| (target, s)))
        {
            Some((target, next)) => {
                owner = target.to_owned();
                schema = next;
            }
            None => break,
        }
    }
    owner
}

/// The object schema at `at`.
pub(crate) fn object<'d>(draft: &'d Draft<'_>, at: &ObjectAt) -> Option<&'d Map<String, Value>> {
    draft
        .type_schema(&at.owner)?
        .pointer(&at.pointer)?
        .as_object()
}

/// The object schema at `at`, for editing.
pub(crate) fn object_mut<'d>(
    draft: &'d mut Draft<'_>,
    at: &ObjectAt,
) -> Result<&'d mut Map<String, Value>, ApplyError> {
    draft
        .type_mut(&at.owner)
        .and_then(|schema| schema.pointer_mut(&at.pointer))
        .and_then(Value::as_object_mut)
        .ok_or_else(|| {
            ApplyError::new(
                "",
                format!("{} disappeared while the change was applied", at.describe()),
            )
        })
}

/// The `properties` of an object schema.
pub(crate) fn properties(object: &Map<String, Value>) -> Option<&Map<String, Value>> {
    object.get("properties")?.as_object()
}

/// The `properties` of an object schema, created when missing (or when not an object).
pub(crate) fn properties_mut(
    object: &mut Map<String, Value>,
) -> Result<&mut Map<String, Value>, ApplyError> {
    let slot = object
        .entry("properties")
        .or_insert_with(|| Value::Object(Map::new()));
    if !slot.is_object() {
        *slot = Value::Object(Map::new());
    }
    slot.as_object_mut()
        .ok_or_else(|| ApplyError::new("", "`properties` is not an object"))
}

/// The property names of an object schema, in order.
pub(crate) fn property_names(object: &Map<String, Value>) -> Vec<&str> {
    properties(object)
        .map(|map| map.keys().map(String::as_str).collect())
        .unwrap_or_default()
}

/// Whether `name` is in the object's `required`.
pub(crate) fn is_required(object: &Map<String, Value>, name: &str) -> bool {
    object
        .get("required")
        .and_then(Value::as_array)
        .is_some_and(|list| list.iter().any(|entry| entry == name))
}

/// Adds `name` to (at the end) or removes it from the object's `required`; an emptied
/// `required` is dropped.
pub(crate) fn set_required(object: &mut Map<String, Value>, name: &str, required: bool) {
    let mut list: Vec<Value> = object
        .get("required")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    list.retain(|entry| entry != name);
    if required {
        list.push(Value::String(name.to_owned()));
    }
    if list.is_empty() {
        object.shift_remove("required");
    } else {
        object.insert("required".to_owned(), Value::Array(list));
    }
}

/// Walks `segments` from the type's object schema; each must be an object-valued field.
pub(crate) fn locate_object(
    draft: &Draft<'_>,
    type_name: &str,
    segments: &[&str],
    type_pointer: &str,
    path_pointer: &str,
) -> Result<ObjectAt, ApplyError> {
    let mut at = type_object(draft, type_name, type_pointer)?;
    for segment in segments {
        at = step(draft, &at, segment, path_pointer)?;
    }
    Ok(at)
}

/// The object schema of field `name` of the object `at`.
pub(crate) fn step(
    draft: &Draft<'_>,
    at: &ObjectAt,
    name: &str,
    pointer: &str,
) -> Result<ObjectAt, ApplyError> {
    let Some(property) = object(draft, at)
        .and_then(properties)
        .and_then(|props| props.get(name))
    else {
        return Err(no_field(draft, at, name, pointer));
    };
    if let Some(target) = Snapshot::ref_name(property) {
        return type_object(draft, target, pointer)
            .map_err(|_| not_an_object(draft, at, name, property, pointer));
    }
    if property.as_object().is_some_and(is_object_schema) {
        return Ok(at.inline(name, ""));
    }
    // A nullable object: `anyOf: [{...}, {type: null}]`.
    for keyword in ["anyOf", "oneOf"] {
        let Some(branches) = property.get(keyword).and_then(Value::as_array) else {
            continue;
        };
        let non_null: Vec<(usize, &Value)> = branches
            .iter()
            .enumerate()
            .filter(|(_, branch)| branch.get("type") != Some(&Value::from("null")))
            .collect();
        if let [(index, branch)] = non_null.as_slice() {
            if let Some(target) = Snapshot::ref_name(branch) {
                return type_object(draft, target, pointer)
                    .map_err(|_| not_an_object(draft, at, name, property, pointer));
            }
            if branch.as_object().is_some_and(is_object_schema) {
                return Ok(at.inline(name, &format!("/{keyword}/{index}")));
            }
        }
    }
    Err(not_an_object(draft, at, name, property, pointer))
}

fn not_an_object(
    draft: &Draft<'_>,
    at: &ObjectAt,
    name: &str,
    property: &Value,
    pointer: &str,
) -> ApplyError {
    let resolved = draft.resolve(property);
    let error = ApplyError::new(
        pointer,
        format!(
            "{} is not an object (it is {})",
            at.field(name),
            kind_of(resolved)
        ),
    );
    match resolved.get("items").and_then(Snapshot::ref_name) {
        Some(item) => error.hint(format!(
            "field paths do not walk into arrays; name the item type instead: `type: {item}`"
        )),
        None => error.hint("a field path walks through object fields only"),
    }
}

/// "type `User` has no field `nmae`", with the closest existing field.
pub(crate) fn no_field(draft: &Draft<'_>, at: &ObjectAt, name: &str, pointer: &str) -> ApplyError {
    let names = object(draft, at).map(property_names).unwrap_or_default();
    ApplyError::new(pointer, format!("{} has no field `{name}`", at.describe()))
        .hint(suggest(name, &names, "fields"))
}

/// The site of the field at dotted `path` in `type_name`; the field itself may not exist yet.
pub(crate) fn locate_site(
    draft: &Draft<'_>,
    type_name: &str,
    path: &str,
    type_pointer: &str,
    path_pointer: &str,
) -> Result<Site, ApplyError> {
    let parts = segments(path, path_pointer)?;
    let (name, parents) = parts
        .split_last()
        .ok_or_else(|| ApplyError::new(path_pointer, "the field path is empty"))?;
    let object = locate_object(draft, type_name, parents, type_pointer, path_pointer)?;
    Ok(Site {
        object,
        name: (*name).to_owned(),
    })
}

/// The site of an existing field and its schema.
pub(crate) fn existing_field<'d>(
    draft: &'d Draft<'_>,
    type_name: &str,
    path: &str,
    type_pointer: &str,
    path_pointer: &str,
) -> Result<(Site, &'d Value), ApplyError> {
    let site = locate_site(draft, type_name, path, type_pointer, path_pointer)?;
    match object(draft, &site.object)
        .and_then(properties)
        .and_then(|props| props.get(&site.name))
    {
        Some(schema) => Ok((site, schema)),
        None => Err(no_field(draft, &site.object, &site.name, path_pointer)),
    }
}

/// The site of a field that must not exist yet.
pub(crate) fn new_field(
    draft: &Draft<'_>,
    type_name: &str,
    path: &str,
    type_pointer: &str,
    path_pointer: &str,
) -> Result<Site, ApplyError> {
    let site = locate_site(draft, type_name, path, type_pointer, path_pointer)?;
    if object(draft, &site.object)
        .and_then(properties)
        .is_some_and(|props| props.contains_key(&site.name))
    {
        return Err(ApplyError::new(
            path_pointer,
            format!(
                "{} already has a field `{}`",
                site.object.describe(),
                site.name
            ),
        )
        .hint("pick another name, or change the existing field with `change_field`"));
    }
    Ok(site)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::apply::testing::sample;

    #[test]
    fn suggestions_prefer_the_closest_name_then_list_then_count() {
        assert_eq!(
            suggest("Usr", &["User", "Order"], "types"),
            "did you mean `User`?"
        );
        assert_eq!(
            suggest("Zebra", &["User", "Order"], "types"),
            "existing types: `User`, `Order`"
        );
        assert_eq!(suggest("Zebra", &[], "types"), "there are no types yet");
        let many = ["a1", "b2", "c3", "d4", "e5", "f6", "g7", "h8", "i9"];
        assert_eq!(
            suggest("Zebra", &many, "types"),
            "there are 9 types; check the spelling"
        );
    }

    #[test]
    fn paths_walk_inline_objects_refs_and_nullable_objects() {
        let mut snapshot = sample();
        snapshot.types.insert(
            "Holder".to_owned(),
            json!({"type": "object", "properties": {
                "user": {"$ref": "#/types/User"},
                "maybe": {"anyOf": [{"type": "object", "properties": {"x": {"type": "integer"}}}, {"type": "null"}]}
            }}),
        );
        let draft = Draft::new(&snapshot);
        let (site, schema) =
            existing_field(&draft, "Holder", "user.address.city", "/type", "/field").unwrap();
        assert_eq!(site.object.owner, "User");
        assert_eq!(site.object.pointer, "/properties/address");
        assert_eq!(site.describe(), "`User.address.city`");
        assert_eq!(schema, &json!({"type": "string"}));

        let (site, _) = existing_field(&draft, "Holder", "maybe.x", "/type", "/field").unwrap();
        assert_eq!(site.object.pointer, "/properties/maybe/anyOf/0");
    }

    #[test]
    fn path_errors_say_where_the_walk_stopped() {
        let snapshot = sample();
        let draft = Draft::new(&snapshot);
        let error = existing_field(&draft, "User", "adress.city", "/type", "/field").unwrap_err();
        assert_eq!(error.pointer, "/field");
        assert_eq!(error.message, "type `User` has no field `adress`");
        assert_eq!(error.hint.as_deref(), Some("did you mean `address`?"));

        let error = existing_field(&draft, "User", "address.cty", "/type", "/field").unwrap_err();
        assert_eq!(error.message, "`User.address` has no field `cty`");

        let error = existing_field(&draft, "User", "name.first", "/type", "/field").unwrap_err();
        assert_eq!(
            error.message,
            "`User.name` is not an object (it is a string)"
        );

        let error = existing_field(&draft, "Role", "x", "/type", "/field").unwrap_err();
        assert_eq!(
            (error.pointer.as_str(), error.message.as_str()),
            ("/type", "type `Role` is not an object (it is a string)")
        );

        let error = existing_field(&draft, "User", "address..city", "/type", "/field").unwrap_err();
        assert_eq!(
            error.message,
            "field path `address..city` has an empty segment"
        );
    }

    #[test]
    fn names_are_checked() {
        assert!(check_type_name("User_2.v1", "/name").is_ok());
        assert_eq!(
            check_type_name("a/b", "/name").unwrap_err().message,
            "type name `a/b` contains `/`"
        );
        assert_eq!(
            check_type_name("", "/name").unwrap_err().message,
            "the type name is empty"
        );
        assert!(
            check_field_name("a.b", "/to")
                .unwrap_err()
                .hint
                .unwrap_or_default()
                .contains("move_field")
        );
    }

    #[test]
    fn required_lists_are_edited_in_place() {
        let mut object = json!({"required": ["a", "b"]})
            .as_object()
            .cloned()
            .unwrap_or_default();
        set_required(&mut object, "c", true);
        assert_eq!(object["required"], json!(["a", "b", "c"]));
        set_required(&mut object, "a", false);
        set_required(&mut object, "b", false);
        set_required(&mut object, "c", false);
        assert!(!object.contains_key("required"));
    }
}
