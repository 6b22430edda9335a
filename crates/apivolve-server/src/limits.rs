//! Request limits: body size (413), media type (415), JSON nesting depth and JSON parsing (400).
//!
//! [`check_json_depth`] scans bytes iteratively, so a body nested 100,000 levels deep is refused
//! before any recursive parser sees it; [`parse_json`] runs it, then `serde_json`, and turns every
//! failure into a 400 problem that says where.

use std::error::Error as StdError;

use axum::body::Body;
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, header};
use http_body_util::LengthLimitError;
use serde_json::Value;

use crate::problem::Problem;

/// Refuses JSON nested deeper than `max_depth` arrays and objects, without parsing it.
///
/// Brackets inside strings (escapes included) do not count. The scan does not check syntax.
///
/// # Errors
///
/// A 400 problem naming the limit and the byte offset where it was passed.
pub fn check_json_depth(bytes: &[u8], max_depth: usize) -> Result<(), Problem> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (offset, &byte) in bytes.iter().enumerate() {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > max_depth {
                    return Err(Problem::bad_request(format!(
                        "JSON nesting is deeper than the limit of {max_depth} levels (at byte {offset})"
                    ))
                    .with_extension("max_depth", max_depth));
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// Parses a JSON body: depth check, UTF-8 check, then `serde_json`.
///
/// # Errors
///
/// A 400 problem for a body nested too deep, not UTF-8, not JSON (with line and column), with
/// trailing characters, or with a number too large for a 64-bit float.
pub fn parse_json(bytes: &[u8], max_depth: usize) -> Result<Value, Problem> {
    check_json_depth(bytes, max_depth)?;
    if let Err(error) = std::str::from_utf8(bytes) {
        return Err(Problem::bad_request(format!(
            "request body is not valid UTF-8 (at byte {})",
            error.valid_up_to()
        )));
    }
    serde_json::from_slice(bytes).map_err(|error| json_problem(&error))
}

/// A 400 problem for a `serde_json` error, with its line and column.
pub fn json_problem(error: &serde_json::Error) -> Problem {
    let (line, column) = (error.line(), error.column());
    let text = error.to_string();
    let message = text
        .strip_suffix(&format!(" at line {line} column {column}"))
        .unwrap_or(&text);
    let detail = if error.is_eof() && line <= 1 && column == 0 {
        "request body is empty; expected a JSON document".to_owned()
    } else if message.starts_with("number out of range") {
        format!(
            "number at line {line}, column {column} is out of range (larger than a 64-bit float holds)"
        )
    } else {
        format!("request body is not valid JSON: {message} at line {line}, column {column}")
    };
    Problem::bad_request(detail)
        .with_extension("line", line)
        .with_extension("column", column)
}

/// Refuses a request whose `Content-Length` already says it is larger than `limit` bytes.
///
/// # Errors
///
/// A 413 problem.
pub fn check_content_length(headers: &HeaderMap, limit: usize) -> Result<(), Problem> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|text| text.trim().parse::<u64>().ok());
    match declared {
        Some(length) if length > limit as u64 => Err(Problem::payload_too_large(limit)),
        _ => Ok(()),
    }
}

/// Reads a whole body of at most `limit` bytes.
///
/// # Errors
///
/// A 413 problem when the body is larger, a 400 problem when it cannot be read.
pub async fn read_body(body: Body, limit: usize) -> Result<Bytes, Problem> {
    axum::body::to_bytes(body, limit)
        .await
        .map_err(|error| body_error_problem(&error, limit))
}

/// Maps an error from reading a limited body (`http_body_util::Limited`, `axum::body::to_bytes`)
/// to a problem: 413 for the length limit, 400 otherwise.
pub fn body_error_problem(error: &(dyn StdError + 'static), limit: usize) -> Problem {
    if is_length_limit_error(error) {
        Problem::payload_too_large(limit)
    } else {
        Problem::bad_request("the request body could not be read").with_internal(error)
    }
}

/// Whether `error`, or any error in its source chain, is a length limit error.
pub fn is_length_limit_error(error: &(dyn StdError + 'static)) -> bool {
    let mut current = Some(error);
    while let Some(error) = current {
        if error.is::<LengthLimitError>() {
            return true;
        }
        current = error.source();
    }
    false
}

/// Whether a media type is JSON: `application/json` or any `type/subtype+json`.
pub fn is_json_media_type(media_type: &str) -> bool {
    let essence = media_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    match essence.split_once('/') {
        Some((kind, subtype)) => {
            !kind.is_empty() && (essence == "application/json" || subtype.ends_with("+json"))
        }
        None => false,
    }
}

/// Checks that a body expected to be JSON says so: no `Content-Type`, `application/json` or
/// `*/*+json`.
///
/// # Errors
///
/// A 415 problem with an `Accept` hint otherwise.
pub fn check_json_content_type(headers: &HeaderMap) -> Result<(), Problem> {
    let Some(value) = headers.get(header::CONTENT_TYPE) else {
        return Ok(());
    };
    let text = value.to_str().unwrap_or_default();
    if is_json_media_type(text) {
        return Ok(());
    }
    Err(Problem::unsupported_media_type(format!(
        "expected a JSON body (`application/json`), got `{text}`"
    ))
    .with_header(header::ACCEPT, HeaderValue::from_static("application/json")))
}

#[cfg(test)]
mod tests {
    use http::StatusCode;
    use serde_json::json;

    use super::*;

    fn nested(depth: usize, open: &str, close: &str) -> Vec<u8> {
        let mut body = open.repeat(depth).into_bytes();
        body.extend(close.repeat(depth).into_bytes());
        body
    }

    #[test]
    fn depth_is_counted_outside_strings_only() {
        let table: &[(&str, usize, bool)] = &[
            ("{}", 1, true),
            ("[[1]]", 2, true),
            ("[[[1]]]", 2, false),
            (r#"{"a":{"b":[1]}}"#, 3, true),
            (r#"{"a":{"b":[1]}}"#, 2, false),
            (r#"["[[[[[", "{{{{"]"#, 1, true),
            (r#"["\"[[[", "\\", "{"]"#, 1, true),
            (r#"[[],[],[],[]]"#, 2, true),
            ("42", 0, true),
            ("[]", 0, false),
            ("]]]][", 1, true),
        ];
        for (body, max, ok) in table {
            assert_eq!(
                check_json_depth(body.as_bytes(), *max).is_ok(),
                *ok,
                "{body} max={max}"
            );
        }
    }

    #[test]
    fn deep_nesting_is_refused_without_recursion() {
        for (open, close) in [("[", "]"), ("{\"a\":", "}")] {
            let body = nested(100_000, open, close);
            let problem = parse_json(&body, 64).unwrap_err();
            assert_eq!(problem.status, StatusCode::BAD_REQUEST);
            let offset = 64 * open.len();
            assert_eq!(
                problem.detail,
                format!("JSON nesting is deeper than the limit of 64 levels (at byte {offset})")
            );
        }
    }

    #[test]
    fn depth_past_serde_json_own_limit_is_still_a_400() {
        let body = nested(200, "[", "]");
        let problem = parse_json(&body, 1000).unwrap_err();
        assert_eq!(problem.status, StatusCode::BAD_REQUEST);
        assert!(
            problem.detail.contains("recursion limit exceeded"),
            "{}",
            problem.detail
        );
    }

    #[test]
    fn parse_errors_say_where() {
        let table: &[(&[u8], &str)] = &[
            (
                b"{\"a\": 1} x",
                "request body is not valid JSON: trailing characters at line 1, column 10",
            ),
            (
                b"{\"a\": }",
                "request body is not valid JSON: expected value at line 1, column 7",
            ),
            (
                b"{\"a\": 1,\n \"b\": tru}",
                "request body is not valid JSON: expected ident at line 2, column 10",
            ),
            (
                b"[1, 2",
                "request body is not valid JSON: EOF while parsing a list at line 1, column 5",
            ),
            (b"", "request body is empty; expected a JSON document"),
            (
                b"[1e400]",
                "number at line 1, column 6 is out of range (larger than a 64-bit float holds)",
            ),
            (
                b"{\"a\": -1e999}",
                "number at line 1, column 12 is out of range (larger than a 64-bit float holds)",
            ),
            (
                b"\"\xff\xfe\"",
                "request body is not valid UTF-8 (at byte 1)",
            ),
            (
                b"{\"a\xc3\": 1}",
                "request body is not valid UTF-8 (at byte 3)",
            ),
        ];
        for (body, detail) in table {
            let problem = parse_json(body, 64).unwrap_err();
            assert_eq!(problem.status, StatusCode::BAD_REQUEST);
            assert_eq!(problem.detail, *detail, "{}", String::from_utf8_lossy(body));
        }
    }

    #[test]
    fn valid_json_parses() {
        let body = br#"{"a": [1, 2.5, "x\"]"], "b": {"c": null}, "big": 18446744073709551616}"#;
        let value = parse_json(body, 3).unwrap();
        assert_eq!(value["a"], json!([1, 2.5, "x\"]"]));
        assert_eq!(value["b"], json!({ "c": null }));
        assert!(value["big"].is_f64());
    }

    #[test]
    fn content_length_over_the_limit_is_413() {
        let mut headers = HeaderMap::new();
        assert!(check_content_length(&headers, 10).is_ok());
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from_static("10"));
        assert!(check_content_length(&headers, 10).is_ok());
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from_static("11"));
        let problem = check_content_length(&headers, 10).unwrap_err();
        assert_eq!(problem.status, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(
            problem.detail,
            "request body is larger than the limit of 10 bytes"
        );
    }

    #[tokio::test]
    async fn read_body_enforces_the_limit() {
        assert_eq!(
            read_body(Body::from("0123456789"), 10).await.unwrap(),
            "0123456789"
        );
        let problem = read_body(Body::from("0123456789!"), 10).await.unwrap_err();
        assert_eq!(problem.status, StatusCode::PAYLOAD_TOO_LARGE);
        let stream = futures::stream::iter(vec![
            Ok::<_, std::io::Error>(Bytes::from_static(b"01234")),
            Ok(Bytes::from_static(b"56789")),
            Ok(Bytes::from_static(b"!")),
        ]);
        let problem = read_body(Body::from_stream(stream), 10).await.unwrap_err();
        assert_eq!(problem.status, StatusCode::PAYLOAD_TOO_LARGE);
        let failing = futures::stream::iter(vec![Err::<Bytes, _>(std::io::Error::other("reset"))]);
        let problem = read_body(Body::from_stream(failing), 10).await.unwrap_err();
        assert_eq!(problem.status, StatusCode::BAD_REQUEST);
        assert_eq!(problem.internal.as_deref(), Some("reset"));
    }

    #[test]
    fn json_media_types() {
        let table = [
            ("application/json", true),
            ("application/json; charset=utf-8", true),
            ("Application/JSON", true),
            ("application/vnd.objid.v1+json", true),
            ("application/problem+json", true),
            ("text/json+json", true),
            ("text/plain", false),
            ("application/x-www-form-urlencoded", false),
            ("application/jsonx", false),
            ("json", false),
            ("/+json", false),
        ];
        for (media_type, expected) in table {
            assert_eq!(is_json_media_type(media_type), expected, "{media_type}");
        }
    }

    #[test]
    fn content_type_check_is_415_for_non_json() {
        let mut headers = HeaderMap::new();
        assert!(check_json_content_type(&headers).is_ok());
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        assert!(check_json_content_type(&headers).is_ok());
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
        let problem = check_json_content_type(&headers).unwrap_err();
        assert_eq!(problem.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert_eq!(
            problem.detail,
            "expected a JSON body (`application/json`), got `text/plain`"
        );
        assert_eq!(problem.headers[header::ACCEPT], "application/json");
    }
}
