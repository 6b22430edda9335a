//! `add_endpoint`, `remove_endpoint`, `change_path` and `change_method`, with the rules for
//! path templates and methods.
//!
//! Two endpoints may not answer the same method on the same path; paths compare with their
//! parameters' names left out (`/a/{x}` is `/a/{y}`). A declared path parameter must appear in
//! the path template; a template parameter without a declaration is a plain string.

use super::ApplyError;
use super::draft::Draft;
use super::lifecycle::check_lifecycle;
use super::refs::check_refs;
use super::status::{check_error_shape, stored_shape};
use super::types::check_schema;
use super::util::{check_status, endpoint_mut, find_endpoint, quoted};
use crate::change::{ChangeMethod, ChangePath, MethodChange, RemoveEndpoint};
use crate::snapshot::{Endpoint, ParameterLocation};

/// The parameter names of a path template (`/users/{id}` gives `id`), or what is wrong with it.
pub(super) fn template_params<'p>(
    path: &'p str,
    pointer: &str,
) -> Result<Vec<&'p str>, ApplyError> {
    let hint = "write a path like `/users/{id}`";
    if !path.starts_with('/') {
        return Err(
            ApplyError::new(pointer, format!("path `{path}` does not start with `/`")).hint(hint),
        );
    }
    if let Some(bad) = path
        .chars()
        .find(|c| matches!(c, '?' | '#') || c.is_whitespace())
    {
        return Err(ApplyError::new(
            pointer,
            format!("path `{path}` contains `{}`", bad.escape_default()),
        )
        .hint("a path template holds only the path; query parameters go in `parameters`"));
    }
    let mut names = Vec::new();
    let mut rest = path;
    while let Some(open) = rest.find(['{', '}']) {
        if rest[open..].starts_with('}') {
            return Err(
                ApplyError::new(pointer, format!("path `{path}` has an unmatched `}}`")).hint(hint),
            );
        }
        let after = &rest[open + 1..];
        let close = after.find('}').ok_or_else(|| {
            ApplyError::new(pointer, format!("path `{path}` has an unclosed `{{`")).hint(hint)
        })?;
        let name = &after[..close];
        if name.is_empty() || name.contains('{') || name.contains('/') {
            return Err(ApplyError::new(
                pointer,
                format!("path `{path}` has a malformed parameter `{{{name}}}`"),
            )
            .hint(hint));
        }
        if names.contains(&name) {
            return Err(ApplyError::new(
                pointer,
                format!("path `{path}` has parameter `{name}` twice"),
            )
            .hint("give each path parameter its own name"));
        }
        names.push(name);
        rest = &after[close + 1..];
    }
    Ok(names)
}

/// The path with parameter names left out, for comparing routes.
pub(super) fn route_shape(path: &str) -> String {
    let mut shape = String::with_capacity(path.len());
    let mut inside = false;
    for c in path.chars() {
        match c {
            '{' => {
                inside = true;
                shape.push('{');
            }
            '}' => {
                inside = false;
                shape.push('}');
            }
            _ if inside => {}
            _ => shape.push(c),
        }
    }
    shape
}

/// Checks a method: an upper-case token.
pub(super) fn check_method(method: &str, pointer: &str) -> Result<(), ApplyError> {
    if !method.is_empty() && method.chars().all(|c| c.is_ascii_uppercase()) {
        return Ok(());
    }
    let hint = if method.chars().all(|c| c.is_ascii_alphabetic()) && !method.is_empty() {
        format!(
            "write methods upper case: `{}`",
            method.to_ascii_uppercase()
        )
    } else {
        "write a method like `GET` or `POST`".to_owned()
    };
    Err(ApplyError::new(pointer, format!("`{method}` is not an HTTP method")).hint(hint))
}

/// An endpoint other than `except` that answers one of `methods` on the same route as `path`.
fn route_conflict(
    draft: &Draft<'_>,
    except: &str,
    path: &str,
    methods: &[String],
    pointer: &str,
) -> Result<(), ApplyError> {
    let shape = route_shape(path);
    for (id, other) in draft.endpoints() {
        if id == except || route_shape(&other.path) != shape {
            continue;
        }
        if let Some(method) = methods.iter().find(|method| other.methods.contains(method)) {
            return Err(ApplyError::new(
                pointer,
                format!("endpoint `{id}` already answers `{method} {}`", other.path),
            )
            .hint(format!(
                "give this endpoint another path or method, or change `{id}` first"
            )));
        }
    }
    Ok(())
}

/// Declared path parameters must appear in the template.
fn check_declared_in(
    endpoint: &Endpoint,
    names: &[&str],
    pointer_of: impl Fn(usize) -> String,
    path: &str,
) -> Result<(), ApplyError> {
    for (index, parameter) in endpoint.parameters.iter().enumerate() {
        if parameter.location == ParameterLocation::Path
            && !names.contains(&parameter.name.as_str())
        {
            return Err(ApplyError::new(pointer_of(index), format!("path `{path}` has no `{{{}}}` for path parameter `{}`", parameter.name, parameter.name))
                .hint(format!("keep `{{{}}}` in the path, rename it with `rename_param`, or remove the parameter first", parameter.name)));
        }
    }
    Ok(())
}

pub(super) fn add_endpoint(draft: &mut Draft<'_>, endpoint: &Endpoint) -> Result<(), ApplyError> {
    if endpoint.id.is_empty() {
        return Err(ApplyError::new("/id", "the endpoint id is empty")
            .hint("name the endpoint, e.g. `users.get`"));
    }
    if draft.endpoint(&endpoint.id).is_some() {
        return Err(ApplyError::new("/id", format!("endpoint `{}` already exists", endpoint.id))
            .hint("pick another id, or change the existing endpoint (`change_path`, `set_request`, ...)"));
    }
    if endpoint.methods.is_empty() {
        return Err(ApplyError::new("/methods", "the endpoint has no methods")
            .hint("list its methods, e.g. `[GET]`"));
    }
    for (index, method) in endpoint.methods.iter().enumerate() {
        check_method(method, &format!("/methods/{index}"))?;
        if endpoint.methods[..index].contains(method) {
            return Err(ApplyError::new(
                format!("/methods/{index}"),
                format!("method `{method}` is listed twice"),
            )
            .hint("list each method once"));
        }
    }
    let names = template_params(&endpoint.path, "/path")?;
    for (index, parameter) in endpoint.parameters.iter().enumerate() {
        let pointer = format!("/parameters/{index}");
        if parameter.name.is_empty() {
            return Err(
                ApplyError::new(format!("{pointer}/name"), "the parameter name is empty")
                    .hint("name the parameter"),
            );
        }
        let twice = endpoint.parameters[..index]
            .iter()
            .any(|p| p.name == parameter.name && p.location == parameter.location);
        if twice {
            return Err(ApplyError::new(
                format!("{pointer}/name"),
                format!(
                    "{} parameter `{}` is declared twice",
                    parameter.location, parameter.name
                ),
            )
            .hint("declare each parameter once"));
        }
        check_schema(&parameter.schema, &format!("{pointer}/schema"))?;
        check_refs(draft, &parameter.schema, &format!("{pointer}/schema"), None)?;
    }
    check_declared_in(
        endpoint,
        &names,
        |index| format!("/parameters/{index}/name"),
        &endpoint.path,
    )?;
    if let Some(body) = &endpoint.request {
        check_refs(draft, &body.schema, "/request/schema", None)?;
    }
    for (status, body) in &endpoint.responses {
        check_status(*status, &format!("/responses/{status}"))?;
        check_refs(
            draft,
            &body.schema,
            &format!("/responses/{status}/schema"),
            None,
        )?;
    }
    if let Some(shape) = &endpoint.error {
        check_error_shape(draft, shape, "/error")?;
    }
    check_lifecycle(draft, &endpoint.id, &endpoint.lifecycle, "/lifecycle")?;
    route_conflict(
        draft,
        &endpoint.id,
        &endpoint.path,
        &endpoint.methods,
        "/path",
    )?;

    let mut endpoint = endpoint.clone();
    endpoint.error = endpoint.error.as_ref().and_then(stored_shape);
    for parameter in &mut endpoint.parameters {
        // Path parameters are always required, whatever the file says.
        parameter.required |= parameter.location == ParameterLocation::Path;
    }
    draft.set_endpoint(endpoint);
    Ok(())
}

pub(super) fn remove_endpoint(
    draft: &mut Draft<'_>,
    change: &RemoveEndpoint,
) -> Result<(), ApplyError> {
    find_endpoint(draft, &change.endpoint, "/endpoint")?;
    if let Some(successor) = &change.successor {
        if *successor == change.endpoint {
            return Err(ApplyError::new(
                "/successor",
                format!("endpoint `{successor}` cannot succeed itself"),
            )
            .hint("name the endpoint that replaces it, or leave `successor` out"));
        }
        find_endpoint(draft, successor, "/successor")?;
    }
    let heirs = draft.endpoints().into_iter().find(|(_, other)| {
        other
            .lifecycle
            .retired
            .as_ref()
            .and_then(|retired| retired.successor.as_deref())
            == Some(change.endpoint.as_str())
    });
    if let Some((id, _)) = heirs {
        return Err(ApplyError::new(
            "/endpoint",
            format!(
                "retired endpoint `{id}` names `{}` as its successor",
                change.endpoint
            ),
        )
        .hint(format!(
            "retire `{id}` with another successor first (`set_lifecycle`)"
        )));
    }
    draft.remove_endpoint(&change.endpoint);
    Ok(())
}

pub(super) fn change_path(draft: &mut Draft<'_>, change: &ChangePath) -> Result<(), ApplyError> {
    let endpoint = find_endpoint(draft, &change.endpoint, "/endpoint")?;
    let names = template_params(&change.path, "/path")?;
    if endpoint.path == change.path {
        return Err(ApplyError::new(
            "/path",
            format!(
                "the path of `{}` is already `{}`",
                change.endpoint, change.path
            ),
        )
        .hint("remove this change"));
    }
    check_declared_in(endpoint, &names, |_| "/path".to_owned(), &change.path)?;
    route_conflict(
        draft,
        &change.endpoint,
        &change.path,
        &endpoint.methods,
        "/path",
    )?;
    endpoint_mut(draft, &change.endpoint, "/endpoint")?.path = change.path.clone();
    Ok(())
}

pub(super) fn change_method(
    draft: &mut Draft<'_>,
    change: &ChangeMethod,
) -> Result<(), ApplyError> {
    let endpoint = find_endpoint(draft, &change.endpoint, "/endpoint")?;
    check_method(&change.to, "/to")?;
    let Some(index) = endpoint
        .methods
        .iter()
        .position(|method| *method == change.from)
    else {
        let methods: Vec<&str> = endpoint.methods.iter().map(String::as_str).collect();
        return Err(ApplyError::new(
            "/from",
            format!(
                "endpoint `{}` does not answer `{}`",
                change.endpoint, change.from
            ),
        )
        .hint(format!("it answers {}", quoted(&methods))));
    };
    if endpoint.methods.contains(&change.to) {
        return Err(ApplyError::new(
            "/to",
            format!(
                "endpoint `{}` already answers `{}`",
                change.endpoint, change.to
            ),
        )
        .hint("pick another method, or remove this change"));
    }
    route_conflict(
        draft,
        &change.endpoint,
        &endpoint.path,
        std::slice::from_ref(&change.to),
        "/to",
    )?;
    if let Some(method) = endpoint_mut(draft, &change.endpoint, "/endpoint")?
        .methods
        .get_mut(index)
    {
        method.clone_from(&change.to);
    }
    Ok(())
}

/// `add_method`: the endpoint answers one more method.
pub(super) fn add_method(draft: &mut Draft<'_>, change: &MethodChange) -> Result<(), ApplyError> {
    let endpoint = find_endpoint(draft, &change.endpoint, "/endpoint")?;
    check_method(&change.method, "/method")?;
    if endpoint.methods.contains(&change.method) {
        return Err(ApplyError::new(
            "/method",
            format!(
                "endpoint `{}` already answers `{}`",
                change.endpoint, change.method
            ),
        )
        .hint("remove this change, or add another method"));
    }
    let path = endpoint.path.clone();
    route_conflict(
        draft,
        &change.endpoint,
        &path,
        std::slice::from_ref(&change.method),
        "/method",
    )?;
    endpoint_mut(draft, &change.endpoint, "/endpoint")?
        .methods
        .push(change.method.clone());
    Ok(())
}

/// `remove_method`: the endpoint stops answering one method (at least one stays).
pub(super) fn remove_method(
    draft: &mut Draft<'_>,
    change: &MethodChange,
) -> Result<(), ApplyError> {
    let endpoint = find_endpoint(draft, &change.endpoint, "/endpoint")?;
    let Some(index) = endpoint
        .methods
        .iter()
        .position(|method| *method == change.method)
    else {
        let methods: Vec<&str> = endpoint.methods.iter().map(String::as_str).collect();
        return Err(ApplyError::new(
            "/method",
            format!(
                "endpoint `{}` does not answer `{}`",
                change.endpoint, change.method
            ),
        )
        .hint(format!("it answers {}", quoted(&methods))));
    };
    if endpoint.methods.len() == 1 {
        return Err(ApplyError::new(
            "/method",
            format!(
                "`{}` is the only method of endpoint `{}`",
                change.method, change.endpoint
            ),
        )
        .hint("use `remove_endpoint` to remove the endpoint itself"));
    }
    endpoint_mut(draft, &change.endpoint, "/endpoint")?
        .methods
        .remove(index);
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::apply::testing::{applied, assert_error, change, fails};

    fn endpoint(id: &str, method: &str, path: &str) -> serde_json::Value {
        json!({"add_endpoint": {"id": id, "methods": [method], "path": path}})
    }

    #[test]
    fn templates_are_parsed_and_shaped() {
        assert_eq!(
            template_params("/a/{x}/b/{y}", "/path").unwrap(),
            ["x", "y"]
        );
        assert_eq!(route_shape("/a/{x}/b/{y}"), route_shape("/a/{p}/b/{q}"));
        assert!(
            template_params("a", "/path")
                .unwrap_err()
                .message
                .contains("does not start with `/`")
        );
        assert!(
            template_params("/a/{x", "/path")
                .unwrap_err()
                .message
                .contains("unclosed")
        );
        assert!(
            template_params("/a/x}", "/path")
                .unwrap_err()
                .message
                .contains("unmatched")
        );
        assert!(
            template_params("/a/{x}/{x}", "/path")
                .unwrap_err()
                .message
                .contains("twice")
        );
        assert!(
            template_params("/a?b=1", "/path")
                .unwrap_err()
                .message
                .contains("contains `?`")
        );
    }

    #[test]
    fn add_endpoint_adds_and_makes_path_parameters_required() {
        let snapshot = applied(
            json!({"add_endpoint": {"id": "users.delete", "methods": ["DELETE"], "path": "/users/{id}",
            "parameters": [{"name": "id", "in": "path", "schema": {"type": "string"}}],
            "responses": {"204": {"schema": {}}}}}),
        );
        assert!(snapshot.endpoints["users.delete"].parameters[0].required);
    }

    #[test]
    fn add_endpoint_errors() {
        assert_error(
            &fails(endpoint("users.get", "GET", "/x")),
            "/id",
            "endpoint `users.get` already exists",
            "pick another id",
        );
        assert_error(
            &fails(endpoint("users.show", "GET", "/users/{user}")),
            "/path",
            "endpoint `users.get` already answers `GET /users/{id}`",
            "another path or method",
        );
        assert_error(
            &fails(endpoint("x", "get", "/x")),
            "/methods/0",
            "`get` is not an HTTP method",
            "`GET`",
        );
        assert_error(
            &fails(endpoint("x", "GET", "x")),
            "/path",
            "does not start with `/`",
            "/users/{id}",
        );
        let error = fails(
            json!({"add_endpoint": {"id": "x", "methods": ["GET"], "path": "/x",
            "parameters": [{"name": "id", "in": "path"}]}}),
        );
        assert_error(
            &error,
            "/parameters/0/name",
            "path `/x` has no `{id}` for path parameter `id`",
            "rename_param",
        );
        let error = fails(
            json!({"add_endpoint": {"id": "x", "methods": ["GET"], "path": "/x",
            "responses": {"200": {"schema": {"$ref": "#/types/Usr"}}}}}),
        );
        assert_error(
            &error,
            "/responses/200/schema/$ref",
            "unknown type `Usr`",
            "did you mean `User`?",
        );
        let error = fails(
            json!({"add_endpoint": {"id": "x", "methods": ["GET"], "path": "/x", "responses": {"99": {}}}}),
        );
        assert_error(
            &error,
            "/responses/99",
            "`99` is not an HTTP status",
            "100 to 599",
        );
        let error =
            fails(json!({"add_endpoint": {"id": "x", "methods": ["GET", "GET"], "path": "/x"}}));
        assert_error(&error, "/methods/1", "method `GET` is listed twice", "");
        let error = fails(
            json!({"add_endpoint": {"id": "x", "methods": ["GET"], "path": "/x",
            "lifecycle": {"retired": {"successor": "nope"}}}}),
        );
        assert_error(
            &error,
            "/lifecycle/retired/successor",
            "unknown endpoint `nope`",
            "",
        );
    }

    #[test]
    fn remove_endpoint_and_errors() {
        let snapshot = applied(json!({"remove_endpoint": {"endpoint": "orders.list"}}));
        assert!(!snapshot.endpoints.contains_key("orders.list"));
        assert_error(
            &fails(json!({"remove_endpoint": {"endpoint": "orders.lst"}})),
            "/endpoint",
            "unknown endpoint `orders.lst`",
            "`orders.list`",
        );
        let error = fails(
            json!({"remove_endpoint": {"endpoint": "orders.list", "successor": "orders.all"}}),
        );
        assert_error(&error, "/successor", "unknown endpoint `orders.all`", "");
        let error = fails(
            json!({"remove_endpoint": {"endpoint": "orders.list", "successor": "orders.list"}}),
        );
        assert_error(&error, "/successor", "cannot succeed itself", "");

        let mut snapshot = applied(
            json!({"set_lifecycle": {"endpoint": "users.get", "state": "retired", "successor": "orders.list"}}),
        );
        let error = crate::apply::apply(
            &mut snapshot,
            &change(json!({"remove_endpoint": {"endpoint": "orders.list"}})),
        )
        .unwrap_err();
        assert_error(
            &error,
            "/endpoint",
            "retired endpoint `users.get` names `orders.list` as its successor",
            "set_lifecycle",
        );
    }

    #[test]
    fn change_path_and_errors() {
        let snapshot =
            applied(json!({"change_path": {"endpoint": "users.get", "path": "/people/{id}"}}));
        assert_eq!(snapshot.endpoints["users.get"].path, "/people/{id}");
        let error = fails(json!({"change_path": {"endpoint": "users.get", "path": "/people"}}));
        assert_error(
            &error,
            "/path",
            "path `/people` has no `{id}` for path parameter `id`",
            "remove the parameter first",
        );
        let error = fails(json!({"change_path": {"endpoint": "users.get", "path": "/users/{id}"}}));
        assert_error(
            &error,
            "/path",
            "already `/users/{id}`",
            "remove this change",
        );
        let error =
            fails(json!({"change_path": {"endpoint": "orders.list", "path": "/users/{user}"}}));
        assert_error(
            &error,
            "/path",
            "endpoint `users.get` already answers `GET /users/{id}`",
            "",
        );
        // POST /orders does not clash with GET /orders.
        applied(json!({"change_path": {"endpoint": "users.create", "path": "/orders"}}));
    }

    #[test]
    fn add_and_remove_methods() {
        let snapshot =
            applied(json!({"add_method": {"endpoint": "users.create", "method": "PUT"}}));
        assert_eq!(snapshot.endpoints["users.create"].methods, ["POST", "PUT"]);
        let error = fails(json!({"add_method": {"endpoint": "users.create", "method": "POST"}}));
        assert_error(&error, "/method", "already answers `POST`", "");
        let error = fails(json!({"remove_method": {"endpoint": "users.create", "method": "POST"}}));
        assert_error(&error, "/method", "the only method", "remove_endpoint");
        let error = fails(json!({"remove_method": {"endpoint": "users.create", "method": "GET"}}));
        assert_error(
            &error,
            "/method",
            "does not answer `GET`",
            "it answers `POST`",
        );
    }

    #[test]
    fn change_method_and_errors() {
        let snapshot = applied(
            json!({"change_method": {"endpoint": "users.create", "from": "POST", "to": "PUT"}}),
        );
        assert_eq!(snapshot.endpoints["users.create"].methods, ["PUT"]);
        let error = fails(
            json!({"change_method": {"endpoint": "users.create", "from": "GET", "to": "PUT"}}),
        );
        assert_error(
            &error,
            "/from",
            "endpoint `users.create` does not answer `GET`",
            "it answers `POST`",
        );
        let error = fails(
            json!({"change_method": {"endpoint": "users.create", "from": "POST", "to": "POST"}}),
        );
        assert_error(&error, "/to", "already answers `POST`", "");
        let error = fails(
            json!({"change_method": {"endpoint": "orders.list", "from": "GET", "to": "put"}}),
        );
        assert_error(&error, "/to", "`put` is not an HTTP method", "`PUT`");
    }
}
