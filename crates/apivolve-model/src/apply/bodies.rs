//! `set_request`, `set_response` and `remove_response`.

use super::ApplyError;
use super::draft::Draft;
use super::refs::check_refs;
use super::types::check_schema;
use super::util::{check_status, endpoint_mut, find_endpoint, quoted};
use crate::change::{RemoveResponse, SetRequest, SetResponse};
use crate::snapshot::Body;

/// Checks a body a change brings in; `base` is its pointer.
fn check_body(draft: &Draft<'_>, body: &Body, base: &str) -> Result<(), ApplyError> {
    if body.media_type.trim().is_empty() {
        return Err(
            ApplyError::new(format!("{base}/media_type"), "the media type is empty")
                .hint("write a media type like `application/json`, or leave it out for JSON"),
        );
    }
    check_schema(&body.schema, &format!("{base}/schema"))?;
    check_refs(draft, &body.schema, &format!("{base}/schema"), None)
}

pub(super) fn set_request(draft: &mut Draft<'_>, change: &SetRequest) -> Result<(), ApplyError> {
    let endpoint = find_endpoint(draft, &change.endpoint, "/endpoint")?;
    match &change.body {
        None if endpoint.request.is_none() => {
            return Err(ApplyError::new(
                "/body",
                format!(
                    "endpoint `{}` has no request body to remove",
                    change.endpoint
                ),
            )
            .hint("remove this change"));
        }
        None => {}
        Some(body) => check_body(draft, body, "/body")?,
    }
    endpoint_mut(draft, &change.endpoint, "/endpoint")?
        .request
        .clone_from(&change.body);
    Ok(())
}

pub(super) fn set_response(draft: &mut Draft<'_>, change: &SetResponse) -> Result<(), ApplyError> {
    find_endpoint(draft, &change.endpoint, "/endpoint")?;
    check_status(change.status, "/status")?;
    check_body(draft, &change.body, "/body")?;
    endpoint_mut(draft, &change.endpoint, "/endpoint")?
        .responses
        .insert(change.status, change.body.clone());
    Ok(())
}

pub(super) fn remove_response(
    draft: &mut Draft<'_>,
    change: &RemoveResponse,
) -> Result<(), ApplyError> {
    let endpoint = find_endpoint(draft, &change.endpoint, "/endpoint")?;
    if !endpoint.responses.contains_key(&change.status) {
        let statuses: Vec<String> = endpoint.responses.keys().map(u16::to_string).collect();
        let hint = if statuses.is_empty() {
            "it has no responses".to_owned()
        } else {
            format!(
                "it has {}",
                quoted(&statuses.iter().map(String::as_str).collect::<Vec<_>>())
            )
        };
        return Err(ApplyError::new(
            "/status",
            format!(
                "endpoint `{}` has no response `{}`",
                change.endpoint, change.status
            ),
        )
        .hint(hint));
    }
    endpoint_mut(draft, &change.endpoint, "/endpoint")?
        .responses
        .remove(&change.status);
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::apply::testing::{applied, assert_error, fails};

    #[test]
    fn set_request_sets_and_removes() {
        let snapshot = applied(
            json!({"set_request": {"endpoint": "users.create", "body": {"schema": {"$ref": "#/types/Order"}}}}),
        );
        let body = snapshot.endpoints["users.create"].request.clone();
        assert_eq!(
            body.map(|body| (body.media_type, body.schema)),
            Some((
                "application/json".to_owned(),
                json!({"$ref": "#/types/Order"})
            ))
        );
        let snapshot = applied(json!({"set_request": {"endpoint": "users.create", "body": null}}));
        assert!(snapshot.endpoints["users.create"].request.is_none());
    }

    #[test]
    fn set_request_errors() {
        let error = fails(json!({"set_request": {"endpoint": "users.get", "body": null}}));
        assert_error(
            &error,
            "/body",
            "endpoint `users.get` has no request body to remove",
            "remove this change",
        );
        let error = fails(
            json!({"set_request": {"endpoint": "users.create", "body": {"schema": {"$ref": "#/types/Ordr"}}}}),
        );
        assert_error(
            &error,
            "/body/schema/$ref",
            "unknown type `Ordr`",
            "did you mean `Order`?",
        );
        let error = fails(
            json!({"set_request": {"endpoint": "users.create", "body": {"media_type": " ", "schema": {}}}}),
        );
        assert_error(
            &error,
            "/body/media_type",
            "the media type is empty",
            "application/json",
        );
    }

    #[test]
    fn set_and_remove_responses() {
        let snapshot = applied(
            json!({"set_response": {"endpoint": "users.get", "status": 404, "body": {"schema": {}}}}),
        );
        assert!(snapshot.endpoints["users.get"].responses.contains_key(&404));
        let error = fails(
            json!({"set_response": {"endpoint": "users.get", "status": 42, "body": {"schema": {}}}}),
        );
        assert_error(
            &error,
            "/status",
            "`42` is not an HTTP status",
            "100 to 599",
        );

        let snapshot =
            applied(json!({"remove_response": {"endpoint": "users.get", "status": 200}}));
        assert!(snapshot.endpoints["users.get"].responses.is_empty());
        let error = fails(json!({"remove_response": {"endpoint": "users.get", "status": 201}}));
        assert_error(
            &error,
            "/status",
            "endpoint `users.get` has no response `201`",
            "it has `200`",
        );
    }
}
