//! Findings: the classified differences between the schemas of two versions.
//!
//! [`diff`] walks every endpoint present in both versions (parameters, request body, each
//! response status, error shape) and compares old and new schema side by side, following
//! `$ref`s into the named types. The same change is judged by its [`Direction`]: types reached
//! from requests contravariantly (the server must keep accepting what old clients send, so
//! narrowing breaks), types reached from responses covariantly (old clients must keep
//! understanding what the server sends, so widening breaks). A type reached from both gets a
//! finding per direction.
//!
//! # Locations
//!
//! [`Location::pointer`] is a *data* pointer into the request body, response body, error body
//! or parameter value: `/user/name` for property `name` of the object under `user`. Array items
//! and the values of maps (`additionalProperties`) are written `*`: `/tags/*`. The alternatives
//! of a `oneOf`/`anyOf`/`allOf` share their parent's pointer. [`Location::type_name`] names the
//! innermost named type the pointer is inside of.
//!
//! # One finding per change
//!
//! Each (old type, new type, direction) is compared once. A change inside a named type is
//! reported at the first endpoint (in id order; within it parameters, request, responses by
//! status, error) that reaches it, and its message ends with the other endpoints that reach it
//! too, e.g. `(also in 2 other endpoints: `orders.get`, `users.list`)`. This keeps a type used
//! by fifty endpoints from producing fifty copies of the same finding. Named types that no
//! endpoint reaches produce no findings: only what is on the wire matters.
//!
//! # Recursive types
//!
//! The (old type, new type, direction) memo also ends cycles through `$ref`. Where only one
//! side is a reference (a type inlined or extracted), the crossing into it is memoised against
//! the place the other side stands, and a depth limit of 64 levels backs both up.
//!
//! # Levels and bumps
//!
//! Each [`Rule`] has one fixed [`Level`] and [`Bump`] ([`Rule::docs`] says why). Breaking
//! findings call for a major bump, potentially breaking ones and added capability for a minor
//! one, lifecycle and documentation-like changes (deprecation, sunset, a renamed type, a new
//! `default`) for a patch. Retiring an endpoint, and moving a stable one back to preview, are
//! breaking: for the clients of that version the endpoint is gone.

mod composition;
mod constraints;
mod declared;
mod endpoints;
mod lifecycle;
mod parameters;
mod rule;
mod schema;
mod types;
mod walk;

use serde::Serialize;

pub use declared::declared_findings;
pub use rule::Rule;

use crate::snapshot::Snapshot;

/// How serious a finding is. Ordered with [`Level::Breaking`] first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Level {
    /// Old clients stop working.
    Breaking,
    /// Old clients may stop working, depending on how strictly they are written.
    PotentiallyBreaking,
    /// Old clients keep working.
    NonBreaking,
}

impl Level {
    /// The kebab-case name (`potentially-breaking`).
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Breaking => "breaking",
            Self::PotentiallyBreaking => "potentially-breaking",
            Self::NonBreaking => "non-breaking",
        }
    }
}

/// Which side of the exchange a finding is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Direction {
    /// What clients send: bodies and parameters, judged contravariantly.
    Request,
    /// What the server sends: response and error bodies, statuses, judged covariantly.
    Response,
    /// The route itself: the endpoint, its methods, path and lifecycle.
    Endpoint,
}

impl Direction {
    /// The kebab-case name (`request`).
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Request => "request",
            Self::Response => "response",
            Self::Endpoint => "endpoint",
        }
    }
}

/// The semver part a change calls for. Ordered `Patch < Minor < Major`, so the bump of a
/// release is the maximum over its findings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Bump {
    /// Lifecycle and documentation only.
    Patch,
    /// Added capability, or a change that may affect strict clients.
    Minor,
    /// A breaking change.
    Major,
}

impl Bump {
    /// The lower-case name (`minor`).
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Patch => "patch",
            Self::Minor => "minor",
            Self::Major => "major",
        }
    }
}

/// Where a finding is. Fields that do not apply are `None` (and left out when serialised).
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Location {
    /// The endpoint id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// The HTTP method, for findings about one method.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// The response status, for findings about one response.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// The parameter, as `{in}:{name}` (`query:limit`), for findings about one parameter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameter: Option<String>,
    /// Data pointer into the body or parameter value (`/user/name`, `/tags/*`), or `""`.
    pub pointer: String,
    /// The innermost named type the pointer is inside of.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub type_name: Option<String>,
}

/// One classified difference between two versions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// What kind of difference.
    pub rule: Rule,
    /// How serious it is (the rule's level).
    pub level: Level,
    /// Which side of the exchange it concerns (the rule's direction).
    pub direction: Direction,
    /// Where it is.
    pub location: Location,
    /// What changed, in a sentence.
    pub message: String,
}

impl Finding {
    /// The version bump this finding calls for: [`Bump::Major`] when breaking, [`Bump::Minor`]
    /// when potentially breaking or adding capability, [`Bump::Patch`] for lifecycle and
    /// documentation-like changes.
    pub fn bump(&self) -> Bump {
        self.rule.bump()
    }
}

/// The findings between two versions, sorted by endpoint, then location, then rule id.
///
/// # Example
///
/// ```
/// use apivolve_model::{Level, Rule, Snapshot, diff};
/// use serde_json::json;
///
/// let version = |properties| -> Snapshot {
///     serde_json::from_value(json!({
///         "types": {"User": {"type": "object", "properties": properties}},
///         "endpoints": {"users.get": {
///             "id": "users.get", "methods": ["GET"], "path": "/users/{id}",
///             "responses": {"200": {"schema": {"$ref": "#/types/User"}}},
///         }},
///     }))
///     .unwrap()
/// };
/// let old = version(json!({"name": {"type": "string"}, "age": {"type": "integer"}}));
/// let new = version(json!({"name": {"type": "string"}}));
///
/// let findings = diff(&old, &new);
/// assert_eq!(findings.len(), 1);
/// assert_eq!(findings[0].rule, Rule::ResponsePropertyRemoved);
/// assert_eq!(findings[0].level, Level::Breaking);
/// assert_eq!(findings[0].location.pointer, "/age");
/// assert_eq!(
///     findings[0].message,
///     "property `age` of `User` was removed from the response of `users.get` (200)"
/// );
/// ```
pub fn diff(old: &Snapshot, new: &Snapshot) -> Vec<Finding> {
    let mut walker = walk::Walker::new(old, new);
    walker.endpoints();
    let mut findings = walker.finish();
    findings.sort_by(|a, b| {
        (&a.location, a.direction, a.rule.id(), &a.message).cmp(&(
            &b.location,
            b.direction,
            b.rule.id(),
            &b.message,
        ))
    });
    findings
}

/// Reads a [`Snapshot`] from YAML (for fixtures and tests).
///
/// # Errors
///
/// When the text is not YAML, or not a snapshot.
#[doc(hidden)]
pub fn snapshot_from_yaml(text: &str) -> Result<Snapshot, String> {
    let (value, _) = crate::yaml::parse(text).map_err(|error| {
        format!(
            "{} at line {}, column {}",
            error.message, error.position.line, error.position.column
        )
    })?;
    serde_json::from_value(value).map_err(|error| error.to_string())
}
