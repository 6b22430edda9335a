//! JSON Schema validation of request and response bodies, compiled once per schema.
//!
//! Faults come back as [`FieldError`]s with a JSON pointer and a short message. The two most
//! common faults use fixed texts that old clients of the reference service match on:
//!
//! - a missing required property: `Missing property: <name>`, pointed at `<object>/<name>`;
//! - a wrong type: `Invalid type for property [<name>]: expected <type>`, where the name is the
//!   last pointer segment (the whole document reads `Invalid type: expected <type>`).
//!
//! Other faults use the schema compiler's message, cut to [`MAX_MESSAGE_CHARS`] characters.

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::{Draft, JsonType};
use serde_json::Value;

use crate::error::{Error, Result};
use crate::problem::{FieldError, Problem};

/// The longest message kept from the schema compiler; longer ones are cut with `…`.
pub const MAX_MESSAGE_CHARS: usize = 200;

/// A compiled JSON Schema (draft 2020-12, formats asserted, no remote references).
#[derive(Debug)]
pub struct Validator {
    inner: jsonschema::Validator,
}

impl Validator {
    /// Compiles a self-contained schema (named types inlined under `$defs`).
    ///
    /// # Errors
    ///
    /// [`Error::Schema`] when the schema is invalid or refers to a document it does not contain.
    pub fn compile(schema: &Value) -> Result<Self> {
        let inner = jsonschema::options()
            .with_draft(Draft::Draft202012)
            .should_validate_formats(true)
            .offline()
            .build(schema)
            .map_err(|error| Error::Schema {
                message: error.to_string(),
            })?;
        Ok(Self { inner })
    }

    /// Whether `value` is valid (faster than [`Validator::validate`]).
    pub fn is_valid(&self, value: &Value) -> bool {
        self.inner.is_valid(value)
    }

    /// Validates `value`.
    ///
    /// # Errors
    ///
    /// Every fault, each with its JSON pointer and message, without duplicates, in the order found.
    pub fn validate(&self, value: &Value) -> Result<(), Vec<FieldError>> {
        if self.inner.is_valid(value) {
            return Ok(());
        }
        let mut errors: Vec<FieldError> = Vec::new();
        for error in self.inner.iter_errors(value) {
            let field = field_error(error.instance_path().as_str(), error.kind(), || {
                error.to_string()
            });
            if !errors.contains(&field) {
                errors.push(field);
            }
        }
        if errors.is_empty() {
            errors.push(FieldError::new(
                "",
                "the document does not match the schema",
            ));
        }
        Err(errors)
    }

    /// Validates a request body: a 400 problem listing every fault.
    ///
    /// # Errors
    ///
    /// The problem, with the faults in its `errors` member.
    pub fn validate_request(&self, value: &Value) -> Result<(), Problem> {
        self.validate(value)
            .map_err(|errors| Problem::invalid("request body does not match the schema", errors))
    }
}

/// The field error for one fault at `pointer`.
fn field_error(
    pointer: &str,
    kind: &ValidationErrorKind,
    message: impl FnOnce() -> String,
) -> FieldError {
    match kind {
        ValidationErrorKind::Required { property } => {
            let name = property
                .as_str()
                .map_or_else(|| property.to_string(), str::to_owned);
            FieldError::new(
                format!("{pointer}/{}", escape_pointer_segment(&name)),
                format!("Missing property: {name}"),
            )
        }
        ValidationErrorKind::Type { kind } => {
            let expected = match kind {
                TypeKind::Single(single) => type_name(*single).to_owned(),
                TypeKind::Multiple(set) => {
                    set.iter().map(type_name).collect::<Vec<_>>().join(" or ")
                }
            };
            let detail = match last_segment(pointer) {
                Some(name) => format!("Invalid type for property [{name}]: expected {expected}"),
                None => format!("Invalid type: expected {expected}"),
            };
            FieldError::new(pointer, detail)
        }
        _ => FieldError::new(pointer, shorten(message())),
    }
}

/// The JSON Schema name of a type.
fn type_name(kind: JsonType) -> &'static str {
    match kind {
        JsonType::Array => "array",
        JsonType::Boolean => "boolean",
        JsonType::Integer => "integer",
        JsonType::Null => "null",
        JsonType::Number => "number",
        JsonType::Object => "object",
        JsonType::String => "string",
    }
}

/// The last segment of a JSON pointer, unescaped; `None` for the whole document.
fn last_segment(pointer: &str) -> Option<String> {
    let (_, last) = pointer.rsplit_once('/')?;
    Some(last.replace("~1", "/").replace("~0", "~"))
}

/// Escapes a property name for a JSON pointer (RFC 6901).
fn escape_pointer_segment(name: &str) -> String {
    name.replace('~', "~0").replace('/', "~1")
}

/// Cuts a message to [`MAX_MESSAGE_CHARS`] characters.
fn shorten(message: String) -> String {
    if message.chars().count() <= MAX_MESSAGE_CHARS {
        return message;
    }
    let mut cut: String = message.chars().take(MAX_MESSAGE_CHARS - 1).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn user_schema() -> Value {
        json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$ref": "#/$defs/User",
            "$defs": {
                "User": {
                    "type": "object",
                    "required": ["id", "name"],
                    "properties": {
                        "id": { "type": "string" },
                        "name": { "type": "string", "minLength": 2 },
                        "age": { "type": "integer", "minimum": 0 },
                        "email": { "type": "string", "format": "email" },
                        "birthday": { "type": "string", "format": "date" },
                        "tags": { "type": "array", "items": { "type": "string" } },
                        "address": { "$ref": "#/$defs/Address" },
                        "nickname": { "type": ["string", "null"] },
                        "a/b": { "type": "boolean" },
                        "kind": { "enum": ["admin", "member"] }
                    },
                    "additionalProperties": false
                },
                "Address": {
                    "type": "object",
                    "required": ["city"],
                    "properties": { "city": { "type": "string" }, "zip": { "type": "number" } }
                }
            }
        })
    }

    fn errors(value: Value) -> Vec<(String, String)> {
        let validator = Validator::compile(&user_schema()).unwrap();
        match validator.validate(&value) {
            Ok(()) => Vec::new(),
            Err(errors) => errors
                .into_iter()
                .map(|error| (error.pointer, error.detail))
                .collect(),
        }
    }

    fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
        expected
            .iter()
            .map(|(pointer, detail)| ((*pointer).to_owned(), (*detail).to_owned()))
            .collect()
    }

    #[test]
    fn messages_per_fault() {
        let table: Vec<(Value, Vec<(String, String)>)> = vec![
            (json!({ "id": "u1", "name": "Ada" }), vec![]),
            (
                json!({ "id": "u1" }),
                pairs(&[("/name", "Missing property: name")]),
            ),
            (
                json!({}),
                pairs(&[
                    ("/id", "Missing property: id"),
                    ("/name", "Missing property: name"),
                ]),
            ),
            (
                json!({ "id": 7, "name": "Ada" }),
                pairs(&[("/id", "Invalid type for property [id]: expected string")]),
            ),
            (
                json!({ "id": "u1", "name": "Ada", "age": 1.5 }),
                pairs(&[("/age", "Invalid type for property [age]: expected integer")]),
            ),
            (
                json!({ "id": "u1", "name": "Ada", "tags": ["a", 2] }),
                pairs(&[("/tags/1", "Invalid type for property [1]: expected string")]),
            ),
            (
                json!({ "id": "u1", "name": "Ada", "tags": "a" }),
                pairs(&[("/tags", "Invalid type for property [tags]: expected array")]),
            ),
            (
                json!({ "id": "u1", "name": "Ada", "address": {} }),
                pairs(&[("/address/city", "Missing property: city")]),
            ),
            (
                json!({ "id": "u1", "name": "Ada", "address": { "city": "X", "zip": "1000" } }),
                pairs(&[(
                    "/address/zip",
                    "Invalid type for property [zip]: expected number",
                )]),
            ),
            (
                json!({ "id": "u1", "name": "Ada", "address": 3 }),
                pairs(&[(
                    "/address",
                    "Invalid type for property [address]: expected object",
                )]),
            ),
            (
                json!({ "id": "u1", "name": "Ada", "nickname": 3 }),
                pairs(&[(
                    "/nickname",
                    "Invalid type for property [nickname]: expected null or string",
                )]),
            ),
            (
                json!({ "id": "u1", "name": "Ada", "a/b": 1 }),
                pairs(&[("/a~1b", "Invalid type for property [a/b]: expected boolean")]),
            ),
            (json!([1]), pairs(&[("", "Invalid type: expected object")])),
            (
                json!({ "id": "u1", "name": "A" }),
                pairs(&[("/name", "\"A\" is shorter than 2 characters")]),
            ),
            (
                json!({ "id": "u1", "name": "Ada", "age": -1 }),
                pairs(&[("/age", "-1 is less than the minimum of 0")]),
            ),
            (
                json!({ "id": "u1", "name": "Ada", "birthday": "1815-13-10" }),
                pairs(&[("/birthday", "\"1815-13-10\" is not a \"date\"")]),
            ),
            (
                json!({ "id": "u1", "name": "Ada", "kind": "root" }),
                pairs(&[("/kind", "\"root\" is not one of \"admin\" or \"member\"")]),
            ),
            (
                json!({ "id": "u1", "name": "Ada", "extra": 1 }),
                pairs(&[(
                    "",
                    "Additional properties are not allowed ('extra' was unexpected)",
                )]),
            ),
        ];
        for (value, expected) in table {
            assert_eq!(errors(value.clone()), expected, "{value}");
        }
    }

    #[test]
    fn long_messages_are_cut() {
        let schema = json!({ "minLength": 1000 });
        let validator = Validator::compile(&schema).unwrap();
        let long = "y".repeat(500);
        let errors = validator.validate(&json!(long)).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].detail.chars().count(), MAX_MESSAGE_CHARS);
        assert!(errors[0].detail.ends_with('…'));
    }

    #[test]
    fn invalid_schemas_do_not_compile() {
        for schema in [
            json!({ "type": "strung" }),
            json!({ "$ref": "https://example.com/other.json" }),
        ] {
            let error = Validator::compile(&schema).unwrap_err();
            assert!(matches!(error, Error::Schema { .. }), "{schema}: {error}");
        }
    }

    #[test]
    fn request_validation_gives_a_400_problem() {
        let validator = Validator::compile(&user_schema()).unwrap();
        assert!(validator.is_valid(&json!({ "id": "u1", "name": "Ada" })));
        let problem = validator
            .validate_request(&json!({ "id": "u1" }))
            .unwrap_err();
        assert_eq!(problem.status, http::StatusCode::BAD_REQUEST);
        assert_eq!(
            problem.errors,
            vec![FieldError::new("/name", "Missing property: name")]
        );
    }

    #[test]
    fn pointer_segments_round_trip() {
        assert_eq!(last_segment(""), None);
        assert_eq!(last_segment("/a~1b~0c"), Some("a/b~c".to_owned()));
        assert_eq!(escape_pointer_segment("a/b~c"), "a~1b~0c");
    }
}
