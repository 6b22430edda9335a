//! Endpoints: added and removed, methods, paths, bodies, statuses and error shapes.

use std::collections::BTreeSet;

use super::Rule;
use super::walk::{Cursor, Part, Site, Walker};
use crate::snapshot::{Body, Endpoint, ErrorShape};

impl Walker<'_> {
    /// Walks every endpoint: those on one side only, then those on both, in id order.
    pub(super) fn endpoints(&mut self) {
        let (old, new) = (self.old, self.new);
        for (id, endpoint) in &old.endpoints {
            if !new.endpoints.contains_key(id) {
                let message = format!("endpoint `{id}` ({}) was removed", route(endpoint));
                self.report_endpoint(Rule::EndpointRemoved, id, None, message);
            }
        }
        for (id, endpoint) in &new.endpoints {
            if !old.endpoints.contains_key(id) {
                let message = format!("endpoint `{id}` ({}) was added", route(endpoint));
                self.report_endpoint(Rule::EndpointAdded, id, None, message);
            }
        }
        for (id, old_endpoint) in &old.endpoints {
            if let Some(new_endpoint) = new.endpoints.get(id) {
                self.endpoint(id, old_endpoint, new_endpoint);
            }
        }
    }

    fn endpoint(&mut self, id: &str, old: &Endpoint, new: &Endpoint) {
        let methods = |endpoint: &Endpoint| -> BTreeSet<String> {
            endpoint
                .methods
                .iter()
                .map(|method| method.to_ascii_uppercase())
                .collect()
        };
        let (old_methods, new_methods) = (methods(old), methods(new));
        for method in old_methods.difference(&new_methods) {
            let message = format!("endpoint `{id}` no longer answers `{method}`");
            self.report_endpoint(Rule::EndpointMethodRemoved, id, Some(method), message);
        }
        for method in new_methods.difference(&old_methods) {
            let message = format!("endpoint `{id}` now answers `{method}`");
            self.report_endpoint(Rule::EndpointMethodAdded, id, Some(method), message);
        }
        if path_shape(&old.path) != path_shape(&new.path) {
            let message = format!(
                "path of `{id}` changed from `{}` to `{}`",
                old.path, new.path
            );
            self.report_endpoint(Rule::EndpointPathChanged, id, None, message);
        }
        self.lifecycle(id, &old.lifecycle, &new.lifecycle);
        self.parameters(id, old, new);
        self.request(id, old.request.as_ref(), new.request.as_ref());
        self.responses(id, old, new);
        self.error(
            id,
            old.error.clone().unwrap_or_default(),
            new.error.clone().unwrap_or_default(),
        );
    }

    fn request(&mut self, id: &str, old: Option<&Body>, new: Option<&Body>) {
        let site = Site::new(id, Part::RequestBody);
        let cursor = Cursor::root(&site);
        match (old, new) {
            (None, None) => {}
            (None, Some(body)) => {
                let message = format!("`{id}` now takes a request body (`{}`)", body.media_type);
                self.report(Rule::RequestBodyAdded, &cursor, message);
            }
            (Some(body), None) => {
                let message = format!(
                    "`{id}` no longer takes a request body (`{}`)",
                    body.media_type
                );
                self.report(Rule::RequestBodyRemoved, &cursor, message);
            }
            (Some(old), Some(new)) => self.body(&cursor, old, new, Rule::RequestMediaTypeChanged),
        }
    }

    fn responses(&mut self, id: &str, old: &Endpoint, new: &Endpoint) {
        for (status, old_body) in &old.responses {
            let site = Site::new(id, Part::Response(*status));
            let cursor = Cursor::root(&site);
            match new.responses.get(status) {
                Some(new_body) => {
                    self.body(&cursor, old_body, new_body, Rule::ResponseMediaTypeChanged)
                }
                None => {
                    let rule = if *status < 400 {
                        Rule::ResponseSuccessStatusRemoved
                    } else {
                        Rule::ResponseErrorStatusRemoved
                    };
                    self.report(
                        rule,
                        &cursor,
                        format!("`{id}` no longer responds with status {status}"),
                    );
                }
            }
        }
        for status in new
            .responses
            .keys()
            .filter(|status| !old.responses.contains_key(status))
        {
            let site = Site::new(id, Part::Response(*status));
            let rule = if *status < 400 {
                Rule::ResponseSuccessStatusAdded
            } else {
                Rule::ResponseErrorStatusAdded
            };
            self.report(
                rule,
                &Cursor::root(&site),
                format!("`{id}` may now respond with status {status}"),
            );
        }
    }

    /// Compares two bodies of the same part: media type, then schema.
    fn body(&mut self, cursor: &Cursor<'_>, old: &Body, new: &Body, media_rule: Rule) {
        if media_essence(&old.media_type) != media_essence(&new.media_type) {
            let message = format!(
                "media type of {} changed from `{}` to `{}`",
                cursor.site.phrase(),
                old.media_type,
                new.media_type
            );
            self.report(media_rule, cursor, message);
            return;
        }
        self.compare(&old.schema, &new.schema, cursor);
    }

    fn error(&mut self, id: &str, old: ErrorShape, new: ErrorShape) {
        let site = Site::new(id, Part::ErrorBody);
        let cursor = Cursor::root(&site);
        let same_media = media_essence(&old.media_type) == media_essence(&new.media_type);
        match (&old.schema, &new.schema) {
            (Some(old_schema), Some(new_schema)) if same_media => {
                self.compare(old_schema, new_schema, &cursor)
            }
            (None, None) if same_media => {}
            _ => {
                let describe = |shape: &ErrorShape| match shape.schema {
                    Some(_) => format!("`{}` with a schema", shape.media_type),
                    None => format!("`{}`", shape.media_type),
                };
                let message = format!(
                    "error bodies of `{id}` changed from {} to {}",
                    describe(&old),
                    describe(&new)
                );
                self.report(Rule::ErrorShapeChanged, &cursor, message);
            }
        }
    }
}

/// `GET, POST /users/{id}`.
fn route(endpoint: &Endpoint) -> String {
    format!("`{} {}`", endpoint.methods.join(", "), endpoint.path)
}

/// A path template with its parameter names blanked out (`/users/{}`): renaming a path
/// parameter does not change the wire path.
pub(super) fn path_shape(path: &str) -> String {
    let mut shape = String::with_capacity(path.len());
    let mut inside = false;
    for character in path.chars() {
        match character {
            '{' => {
                inside = true;
                shape.push('{');
            }
            '}' if inside => {
                inside = false;
                shape.push('}');
            }
            _ if inside => {}
            _ => shape.push(character),
        }
    }
    shape
}

/// The names of a path template's parameters, in order.
pub(super) fn path_parameters(path: &str) -> Vec<&str> {
    path.split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
        .collect()
}

/// A media type without parameters, lower case (`application/json`).
fn media_essence(media_type: &str) -> String {
    media_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_shapes_ignore_parameter_names() {
        assert_eq!(path_shape("/users/{id}/posts/{post}"), "/users/{}/posts/{}");
        assert_eq!(path_shape("/users/{id}"), path_shape("/users/{user_id}"));
        assert_ne!(path_shape("/users/{id}"), path_shape("/accounts/{id}"));
        assert_eq!(path_parameters("/users/{id}/posts/{post}"), ["id", "post"]);
        assert_eq!(
            media_essence("Application/JSON; charset=utf-8"),
            "application/json"
        );
    }
}
