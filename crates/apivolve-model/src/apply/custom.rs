//! `custom`: migrations the vocabulary cannot derive, with an optional new schema.
//!
//! A `custom` names exactly one of a type (whose values it migrates wherever they occur) and an
//! endpoint (whose payloads it migrates). Its optional `schema` replaces the type's schema, or
//! the endpoint's request body schema.

use super::ApplyError;
use super::draft::Draft;
use super::refs::check_refs;
use super::types::check_schema;
use super::util::{endpoint_mut, find_endpoint, find_type};
use crate::change::Custom;

pub(super) fn custom(draft: &mut Draft<'_>, change: &Custom) -> Result<(), ApplyError> {
    let hint = "name one: the `type` whose values it migrates, or the `endpoint` whose payloads it migrates";
    match (&change.type_name, &change.endpoint) {
        (Some(_), Some(_)) => Err(ApplyError::new(
            "/type",
            "`custom` names both an `endpoint` and a `type`",
        )
        .hint(hint)),
        (None, None) => {
            Err(ApplyError::new("", "`custom` names neither an `endpoint` nor a `type`").hint(hint))
        }
        (Some(name), None) => {
            find_type(draft, name, "/type")?;
            if let Some(schema) = &change.schema {
                check_schema(schema, "/schema")?;
                check_refs(draft, schema, "/schema", Some(name))?;
                draft.set_type(name, schema.clone());
            }
            Ok(())
        }
        (None, Some(id)) => {
            let endpoint = find_endpoint(draft, id, "/endpoint")?;
            let Some(schema) = &change.schema else {
                return Ok(());
            };
            if endpoint.request.is_none() {
                return Err(ApplyError::new(
                    "/schema",
                    format!("endpoint `{id}` has no request body for `schema` to replace"),
                )
                .hint("give it one with `set_request` first"));
            }
            check_schema(schema, "/schema")?;
            check_refs(draft, schema, "/schema", None)?;
            if let Some(body) = endpoint_mut(draft, id, "/endpoint")?.request.as_mut() {
                body.schema = schema.clone();
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::apply::testing::{applied, assert_error, fails};

    #[test]
    fn custom_replaces_type_or_request_schemas() {
        let snapshot = applied(
            json!({"custom": {"description": "d", "type": "Role", "schema": {"type": "string"}, "impact": "breaking"}}),
        );
        assert_eq!(snapshot.types["Role"], json!({"type": "string"}));
        let snapshot = applied(
            json!({"custom": {"description": "d", "endpoint": "users.create", "schema": {"type": "object"}, "impact": "breaking"}}),
        );
        assert_eq!(
            snapshot.endpoints["users.create"]
                .request
                .as_ref()
                .map(|b| &b.schema),
            Some(&json!({"type": "object"}))
        );
        applied(
            json!({"custom": {"description": "d", "endpoint": "users.get", "up": ".", "impact": "patch"}}),
        );
    }

    #[test]
    fn custom_errors() {
        let error = fails(json!({"custom": {"description": "d", "impact": "patch"}}));
        assert_error(
            &error,
            "",
            "names neither an `endpoint` nor a `type`",
            "name one",
        );
        let error = fails(
            json!({"custom": {"description": "d", "type": "User", "endpoint": "users.get", "impact": "patch"}}),
        );
        assert_error(&error, "/type", "names both", "name one");
        let error =
            fails(json!({"custom": {"description": "d", "type": "Usr", "impact": "patch"}}));
        assert_error(
            &error,
            "/type",
            "unknown type `Usr`",
            "did you mean `User`?",
        );
        let error = fails(
            json!({"custom": {"description": "d", "endpoint": "users.get", "schema": {}, "impact": "patch"}}),
        );
        assert_error(
            &error,
            "/schema",
            "endpoint `users.get` has no request body",
            "set_request",
        );
        let error = fails(
            json!({"custom": {"description": "d", "type": "User", "schema": {"$ref": "#/types/Nobody"}, "impact": "patch"}}),
        );
        assert_error(&error, "/schema/$ref", "unknown type `Nobody`", "");
    }
}
