//! The change vocabulary: every operation an evolution file can contain.
//!
//! Each variant of [`Change`] is one YAML key (`rename_field: {...}`). The structs here are the
//! file format; how a change transforms a [`Snapshot`](crate::Snapshot) lives in `fold`, how it is
//! judged in `findings`, and how it migrates payloads in `apivolve-migrate`.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::snapshot::{Body, Endpoint, ErrorShape, Parameter, ParameterLocation, Schema};

/// A jq expression (parsed at load time, so a typo is a load error).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(transparent)]
pub struct Jq(pub String);

/// One operation of an evolution.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// Adds a named type.
    AddType(AddType),
    /// Removes a named type (nothing may still refer to it).
    RemoveType(RemoveType),
    /// Renames a named type; every `$ref` follows.
    RenameType(RenameType),
    /// Adds a property to a type.
    AddField(AddField),
    /// Removes a property from a type.
    RemoveField(RemoveField),
    /// Renames a property.
    RenameField(RenameField),
    /// Changes a property's schema (type, constraints), with jq to convert values.
    ChangeField(ChangeField),
    /// Makes a property required.
    MakeRequired(MakeRequired),
    /// Makes a property optional.
    MakeOptional(MakeOptional),
    /// Adds a value to a property's enum.
    AddEnumValue(AddEnumValue),
    /// Removes a value from a property's enum.
    RemoveEnumValue(RemoveEnumValue),
    /// Moves a property to another place in the same type (dotted paths).
    MoveField(MoveField),
    /// Splits one property into several.
    SplitField(SplitField),
    /// Merges several properties into one.
    MergeFields(MergeFields),
    /// Adds an endpoint.
    AddEndpoint(Endpoint),
    /// Removes an endpoint; older versions route to its successor or retire.
    RemoveEndpoint(RemoveEndpoint),
    /// Changes an endpoint's path template.
    ChangePath(ChangePath),
    /// Changes one of an endpoint's methods.
    ChangeMethod(ChangeMethod),
    /// Adds a method to an endpoint (the same operation answers one more method).
    AddMethod(MethodChange),
    /// Removes one of an endpoint's methods.
    RemoveMethod(MethodChange),
    /// Adds a path, query or header parameter.
    AddParam(AddParam),
    /// Removes a parameter.
    RemoveParam(RemoveParam),
    /// Renames a parameter.
    RenameParam(RenameParam),
    /// Replaces an endpoint's request body.
    SetRequest(SetRequest),
    /// Adds or replaces the response of one status.
    SetResponse(SetResponse),
    /// Removes the response of one status.
    RemoveResponse(RemoveResponse),
    /// Maps one status code to another (old version's code to new version's).
    ChangeStatus(ChangeStatus),
    /// Changes the shape of error bodies.
    ChangeError(ChangeError),
    /// Changes an endpoint's lifecycle: preview, stable, deprecated, sunset or retired.
    SetLifecycle(SetLifecycle),
    /// Anything else: jq or a named Rust function, with a declared impact.
    Custom(Custom),
}

/// `add_type`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AddType {
    /// The new type's name.
    pub name: String,
    /// Its JSON Schema.
    pub schema: Schema,
}

/// `remove_type`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RemoveType {
    /// The type's name.
    pub name: String,
}

/// `rename_type`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RenameType {
    /// Old name.
    pub from: String,
    /// New name.
    pub to: String,
}

/// `add_field`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AddField {
    /// The type that gets the field.
    #[serde(rename = "type")]
    pub type_name: String,
    /// Field name (a dotted path reaches into inline objects).
    pub field: String,
    /// Its schema.
    pub schema: Schema,
    /// Whether it is required in the new version.
    #[serde(default)]
    pub required: bool,
    /// Filled in when an older request lacks it (needed when required).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<Value>,
}

/// `remove_field`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RemoveField {
    /// The type.
    #[serde(rename = "type")]
    pub type_name: String,
    /// Field name or dotted path.
    pub field: String,
    /// Restores the field for older responses: a constant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<Value>,
    /// Restores the field for older responses: jq over the containing object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub down: Option<Jq>,
}

/// `rename_field`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RenameField {
    /// The type.
    #[serde(rename = "type")]
    pub type_name: String,
    /// Old name.
    pub from: String,
    /// New name.
    pub to: String,
}

/// `change_field`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeField {
    /// The type.
    #[serde(rename = "type")]
    pub type_name: String,
    /// Field name or dotted path.
    pub field: String,
    /// The field's new schema.
    pub schema: Schema,
    /// jq: old value to new value (requests).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub up: Option<Jq>,
    /// jq: new value to old value (responses).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub down: Option<Jq>,
}

/// `make_required`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MakeRequired {
    /// The type.
    #[serde(rename = "type")]
    pub type_name: String,
    /// Field name or dotted path.
    pub field: String,
    /// Filled in when an older request lacks it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<Value>,
}

/// `make_optional`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MakeOptional {
    /// The type.
    #[serde(rename = "type")]
    pub type_name: String,
    /// Field name or dotted path.
    pub field: String,
    /// Filled in when a response lacks it and the older version required it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<Value>,
}

/// `add_enum_value`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AddEnumValue {
    /// The type (an enum type itself, or an object type with `field`).
    #[serde(rename = "type")]
    pub type_name: String,
    /// The enum field, when the type is an object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The new value.
    pub value: Value,
    /// What older responses see instead of the new value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub down_map: Option<Value>,
}

/// `remove_enum_value`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RemoveEnumValue {
    /// The type (an enum type itself, or an object type with `field`).
    #[serde(rename = "type")]
    pub type_name: String,
    /// The enum field, when the type is an object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The removed value.
    pub value: Value,
    /// What older requests that send the removed value are migrated to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub up_map: Option<Value>,
}

/// `move_field`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MoveField {
    /// The type.
    #[serde(rename = "type")]
    pub type_name: String,
    /// Old dotted path (`content.user`).
    pub from: String,
    /// New dotted path (`user`).
    pub to: String,
}

/// One part of a split.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FieldSpec {
    /// Field name.
    pub name: String,
    /// Its schema.
    pub schema: Schema,
    /// Whether it is required.
    #[serde(default)]
    pub required: bool,
}

/// `split_field`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SplitField {
    /// The type.
    #[serde(rename = "type")]
    pub type_name: String,
    /// The field that is split.
    pub field: String,
    /// The fields it becomes.
    pub into: Vec<FieldSpec>,
    /// jq over the containing object: old object to new object.
    pub up: Jq,
    /// jq over the containing object: new object to old object.
    pub down: Jq,
}

/// `merge_fields`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeFields {
    /// The type.
    #[serde(rename = "type")]
    pub type_name: String,
    /// The fields that are merged.
    pub fields: Vec<String>,
    /// The field they become.
    pub into: FieldSpec,
    /// jq over the containing object: old object to new object.
    pub up: Jq,
    /// jq over the containing object: new object to old object.
    pub down: Jq,
}

/// `remove_endpoint`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RemoveEndpoint {
    /// The endpoint id.
    pub endpoint: String,
    /// The endpoint that older versions' calls are served through.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub successor: Option<String>,
}

/// `change_path`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePath {
    /// The endpoint id.
    pub endpoint: String,
    /// The new path template (same path parameters, possibly renamed by `rename_param`).
    pub path: String,
}

/// `change_method`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeMethod {
    /// The endpoint id.
    pub endpoint: String,
    /// The old method.
    pub from: String,
    /// The new method.
    pub to: String,
}

/// `add_method` and `remove_method`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MethodChange {
    /// The endpoint id.
    pub endpoint: String,
    /// The method, upper case.
    pub method: String,
}

/// `add_param`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AddParam {
    /// The endpoint id.
    pub endpoint: String,
    /// The parameter.
    pub param: Parameter,
    /// Filled in when an older request lacks it (needed when required).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<Value>,
}

/// `remove_param`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RemoveParam {
    /// The endpoint id.
    pub endpoint: String,
    /// Parameter name.
    pub name: String,
    /// Where it travels.
    #[serde(rename = "in")]
    pub location: ParameterLocation,
}

/// `rename_param`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RenameParam {
    /// The endpoint id.
    pub endpoint: String,
    /// Where it travels.
    #[serde(rename = "in")]
    pub location: ParameterLocation,
    /// Old name.
    pub from: String,
    /// New name.
    pub to: String,
}

/// `set_request`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SetRequest {
    /// The endpoint id.
    pub endpoint: String,
    /// The new body; `null` removes it.
    pub body: Option<Body>,
    /// jq: old request body to new.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub up: Option<Jq>,
}

/// `set_response`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SetResponse {
    /// The endpoint id.
    pub endpoint: String,
    /// The status code.
    pub status: u16,
    /// The new body.
    pub body: Body,
    /// jq: new response body to old.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub down: Option<Jq>,
}

/// `remove_response`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RemoveResponse {
    /// The endpoint id.
    pub endpoint: String,
    /// The status code.
    pub status: u16,
}

/// `change_status`: the new version answers `to` where the old one answered `from`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeStatus {
    /// The endpoint id; every endpoint when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// The old version's status.
    pub from: u16,
    /// The new version's status.
    pub to: u16,
}

/// `change_error`: error bodies take a new shape.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeError {
    /// The endpoint id; every endpoint when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// The new shape.
    pub shape: ErrorShape,
    /// jq: new error body to old (for `text/plain`, the result string is the body).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub down: Option<Jq>,
}

/// A lifecycle state named by `set_lifecycle`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LifecycleState {
    /// Opt-in only, absent from docs.
    Preview,
    /// Plain.
    Stable,
    /// Deprecated (needs `date`).
    Deprecated,
    /// Will stop on `date`.
    Sunset,
    /// Answered 410 or redirected.
    Retired,
}

/// `set_lifecycle`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SetLifecycle {
    /// The endpoint id.
    pub endpoint: String,
    /// The new state.
    pub state: LifecycleState,
    /// The date for `deprecated` and `sunset`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<NaiveDate>,
    /// The successor for `retired`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub successor: Option<String>,
    /// Redirect status (301 or 308) for `retired` with a successor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect: Option<u16>,
}

/// The impact an author declares for a `custom` change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeclaredImpact {
    /// Major.
    Breaking,
    /// Minor.
    Additive,
    /// Patch.
    Patch,
}

/// `custom`: migrations the vocabulary cannot derive.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Custom {
    /// What it does (shown in changelogs and plans).
    pub description: String,
    /// The endpoint whose payloads it migrates; absent with `type`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// The type whose values it migrates, wherever they occur; absent with `endpoint`.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_name: Option<String>,
    /// New schema for the type or the endpoint's request body (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<Schema>,
    /// jq: request (or type value) from the old version to the new.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub up: Option<Jq>,
    /// jq: response (or type value) from the new version to the old.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub down: Option<Jq>,
    /// A Rust function registered by the application, request direction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub up_fn: Option<String>,
    /// A Rust function registered by the application, response direction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub down_fn: Option<String>,
    /// The semver impact the author declares.
    pub impact: DeclaredImpact,
}

/// `suppress`: a breaking finding accepted on purpose, by rule id, with a reason.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Suppression {
    /// The rule id (`response-property-removed`).
    pub rule: String,
    /// Only findings at this endpoint (all when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// Why this is acceptable.
    pub reason: String,
}

/// An example payload checked against its version's schema.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Example {
    /// The endpoint id.
    pub endpoint: String,
    /// A sample request body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<Value>,
    /// The status of `response` (200 when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// A sample response body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<Value>,
}

/// The content of one evolution file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EvolutionFile {
    /// What this group of changes does and why.
    pub description: String,
    /// The changes, applied in order.
    #[serde(default)]
    pub changes: Vec<Change>,
    /// Breaking findings accepted on purpose.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub suppress: Vec<Suppression>,
    /// Examples, validated against the version's schema.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub examples: Vec<Example>,
    /// Free-form extension data (ignored by the tool, left out of hashes).
    #[serde(
        default,
        rename = "x-notes",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub notes: BTreeMap<String, Value>,
}

impl Change {
    /// The YAML key of this change (`rename_field`).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::AddType(_) => "add_type",
            Self::RemoveType(_) => "remove_type",
            Self::RenameType(_) => "rename_type",
            Self::AddField(_) => "add_field",
            Self::RemoveField(_) => "remove_field",
            Self::RenameField(_) => "rename_field",
            Self::ChangeField(_) => "change_field",
            Self::MakeRequired(_) => "make_required",
            Self::MakeOptional(_) => "make_optional",
            Self::AddEnumValue(_) => "add_enum_value",
            Self::RemoveEnumValue(_) => "remove_enum_value",
            Self::MoveField(_) => "move_field",
            Self::SplitField(_) => "split_field",
            Self::MergeFields(_) => "merge_fields",
            Self::AddEndpoint(_) => "add_endpoint",
            Self::RemoveEndpoint(_) => "remove_endpoint",
            Self::ChangePath(_) => "change_path",
            Self::ChangeMethod(_) => "change_method",
            Self::AddMethod(_) => "add_method",
            Self::RemoveMethod(_) => "remove_method",
            Self::AddParam(_) => "add_param",
            Self::RemoveParam(_) => "remove_param",
            Self::RenameParam(_) => "rename_param",
            Self::SetRequest(_) => "set_request",
            Self::SetResponse(_) => "set_response",
            Self::RemoveResponse(_) => "remove_response",
            Self::ChangeStatus(_) => "change_status",
            Self::ChangeError(_) => "change_error",
            Self::SetLifecycle(_) => "set_lifecycle",
            Self::Custom(_) => "custom",
        }
    }
}
