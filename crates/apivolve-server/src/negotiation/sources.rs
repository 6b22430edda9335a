//! Where a request names its version: a URI segment, a header, a media type, a query parameter.
//! Each function finds the raw token; [`VersionSpec`](super::spec::VersionSpec) parses it.

use http::{HeaderMap, HeaderName, header};
use percent_encoding::percent_decode_str;

use super::spec::VersionSpec;

/// The first segment of `rest` (a path below the base path) when it looks like a version, with
/// the path left after it (`/v1/users` gives `v1` and `/users`).
pub(crate) fn uri_segment(rest: &str) -> Option<(&str, &str)> {
    let trimmed = rest.strip_prefix('/')?;
    let (segment, after) = match trimmed.find('/') {
        Some(slash) => (&trimmed[..slash], &trimmed[slash..]),
        None => (trimmed, ""),
    };
    VersionSpec::parse(segment)
        .is_some()
        .then_some((segment, after))
}

/// A header's value: `Ok(None)` when absent or blank, `Err(())` when not visible ASCII.
pub(crate) fn header_value<'a>(
    headers: &'a HeaderMap,
    name: &HeaderName,
) -> Result<Option<&'a str>, ()> {
    let Some(value) = headers.get(name) else {
        return Ok(None);
    };
    let text = value.to_str().map_err(|_| ())?.trim();
    Ok((!text.is_empty()).then_some(text))
}

/// The version a media type names, from `Accept` (first) then `Content-Type`:
/// `application/vnd.NAME.v1+json`, `application/vnd.NAME.v1.2+json` or a `version=` parameter
/// (`application/json; version=1`). `vendor` is `vnd.NAME.` in lower case.
pub(crate) fn media_type(headers: &HeaderMap, vendor: &str) -> Option<String> {
    [header::ACCEPT, header::CONTENT_TYPE]
        .iter()
        .flat_map(|name| headers.get_all(name))
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .find_map(|range| media_range_version(range, vendor))
}

/// The version one media range names, if any.
fn media_range_version(range: &str, vendor: &str) -> Option<String> {
    let mut parts = range.split(';');
    let essence = parts.next()?.trim().to_ascii_lowercase();
    let (_, subtype) = essence.split_once('/')?;
    if let Some(rest) = subtype.strip_prefix(vendor) {
        let token = rest.split('+').next().unwrap_or(rest);
        if token.starts_with(['v', 'V']) {
            return Some(token.to_owned());
        }
    }
    parts.find_map(|parameter| {
        let (name, value) = parameter.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("version")
            .then(|| value.trim().trim_matches('"').to_owned())
    })
}

/// The decoded value of query parameter `name`, and the query without it (`None` when empty).
pub(crate) fn query_parameter(query: Option<&str>, name: &str) -> (Option<String>, Option<String>) {
    let Some(query) = query else {
        return (None, None);
    };
    let mut found = None;
    let mut kept = Vec::new();
    for pair in query.split('&').filter(|pair| !pair.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        if found.is_none() && decode(key) == name {
            found = Some(decode(value));
        } else if decode(key) != name {
            kept.push(pair);
        }
    }
    let rest = (!kept.is_empty()).then(|| kept.join("&"));
    (found.filter(|value| !value.trim().is_empty()), rest)
}

/// Decodes a `application/x-www-form-urlencoded` component (`+` is a space).
fn decode(component: &str) -> String {
    let spaced = component.replace('+', " ");
    percent_decode_str(&spaced).decode_utf8_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use http::HeaderValue;

    use super::*;

    #[test]
    fn uri_segment_takes_only_version_like_segments() {
        let table = [
            ("/v1/users", Some(("v1", "/users"))),
            ("/1.2.3/users/7", Some(("1.2.3", "/users/7"))),
            ("/latest", Some(("latest", ""))),
            ("/current/", Some(("current", "/"))),
            ("/users/v1", None),
            ("/", None),
            ("", None),
        ];
        for (rest, expected) in table {
            assert_eq!(uri_segment(rest), expected, "{rest:?}");
        }
    }

    #[test]
    fn media_types_name_versions() {
        let vendor = "vnd.objid.";
        let table = [
            ("application/vnd.objid.v1+json", Some("v1")),
            ("application/vnd.objid.v1.2+json", Some("v1.2")),
            ("Application/VND.ObjId.V2+JSON; charset=utf-8", Some("v2")),
            ("text/html, application/vnd.objid.v3+json;q=0.9", Some("v3")),
            ("application/json; version=1", Some("1")),
            (
                "application/json;charset=utf-8; Version=\"1.2\"",
                Some("1.2"),
            ),
            ("application/vnd.other.v1+json", None),
            ("application/json", None),
            ("*/*", None),
        ];
        for (accept, expected) in table {
            let mut headers = HeaderMap::new();
            headers.insert(header::ACCEPT, HeaderValue::from_str(accept).unwrap());
            assert_eq!(
                media_type(&headers, vendor).as_deref(),
                expected,
                "{accept}"
            );
        }
    }

    #[test]
    fn accept_wins_over_content_type() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/vnd.objid.v1+json"),
        );
        assert_eq!(media_type(&headers, "vnd.objid.").as_deref(), Some("v1"));
        headers.insert(
            header::ACCEPT,
            HeaderValue::from_static("application/vnd.objid.v2+json"),
        );
        assert_eq!(media_type(&headers, "vnd.objid.").as_deref(), Some("v2"));
    }

    #[test]
    fn query_parameter_is_found_decoded_and_removed() {
        let table = [
            (Some("api-version=1"), (Some("1"), None)),
            (
                Some("a=1&api-version=1.2&b=2"),
                (Some("1.2"), Some("a=1&b=2")),
            ),
            (Some("api%2Dversion=%31"), (Some("1"), None)),
            (Some("api-version="), (None, None)),
            (Some("a=1"), (None, Some("a=1"))),
            (Some("api-version=1&api-version=2"), (Some("1"), None)),
            (None, (None, None)),
        ];
        for (query, (value, rest)) in table {
            let (got_value, got_rest) = query_parameter(query, "api-version");
            assert_eq!(got_value.as_deref(), value, "{query:?}");
            assert_eq!(got_rest.as_deref(), rest, "{query:?}");
        }
    }

    #[test]
    fn header_value_rejects_non_ascii_and_skips_blank() {
        let name = HeaderName::from_static("api-version");
        let mut headers = HeaderMap::new();
        assert_eq!(header_value(&headers, &name), Ok(None));
        headers.insert(&name, HeaderValue::from_static("  "));
        assert_eq!(header_value(&headers, &name), Ok(None));
        headers.insert(&name, HeaderValue::from_static(" 1.2 "));
        assert_eq!(header_value(&headers, &name), Ok(Some("1.2")));
        headers.insert(&name, HeaderValue::from_bytes(b"\xff").unwrap());
        assert_eq!(header_value(&headers, &name), Err(()));
    }
}
