//! One operation line: `[op, body]` or `[op, body, options]`, its `$anchor`, its `$ref`s.

use std::collections::HashMap;

use http::{Method, StatusCode};
use percent_encoding::utf8_percent_encode;
use serde_json::{Map, Value};

use crate::limits::parse_json;
use crate::problem::Problem;
use crate::versioning::VersionRuntime;
use crate::versioning::params::COMPONENT;

/// The member of a body that names its line's result.
const ANCHOR: &str = "$anchor";
/// The member of a one-member object that stands for an earlier line's result.
const REFERENCE: &str = "$ref";

/// A line read as `[op, body, options]`.
#[derive(Debug)]
pub(super) struct Parsed {
    pub(super) op: String,
    pub(super) body: Value,
    pub(super) options: Map<String, Value>,
    pub(super) anchor: Option<String>,
}

impl Parsed {
    /// Whether the body or the options name an anchor (so the line needs the rows before it).
    pub(super) fn has_references(&self) -> bool {
        has_references(&self.body)
            || is_reference(&self.options)
            || self.options.values().any(has_references)
    }
}

/// Why a line did not run.
#[derive(Debug)]
pub(super) struct Refused {
    pub(super) op: Option<String>,
    pub(super) anchor: Option<String>,
    pub(super) problem: Problem,
    /// Not run because of another line (424), rather than a fault of its own.
    pub(super) skipped: bool,
}

impl Refused {
    pub(super) fn new(problem: Problem) -> Self {
        Self {
            op: None,
            anchor: None,
            problem,
            skipped: false,
        }
    }
}

/// Parses a line.
///
/// # Errors
///
/// A 400 [`Refused`] when the line is not JSON, not an array of two or three, has no string
/// operation, has options that are not an object, has a non-string `$anchor`, or is a
/// `configure` line after the first.
pub(super) fn parse(bytes: &[u8], max_depth: usize) -> Result<Parsed, Refused> {
    let value = parse_json(bytes, max_depth).map_err(|problem| {
        let detail = problem.detail.replace("request body", "line");
        Refused::new(Problem::bad_request(detail))
    })?;
    let Value::Array(items) = value else {
        return Err(Refused::new(Problem::bad_request(
            "a line must be a JSON array `[op, body]` or `[op, body, options]`",
        )));
    };
    let op = items.first().and_then(Value::as_str).map(str::to_owned);
    let refuse = |detail: &str| Refused {
        op: op.clone(),
        ..Refused::new(Problem::bad_request(detail))
    };
    if !(2..=3).contains(&items.len()) {
        return Err(refuse(&format!(
            "a line must be `[op, body]` or `[op, body, options]`, not {} items",
            items.len()
        )));
    }
    let mut items = items.into_iter();
    let Some(Value::String(op)) = items.next() else {
        return Err(refuse("the first item of a line must be the operation id"));
    };
    if op == "configure" {
        return Err(refuse("`configure` must be the first line"));
    }
    let mut body = items.next().unwrap_or(Value::Null);
    let options = match items.next() {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(options)) => options,
        Some(_) => return Err(refuse("the options of a line must be an object")),
    };
    let anchor = match body.as_object_mut().and_then(|body| body.remove(ANCHOR)) {
        None => None,
        Some(Value::String(anchor)) if !anchor.is_empty() => Some(anchor),
        Some(_) => return Err(refuse("`$anchor` must be a non-empty string")),
    };
    Ok(Parsed {
        op,
        body,
        options,
        anchor,
    })
}

/// What an anchored line left for later lines.
#[derive(Clone, Debug)]
pub(super) enum Anchored {
    /// Its response body (at the request's version).
    Succeeded(Value),
    /// It failed or was skipped, at this line.
    Failed(u64),
    /// It is still running (lines with references wait for every earlier line first).
    Pending,
}

/// The anchors of one request, by name.
pub(super) type Anchors = HashMap<String, Anchored>;

/// The id of a result that `{"$ref": "name"}` stands for: the body's `id` member, else the body.
pub(super) fn result_id(body: &Value) -> Value {
    match body.get("id") {
        Some(id) if body.is_object() => id.clone(),
        _ => body.clone(),
    }
}

/// Whether `value` holds a `{"$ref": "..."}` anywhere.
pub(super) fn has_references(value: &Value) -> bool {
    match value {
        Value::Object(map) if is_reference(map) => true,
        Value::Object(map) => map.values().any(has_references),
        Value::Array(items) => items.iter().any(has_references),
        _ => false,
    }
}

fn is_reference(map: &Map<String, Value>) -> bool {
    map.len() == 1 && map.get(REFERENCE).is_some_and(Value::is_string)
}

/// Replaces every `{"$ref": "name"}` and `{"$ref": "name#/pointer"}` in `value`.
///
/// # Errors
///
/// 400 for an anchor no earlier line defined or a pointer that finds nothing; 424 (skipped) for
/// an anchor whose line failed.
pub(super) fn resolve(value: &mut Value, anchors: &Anchors) -> Result<(), Refused> {
    match value {
        Value::Object(map) if is_reference(map) => {
            let reference = map.get(REFERENCE).and_then(Value::as_str).unwrap_or("");
            *value = lookup(reference, anchors)?;
            Ok(())
        }
        Value::Object(map) => map
            .values_mut()
            .try_for_each(|value| resolve(value, anchors)),
        Value::Array(items) => items
            .iter_mut()
            .try_for_each(|value| resolve(value, anchors)),
        _ => Ok(()),
    }
}

fn lookup(reference: &str, anchors: &Anchors) -> Result<Value, Refused> {
    let (name, pointer) = match reference.split_once('#') {
        Some((name, pointer)) => (name, Some(pointer)),
        None => (reference, None),
    };
    match anchors.get(name) {
        Some(Anchored::Succeeded(body)) => match pointer {
            None => Ok(result_id(body)),
            Some(pointer) => body.pointer(pointer).cloned().ok_or_else(|| {
                Refused::new(Problem::bad_request(format!(
                    "`{reference}`: the result of `{name}` has nothing at `{pointer}`"
                )))
            }),
        },
        Some(Anchored::Failed(line)) => Err(Refused {
            skipped: true,
            ..Refused::new(
                Problem::new(
                    StatusCode::FAILED_DEPENDENCY,
                    format!("not run: it refers to `{name}`, whose line {line} failed"),
                )
                .with_extension("depends_on", *line),
            )
        }),
        Some(Anchored::Pending) | None => Err(Refused::new(Problem::bad_request(format!(
            "`{reference}` refers to no anchor of an earlier line"
        )))),
    }
}

/// Where a line goes: its endpoint at the request's version, method, path and query.
#[derive(Clone, Debug)]
pub(super) struct Target {
    pub(super) endpoint: String,
    pub(super) method: Method,
    pub(super) path_parameters: Vec<(String, String)>,
    /// The path at the request's version, parameters filled in.
    pub(super) path: String,
    pub(super) query: Option<String>,
}

/// The target of `parsed` at `version` (after its references are resolved).
///
/// # Errors
///
/// 400 for an unknown operation, a method the endpoint does not answer (or none chosen among
/// several), a missing path parameter, or options of the wrong type.
pub(super) fn target(version: &VersionRuntime, parsed: &Parsed) -> Result<Target, Problem> {
    for name in parsed.options.keys() {
        if !matches!(name.as_str(), "method" | "params" | "query") {
            return Err(Problem::bad_request(format!(
                "unknown line option `{name}`; the options are `method`, `params` and `query`"
            )));
        }
    }
    let Some(runtime) = version.endpoints.get(&parsed.op) else {
        return Err(Problem::bad_request(format!(
            "unknown operation `{}` in version `{}`",
            parsed.op, version.info.version
        )));
    };
    let endpoint = &runtime.endpoint;
    let method = match parsed.options.get("method") {
        Some(Value::String(method)) => {
            let method = method.to_ascii_uppercase();
            if !endpoint.methods.contains(&method) {
                return Err(Problem::bad_request(format!(
                    "`{}` does not answer `{method}`; it answers {}",
                    parsed.op,
                    endpoint.methods.join(", ")
                )));
            }
            method
        }
        Some(_) => return Err(Problem::bad_request("the `method` option must be a string")),
        None => match endpoint.methods.as_slice() {
            [only] => only.clone(),
            methods => {
                return Err(Problem::bad_request(format!(
                    "`{}` answers {}: choose one with the `method` option",
                    parsed.op,
                    methods.join(", ")
                )));
            }
        },
    };
    let method = Method::from_bytes(method.as_bytes())
        .map_err(|_| Problem::bad_request(format!("`{method}` is not an HTTP method")))?;
    let params = object_option(&parsed.options, "params")?;
    let mut path_parameters = Vec::new();
    let mut path = String::with_capacity(endpoint.path.len());
    let mut rest = endpoint.path.as_str();
    while let Some(start) = rest.find('{') {
        path.push_str(&rest[..start]);
        let Some(end) = rest[start..].find('}') else {
            break;
        };
        let name = &rest[start + 1..start + end];
        let value = params.and_then(|params| params.get(name)).and_then(scalar);
        let Some(value) = value else {
            return Err(Problem::bad_request(format!(
                "`{}` needs the path parameter `{name}` in `params`",
                parsed.op
            )));
        };
        path.extend(utf8_percent_encode(&value, COMPONENT));
        path_parameters.push((name.to_owned(), value));
        rest = &rest[start + end + 1..];
    }
    path.push_str(rest);
    let query = object_option(&parsed.options, "query")?
        .map(encode_query)
        .transpose()?
        .filter(|query| !query.is_empty());
    Ok(Target {
        endpoint: parsed.op.clone(),
        method,
        path_parameters,
        path,
        query,
    })
}

fn object_option<'a>(
    options: &'a Map<String, Value>,
    name: &str,
) -> Result<Option<&'a Map<String, Value>>, Problem> {
    match options.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(map)) => Ok(Some(map)),
        Some(_) => Err(Problem::bad_request(format!(
            "the `{name}` option must be an object"
        ))),
    }
}

/// A string, number or boolean as it goes into a path or query.
fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        _ => None,
    }
}

fn encode_query(query: &Map<String, Value>) -> Result<String, Problem> {
    let mut pairs = Vec::new();
    for (name, value) in query {
        let values: Vec<&Value> = match value {
            Value::Array(items) => items.iter().collect(),
            value => vec![value],
        };
        for value in values {
            let Some(text) = scalar(value) else {
                return Err(Problem::bad_request(format!(
                    "the query parameter `{name}` must be a string, number, boolean or an array of them"
                )));
            };
            pairs.push(format!(
                "{}={}",
                utf8_percent_encode(name, COMPONENT),
                utf8_percent_encode(&text, COMPONENT)
            ));
        }
    }
    Ok(pairs.join("&"))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn lines_are_parsed_and_anchors_taken_out() {
        let parsed = parse(
            br#"["items.put", {"$anchor": "a", "name": "x"}, {"params": {"id": 1}}]"#,
            64,
        )
        .unwrap();
        assert_eq!(parsed.op, "items.put");
        assert_eq!(parsed.body, json!({"name": "x"}));
        assert_eq!(parsed.anchor.as_deref(), Some("a"));
        assert_eq!(parsed.options["params"], json!({"id": 1}));
    }

    #[test]
    fn malformed_lines_are_refused_with_a_reason() {
        for (line, expected) in [
            ("{", "line is not valid JSON"),
            ("{}", "must be a JSON array"),
            ("[\"a\"]", "not 1 items"),
            ("[\"a\", {}, {}, {}]", "not 4 items"),
            ("[1, {}]", "operation id"),
            ("[\"a\", {}, 3]", "options of a line must be an object"),
            ("[\"a\", {\"$anchor\": 3}]", "`$anchor` must be"),
            ("[\"configure\", {}]", "must be the first line"),
        ] {
            let refused = parse(line.as_bytes(), 64).unwrap_err();
            assert!(
                refused.problem.detail.contains(expected),
                "{line}: {}",
                refused.problem.detail
            );
            assert_eq!(refused.problem.status, 400);
        }
    }

    #[test]
    fn references_resolve_to_ids_pointers_or_refusals() {
        let mut anchors = Anchors::new();
        anchors.insert(
            "a".into(),
            Anchored::Succeeded(json!({"id": "7", "tags": ["x", "y"]})),
        );
        anchors.insert("b".into(), Anchored::Succeeded(json!(42)));
        anchors.insert("c".into(), Anchored::Failed(3));
        let mut body = json!({"one": {"$ref": "a"}, "two": [{"$ref": "a#/tags/1"}], "three": {"$ref": "b"}, "keep": {"$ref": "a", "x": 1}});
        assert!(has_references(&body));
        resolve(&mut body, &anchors).unwrap();
        assert_eq!(
            body,
            json!({"one": "7", "two": ["y"], "three": 42, "keep": {"$ref": "a", "x": 1}})
        );
        let refused = resolve(&mut json!({"$ref": "c"}), &anchors).unwrap_err();
        assert!(refused.skipped);
        assert_eq!(refused.problem.status, 424);
        for (reference, expected) in [("z", "no anchor"), ("a#/nothing", "nothing at")] {
            let refused = resolve(&mut json!([{"$ref": reference}]), &anchors).unwrap_err();
            assert!(!refused.skipped);
            assert!(refused.problem.detail.contains(expected));
        }
        assert!(!has_references(&json!({"$ref": 1})));
    }

    #[test]
    fn queries_are_encoded_in_order() {
        let query = json!({"a": "x y", "b": [1, true]});
        assert_eq!(
            encode_query(query.as_object().unwrap()).unwrap(),
            "a=x%20y&b=1&b=true"
        );
        assert!(encode_query(json!({"a": {}}).as_object().unwrap()).is_err());
    }
}
