//! Routing at one version: a path below the version segment and a method to an endpoint id.
//!
//! Templates are split into segments once (`/users/{id}/orders/{order}`); a segment is a literal
//! or a whole-segment `{name}` parameter (a segment like `file.{ext}` is a literal). Routes are
//! grouped by segment count and ordered so that literals win over parameters, from the left.
//! A trailing slash is ignored. Parameters are percent-decoded.

use std::borrow::Cow;
use std::collections::HashMap;

use apivolve_model::Endpoint;
use http::Method;
use percent_encoding::percent_decode_str;

use crate::error::{Error, Result};

/// What a lookup found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RouteMatch {
    /// An endpoint answers this method on this path.
    Found {
        /// The endpoint id.
        endpoint: String,
        /// Path parameters by name, percent-decoded, in template order.
        params: Vec<(String, String)>,
    },
    /// Endpoints answer this path, but not with this method.
    MethodNotAllowed {
        /// The methods that are answered (for `Allow`).
        allowed: Vec<Method>,
    },
    /// No endpoint has this path.
    NotFound,
}

/// One segment of a template.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Parameter,
}

/// One endpoint's method on a route.
#[derive(Clone, Debug)]
struct Target {
    method: Method,
    endpoint: String,
    /// Parameter names in template order (templates of one shape may name them differently).
    names: Vec<String>,
}

/// All templates of one shape (`/users/{}` whatever the parameter is called).
#[derive(Clone, Debug)]
struct Route {
    template: String,
    segments: Vec<Segment>,
    targets: Vec<Target>,
}

impl Route {
    /// Whether the (decoded) path segments match.
    fn matches(&self, segments: &[Cow<'_, str>]) -> bool {
        self.segments
            .iter()
            .zip(segments)
            .all(|(template, segment)| match template {
                Segment::Literal(literal) => literal == segment.as_ref(),
                Segment::Parameter => !segment.is_empty(),
            })
    }

    /// Ordering key: literals before parameters, from the left.
    fn specificity(&self) -> Vec<bool> {
        self.segments
            .iter()
            .map(|segment| matches!(segment, Segment::Parameter))
            .collect()
    }
}

/// The routes of one version; built once, looked up per request.
#[derive(Clone, Debug, Default)]
pub struct RouteTable {
    by_length: HashMap<usize, Vec<Route>>,
}

impl RouteTable {
    /// A table of `endpoints`.
    ///
    /// # Errors
    ///
    /// [`Error::Method`] for a method that is not an HTTP method, [`Error::RouteConflict`] when
    /// two endpoints answer the same method on the same template shape.
    pub fn new<'a>(endpoints: impl IntoIterator<Item = &'a Endpoint>) -> Result<Self> {
        let mut table = Self::default();
        for endpoint in endpoints {
            let (segments, names) = parse_template(&endpoint.path);
            let routes = table.by_length.entry(segments.len()).or_default();
            let index = match routes.iter().position(|route| route.segments == segments) {
                Some(index) => index,
                None => {
                    routes.push(Route {
                        template: endpoint.path.clone(),
                        segments,
                        targets: Vec::new(),
                    });
                    routes.len() - 1
                }
            };
            let route = &mut routes[index];
            for text in &endpoint.methods {
                let method = Method::from_bytes(text.trim().to_ascii_uppercase().as_bytes())
                    .map_err(|_| Error::Method {
                        endpoint: endpoint.id.clone(),
                        method: text.clone(),
                    })?;
                if let Some(existing) = route.targets.iter().find(|target| target.method == method)
                {
                    return Err(Error::RouteConflict {
                        method: method.to_string(),
                        path: endpoint.path.clone(),
                        first: existing.endpoint.clone(),
                        second: endpoint.id.clone(),
                    });
                }
                route.targets.push(Target {
                    method,
                    endpoint: endpoint.id.clone(),
                    names: names.clone(),
                });
            }
        }
        for routes in table.by_length.values_mut() {
            routes.sort_by_key(Route::specificity);
        }
        Ok(table)
    }

    /// The endpoint answering `method` on `path` (below the version segment, like `/users/7`).
    ///
    /// When several templates match, the most specific one that answers the method wins (so a
    /// literal `/users/me` answering GET does not hide `/users/{id}` answering DELETE). `HEAD`
    /// falls back to `GET`. When none answers the method, the union of their methods is returned.
    pub fn lookup(&self, method: &Method, path: &str) -> RouteMatch {
        let segments = split_path(path);
        let Some(routes) = self.by_length.get(&segments.len()) else {
            return RouteMatch::NotFound;
        };
        let mut allowed: Vec<Method> = Vec::new();
        let mut head_fallback = None;
        for route in routes.iter().filter(|route| route.matches(&segments)) {
            if let Some(target) = route.targets.iter().find(|target| target.method == method) {
                return found(target, route, &segments);
            }
            if method == Method::HEAD && head_fallback.is_none() {
                head_fallback = route
                    .targets
                    .iter()
                    .find(|target| target.method == Method::GET)
                    .map(|t| (t, route));
            }
            for target in &route.targets {
                if !allowed.contains(&target.method) {
                    allowed.push(target.method.clone());
                }
            }
        }
        if let Some((target, route)) = head_fallback {
            return found(target, route, &segments);
        }
        if allowed.is_empty() {
            RouteMatch::NotFound
        } else {
            RouteMatch::MethodNotAllowed { allowed }
        }
    }

    /// Every template in the table (for diagnostics).
    pub fn templates(&self) -> impl Iterator<Item = &str> {
        self.by_length
            .values()
            .flatten()
            .map(|route| route.template.as_str())
    }
}

/// The match for `target` on `route`, with its parameters.
fn found(target: &Target, route: &Route, segments: &[Cow<'_, str>]) -> RouteMatch {
    let values = route
        .segments
        .iter()
        .zip(segments)
        .filter(|(template, _)| matches!(template, Segment::Parameter))
        .map(|(_, value)| value.clone().into_owned());
    RouteMatch::Found {
        endpoint: target.endpoint.clone(),
        params: target.names.iter().cloned().zip(values).collect(),
    }
}

/// Splits a template into segments and parameter names.
fn parse_template(template: &str) -> (Vec<Segment>, Vec<String>) {
    let mut names = Vec::new();
    let segments = trimmed_segments(template)
        .map(|segment| {
            match segment
                .strip_prefix('{')
                .and_then(|rest| rest.strip_suffix('}'))
            {
                Some(name) if !name.is_empty() && !name.contains(['{', '}']) => {
                    names.push(name.to_owned());
                    Segment::Parameter
                }
                _ => Segment::Literal(segment.to_owned()),
            }
        })
        .collect();
    (segments, names)
}

/// Splits a request path into percent-decoded segments (borrowed unless decoding changed them).
fn split_path(path: &str) -> Vec<Cow<'_, str>> {
    trimmed_segments(path)
        .map(|segment| percent_decode_str(segment).decode_utf8_lossy())
        .collect()
}

/// The segments of a path without its leading and (one) trailing slash; `/` has none.
fn trimmed_segments(path: &str) -> impl Iterator<Item = &str> {
    let path = path.strip_prefix('/').unwrap_or(path);
    let path = path.strip_suffix('/').unwrap_or(path);
    path.split('/').filter(move |_| !path.is_empty())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use apivolve_model::Lifecycle;

    use super::*;

    fn endpoint(id: &str, methods: &[&str], path: &str) -> Endpoint {
        Endpoint {
            id: id.to_owned(),
            methods: methods.iter().map(|method| (*method).to_owned()).collect(),
            path: path.to_owned(),
            description: None,
            parameters: Vec::new(),
            request: None,
            responses: BTreeMap::new(),
            error: None,
            lifecycle: Lifecycle::default(),
        }
    }

    fn table() -> RouteTable {
        let endpoints = [
            endpoint("root", &["GET"], "/"),
            endpoint("users.list", &["GET"], "/users"),
            endpoint("users.create", &["POST"], "/users"),
            endpoint("users.me", &["GET"], "/users/me"),
            endpoint("users.get", &["GET"], "/users/{id}"),
            endpoint("users.delete", &["DELETE"], "/users/{user}"),
            endpoint("orders.get", &["GET", "PUT"], "/users/{id}/orders/{order}"),
            endpoint("orders.latest", &["GET"], "/users/{id}/orders/latest"),
            endpoint("getNext", &["GET", "POST"], "/getNext"),
        ];
        RouteTable::new(&endpoints).unwrap()
    }

    fn found(endpoint: &str, params: &[(&str, &str)]) -> RouteMatch {
        RouteMatch::Found {
            endpoint: endpoint.to_owned(),
            params: params
                .iter()
                .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
                .collect(),
        }
    }

    #[test]
    fn lookups() {
        let table = table();
        let not_allowed = |allowed: &[Method]| RouteMatch::MethodNotAllowed {
            allowed: allowed.to_vec(),
        };
        let cases = [
            (Method::GET, "/", found("root", &[])),
            (Method::GET, "", found("root", &[])),
            (Method::GET, "/users", found("users.list", &[])),
            (Method::GET, "/users/", found("users.list", &[])),
            (Method::POST, "/users", found("users.create", &[])),
            (Method::GET, "/users/me", found("users.me", &[])),
            (Method::GET, "/users/7", found("users.get", &[("id", "7")])),
            (
                Method::DELETE,
                "/users/7",
                found("users.delete", &[("user", "7")]),
            ),
            (
                Method::DELETE,
                "/users/me",
                found("users.delete", &[("user", "me")]),
            ),
            (
                Method::GET,
                "/users/a%20b%2Fc",
                found("users.get", &[("id", "a b/c")]),
            ),
            (
                Method::GET,
                "/users/7/orders/9",
                found("orders.get", &[("id", "7"), ("order", "9")]),
            ),
            (
                Method::PUT,
                "/users/7/orders/9/",
                found("orders.get", &[("id", "7"), ("order", "9")]),
            ),
            (
                Method::GET,
                "/users/7/orders/latest",
                found("orders.latest", &[("id", "7")]),
            ),
            (
                Method::PUT,
                "/users/7/orders/latest",
                found("orders.get", &[("id", "7"), ("order", "latest")]),
            ),
            (Method::HEAD, "/getNext", found("getNext", &[])),
            (Method::HEAD, "/users/7", found("users.get", &[("id", "7")])),
            (Method::POST, "/getNext", found("getNext", &[])),
            (
                Method::PUT,
                "/users",
                not_allowed(&[Method::GET, Method::POST]),
            ),
            (
                Method::POST,
                "/users/me",
                not_allowed(&[Method::GET, Method::DELETE]),
            ),
            (
                Method::DELETE,
                "/getNext",
                not_allowed(&[Method::GET, Method::POST]),
            ),
            (Method::GET, "/users/7/orders", RouteMatch::NotFound),
            (Method::GET, "/nothing", RouteMatch::NotFound),
            (Method::GET, "/users//", RouteMatch::NotFound),
            (Method::GET, "/a/b/c/d/e/f", RouteMatch::NotFound),
            (Method::GET, "/getnext", RouteMatch::NotFound),
        ];
        for (method, path, expected) in cases {
            assert_eq!(table.lookup(&method, path), expected, "{method} {path}");
        }
    }

    #[test]
    fn conflicts_and_bad_methods_are_start_up_errors() {
        let duplicate = [
            endpoint("a", &["GET"], "/users/{id}"),
            endpoint("b", &["get"], "/users/{other}"),
        ];
        let error = RouteTable::new(&duplicate).unwrap_err();
        assert_eq!(
            error.to_string(),
            "endpoints `a` and `b` both answer `GET /users/{other}`"
        );
        let bad = [endpoint("a", &["GE T"], "/x")];
        assert!(matches!(RouteTable::new(&bad), Err(Error::Method { .. })));
    }

    #[test]
    fn mixed_segments_are_literals() {
        let table = RouteTable::new(&[endpoint("file", &["GET"], "/files/file.{ext}")]).unwrap();
        assert_eq!(
            table.lookup(&Method::GET, "/files/file.{ext}"),
            found("file", &[])
        );
        assert_eq!(
            table.lookup(&Method::GET, "/files/file.txt"),
            RouteMatch::NotFound
        );
        assert_eq!(table.templates().collect::<Vec<_>>(), ["/files/file.{ext}"]);
    }
}
