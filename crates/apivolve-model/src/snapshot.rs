//! The schema at one version: named types and endpoints as the fold leaves them.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A JSON Schema 2020-12 document. Named types are referred to as `{"$ref": "#/types/Name"}`.
pub type Schema = Value;

/// The prefix of a `$ref` to a named type.
pub const TYPE_REF_PREFIX: &str = "#/types/";

/// The types and endpoints as they stand at one version.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Snapshot {
    /// Named types, by name.
    pub types: BTreeMap<String, Schema>,
    /// Endpoints, by id.
    pub endpoints: BTreeMap<String, Endpoint>,
}

impl Snapshot {
    /// The named type a `$ref` points to, if `schema` is such a reference.
    pub fn ref_name(schema: &Schema) -> Option<&str> {
        schema.get("$ref")?.as_str()?.strip_prefix(TYPE_REF_PREFIX)
    }

    /// Follows `$ref`s to named types until a schema that is not a bare reference (cycle safe).
    pub fn resolve<'a>(&'a self, mut schema: &'a Schema) -> &'a Schema {
        let mut hops = 0;
        while let Some(name) = Self::ref_name(schema) {
            match self.types.get(name) {
                Some(target) if hops <= self.types.len() => {
                    schema = target;
                    hops += 1;
                }
                _ => break,
            }
        }
        schema
    }
}

/// An HTTP method, upper case (`GET`, `POST`, ...).
pub type Method = String;

/// One operation of the API.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Endpoint {
    /// Stable id (`users.get`, `getNext`); bulk lines and ops name endpoints by it.
    pub id: String,
    /// Methods, upper case. One endpoint may answer several (GET peeks, POST commits).
    pub methods: Vec<Method>,
    /// Path template under the version segment, e.g. `/users/{id}`.
    pub path: String,
    /// Human description (left out of hashes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Path, query and header parameters.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parameters: Vec<Parameter>,
    /// The request body, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<Body>,
    /// Responses by status code (`200`, `201`, ...).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub responses: BTreeMap<u16, Body>,
    /// The shape of error bodies; `None` means RFC 9457 problem details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorShape>,
    /// Preview, deprecation, sunset, retirement.
    #[serde(default, skip_serializing_if = "Lifecycle::is_stable")]
    pub lifecycle: Lifecycle,
}

/// Where a parameter travels.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum ParameterLocation {
    /// A `{name}` segment of the path template.
    Path,
    /// The query string.
    Query,
    /// A request header.
    Header,
}

impl std::fmt::Display for ParameterLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Path => "path",
            Self::Query => "query",
            Self::Header => "header",
        })
    }
}

/// A path, query or header parameter.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Parameter {
    /// Name as sent on the wire.
    pub name: String,
    /// Where it travels.
    #[serde(rename = "in")]
    pub location: ParameterLocation,
    /// Whether the client must send it (path parameters always must).
    #[serde(default)]
    pub required: bool,
    /// Its schema (JSON Schema of the decoded value).
    #[serde(default = "any_schema")]
    pub schema: Schema,
    /// Human description (left out of hashes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

fn any_schema() -> Schema {
    Value::Object(serde_json::Map::new())
}

/// A request or response body.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Body {
    /// Media type, `application/json` unless said.
    #[serde(default = "json_media_type")]
    pub media_type: String,
    /// Its schema: usually `{"$ref": "#/types/Name"}`.
    #[serde(default = "any_schema")]
    pub schema: Schema,
    /// Human description (left out of hashes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// The media type of JSON bodies.
pub fn json_media_type() -> String {
    "application/json".to_owned()
}

/// The media type of RFC 9457 problem details.
pub const PROBLEM_MEDIA_TYPE: &str = "application/problem+json";

/// How an endpoint's errors look at a version.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ErrorShape {
    /// `application/problem+json`, `text/plain`, or a JSON media type with a schema.
    pub media_type: String,
    /// The error body's schema, when JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<Schema>,
}

impl Default for ErrorShape {
    fn default() -> Self {
        Self {
            media_type: PROBLEM_MEDIA_TYPE.to_owned(),
            schema: None,
        }
    }
}

/// The lifecycle of an endpoint at a version.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Lifecycle {
    /// In preview: served only to clients that opt in, left out of docs.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub preview: bool,
    /// Deprecated since this date (`Deprecation` header).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deprecated: Option<NaiveDate>,
    /// Stops working on this date (`Sunset` header).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sunset: Option<NaiveDate>,
    /// Retired: answered 410, or redirected to the successor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retired: Option<Retirement>,
}

impl Lifecycle {
    /// True for a plain stable endpoint (nothing to say).
    pub fn is_stable(&self) -> bool {
        self == &Self::default()
    }
}

/// What happens to calls of a retired endpoint.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Retirement {
    /// The endpoint id that replaces it, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub successor: Option<String>,
    /// Redirect with this status (301 or 308) to the successor instead of answering 410.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect: Option<u16>,
}
