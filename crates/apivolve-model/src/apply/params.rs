//! `add_param`, `remove_param` and `rename_param`.
//!
//! A path parameter must appear in the path template (`{id}`); renaming one rewrites the
//! template. Removing a path parameter's declaration leaves its `{id}` segment, which is then a
//! plain string. Header names compare without regard to case.

use super::ApplyError;
use super::draft::Draft;
use super::endpoints::template_params;
use super::refs::check_refs;
use super::types::check_schema;
use super::util::{endpoint_mut, find_endpoint, suggest};
use crate::change::{AddParam, RemoveParam, RenameParam};
use crate::snapshot::{Endpoint, ParameterLocation};

/// Whether two parameter names are the same at `location`.
fn same_name(location: ParameterLocation, a: &str, b: &str) -> bool {
    match location {
        ParameterLocation::Header => a.eq_ignore_ascii_case(b),
        ParameterLocation::Path | ParameterLocation::Query => a == b,
    }
}

/// The index of the declared parameter `name` at `location`.
fn declared(endpoint: &Endpoint, location: ParameterLocation, name: &str) -> Option<usize> {
    endpoint.parameters.iter().position(|parameter| {
        parameter.location == location && same_name(location, &parameter.name, name)
    })
}

/// "endpoint `x` has no query parameter `y`", with the closest name or the right location.
fn no_param(
    endpoint: &Endpoint,
    location: ParameterLocation,
    name: &str,
    pointer: &str,
) -> ApplyError {
    let error = ApplyError::new(
        pointer,
        format!(
            "endpoint `{}` has no {location} parameter `{name}`",
            endpoint.id
        ),
    );
    if let Some(other) = endpoint
        .parameters
        .iter()
        .find(|parameter| parameter.name == name)
    {
        return error.hint(format!(
            "`{name}` is a {} parameter: write `in: {}`",
            other.location, other.location
        ));
    }
    let names: Vec<&str> = endpoint
        .parameters
        .iter()
        .filter(|parameter| parameter.location == location)
        .map(|parameter| parameter.name.as_str())
        .collect();
    error.hint(suggest(name, &names, &format!("{location} parameters")))
}

pub(super) fn add_param(draft: &mut Draft<'_>, change: &AddParam) -> Result<(), ApplyError> {
    let endpoint = find_endpoint(draft, &change.endpoint, "/endpoint")?;
    let param = &change.param;
    if param.name.is_empty() {
        return Err(
            ApplyError::new("/param/name", "the parameter name is empty")
                .hint("name the parameter"),
        );
    }
    if declared(endpoint, param.location, &param.name).is_some() {
        return Err(ApplyError::new(
            "/param/name",
            format!(
                "endpoint `{}` already has {} parameter `{}`",
                endpoint.id, param.location, param.name
            ),
        )
        .hint("pick another name, or change the existing parameter"));
    }
    if param.location == ParameterLocation::Path {
        let names = template_params(&endpoint.path, "/endpoint")?;
        if !names.contains(&param.name.as_str()) {
            return Err(ApplyError::new(
                "/param/name",
                format!("path `{}` has no `{{{}}}`", endpoint.path, param.name),
            )
            .hint(format!(
                "add `{{{}}}` to the path with `change_path` first",
                param.name
            )));
        }
    }
    check_schema(&param.schema, "/param/schema")?;
    check_refs(draft, &param.schema, "/param/schema", None)?;
    let mut param = param.clone();
    param.required |= param.location == ParameterLocation::Path;
    endpoint_mut(draft, &change.endpoint, "/endpoint")?
        .parameters
        .push(param);
    Ok(())
}

pub(super) fn remove_param(draft: &mut Draft<'_>, change: &RemoveParam) -> Result<(), ApplyError> {
    let endpoint = find_endpoint(draft, &change.endpoint, "/endpoint")?;
    let Some(index) = declared(endpoint, change.location, &change.name) else {
        return Err(no_param(endpoint, change.location, &change.name, "/name"));
    };
    endpoint_mut(draft, &change.endpoint, "/endpoint")?
        .parameters
        .remove(index);
    Ok(())
}

pub(super) fn rename_param(draft: &mut Draft<'_>, change: &RenameParam) -> Result<(), ApplyError> {
    let endpoint = find_endpoint(draft, &change.endpoint, "/endpoint")?;
    let location = change.location;
    if change.to.is_empty() {
        return Err(
            ApplyError::new("/to", "the new parameter name is empty").hint("name the parameter")
        );
    }
    if change.from == change.to {
        return Err(ApplyError::new(
            "/to",
            format!("`rename_param` renames `{}` to itself", change.from),
        )
        .hint("remove this change, or give the parameter a new name"));
    }
    let index = declared(endpoint, location, &change.from);
    let in_template = if location == ParameterLocation::Path {
        let names = template_params(&endpoint.path, "/endpoint")?;
        if change.to.contains(['{', '}', '/']) {
            return Err(ApplyError::new(
                "/to",
                format!("`{}` cannot name a path parameter", change.to),
            )
            .hint("use letters, digits and `_`"));
        }
        if names.contains(&change.to.as_str()) {
            return Err(ApplyError::new(
                "/to",
                format!("path `{}` already has `{{{}}}`", endpoint.path, change.to),
            )
            .hint("pick another name"));
        }
        names.contains(&change.from.as_str())
    } else {
        false
    };
    if index.is_none() && !in_template {
        return Err(no_param(endpoint, location, &change.from, "/from"));
    }
    if declared(endpoint, location, &change.to).is_some_and(|other| Some(other) != index) {
        return Err(ApplyError::new(
            "/to",
            format!(
                "endpoint `{}` already has {location} parameter `{}`",
                endpoint.id, change.to
            ),
        )
        .hint("pick another name, or remove the other parameter first"));
    }
    let endpoint = endpoint_mut(draft, &change.endpoint, "/endpoint")?;
    if in_template {
        endpoint.path = endpoint.path.replace(
            &format!("{{{}}}", change.from),
            &format!("{{{}}}", change.to),
        );
    }
    if let Some(parameter) = index.and_then(|index| endpoint.parameters.get_mut(index)) {
        parameter.name.clone_from(&change.to);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::apply::testing::{applied, assert_error, fails};

    #[test]
    fn add_param_and_errors() {
        let snapshot = applied(
            json!({"add_param": {"endpoint": "orders.list", "param": {"name": "cursor", "in": "query"}}}),
        );
        assert_eq!(
            snapshot.endpoints["orders.list"].parameters[1].name,
            "cursor"
        );
        let error = fails(
            json!({"add_param": {"endpoint": "orders.list", "param": {"name": "limit", "in": "query"}}}),
        );
        assert_error(
            &error,
            "/param/name",
            "endpoint `orders.list` already has query parameter `limit`",
            "pick another name",
        );
        let error = fails(
            json!({"add_param": {"endpoint": "orders.list", "param": {"name": "id", "in": "path"}}}),
        );
        assert_error(
            &error,
            "/param/name",
            "path `/orders` has no `{id}`",
            "change_path",
        );
        let error = fails(
            json!({"add_param": {"endpoint": "orders.lis", "param": {"name": "x", "in": "query"}}}),
        );
        assert_error(
            &error,
            "/endpoint",
            "unknown endpoint `orders.lis`",
            "did you mean `orders.list`?",
        );
        let error = fails(
            json!({"add_param": {"endpoint": "orders.list", "param": {"name": "x", "in": "query", "schema": {"$ref": "#/types/X"}}}}),
        );
        assert_error(&error, "/param/schema/$ref", "unknown type `X`", "");
    }

    #[test]
    fn header_names_ignore_case() {
        let mut snapshot = applied(
            json!({"add_param": {"endpoint": "orders.list", "param": {"name": "X-Tenant", "in": "header"}}}),
        );
        let twice = crate::apply::testing::change(
            json!({"add_param": {"endpoint": "orders.list", "param": {"name": "x-tenant", "in": "header"}}}),
        );
        assert!(crate::apply::apply(&mut snapshot, &twice).is_err());
    }

    #[test]
    fn remove_param_and_errors() {
        let snapshot = applied(
            json!({"remove_param": {"endpoint": "orders.list", "name": "limit", "in": "query"}}),
        );
        assert!(snapshot.endpoints["orders.list"].parameters.is_empty());
        let error = fails(
            json!({"remove_param": {"endpoint": "orders.list", "name": "limt", "in": "query"}}),
        );
        assert_error(
            &error,
            "/name",
            "endpoint `orders.list` has no query parameter `limt`",
            "did you mean `limit`?",
        );
        let error = fails(
            json!({"remove_param": {"endpoint": "orders.list", "name": "limit", "in": "header"}}),
        );
        assert_error(
            &error,
            "/name",
            "has no header parameter `limit`",
            "`limit` is a query parameter: write `in: query`",
        );
    }

    #[test]
    fn rename_path_param_rewrites_the_path() {
        let snapshot = applied(
            json!({"rename_param": {"endpoint": "users.get", "in": "path", "from": "id", "to": "user_id"}}),
        );
        let endpoint = &snapshot.endpoints["users.get"];
        assert_eq!(endpoint.path, "/users/{user_id}");
        assert_eq!(endpoint.parameters[0].name, "user_id");
        let snapshot = applied(
            json!({"rename_param": {"endpoint": "orders.list", "in": "query", "from": "limit", "to": "size"}}),
        );
        assert_eq!(snapshot.endpoints["orders.list"].parameters[0].name, "size");
    }

    #[test]
    fn rename_param_errors() {
        let error = fails(
            json!({"rename_param": {"endpoint": "users.get", "in": "path", "from": "ident", "to": "x"}}),
        );
        assert_error(
            &error,
            "/from",
            "endpoint `users.get` has no path parameter `ident`",
            "",
        );
        let error = fails(
            json!({"rename_param": {"endpoint": "users.get", "in": "path", "from": "id", "to": "id"}}),
        );
        assert_error(
            &error,
            "/to",
            "renames `id` to itself",
            "remove this change",
        );
        let error = fails(
            json!({"rename_param": {"endpoint": "users.get", "in": "path", "from": "id", "to": "a/b"}}),
        );
        assert_error(&error, "/to", "`a/b` cannot name a path parameter", "");
        let error = fails(
            json!({"rename_param": {"endpoint": "orders.list", "in": "query", "from": "limit", "to": ""}}),
        );
        assert_error(&error, "/to", "the new parameter name is empty", "");
    }
}
