//! Calling one line: a request made from the line, through the same chain as a single call.

use apivolve_store::UnitOfWork;
use axum::body::Body;
use axum::response::Response;
use http::{HeaderMap, HeaderValue, Request, header};
use semver::Version;
use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::{Serialize, Serializer};
use serde_json::Value;
use serde_json::value::RawValue;

use super::configure::CONTENT_LINES;
use super::idempotency::IDEMPOTENCY_KEY;
use super::line::Target;
use crate::inner::Inner;
use crate::limits::{is_json_media_type, read_body};
use crate::problem::Problem;
use crate::unit_of_work::Attempt;
use crate::versioning::{Runtime, serve_endpoint};

/// The largest response of one line the bulk handler reads.
const MAX_LINE_RESPONSE_BYTES: usize = 16 << 20;

/// What a line's call answered, at the request's version.
#[derive(Debug)]
pub(super) struct Answer {
    pub(super) status: u16,
    /// The JSON body; a text body as a string; `null` when empty.
    pub(super) body: Content,
}

impl Answer {
    pub(super) fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// `created` or `updated`, when the answer says so: 201, or a `created` or `updated` member
    /// that is `true`.
    pub(super) fn upsert(&self) -> Option<&'static str> {
        if self.status == 201 {
            return Some("created");
        }
        let flags = self.body.flags();
        if flags.created {
            Some("created")
        } else if flags.updated {
            Some("updated")
        } else {
            None
        }
    }
}

/// An answer's body, or a problem: a value, or JSON text kept as the service wrote it (checked,
/// and on one line), which a row then carries as it is instead of parsing and writing it again.
#[derive(Clone, Debug)]
pub(super) enum Content {
    Value(Value),
    Text(Box<RawValue>),
}

impl Content {
    /// The content as a value.
    pub(super) fn to_value(&self) -> Value {
        match self {
            Self::Value(value) => value.clone(),
            Self::Text(text) => serde_json::from_str(text.get())
                .unwrap_or_else(|_| Value::String(text.get().to_owned())),
        }
    }

    /// Its `created` and `updated` members that are `true`, when it is an object.
    fn flags(&self) -> Flags {
        let flag = |value: &Value, name: &str| value.get(name) == Some(&Value::Bool(true));
        match self {
            Self::Value(value) => Flags {
                created: flag(value, "created"),
                updated: flag(value, "updated"),
            },
            // Anything but an object has no members.
            Self::Text(text) => serde_json::from_str(text.get()).unwrap_or_default(),
        }
    }
}

impl Serialize for Content {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Value(value) => value.serialize(serializer),
            Self::Text(text) => text.serialize(serializer),
        }
    }
}

/// The `created` and `updated` members of an object that are `true` (of a repeated member, the
/// last, as a parsed `Value` keeps it); read without building the object.
#[derive(Debug, Default, PartialEq, Eq)]
struct Flags {
    created: bool,
    updated: bool,
}

impl<'de> Deserialize<'de> for Flags {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Members;
        impl<'de> Visitor<'de> for Members {
            type Value = Flags;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("an object")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Flags, A::Error> {
                let mut flags = Flags::default();
                while let Some(member) = map.next_key::<Member>()? {
                    let slot = match member {
                        Member::Created => &mut flags.created,
                        Member::Updated => &mut flags.updated,
                        Member::Other => {
                            map.next_value::<IgnoredAny>()?;
                            continue;
                        }
                    };
                    *slot = map.next_value::<Value>()? == Value::Bool(true);
                }
                Ok(flags)
            }
        }
        deserializer.deserialize_map(Members)
    }
}

/// A member name that [`Flags`] reads, or another one (no copy of the name).
enum Member {
    Created,
    Updated,
    Other,
}

impl<'de> Deserialize<'de> for Member {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Name;
        impl Visitor<'_> for Name {
            type Value = Member;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("a member name")
            }

            fn visit_str<E: serde::de::Error>(self, name: &str) -> Result<Member, E> {
                Ok(match name {
                    "created" => Member::Created,
                    "updated" => Member::Updated,
                    _ => Member::Other,
                })
            }
        }
        deserializer.deserialize_str(Name)
    }
}

/// The headers every line inherits from the bulk request: all but those about the bulk body.
pub(super) fn line_headers(outer: &HeaderMap) -> HeaderMap {
    let mut headers = outer.clone();
    for name in [
        header::CONTENT_TYPE,
        header::CONTENT_LENGTH,
        header::TRANSFER_ENCODING,
        header::ACCEPT,
        header::EXPECT,
        header::CONNECTION,
        CONTENT_LINES,
        IDEMPOTENCY_KEY,
    ] {
        headers.remove(name);
    }
    headers
}

/// What one call needs besides its target and body.
pub(super) struct Context<'a> {
    pub(super) runtime: &'a Runtime,
    pub(super) version: &'a Version,
    pub(super) headers: &'a HeaderMap,
    pub(super) extensions: &'a http::Extensions,
    /// The unit shared by the lines, and which run of it this is.
    pub(super) unit: Option<(&'a UnitOfWork, u32)>,
}

/// Calls `target` with `body` through the chain at the request's version.
pub(super) async fn call<S>(context: &Context<'_>, inner: S, target: Target, body: Value) -> Answer
where
    S: Inner,
{
    let runtime = context.runtime;
    let Some(version) = runtime.versions.get(context.version) else {
        return problem_answer(&Problem::internal("the request's version has no runtime"));
    };
    let Some(endpoint) = version.endpoints.get(&target.endpoint) else {
        return problem_answer(&Problem::internal("the line's endpoint has no runtime"));
    };
    let label = &*version.label;
    let query = target.query.as_deref().unwrap_or("");
    let mut uri = String::with_capacity(
        runtime.base_path.len() + label.len() + target.path.len() + query.len() + 2,
    );
    uri.push_str(&runtime.base_path);
    uri.push('/');
    uri.push_str(label);
    uri.push_str(&target.path);
    if let Some(query) = &target.query {
        uri.push('?');
        uri.push_str(query);
    }
    // The chain gets the value too, so it does not parse the text again.
    let (body, parsed) = if body.is_null() {
        (Body::empty(), None)
    } else {
        match serde_json::to_vec(&body) {
            Ok(bytes) => (Body::from(bytes), Some(body)),
            Err(error) => return problem_answer(&Problem::internal(error)),
        }
    };
    let mut request = Request::new(body);
    *request.method_mut() = target.method;
    match uri.parse() {
        Ok(uri) => *request.uri_mut() = uri,
        Err(_) => {
            return problem_answer(&Problem::bad_request(
                "the line's path and query do not make a URI",
            ));
        }
    }
    *request.headers_mut() = context.headers.clone();
    request.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    *request.extensions_mut() = context.extensions.clone();
    if let Some((unit, attempt)) = context.unit {
        request.extensions_mut().insert(unit.clone());
        request.extensions_mut().insert(Attempt(attempt));
    }
    let response = serve_endpoint(
        runtime,
        version,
        endpoint,
        inner,
        request,
        parsed,
        target.path_parameters,
    )
    .await;
    read_answer(response).await
}

async fn read_answer(response: Response) -> Answer {
    let (parts, body) = response.into_parts();
    let status = parts.status.as_u16();
    let bytes = match read_body(body, MAX_LINE_RESPONSE_BYTES).await {
        Ok(bytes) => bytes,
        Err(_) => {
            return problem_answer(&Problem::internal(
                "a line's response could not be read or was too large",
            ));
        }
    };
    let is_json = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(is_json_media_type);
    let text = || Value::String(String::from_utf8_lossy(&bytes).into_owned());
    // Text on one line goes into the row as it is; other text (pretty-printed, say) is parsed
    // and written again, since a row must stay on its line.
    let one_line = !bytes.iter().any(|byte| matches!(byte, b'\n' | b'\r'));
    let body = if bytes.is_empty() {
        Content::Value(Value::Null)
    } else if is_json && one_line {
        serde_json::from_slice::<Box<RawValue>>(&bytes)
            .map_or_else(|_| Content::Value(text()), Content::Text)
    } else if is_json {
        Content::Value(serde_json::from_slice(&bytes).unwrap_or_else(|_| text()))
    } else {
        Content::Value(text())
    };
    Answer { status, body }
}

/// A problem raised by the bulk handler itself for one line.
pub(super) fn problem_answer(problem: &Problem) -> Answer {
    if let Some(cause) = &problem.internal {
        tracing::error!(cause = %cause, "bulk line failed");
    }
    Answer {
        status: problem.status.as_u16(),
        body: Content::Value(problem.to_json()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    async fn answer(status: u16, media_type: &str, body: &str) -> Answer {
        let response = http::Response::builder()
            .status(status)
            .header(header::CONTENT_TYPE, media_type)
            .body(Body::from(body.to_owned()))
            .unwrap();
        read_answer(response).await
    }

    #[tokio::test]
    async fn json_on_one_line_is_kept_as_text_and_anything_else_is_a_value() {
        let kept = answer(200, "application/json", r#"  {"id": "a", "n": [1, 2.50]} "#).await;
        assert!(
            matches!(&kept.body, Content::Text(text) if text.get() == r#"{"id": "a", "n": [1, 2.50]}"#)
        );
        assert_eq!(kept.body.to_value(), json!({"id": "a", "n": [1, 2.5]}));

        let pretty = answer(200, "application/json", "{\n  \"id\": \"a\"\n}").await;
        assert!(matches!(&pretty.body, Content::Value(value) if *value == json!({"id": "a"})));

        let broken = answer(200, "application/json", r#"{"id": "#).await;
        assert!(
            matches!(&broken.body, Content::Value(Value::String(text)) if text == r#"{"id": "#)
        );

        let plain = answer(404, "text/plain", "not here").await;
        assert!(matches!(&plain.body, Content::Value(Value::String(text)) if text == "not here"));

        let empty = answer(204, "application/json", "").await;
        assert!(matches!(&empty.body, Content::Value(Value::Null)));
    }

    /// A row carries kept text as the same JSON a value would have given, on one line.
    #[tokio::test]
    async fn kept_text_serialises_as_the_json_it_holds() {
        let kept = answer(
            200,
            "application/json",
            r#"{"id":"a","tags":["x"],"n":null}"#,
        )
        .await;
        let row = serde_json::to_string(&json!({"body": &kept.body})).unwrap();
        assert_eq!(row, r#"{"body":{"id":"a","tags":["x"],"n":null}}"#);
        let as_value = serde_json::to_string(&json!({"body": kept.body.to_value()})).unwrap();
        assert_eq!(row, as_value);
    }

    #[tokio::test]
    async fn created_and_updated_are_read_from_text_as_from_a_value() {
        let cases = [
            (r#"{"id":"a","created":true}"#, Some("created")),
            (r#"{"updated":true,"id":"a"}"#, Some("updated")),
            (r#"{"created":true,"created":false}"#, None),
            (r#"{"created":false,"updated":true}"#, Some("updated")),
            (r#"{"created":"yes"}"#, None),
            (r#"{"inner":{"created":true}}"#, None),
            (r#"{"cr\u0065ated":true}"#, Some("created")),
            (r#"[{"created":true}]"#, None),
            (r#""created""#, None),
            ("true", None),
        ];
        for (body, expected) in cases {
            let kept = answer(200, "application/json", body).await;
            assert!(matches!(kept.body, Content::Text(_)), "{body}");
            let value = Answer {
                status: 200,
                body: Content::Value(kept.body.to_value()),
            };
            assert_eq!(kept.upsert(), expected, "{body}");
            assert_eq!(value.upsert(), expected, "{body} as a value");
        }
        assert_eq!(
            answer(201, "application/json", "{}").await.upsert(),
            Some("created")
        );
    }
}
