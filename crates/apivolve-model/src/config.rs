//! `apivolve.toml`: the project's name, base path, negotiation, policies and version lifecycle.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The whole `apivolve.toml`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The API's short name; also the `vnd.NAME` of versioned media types.
    pub name: String,
    /// A human title for docs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The path under which versions live (`/api` gives `/api/v1/...`).
    #[serde(default = "default_base_path")]
    pub base_path: String,
    /// How clients name a version.
    #[serde(default)]
    pub negotiation: Negotiation,
    /// What is supported and linted.
    #[serde(default)]
    pub policy: Policy,
    /// Lifecycle of whole versions, keyed by version number (`"1.0.0"`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub versions: BTreeMap<String, VersionLifecycle>,
    /// Storage and serving options.
    #[serde(default)]
    pub server: ServerConfig,
    /// Bulk endpoint limits.
    #[serde(default)]
    pub bulk: BulkConfig,
    /// How clients are told apart, and the versions some of them are pinned to.
    #[serde(default)]
    pub clients: ClientsConfig,
    /// Counting calls per client, version, endpoint and day.
    #[serde(default)]
    pub usage: UsageConfig,
}

impl Config {
    /// A configuration with this name and every default.
    pub fn named(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            title: None,
            base_path: default_base_path(),
            negotiation: Negotiation::default(),
            policy: Policy::default(),
            versions: BTreeMap::new(),
            server: ServerConfig::default(),
            bulk: BulkConfig::default(),
            clients: ClientsConfig::default(),
            usage: UsageConfig::default(),
        }
    }
}

fn default_base_path() -> String {
    "/api".to_owned()
}

/// One way for a client to name a version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum NegotiationMethod {
    /// `/api/v1/...`
    Uri,
    /// `Api-Version: 1.2`
    Header,
    /// `Accept: application/vnd.NAME.v1+json`
    MediaType,
    /// `?api-version=1`
    Query,
}

/// Which version a request without one gets.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DefaultVersion {
    /// The newest released version.
    Latest,
    /// The oldest supported version.
    Oldest,
    /// A fixed version.
    #[serde(untagged)]
    Fixed(String),
}

/// `[negotiation]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Negotiation {
    /// The methods that are on, in order of precedence.
    pub order: Vec<NegotiationMethod>,
    /// The version of requests that name none.
    pub default: DefaultVersion,
    /// The header name.
    pub header: String,
    /// The query parameter name.
    pub query: String,
    /// The header that opts in to preview endpoints.
    pub preview_header: String,
}

impl Default for Negotiation {
    fn default() -> Self {
        Self {
            order: vec![
                NegotiationMethod::Uri,
                NegotiationMethod::Header,
                NegotiationMethod::MediaType,
                NegotiationMethod::Query,
            ],
            default: DefaultVersion::Latest,
            header: "Api-Version".to_owned(),
            query: "api-version".to_owned(),
            preview_header: "Api-Preview".to_owned(),
        }
    }
}

/// `[policy]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Policy {
    /// How many of the newest majors are supported (served).
    pub supported_majors: u64,
    /// Lint: at most this many live (not retired) versions of one endpoint.
    pub max_live_versions_per_endpoint: usize,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            supported_majors: 2,
            max_live_versions_per_endpoint: 2,
        }
    }
}

/// `[versions."X.Y.Z"]`: the lifecycle of a whole version.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VersionLifecycle {
    /// Deprecated since.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "toml_date::deserialize"
    )]
    pub deprecated: Option<NaiveDate>,
    /// Stops on.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "toml_date::deserialize"
    )]
    pub sunset: Option<NaiveDate>,
    /// Retired: every call answers 410.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub retired: bool,
    /// In preview: served only on opt-in.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub preview: bool,
    /// A page that explains the deprecation (`Link rel="deprecation"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
}

/// `[server]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    /// Store URL: `sqlite://PATH`, `postgres://...`, `memory://`.
    pub store: String,
    /// Largest request body in bytes.
    pub max_body_bytes: usize,
    /// Deepest JSON nesting accepted.
    pub max_json_depth: usize,
    /// Request timeout in milliseconds.
    pub timeout_ms: u64,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            store: "sqlite://apivolve.db".to_owned(),
            max_body_bytes: 1 << 20,
            max_json_depth: 64,
            timeout_ms: 30_000,
        }
    }
}

/// `[bulk]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct BulkConfig {
    /// Most lines in one request.
    pub max_lines: usize,
    /// Largest line in bytes.
    pub max_line_bytes: usize,
    /// Largest request in bytes.
    pub max_total_bytes: u64,
    /// Lines run at once (gateway mode).
    pub concurrency: usize,
}

impl Default for BulkConfig {
    fn default() -> Self {
        Self {
            max_lines: 1_000_000,
            max_line_bytes: 1 << 20,
            max_total_bytes: 1 << 30,
            concurrency: 16,
        }
    }
}

/// `[clients]`: who calls, as far as the server can tell.
///
/// A client is the value of one request header (an API key, a bearer token, a client id). The
/// value itself is never kept: usage counts and pins name a client by its hash
/// ([`client_hash`](crate::client_hash)), which `apivolve usage` prints and `apivolve client-hash`
/// computes.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ClientsConfig {
    /// The request header whose value identifies a client (`Authorization`, `X-Api-Key`...).
    /// Unset: every call is counted as `anonymous` and no pin applies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub header: Option<String>,
    /// Client hash → the version its requests get when they name none (`"1"`, `"1.0.0"`): a
    /// client that never sends a version keeps the one it was built against.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub pins: BTreeMap<String, String>,
}

/// `[usage]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct UsageConfig {
    /// Count calls per client, version, endpoint and day, and keep the counts in the store.
    pub enabled: bool,
    /// Seconds between two writes of the counts to the store.
    pub flush_seconds: u64,
    /// Days the counts are kept; older days are deleted from the store (0: kept forever).
    pub keep_days: u32,
}

impl Default for UsageConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            flush_seconds: 60,
            keep_days: 400,
        }
    }
}

/// Dates written as TOML dates (`2026-12-01`) or as strings (`"2026-12-01"`).
mod toml_date {
    use chrono::NaiveDate;
    use serde::{Deserialize, Deserializer};

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Written {
        Text(String),
        Toml(toml::value::Datetime),
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<NaiveDate>, D::Error> {
        let text = match Written::deserialize(deserializer)? {
            Written::Text(text) => text,
            Written::Toml(datetime) => match datetime.date {
                Some(date) if datetime.time.is_none() => date.to_string(),
                _ => {
                    return Err(serde::de::Error::custom(
                        "expected a date such as `2027-01-31`, without a time",
                    ));
                }
            },
        };
        NaiveDate::parse_from_str(&text, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| {
                serde::de::Error::custom(format!("`{text}` is not a date such as `2027-01-31`"))
            })
    }
}
