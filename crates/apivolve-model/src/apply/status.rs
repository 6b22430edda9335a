//! `change_status` and `change_error`, for one endpoint or all of them.

use super::ApplyError;
use super::draft::Draft;
use super::refs::check_refs;
use super::types::check_schema;
use super::util::{check_status, endpoint_mut, find_endpoint};
use crate::change::{ChangeError, ChangeStatus};
use crate::snapshot::{ErrorShape, PROBLEM_MEDIA_TYPE};

/// Checks an error shape; `base` is its pointer.
pub(super) fn check_error_shape(
    draft: &Draft<'_>,
    shape: &ErrorShape,
    base: &str,
) -> Result<(), ApplyError> {
    if shape.media_type.trim().is_empty() {
        return Err(
            ApplyError::new(format!("{base}/media_type"), "the media type is empty").hint(format!(
                "write `{PROBLEM_MEDIA_TYPE}`, `text/plain` or a JSON media type with a `schema`"
            )),
        );
    }
    if let Some(schema) = &shape.schema {
        if shape.media_type.starts_with("text/") {
            return Err(ApplyError::new(
                format!("{base}/schema"),
                format!("`{}` error bodies have no schema", shape.media_type),
            )
            .hint("leave `schema` out, or use a JSON media type"));
        }
        check_schema(schema, &format!("{base}/schema"))?;
        check_refs(draft, schema, &format!("{base}/schema"), None)?;
    }
    Ok(())
}

/// The shape as stored: `None` for plain problem details.
pub(super) fn stored_shape(shape: &ErrorShape) -> Option<ErrorShape> {
    (shape != &ErrorShape::default()).then(|| shape.clone())
}

/// The endpoints a change names: one, or every one when absent.
fn targets(draft: &Draft<'_>, endpoint: Option<&str>) -> Result<Vec<String>, ApplyError> {
    match endpoint {
        Some(id) => Ok(vec![find_endpoint(draft, id, "/endpoint")?.id.clone()]),
        None => Ok(draft
            .endpoint_ids()
            .into_iter()
            .map(str::to_owned)
            .collect()),
    }
}

pub(super) fn change_status(
    draft: &mut Draft<'_>,
    change: &ChangeStatus,
) -> Result<(), ApplyError> {
    check_status(change.from, "/from")?;
    check_status(change.to, "/to")?;
    if change.from == change.to {
        return Err(ApplyError::new(
            "/to",
            format!("`change_status` maps `{}` to itself", change.from),
        )
        .hint("remove this change"));
    }
    let ids = targets(draft, change.endpoint.as_deref())?;
    for id in &ids {
        let Some(endpoint) = draft.endpoint(id) else {
            continue;
        };
        if endpoint.responses.contains_key(&change.from)
            && endpoint.responses.contains_key(&change.to)
        {
            return Err(ApplyError::new(
                "/to",
                format!("endpoint `{id}` already has a response `{}`", change.to),
            )
            .hint(format!(
                "remove it first with `remove_response`, or map `{}` to another status",
                change.from
            )));
        }
    }
    for id in &ids {
        if draft
            .endpoint(id)
            .is_some_and(|endpoint| endpoint.responses.contains_key(&change.from))
        {
            let endpoint = endpoint_mut(draft, id, "/endpoint")?;
            if let Some(body) = endpoint.responses.remove(&change.from) {
                endpoint.responses.insert(change.to, body);
            }
        }
    }
    Ok(())
}

pub(super) fn change_error(draft: &mut Draft<'_>, change: &ChangeError) -> Result<(), ApplyError> {
    check_error_shape(draft, &change.shape, "/shape")?;
    let stored = stored_shape(&change.shape);
    let ids = targets(draft, change.endpoint.as_deref())?;
    if let Some(id) = &change.endpoint
        && draft
            .endpoint(id)
            .is_some_and(|endpoint| endpoint.error == stored)
    {
        return Err(ApplyError::new(
            "/shape",
            format!("the errors of `{id}` already have this shape"),
        )
        .hint("remove this change"));
    }
    for id in &ids {
        endpoint_mut(draft, id, "/endpoint")?
            .error
            .clone_from(&stored);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::apply::testing::{applied, assert_error, fails};

    #[test]
    fn change_status_moves_bodies_on_one_or_all_endpoints() {
        let snapshot =
            applied(json!({"change_status": {"endpoint": "users.create", "from": 201, "to": 200}}));
        let statuses: Vec<u16> = snapshot.endpoints["users.create"]
            .responses
            .keys()
            .copied()
            .collect();
        assert_eq!(statuses, [200]);
        let snapshot = applied(json!({"change_status": {"from": 200, "to": 203}}));
        assert!(snapshot.endpoints["users.get"].responses.contains_key(&203));
        assert!(
            snapshot.endpoints["orders.list"]
                .responses
                .contains_key(&203)
        );
        assert!(
            snapshot.endpoints["users.create"]
                .responses
                .contains_key(&201)
        );
    }

    #[test]
    fn change_status_errors() {
        let mut snapshot =
            applied(json!({"set_response": {"endpoint": "users.get", "status": 203, "body": {}}}));
        let clash =
            crate::apply::testing::change(json!({"change_status": {"from": 200, "to": 203}}));
        let error = crate::apply::apply(&mut snapshot, &clash).unwrap_err();
        assert_error(
            &error,
            "/to",
            "endpoint `users.get` already has a response `203`",
            "remove_response",
        );
        assert_error(
            &fails(json!({"change_status": {"from": 200, "to": 200}})),
            "/to",
            "maps `200` to itself",
            "",
        );
        assert_error(
            &fails(json!({"change_status": {"from": 200, "to": 1000}})),
            "/to",
            "`1000` is not an HTTP status",
            "",
        );
        assert_error(
            &fails(json!({"change_status": {"endpoint": "nope", "from": 200, "to": 201}})),
            "/endpoint",
            "unknown endpoint",
            "",
        );
    }

    #[test]
    fn change_error_sets_shapes_and_stores_problem_details_as_none() {
        let shape = json!({"media_type": "application/json", "schema": {"$ref": "#/types/User"}});
        let snapshot = applied(json!({"change_error": {"shape": shape}}));
        assert!(
            snapshot
                .endpoints
                .values()
                .all(|endpoint| endpoint.error.is_some())
        );

        let mut snapshot = applied(
            json!({"change_error": {"endpoint": "users.get", "shape": {"media_type": "text/plain"}}}),
        );
        let back = crate::apply::testing::change(
            json!({"change_error": {"endpoint": "users.get", "shape": {"media_type": "application/problem+json"}}}),
        );
        crate::apply::apply(&mut snapshot, &back).unwrap();
        assert_eq!(snapshot, crate::apply::testing::sample());
    }

    #[test]
    fn change_error_errors() {
        let error =
            fails(json!({"change_error": {"shape": {"media_type": "text/plain", "schema": {}}}}));
        assert_error(
            &error,
            "/shape/schema",
            "`text/plain` error bodies have no schema",
            "leave `schema` out",
        );
        let error = fails(
            json!({"change_error": {"shape": {"media_type": "application/json", "schema": {"$ref": "#/types/Eror"}}}}),
        );
        assert_error(&error, "/shape/schema/$ref", "unknown type `Eror`", "");
        let error = fails(
            json!({"change_error": {"endpoint": "users.get", "shape": {"media_type": "application/problem+json"}}}),
        );
        assert_error(
            &error,
            "/shape",
            "already have this shape",
            "remove this change",
        );
    }
}
