//! RFC 9457 problem details as a schema, and the reason phrases that describe responses.

use serde_json::{Value, json};

/// The schema of RFC 9457 problem details as the runtime writes them: the standard members,
/// plus `errors`, one entry per invalid value with a JSON pointer to it. Every member is
/// optional and extension members are allowed, as the RFC says.
pub(crate) fn problem_schema() -> Value {
    json!({
        "type": "object",
        "description": "Problem details (RFC 9457).",
        "properties": {
            "type": {
                "type": "string",
                "format": "uri-reference",
                "description": "A URI reference that identifies the problem type.",
                "default": "about:blank",
            },
            "title": {"type": "string", "description": "A short, human-readable summary of the problem type."},
            "status": {
                "type": "integer",
                "minimum": 100,
                "maximum": 599,
                "description": "The HTTP status code of this occurrence.",
            },
            "detail": {"type": "string", "description": "A human-readable explanation of this occurrence."},
            "instance": {
                "type": "string",
                "format": "uri-reference",
                "description": "A URI reference that identifies this occurrence.",
            },
            "errors": {
                "type": "array",
                "description": "The invalid values, one entry each.",
                "items": {
                    "type": "object",
                    "properties": {
                        "pointer": {
                            "type": "string",
                            "description": "A JSON pointer (RFC 6901) to the invalid value in the request body.",
                        },
                        "detail": {"type": "string", "description": "What is wrong with it."},
                    },
                    "required": ["pointer", "detail"],
                },
            },
        },
    })
}

/// The standard reason phrase of a status, or a generic description.
pub(crate) fn reason_phrase(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        203 => "Non-Authoritative Information",
        204 => "No Content",
        206 => "Partial Content",
        207 => "Multi-Status",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        409 => "Conflict",
        410 => "Gone",
        412 => "Precondition Failed",
        413 => "Content Too Large",
        415 => "Unsupported Media Type",
        418 => "I'm a teapot",
        422 => "Unprocessable Content",
        428 => "Precondition Required",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => match status / 100 {
            1 => "Informational response",
            2 => "Success",
            3 => "Redirection",
            4 => "Client error",
            _ => "Server error",
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reason_phrases_fall_back_by_class() {
        assert_eq!(reason_phrase(201), "Created");
        assert_eq!(reason_phrase(299), "Success");
        assert_eq!(reason_phrase(451), "Client error");
    }

    #[test]
    fn the_problem_schema_is_valid_json_schema() {
        let validator = jsonschema::draft202012::new(&problem_schema()).unwrap();
        assert!(validator.is_valid(
            &json!({"title": "Bad", "status": 400, "errors": [{"pointer": "/a", "detail": "x"}]})
        ));
        assert!(!validator.is_valid(&json!({"status": "400"})));
        assert!(!validator.is_valid(&json!({"errors": [{"pointer": "/a"}]})));
    }
}
