//! Parameters: read from a request, coerced for validation, written back after migration.

use apivolve_migrate::Parameters;
use apivolve_model::{Endpoint, ParameterLocation};
use http::HeaderMap;
use percent_encoding::{AsciiSet, CONTROLS, percent_decode_str, utf8_percent_encode};
use serde_json::{Map, Value};

/// Characters escaped in a path segment or a query component.
pub(crate) const COMPONENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'&')
    .add(b'+')
    .add(b'/')
    .add(b'<')
    .add(b'=')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}');

/// The parameters of a request to `endpoint`: path parameters from the route, every query
/// pair, and the headers the endpoint declares.
pub(crate) fn read(
    endpoint: &Endpoint,
    path: Vec<(String, String)>,
    query: Option<&str>,
    headers: &HeaderMap,
) -> Parameters {
    let query = query.map(parse_query).unwrap_or_default();
    let header = endpoint
        .parameters
        .iter()
        .filter(|parameter| parameter.location == ParameterLocation::Header)
        .filter_map(|parameter| {
            let value = headers.get(parameter.name.as_str())?.to_str().ok()?;
            Some((parameter.name.to_ascii_lowercase(), value.to_owned()))
        })
        .collect();
    Parameters {
        path,
        query,
        header,
    }
}

/// `a=1&b=x%20y` as decoded pairs.
pub(crate) fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(name), decode(value))
        })
        .collect()
}

fn decode(text: &str) -> String {
    percent_decode_str(&text.replace('+', " "))
        .decode_utf8_lossy()
        .into_owned()
}

/// The declared parameters as a JSON object for validation, values coerced to their schema's type.
pub(crate) fn as_json(endpoint: &Endpoint, parameters: &Parameters) -> Value {
    let mut locations = Map::new();
    for (location, pairs) in [
        (ParameterLocation::Path, &parameters.path),
        (ParameterLocation::Query, &parameters.query),
        (ParameterLocation::Header, &parameters.header),
    ] {
        let mut values = Map::new();
        for parameter in endpoint
            .parameters
            .iter()
            .filter(|p| p.location == location)
        {
            let name = if location == ParameterLocation::Header {
                parameter.name.to_ascii_lowercase()
            } else {
                parameter.name.clone()
            };
            let found: Vec<&String> = pairs
                .iter()
                .filter(|(key, _)| *key == name)
                .map(|(_, value)| value)
                .collect();
            let Some(first) = found.first() else { continue };
            let value = if schema_type(&parameter.schema) == Some("array") {
                Value::Array(
                    found
                        .iter()
                        .map(|value| {
                            coerce(value, parameter.schema.get("items").and_then(schema_type))
                        })
                        .collect(),
                )
            } else {
                coerce(first, schema_type(&parameter.schema))
            };
            values.insert(name, value);
        }
        locations.insert(location.to_string(), Value::Object(values));
    }
    Value::Object(locations)
}

fn schema_type(schema: &Value) -> Option<&str> {
    match schema.get("type")? {
        Value::String(name) => Some(name),
        Value::Array(names) => names
            .iter()
            .filter_map(Value::as_str)
            .find(|name| *name != "null"),
        _ => None,
    }
}

fn coerce(text: &str, schema_type: Option<&str>) -> Value {
    match schema_type {
        Some("integer" | "number" | "boolean") => {
            serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_owned()))
        }
        _ => Value::String(text.to_owned()),
    }
}

/// The latest path: `template` with its `{name}` segments filled from the path parameters.
pub(crate) fn fill_path(template: &str, parameters: &[(String, String)]) -> String {
    let mut path = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        path.push_str(&rest[..start]);
        let Some(end) = rest[start..].find('}') else {
            break;
        };
        let name = &rest[start + 1..start + end];
        let value = parameters
            .iter()
            .find(|(key, _)| key == name)
            .map_or("", |(_, value)| value.as_str());
        path.extend(utf8_percent_encode(value, COMPONENT));
        rest = &rest[start + end + 1..];
    }
    path.push_str(rest);
    path
}

/// The query string of `pairs`, or `None` when there are none.
pub(crate) fn write_query(pairs: &[(String, String)]) -> Option<String> {
    if pairs.is_empty() {
        return None;
    }
    let encoded: Vec<String> = pairs
        .iter()
        .map(|(name, value)| {
            format!(
                "{}={}",
                utf8_percent_encode(name, COMPONENT),
                utf8_percent_encode(value, COMPONENT)
            )
        })
        .collect();
    Some(encoded.join("&"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_filled_and_escaped() {
        let parameters = vec![("id".to_owned(), "a b/c".to_owned())];
        assert_eq!(
            fill_path("/users/{id}/orders", &parameters),
            "/users/a%20b%2Fc/orders"
        );
    }

    #[test]
    fn queries_round_trip() {
        let pairs = parse_query("a=1&b=x%20y&c=p+q&flag");
        assert_eq!(
            pairs,
            [
                ("a".into(), "1".into()),
                ("b".into(), "x y".into()),
                ("c".into(), "p q".into()),
                ("flag".into(), String::new())
            ]
        );
        assert_eq!(
            write_query(&pairs).as_deref(),
            Some("a=1&b=x%20y&c=p%20q&flag=")
        );
    }
}
