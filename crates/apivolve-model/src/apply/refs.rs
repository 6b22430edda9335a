//! Walking JSON Schemas: their subschemas and the `$ref`s among them.
//!
//! The walk knows which keywords hold subschemas (`properties`, `items`, `allOf`, ...), so a
//! property that happens to be named `$ref`, or a `$ref` inside an `enum` or `default` value, is
//! data and not a reference.

use serde_json::{Map, Value};

use super::ApplyError;
use super::draft::Draft;
use super::util::suggest;
use crate::snapshot::{Endpoint, Schema, TYPE_REF_PREFIX};

/// Keywords whose value maps names to subschemas.
const MAP_KEYWORDS: &[&str] = &[
    "properties",
    "patternProperties",
    "$defs",
    "definitions",
    "dependentSchemas",
];
/// Keywords whose value is a list of subschemas.
const LIST_KEYWORDS: &[&str] = &["allOf", "anyOf", "oneOf", "prefixItems"];
/// Keywords whose value is one subschema.
const SINGLE_KEYWORDS: &[&str] = &[
    "items",
    "additionalItems",
    "additionalProperties",
    "unevaluatedItems",
    "unevaluatedProperties",
    "propertyNames",
    "contains",
    "not",
    "if",
    "then",
    "else",
    "contentSchema",
];
/// Deeper schemas than this are not walked (a guard against stack exhaustion, not a limit
/// anyone meets).
const MAX_DEPTH: usize = 256;

/// Escapes one JSON pointer token (`~` and `/`).
pub(crate) fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// The direct subschemas of a schema, each with its pointer relative to the schema.
pub(crate) fn children(schema: &Map<String, Value>) -> Vec<(String, &Value)> {
    let mut found = Vec::new();
    for (keyword, value) in schema {
        let keyword_token = escape(keyword);
        if MAP_KEYWORDS.contains(&keyword.as_str()) {
            if let Value::Object(map) = value {
                for (name, child) in map {
                    found.push((format!("/{keyword_token}/{}", escape(name)), child));
                }
            }
        } else if LIST_KEYWORDS.contains(&keyword.as_str()) {
            if let Value::Array(list) = value {
                for (index, child) in list.iter().enumerate() {
                    found.push((format!("/{keyword_token}/{index}"), child));
                }
            }
        } else if SINGLE_KEYWORDS.contains(&keyword.as_str()) {
            // `items` as an array is the draft 2019 spelling of `prefixItems`.
            if let Value::Array(list) = value {
                for (index, child) in list.iter().enumerate() {
                    found.push((format!("/{keyword_token}/{index}"), child));
                }
            } else {
                found.push((format!("/{keyword_token}"), value));
            }
        }
    }
    found
}

/// Calls `visit` with every schema object in `schema` (itself included) and its pointer.
pub(crate) fn walk<'s>(
    schema: &'s Value,
    base: &str,
    visit: &mut impl FnMut(&str, &'s Map<String, Value>),
) {
    walk_at(schema, base.to_owned(), 0, visit);
}

fn walk_at<'s>(
    schema: &'s Value,
    pointer: String,
    depth: usize,
    visit: &mut impl FnMut(&str, &'s Map<String, Value>),
) {
    let Value::Object(map) = schema else { return };
    visit(&pointer, map);
    if depth >= MAX_DEPTH {
        return;
    }
    for (suffix, child) in children(map) {
        walk_at(child, format!("{pointer}{suffix}"), depth + 1, visit);
    }
}

/// Calls `edit` with every schema object in `schema` (itself included), for editing.
pub(crate) fn walk_mut(schema: &mut Value, edit: &mut impl FnMut(&mut Map<String, Value>)) {
    walk_mut_at(schema, 0, edit);
}

fn walk_mut_at(schema: &mut Value, depth: usize, edit: &mut impl FnMut(&mut Map<String, Value>)) {
    let Value::Object(map) = schema else { return };
    edit(map);
    if depth >= MAX_DEPTH {
        return;
    }
    for (keyword, value) in map.iter_mut() {
        let keyword = keyword.as_str();
        if MAP_KEYWORDS.contains(&keyword) {
            if let Value::Object(children) = value {
                for child in children.values_mut() {
                    walk_mut_at(child, depth + 1, edit);
                }
            }
        } else if LIST_KEYWORDS.contains(&keyword) || SINGLE_KEYWORDS.contains(&keyword) {
            match value {
                Value::Array(list) => list
                    .iter_mut()
                    .for_each(|child| walk_mut_at(child, depth + 1, edit)),
                child => walk_mut_at(child, depth + 1, edit),
            }
        }
    }
}

/// The named type a `$ref` value points to (`#/types/User` and `#/types/User/properties/x` both
/// give `User`).
pub(crate) fn type_of_ref(reference: &str) -> Option<String> {
    let rest = reference.strip_prefix(TYPE_REF_PREFIX)?;
    let token = rest.split('/').next().unwrap_or(rest);
    Some(token.replace("~1", "/").replace("~0", "~"))
}

/// Every `$ref` to a named type in `schema`: the pointer of the `$ref` and the type's name.
pub(crate) fn type_refs(schema: &Value, base: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    walk(schema, base, &mut |pointer, map| {
        if let Some(name) = map
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(type_of_ref)
        {
            found.push((format!("{pointer}/$ref"), name));
        }
    });
    found
}

/// Whether `schema` refers to the named type anywhere.
pub(crate) fn refers_to(schema: &Value, name: &str) -> bool {
    type_refs(schema, "")
        .iter()
        .any(|(_, target)| target == name)
}

/// Checks every `$ref` a change brings in: it must name an existing type (`#/types/Name`) or be
/// another pointer into the same document (`#/...`). `also` counts as existing (a type that
/// refers to itself while being added). `base` is the schema's pointer in the change's body.
pub(crate) fn check_refs(
    draft: &Draft<'_>,
    schema: &Value,
    base: &str,
    also: Option<&str>,
) -> Result<(), ApplyError> {
    let mut problem = None;
    walk(schema, base, &mut |pointer, map| {
        if problem.is_some() {
            return;
        }
        let Some(reference) = map.get("$ref") else {
            return;
        };
        let at = format!("{pointer}/$ref");
        let Some(reference) = reference.as_str() else {
            problem = Some(
                ApplyError::new(at, "`$ref` must be a string")
                    .hint(format!("refer to a named type as `{TYPE_REF_PREFIX}Name`")),
            );
            return;
        };
        if let Some(name) = type_of_ref(reference) {
            if !draft.has_type(&name) && also != Some(name.as_str()) {
                let names = draft.type_names();
                problem = Some(
                    ApplyError::new(at, format!("`$ref` names unknown type `{name}`"))
                        .hint(suggest(&name, &names, "types")),
                );
            }
        } else if !reference.starts_with('#') {
            problem = Some(
                ApplyError::new(at, format!("`$ref` `{reference}` points outside the API's types"))
                    .hint(format!("refer to a named type as `{TYPE_REF_PREFIX}Name`; external references are not supported")),
            );
        }
    });
    problem.map_or(Ok(()), Err)
}

/// Rewrites every `$ref` to type `from` into a `$ref` to type `to`; true when one was rewritten.
pub(crate) fn rename_refs(schema: &mut Value, from: &str, to: &str) -> bool {
    let exact = format!("{TYPE_REF_PREFIX}{}", escape(from));
    let deeper = format!("{exact}/");
    let target = format!("{TYPE_REF_PREFIX}{}", escape(to));
    let mut renamed = false;
    walk_mut(schema, &mut |map| {
        let Some(Value::String(reference)) = map.get_mut("$ref") else {
            return;
        };
        if *reference == exact {
            *reference = target.clone();
            renamed = true;
        } else if let Some(rest) = reference.strip_prefix(&deeper) {
            *reference = format!("{target}/{rest}");
            renamed = true;
        }
    });
    renamed
}

/// One schema of an endpoint, with what it describes.
pub(crate) struct EndpointSchema<'e> {
    /// `request body`, `parameter `id``, `response `200``, `error body`.
    pub(crate) label: String,
    /// True for what clients send (body and parameters), false for what they receive.
    pub(crate) request: bool,
    /// The schema.
    pub(crate) schema: &'e Schema,
}

/// Every schema of an endpoint: request body, parameters, responses and error body.
pub(crate) fn endpoint_schemas(endpoint: &Endpoint) -> Vec<EndpointSchema<'_>> {
    let mut found = Vec::new();
    if let Some(body) = &endpoint.request {
        found.push(EndpointSchema {
            label: "request body".to_owned(),
            request: true,
            schema: &body.schema,
        });
    }
    for parameter in &endpoint.parameters {
        let label = format!("{} parameter `{}`", parameter.location, parameter.name);
        found.push(EndpointSchema {
            label,
            request: true,
            schema: &parameter.schema,
        });
    }
    for (status, body) in &endpoint.responses {
        found.push(EndpointSchema {
            label: format!("response `{status}`"),
            request: false,
            schema: &body.schema,
        });
    }
    if let Some(schema) = endpoint
        .error
        .as_ref()
        .and_then(|shape| shape.schema.as_ref())
    {
        found.push(EndpointSchema {
            label: "error body".to_owned(),
            request: false,
            schema,
        });
    }
    found
}

/// Every schema of an endpoint, for editing.
pub(crate) fn endpoint_schemas_mut(endpoint: &mut Endpoint) -> Vec<&mut Schema> {
    let mut found: Vec<&mut Schema> = Vec::new();
    if let Some(body) = &mut endpoint.request {
        found.push(&mut body.schema);
    }
    found.extend(
        endpoint
            .parameters
            .iter_mut()
            .map(|parameter| &mut parameter.schema),
    );
    found.extend(endpoint.responses.values_mut().map(|body| &mut body.schema));
    if let Some(schema) = endpoint
        .error
        .as_mut()
        .and_then(|shape| shape.schema.as_mut())
    {
        found.push(schema);
    }
    found
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::apply::testing::sample;

    #[test]
    fn walk_knows_keywords_from_data() {
        let schema = json!({
            "properties": {"$ref": {"type": "string"}, "a": {"$ref": "#/types/A"}},
            "items": [{"$ref": "#/types/B"}],
            "anyOf": [{"$ref": "#/types/C/properties/x"}],
            "enum": [{"$ref": "#/types/NotARef"}],
            "default": {"$ref": "#/types/NotARefEither"}
        });
        let refs = type_refs(&schema, "/schema");
        assert_eq!(
            refs,
            [
                ("/schema/properties/a/$ref".to_owned(), "A".to_owned()),
                ("/schema/items/0/$ref".to_owned(), "B".to_owned()),
                ("/schema/anyOf/0/$ref".to_owned(), "C".to_owned()),
            ]
        );
    }

    #[test]
    fn unknown_refs_point_at_the_ref_with_a_suggestion() {
        let snapshot = sample();
        let draft = Draft::new(&snapshot);
        let schema = json!({"properties": {"who": {"$ref": "#/types/Usr"}}});
        let error = check_refs(&draft, &schema, "/schema", None).unwrap_err();
        assert_eq!(error.pointer, "/schema/properties/who/$ref");
        assert_eq!(error.message, "`$ref` names unknown type `Usr`");
        assert_eq!(error.hint.as_deref(), Some("did you mean `User`?"));

        let external = json!({"items": {"$ref": "https://example.com/x.json"}});
        let error = check_refs(&draft, &external, "", None).unwrap_err();
        assert_eq!(error.pointer, "/items/$ref");
        assert!(error.message.contains("points outside"), "{error:?}");

        let fine = json!({"allOf": [{"$ref": "#/types/User"}, {"$ref": "#/$defs/local"}, {"$ref": "#/types/Self"}]});
        assert_eq!(check_refs(&draft, &fine, "", Some("Self")), Ok(()));
    }

    #[test]
    fn rename_rewrites_exact_and_deeper_refs_only() {
        let mut schema = json!({
            "properties": {
                "a": {"$ref": "#/types/User"},
                "b": {"$ref": "#/types/User/properties/id"},
                "c": {"$ref": "#/types/UserX"}
            }
        });
        assert!(rename_refs(&mut schema, "User", "Person"));
        assert_eq!(schema["properties"]["a"]["$ref"], "#/types/Person");
        assert_eq!(
            schema["properties"]["b"]["$ref"],
            "#/types/Person/properties/id"
        );
        assert_eq!(schema["properties"]["c"]["$ref"], "#/types/UserX");
        assert!(!rename_refs(&mut schema, "Nobody", "X"));
    }

    #[test]
    fn deep_schemas_do_not_exhaust_the_stack() {
        let mut schema = json!({"$ref": "#/types/Deep"});
        for _ in 0..2000 {
            schema = json!({"items": schema});
        }
        assert!(
            type_refs(&schema, "").is_empty(),
            "refs past the depth guard are not seen"
        );
        assert!(!rename_refs(&mut schema, "Deep", "X"));
    }
}
