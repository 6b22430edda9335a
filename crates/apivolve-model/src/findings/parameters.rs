//! Path, query and header parameters.
//!
//! Parameters are matched by location and name; header names ignore case, and path parameters
//! are matched by their place in the path template (renaming one does not change the wire).

use std::collections::BTreeMap;

use super::Rule;
use super::endpoints::path_parameters;
use super::walk::{Cursor, Part, Site, Walker};
use crate::snapshot::{Endpoint, Parameter, ParameterLocation};

/// How a parameter is matched between versions.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Key {
    /// The n-th `{...}` of the path template.
    Path(usize),
    /// Location and name (lower case for headers).
    Named(ParameterLocation, String),
}

fn keyed(endpoint: &Endpoint) -> BTreeMap<Key, &Parameter> {
    let places = path_parameters(&endpoint.path);
    endpoint
        .parameters
        .iter()
        .map(|parameter| {
            let key = match parameter.location {
                ParameterLocation::Path => {
                    match places.iter().position(|name| *name == parameter.name) {
                        Some(place) => Key::Path(place),
                        None => Key::Named(ParameterLocation::Path, parameter.name.clone()),
                    }
                }
                ParameterLocation::Header => Key::Named(
                    ParameterLocation::Header,
                    parameter.name.to_ascii_lowercase(),
                ),
                ParameterLocation::Query => {
                    Key::Named(ParameterLocation::Query, parameter.name.clone())
                }
            };
            (key, parameter)
        })
        .collect()
}

/// Path parameters are required whatever they say.
fn is_required(parameter: &Parameter) -> bool {
    parameter.required || parameter.location == ParameterLocation::Path
}

fn site(id: &str, parameter: &Parameter) -> Site {
    Site::new(
        id,
        Part::Parameter {
            location: parameter.location,
            name: parameter.name.clone(),
        },
    )
}

impl Walker<'_> {
    pub(super) fn parameters(&mut self, id: &str, old: &Endpoint, new: &Endpoint) {
        let (old_parameters, new_parameters) = (keyed(old), keyed(new));
        for (key, parameter) in &old_parameters {
            if !new_parameters.contains_key(key) {
                let site = site(id, parameter);
                let message = format!(
                    "{} parameter `{}` was removed from `{id}`",
                    parameter.location, parameter.name
                );
                self.report(Rule::RequestParameterRemoved, &Cursor::root(&site), message);
            }
        }
        for (key, parameter) in &new_parameters {
            if !old_parameters.contains_key(key) {
                let site = site(id, parameter);
                let (rule, kind) = if is_required(parameter) {
                    (Rule::RequestRequiredParameterAdded, "required")
                } else {
                    (Rule::RequestParameterAdded, "optional")
                };
                let message = format!(
                    "{kind} {} parameter `{}` was added to `{id}`",
                    parameter.location, parameter.name
                );
                self.report(rule, &Cursor::root(&site), message);
            }
        }
        for (key, old_parameter) in &old_parameters {
            let Some(new_parameter) = new_parameters.get(key) else {
                continue;
            };
            let site = site(id, new_parameter);
            let cursor = Cursor::root(&site);
            let became = match (is_required(old_parameter), is_required(new_parameter)) {
                (false, true) => Some((Rule::RequestParameterBecameRequired, "required")),
                (true, false) => Some((Rule::RequestParameterBecameOptional, "optional")),
                _ => None,
            };
            if let Some((rule, became)) = became {
                let message = format!("{} became {became}", site.phrase());
                self.report(rule, &cursor, message);
            }
            self.compare(&old_parameter.schema, &new_parameter.schema, &cursor);
        }
    }
}
