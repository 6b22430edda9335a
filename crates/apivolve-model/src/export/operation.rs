//! Endpoints as OpenAPI path items: one operation per method, with parameters, bodies,
//! responses, the error response and the lifecycle.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use crate::export::openapi::PathItems;
use crate::export::problem::reason_phrase;
use crate::export::refs::Names;
use crate::snapshot::{
    Body, Endpoint, ErrorShape, PROBLEM_MEDIA_TYPE, Parameter, ParameterLocation, Schema,
};

/// The methods a path item has a field for, in the order OpenAPI lists them.
const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// The path items of an OpenAPI document, endpoint by endpoint.
pub(crate) struct Operations<'a> {
    names: &'a Names,
    /// The component name of the problem details schema.
    problem: &'a str,
    paths: PathItems,
}

impl<'a> Operations<'a> {
    pub(crate) fn new(names: &'a Names, problem: &'a str) -> Self {
        Self {
            names,
            problem,
            paths: PathItems::new(),
        }
    }

    /// Adds one operation per method of `endpoint`. Where two endpoints share a path and a
    /// method, the first one (by id) keeps it.
    pub(crate) fn add(&mut self, endpoint: &Endpoint) {
        let path = if endpoint.path.starts_with('/') {
            endpoint.path.clone()
        } else {
            format!("/{}", endpoint.path)
        };
        let methods: BTreeSet<String> = endpoint
            .methods
            .iter()
            .map(|method| method.to_ascii_lowercase())
            .collect();
        let several = methods.len() > 1;
        for method in &methods {
            if !METHODS.contains(&method.as_str()) {
                continue;
            }
            let operation_id = if several {
                format!("{}.{method}", endpoint.id)
            } else {
                endpoint.id.clone()
            };
            let taken = self
                .paths
                .get(&path)
                .is_some_and(|item| item.contains_key(method));
            if !taken {
                let operation = self.operation(endpoint, &path, operation_id);
                self.paths
                    .entry(path.clone())
                    .or_default()
                    .insert(method.clone(), operation);
            }
        }
    }

    /// The `paths` object: paths sorted, operations in OpenAPI's method order.
    pub(crate) fn into_paths(self) -> Value {
        let mut paths = Map::new();
        for (path, mut operations) in self.paths {
            let mut item = Map::new();
            for method in METHODS {
                if let Some(operation) = operations.remove(*method) {
                    item.insert((*method).to_owned(), operation);
                }
            }
            paths.insert(path, Value::Object(item));
        }
        Value::Object(paths)
    }

    fn operation(&self, endpoint: &Endpoint, path: &str, operation_id: String) -> Value {
        let mut operation = Map::new();
        operation.insert("operationId".to_owned(), json!(operation_id));
        if let Some(description) = &endpoint.description {
            operation.insert("description".to_owned(), json!(description));
        }
        let lifecycle = &endpoint.lifecycle;
        if lifecycle.deprecated.is_some()
            || lifecycle.sunset.is_some()
            || lifecycle.retired.is_some()
        {
            operation.insert("deprecated".to_owned(), json!(true));
        }
        let parameters = self.parameters(endpoint, path);
        if !parameters.is_empty() {
            operation.insert("parameters".to_owned(), Value::Array(parameters));
        }
        if let Some(body) = &endpoint.request {
            let mut request = Map::new();
            if let Some(description) = &body.description {
                request.insert("description".to_owned(), json!(description));
            }
            request.insert("required".to_owned(), json!(true));
            request.insert(
                "content".to_owned(),
                self.content(&body.media_type, &body.schema),
            );
            operation.insert("requestBody".to_owned(), Value::Object(request));
        }
        operation.insert("responses".to_owned(), self.responses(endpoint));
        if lifecycle.preview {
            operation.insert("x-preview".to_owned(), json!(true));
        }
        if let Some(date) = lifecycle.deprecated {
            operation.insert("x-deprecated-date".to_owned(), json!(date.to_string()));
        }
        if let Some(date) = lifecycle.sunset {
            operation.insert("x-sunset-date".to_owned(), json!(date.to_string()));
        }
        if let Some(retirement) = &lifecycle.retired {
            operation.insert("x-retired".to_owned(), json!(true));
            if let Some(successor) = &retirement.successor {
                operation.insert("x-successor".to_owned(), json!(successor));
            }
            if let Some(status) = retirement.redirect {
                operation.insert("x-redirect".to_owned(), json!(status));
            }
        }
        Value::Object(operation)
    }

    /// The declared parameters (the first of duplicates; path ones always required), then the
    /// template's `{name}` segments nobody declared, as strings.
    fn parameters(&self, endpoint: &Endpoint, path: &str) -> Vec<Value> {
        let mut seen = BTreeSet::new();
        let mut parameters = Vec::new();
        for parameter in &endpoint.parameters {
            if seen.insert((parameter.location, parameter.name.as_str())) {
                parameters.push(self.parameter(parameter));
            }
        }
        for name in template_names(path) {
            if seen.insert((ParameterLocation::Path, name)) {
                parameters.push(json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}));
            }
        }
        parameters
    }

    fn parameter(&self, parameter: &Parameter) -> Value {
        let mut object = Map::new();
        object.insert("name".to_owned(), json!(parameter.name));
        object.insert("in".to_owned(), json!(parameter.location.to_string()));
        if let Some(description) = &parameter.description {
            object.insert("description".to_owned(), json!(description));
        }
        let required = parameter.required || parameter.location == ParameterLocation::Path;
        object.insert("required".to_owned(), json!(required));
        object.insert("schema".to_owned(), self.names.export(&parameter.schema));
        Value::Object(object)
    }

    fn responses(&self, endpoint: &Endpoint) -> Value {
        let mut responses = Map::new();
        for (status, body) in &endpoint.responses {
            if (100..=599).contains(status) {
                responses.insert(status.to_string(), self.response(*status, body));
            }
        }
        responses.insert(
            "default".to_owned(),
            self.error_response(endpoint.error.as_ref()),
        );
        Value::Object(responses)
    }

    fn response(&self, status: u16, body: &Body) -> Value {
        let description = body
            .description
            .clone()
            .unwrap_or_else(|| reason_phrase(status).to_owned());
        let mut response = Map::new();
        response.insert("description".to_owned(), json!(description));
        let bodiless = status < 200 || status == 204 || status == 304;
        if !bodiless {
            response.insert(
                "content".to_owned(),
                self.content(&body.media_type, &body.schema),
            );
        }
        Value::Object(response)
    }

    /// The `default` response: error bodies in the endpoint's error shape.
    fn error_response(&self, shape: Option<&ErrorShape>) -> Value {
        let shape = shape.cloned().unwrap_or_default();
        let (description, schema) = match &shape.schema {
            None if is_problem(&shape.media_type) => (
                "Error, as RFC 9457 problem details",
                json!({"$ref": self.names.reference(self.problem)}),
            ),
            Some(schema) => ("Error", self.names.export(schema)),
            None if is_json(&shape.media_type) => ("Error", json!({})),
            None => ("Error, as text", json!({"type": "string"})),
        };
        json!({"description": description, "content": {shape.media_type: {"schema": schema}}})
    }

    fn content(&self, media_type: &str, schema: &Schema) -> Value {
        json!({media_type: {"schema": self.names.export(schema)}})
    }
}

/// Whether an endpoint's errors refer to the `Problem` component.
pub(crate) fn uses_problem(endpoint: &Endpoint) -> bool {
    endpoint
        .error
        .as_ref()
        .is_none_or(|shape| shape.schema.is_none() && is_problem(&shape.media_type))
}

/// The media type without parameters, lower case.
fn essence(media_type: &str) -> String {
    media_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

fn is_problem(media_type: &str) -> bool {
    essence(media_type) == PROBLEM_MEDIA_TYPE
}

fn is_json(media_type: &str) -> bool {
    let essence = essence(media_type);
    essence == "application/json" || essence.ends_with("+json")
}

/// The `{name}` segments of a path template, in order.
fn template_names(path: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else { break };
        if close > 0 {
            names.push(&after[..close]);
        }
        rest = &after[close + 1..];
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_names_are_found_in_order() {
        assert_eq!(template_names("/a/{x}/b/{y}.json"), ["x", "y"]);
        assert_eq!(template_names("/a/{}/{unclosed"), Vec::<&str>::new());
    }

    #[test]
    fn media_types_are_compared_by_essence() {
        assert!(is_problem("Application/Problem+JSON; charset=utf-8"));
        assert!(is_json("application/vnd.shop.v1+json"));
        assert!(!is_json("text/plain"));
    }
}
