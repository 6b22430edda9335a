//! The optional first line `["configure", {...}]` and the `Content-Lines` header.

use http::{HeaderMap, HeaderName, StatusCode};
use serde::Deserialize;
use serde_json::Value;

use crate::problem::Problem;

/// The header that declares how many operation lines follow.
pub(super) const CONTENT_LINES: HeaderName = HeaderName::from_static("content-lines");

/// How the lines of one request relate to each other.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum Mode {
    /// All lines share one unit of work, committed once if every line succeeds.
    Atomic,
    /// Each line succeeds or fails alone; the good lines' writes are committed together.
    #[default]
    PerItem,
    /// As `per_item`, but the lines after the first failure are not run.
    StopOnError,
}

impl Mode {
    pub(super) fn name(self) -> &'static str {
        match self {
            Self::Atomic => "atomic",
            Self::PerItem => "per_item",
            Self::StopOnError => "stop_on_error",
        }
    }
}

/// Which rows the response holds (the summary row is always there).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum View {
    /// A row per line.
    #[default]
    Full,
    /// Rows of lines that failed or were skipped.
    Errors,
    /// No rows.
    None,
}

/// When the client gets its answer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum Respond {
    /// Rows stream back as lines complete.
    #[default]
    Sync,
    /// 202 with a job URL at once; the rows are fetched from the job.
    Async,
}

/// The settings of one bulk request.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct Configure {
    pub(super) mode: Mode,
    pub(super) view: View,
    /// The declared number of operation lines (the configure line not counted).
    pub(super) lines: Option<u64>,
    pub(super) respond: Respond,
}

/// Reads a first line: `Ok(None)` when it is not a configure line.
///
/// # Errors
///
/// 400 for a configure line that is malformed or has an unknown option or value.
pub(super) fn parse_line(bytes: &[u8]) -> Result<Option<Configure>, Problem> {
    let Ok(Value::Array(mut items)) = serde_json::from_slice::<Value>(bytes) else {
        return Ok(None);
    };
    if items.first().and_then(Value::as_str) != Some("configure") {
        return Ok(None);
    }
    if items.len() != 2 {
        return Err(Problem::bad_request(
            "the configure line must be `[\"configure\", {...}]`",
        ));
    }
    let settings = items.pop().unwrap_or(Value::Null);
    if !settings.is_object() {
        return Err(Problem::bad_request(
            "the configure line must be `[\"configure\", {...}]`",
        ));
    }
    serde_json::from_value(settings)
        .map(Some)
        .map_err(|error| Problem::bad_request(format!("invalid configure line: {error}")))
}

/// The count declared by `Content-Lines`, if any.
///
/// # Errors
///
/// 400 when the header is not a non-negative integer.
pub(super) fn declared_by_header(headers: &HeaderMap) -> Result<Option<u64>, Problem> {
    let Some(value) = headers.get(CONTENT_LINES) else {
        return Ok(None);
    };
    value
        .to_str()
        .ok()
        .and_then(|text| text.trim().parse::<u64>().ok())
        .map(Some)
        .ok_or_else(|| Problem::bad_request("`Content-Lines` must be a non-negative integer"))
}

/// The declared count from the header and the configure line, which must agree and stay within
/// `max_lines`.
///
/// # Errors
///
/// 400 when both declare and disagree, 413 when the count is over the limit.
pub(super) fn declared(
    header: Option<u64>,
    configure: Option<u64>,
    max_lines: usize,
) -> Result<Option<u64>, Problem> {
    let declared = match (header, configure) {
        (Some(header), Some(configure)) if header != configure => {
            return Err(Problem::bad_request(format!(
                "`Content-Lines` says {header} lines and the configure line says {configure}"
            )));
        }
        (header, configure) => header.or(configure),
    };
    if let Some(count) = declared
        && count > max_lines as u64
    {
        return Err(too_many_lines(max_lines).with_extension("declared_lines", count));
    }
    Ok(declared)
}

/// 413: more lines than the limit.
pub(super) fn too_many_lines(max_lines: usize) -> Problem {
    Problem::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("a bulk request holds at most {max_lines} lines"),
    )
    .with_extension("max_lines", max_lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configure_lines_are_read_strictly() {
        let configure = parse_line(
            br#"["configure", {"mode": "atomic", "view": "errors", "lines": 3, "respond": "async"}]"#,
        )
        .unwrap()
        .unwrap();
        assert_eq!(configure.mode, Mode::Atomic);
        assert_eq!(configure.view, View::Errors);
        assert_eq!(configure.lines, Some(3));
        assert_eq!(configure.respond, Respond::Async);
        assert_eq!(parse_line(br#"["items.put", {}]"#).unwrap(), None);
        assert_eq!(parse_line(b"not json").unwrap(), None);
        for bad in [
            r#"["configure"]"#,
            r#"["configure", 1]"#,
            r#"["configure", {"mode": "sometimes"}]"#,
            r#"["configure", {"colour": "red"}]"#,
        ] {
            assert!(parse_line(bad.as_bytes()).is_err(), "{bad}");
        }
    }

    #[test]
    fn declarations_must_agree_and_fit() {
        assert_eq!(declared(Some(2), None, 10).unwrap(), Some(2));
        assert_eq!(declared(Some(2), Some(2), 10).unwrap(), Some(2));
        assert_eq!(declared(Some(2), Some(3), 10).unwrap_err().status, 400);
        assert_eq!(declared(None, Some(11), 10).unwrap_err().status, 413);
    }
}
