//! Rules for the changes that touch endpoints: parameters, bodies, errors, `custom`, removal.

use super::{Context, MissingMigration, RETIRE, Side, schema_change};
use crate::change::{
    AddParam, ChangeError, Custom, MethodChange, RemoveEndpoint, SetRequest, SetResponse,
};
use crate::snapshot::ParameterLocation;

pub(super) fn remove_endpoint(
    context: &Context<'_>,
    change: &RemoveEndpoint,
) -> Vec<MissingMigration> {
    let already_retired = context
        .before
        .endpoints
        .get(&change.endpoint)
        .is_some_and(|endpoint| endpoint.lifecycle.retired.is_some());
    if change.successor.is_some() || already_retired {
        return Vec::new();
    }
    vec![MissingMigration::warning(
        Side::Request,
        "/endpoint",
        format!(
            "older versions will answer `410 Gone` for `{}`, which has no successor",
            change.endpoint
        ),
        "name a `successor:` if another endpoint does its job; otherwise there is nothing to do",
    )]
}

pub(super) fn remove_method(change: &MethodChange) -> Vec<MissingMigration> {
    vec![MissingMigration::warning(
        Side::Request,
        "/method",
        format!(
            "older versions will answer `405 Method Not Allowed` for `{}` of `{}`",
            change.method, change.endpoint
        ),
        "keep the method if older clients still call it (see the usage report)",
    )]
}

pub(super) fn add_param(context: &Context<'_>, change: &AddParam) -> Vec<MissingMigration> {
    let param = &change.param;
    if !param.required || change.default.is_some() || param.location == ParameterLocation::Path {
        return Vec::new();
    }
    if !context.after.endpoints.contains_key(&change.endpoint) {
        return Vec::new();
    }
    vec![MissingMigration::error(
        Side::Request,
        "/param/required",
        format!(
            "older requests to `{}` lack the required {} parameter `{}`",
            change.endpoint, param.location, param.name
        ),
        "add `default:` to fill it into older requests, or add the parameter as optional",
    )]
}

pub(super) fn set_request(context: &Context<'_>, change: &SetRequest) -> Vec<MissingMigration> {
    let Some(endpoint) = context.before.endpoints.get(&change.endpoint) else {
        return Vec::new();
    };
    let Some(new) = &change.body else {
        return Vec::new();
    }; // older bodies are dropped
    match &endpoint.request {
        Some(old) => {
            let what = format!("request bodies to `{}`", change.endpoint);
            let jq = ("`up:` (jq, old body to new)", "");
            schema_change(
                (true, false),
                (&old.schema, &new.schema),
                (change.up.is_some(), true),
                "/body",
                &what,
                jq,
            )
        }
        None if change.up.is_none() => vec![MissingMigration::warning(
            Side::Request,
            "/body",
            format!("older requests to `{}` have no body", change.endpoint),
            "add `up:` to build the body (its input is `null`) if the handler needs one",
        )],
        None => Vec::new(),
    }
}

pub(super) fn set_response(context: &Context<'_>, change: &SetResponse) -> Vec<MissingMigration> {
    let old = context
        .before
        .endpoints
        .get(&change.endpoint)
        .and_then(|endpoint| endpoint.responses.get(&change.status));
    let Some(old) = old else { return Vec::new() };
    let what = format!("`{}` responses of `{}`", change.status, change.endpoint);
    let jq = ("", "`down:` (jq, new body to old)");
    schema_change(
        (false, true),
        (&old.schema, &change.body.schema),
        (true, change.down.is_some()),
        "/body",
        &what,
        jq,
    )
}

pub(super) fn change_error(context: &Context<'_>, change: &ChangeError) -> Vec<MissingMigration> {
    if change.down.is_some() {
        return Vec::new();
    }
    let endpoints: Vec<&str> = context
        .before
        .endpoints
        .iter()
        .filter(|(id, _)| change.endpoint.as_ref().is_none_or(|only| only == *id))
        .filter(|(_, endpoint)| {
            endpoint
                .error
                .as_ref()
                .is_some_and(|old| *old != change.shape)
        })
        .map(|(id, _)| id.as_str())
        .collect();
    if endpoints.is_empty() {
        return Vec::new();
    }
    let list = crate::apply::util::quoted(&endpoints);
    vec![MissingMigration::error(
        Side::Response,
        "/shape",
        format!("older versions of {list} send errors in a shape other than problem details"),
        format!("add `down:` (jq, new error body to old), {RETIRE}"),
    )]
}

pub(super) fn custom(context: &Context<'_>, change: &Custom) -> Vec<MissingMigration> {
    let Some(new) = &change.schema else {
        return Vec::new();
    };
    let has_up = change.up.is_some() || change.up_fn.is_some();
    let has_down = change.down.is_some() || change.down_fn.is_some();
    let jq = ("`up:` or `up_fn:`", "`down:` or `down_fn:`");
    if let Some(type_name) = &change.type_name {
        let Some(old) = context.before.types.get(type_name) else {
            return Vec::new();
        };
        let sides = (
            context.reaches(Side::Request, type_name),
            context.reaches(Side::Response, type_name),
        );
        let what = format!("values of `{type_name}`");
        return schema_change(sides, (old, new), (has_up, has_down), "/schema", &what, jq);
    }
    let Some(id) = &change.endpoint else {
        return Vec::new();
    };
    let old = context
        .before
        .endpoints
        .get(id)
        .and_then(|endpoint| endpoint.request.as_ref());
    let Some(old) = old else { return Vec::new() };
    let what = format!("request bodies to `{id}`");
    schema_change(
        (true, false),
        (&old.schema, new),
        (has_up, true),
        "/schema",
        &what,
        jq,
    )
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::diagnostic::Severity::{Error, Warning};
    use crate::servability::Side::{Request, Response};
    use crate::servability::testing::{assert_one, findings, findings_on};

    #[test]
    fn required_parameters_need_a_default() {
        let found = findings(
            json!({"add_param": {"endpoint": "orders.list", "param": {"name": "tenant", "in": "query", "required": true}}}),
        );
        assert_one(
            &found,
            Request,
            Error,
            "/param/required",
            "lack the required query parameter `tenant`",
            "add `default:`",
        );
        assert!(findings(json!({"add_param": {"endpoint": "orders.list", "param": {"name": "tenant", "in": "query", "required": true}, "default": "t"}})).is_empty());
        assert!(findings(json!({"add_param": {"endpoint": "orders.list", "param": {"name": "tenant", "in": "query"}}})).is_empty());
    }

    #[test]
    fn request_bodies() {
        let found = findings(
            json!({"set_request": {"endpoint": "users.create", "body": {"schema": {"$ref": "#/types/Order"}}}}),
        );
        assert_one(
            &found,
            Request,
            Error,
            "/body",
            "older requests may send request bodies to `users.create`",
            "add `up:`",
        );
        assert!(findings(json!({"set_request": {"endpoint": "users.create", "body": {"schema": {"$ref": "#/types/Order"}}, "up": "."}})).is_empty());
        assert!(
            findings(json!({"set_request": {"endpoint": "users.create", "body": {"schema": {}}}}))
                .is_empty(),
            "widened"
        );
        assert!(
            findings(json!({"set_request": {"endpoint": "users.create", "body": null}})).is_empty(),
            "dropped"
        );
        let found =
            findings(json!({"set_request": {"endpoint": "users.get", "body": {"schema": {}}}}));
        assert_one(
            &found,
            Request,
            Warning,
            "/body",
            "older requests to `users.get` have no body",
            "its input is `null`",
        );
    }

    #[test]
    fn response_bodies() {
        let found = findings(
            json!({"set_response": {"endpoint": "users.get", "status": 200, "body": {"schema": {"$ref": "#/types/Order"}}}}),
        );
        assert_one(
            &found,
            Response,
            Error,
            "/body",
            "older clients may not accept `200` responses of `users.get`",
            "add `down:`",
        );
        assert!(findings(json!({"set_response": {"endpoint": "users.get", "status": 200, "body": {"schema": {"$ref": "#/types/Order"}}, "down": "."}})).is_empty());
        assert!(findings(json!({"set_response": {"endpoint": "users.get", "status": 404, "body": {"schema": {}}}})).is_empty());
    }

    #[test]
    fn error_shapes() {
        let shape = json!({"media_type": "application/json", "schema": {"type": "object"}});
        assert!(
            findings(json!({"change_error": {"shape": shape}})).is_empty(),
            "problem details are derived"
        );
        let mut before = crate::apply::testing::sample();
        if let Some(endpoint) = before.endpoints.get_mut("users.get") {
            endpoint.error = Some(crate::ErrorShape {
                media_type: "text/plain".to_owned(),
                schema: None,
            });
        }
        let found = findings_on(&before, json!({"change_error": {"shape": shape}}));
        assert_one(
            &found,
            Response,
            Error,
            "/shape",
            "older versions of `users.get` send errors",
            "add `down:`",
        );
        assert!(
            findings_on(
                &before,
                json!({"change_error": {"shape": shape, "down": ".title"}})
            )
            .is_empty()
        );
        assert!(
            findings_on(
                &before,
                json!({"change_error": {"endpoint": "orders.list", "shape": shape}})
            )
            .is_empty()
        );
    }

    #[test]
    fn custom_schemas_need_their_migrations() {
        let custom = |body: serde_json::Value| {
            let mut full = json!({"description": "d", "impact": "breaking"});
            if let (Some(full), Some(body)) = (full.as_object_mut(), body.as_object()) {
                full.extend(body.clone());
            }
            findings(json!({"custom": full}))
        };
        let found = custom(json!({"type": "Role", "schema": {"type": "string"}}));
        assert_one(
            &found,
            Response,
            Error,
            "/schema",
            "values of `Role`",
            "`down:` or `down_fn:`",
        );
        assert!(
            custom(json!({"type": "Role", "schema": {"type": "string"}, "down_fn": "role_down"}))
                .is_empty()
        );
        let found = custom(json!({"endpoint": "users.create", "schema": {"type": "object"}}));
        assert_one(
            &found,
            Request,
            Error,
            "/schema",
            "request bodies to `users.create`",
            "`up:` or `up_fn:`",
        );
        assert!(
            custom(json!({"endpoint": "users.create", "schema": {"type": "object"}, "up": "."}))
                .is_empty()
        );
        assert!(
            custom(json!({"endpoint": "users.get", "up": "."})).is_empty(),
            "no schema change"
        );
    }

    #[test]
    fn removed_endpoints_without_successor_retire() {
        let found = findings(json!({"remove_endpoint": {"endpoint": "orders.list"}}));
        assert_one(
            &found,
            Request,
            Warning,
            "/endpoint",
            "answer `410 Gone` for `orders.list`",
            "successor",
        );
        assert!(
            findings(
                json!({"remove_endpoint": {"endpoint": "orders.list", "successor": "users.get"}})
            )
            .is_empty()
        );
    }
}
