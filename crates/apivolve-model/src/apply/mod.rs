//! How each change transforms the schema at a version.
//!
//! [`apply`] folds one [`Change`] into a [`Snapshot`]. Every change kind lives in the file of its
//! family (`types.rs`, `fields.rs`, ...). Changes edit a copy-on-write [`Draft`] of the snapshot
//! and the edits are committed only when the change succeeds, so a change that does not fit
//! leaves the snapshot exactly as it was.
//!
//! Errors point into the change's own body (`/from` for a `rename_field` whose `from` does not
//! exist), say what is wrong and, where it can, how to fix it (the closest existing name).

mod bodies;
mod copies;
mod custom;
mod draft;
mod endpoints;
mod enums;
mod fields;
mod lifecycle;
mod params;
pub(crate) mod refs;
mod status;
mod structure;
mod types;
pub(crate) mod util;

use std::fmt;

use crate::change::Change;
use crate::snapshot::Snapshot;

#[cfg(test)]
pub(crate) use copies::PARALLEL_TYPES;
pub(crate) use copies::{Copies, worth_a_thread};
pub(crate) use draft::{Draft, Layer};

/// Why a change cannot be applied to the schema it meets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApplyError {
    /// JSON pointer into the change's own body (`/from`), for the diagnostic's position.
    pub pointer: String,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub hint: Option<String>,
}

impl ApplyError {
    /// An error at `pointer` (into the change's body) without a hint yet.
    pub(crate) fn new(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            pointer: pointer.into(),
            message: message.into(),
            hint: None,
        }
    }

    /// Sets the hint.
    #[must_use]
    pub(crate) fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for ApplyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if !self.pointer.is_empty() {
            write!(f, " (at `{}`)", self.pointer)?;
        }
        if let Some(hint) = &self.hint {
            write!(f, "; hint: {hint}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApplyError {}

/// Applies one change to a snapshot.
///
/// The change is applied whole or not at all: on error the snapshot is unchanged.
///
/// # Errors
///
/// When the change does not fit the snapshot (a rename of a field that does not exist, a `$ref`
/// to an unknown type, ...).
pub fn apply(snapshot: &mut Snapshot, change: &Change) -> Result<(), ApplyError> {
    let mut draft = Draft::new(snapshot);
    dispatch(&mut draft, change)?;
    let edits = draft.finish();
    edits.commit(snapshot);
    Ok(())
}

/// Applies one change to a snapshot being built on a layer: like [`apply`], without copying
/// what the change does not touch.
pub(crate) fn apply_on(layer: &mut Layer<'_>, change: &Change) -> Result<(), ApplyError> {
    let mut draft = layer.draft();
    dispatch(&mut draft, change)?;
    let edits = draft.finish();
    layer.commit(edits);
    Ok(())
}

fn dispatch(draft: &mut Draft<'_>, change: &Change) -> Result<(), ApplyError> {
    match change {
        Change::AddType(change) => types::add_type(draft, change),
        Change::RemoveType(change) => types::remove_type(draft, change),
        Change::RenameType(change) => types::rename_type(draft, change),
        Change::AddField(change) => fields::add_field(draft, change),
        Change::RemoveField(change) => fields::remove_field(draft, change),
        Change::RenameField(change) => fields::rename_field(draft, change),
        Change::ChangeField(change) => fields::change_field(draft, change),
        Change::MakeRequired(change) => {
            fields::make_required(draft, &change.type_name, &change.field, true)
        }
        Change::MakeOptional(change) => {
            fields::make_required(draft, &change.type_name, &change.field, false)
        }
        Change::AddEnumValue(change) => enums::add_enum_value(draft, change),
        Change::RemoveEnumValue(change) => enums::remove_enum_value(draft, change),
        Change::MoveField(change) => structure::move_field(draft, change),
        Change::SplitField(change) => structure::split_field(draft, change),
        Change::MergeFields(change) => structure::merge_fields(draft, change),
        Change::AddEndpoint(change) => endpoints::add_endpoint(draft, change),
        Change::RemoveEndpoint(change) => endpoints::remove_endpoint(draft, change),
        Change::ChangePath(change) => endpoints::change_path(draft, change),
        Change::ChangeMethod(change) => endpoints::change_method(draft, change),
        Change::AddMethod(change) => endpoints::add_method(draft, change),
        Change::RemoveMethod(change) => endpoints::remove_method(draft, change),
        Change::AddParam(change) => params::add_param(draft, change),
        Change::RemoveParam(change) => params::remove_param(draft, change),
        Change::RenameParam(change) => params::rename_param(draft, change),
        Change::SetRequest(change) => bodies::set_request(draft, change),
        Change::SetResponse(change) => bodies::set_response(draft, change),
        Change::RemoveResponse(change) => bodies::remove_response(draft, change),
        Change::ChangeStatus(change) => status::change_status(draft, change),
        Change::ChangeError(change) => status::change_error(draft, change),
        Change::SetLifecycle(change) => lifecycle::set_lifecycle(draft, change),
        Change::Custom(change) => custom::custom(draft, change),
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! Helpers shared by the unit tests of every change kind.

    use serde_json::{Value, json};

    use super::{ApplyError, apply};
    use crate::change::Change;
    use crate::snapshot::Snapshot;

    /// A small snapshot: `User` (with an inline `address` object and a `Role` enum reference),
    /// `Role` (an enum), `Order` (with an inline status enum), and three endpoints.
    pub(crate) fn sample() -> Snapshot {
        let value = json!({
            "types": {
                "User": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "string"},
                        "name": {"type": "string", "maxLength": 100},
                        "email": {"type": "string", "format": "email"},
                        "role": {"$ref": "#/types/Role"},
                        "address": {
                            "type": "object",
                            "properties": {
                                "street": {"type": "string"},
                                "city": {"type": "string"}
                            },
                            "required": ["city"]
                        }
                    },
                    "required": ["id", "name"]
                },
                "Role": {"type": "string", "enum": ["admin", "member"]},
                "Order": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "string"},
                        "amount": {"type": "integer"},
                        "status": {"type": "string", "enum": ["open", "paid"]},
                        "owner": {"$ref": "#/types/User"}
                    },
                    "required": ["id"]
                }
            },
            "endpoints": {
                "users.get": {
                    "id": "users.get",
                    "methods": ["GET"],
                    "path": "/users/{id}",
                    "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                    "responses": {"200": {"schema": {"$ref": "#/types/User"}}}
                },
                "users.create": {
                    "id": "users.create",
                    "methods": ["POST"],
                    "path": "/users",
                    "request": {"schema": {"$ref": "#/types/User"}},
                    "responses": {"201": {"schema": {"$ref": "#/types/User"}}}
                },
                "orders.list": {
                    "id": "orders.list",
                    "methods": ["GET"],
                    "path": "/orders",
                    "parameters": [{"name": "limit", "in": "query", "schema": {"type": "integer"}}],
                    "responses": {"200": {"schema": {"type": "array", "items": {"$ref": "#/types/Order"}}}}
                }
            }
        });
        serde_json::from_value(value).expect("the sample snapshot is valid")
    }

    /// Parses a change written as `{"kind": {...}}`.
    pub(crate) fn change(value: Value) -> Change {
        serde_json::from_value(value).expect("test changes are well-formed")
    }

    /// Applies a change to the sample and returns the result.
    pub(crate) fn applied(value: Value) -> Snapshot {
        let mut snapshot = sample();
        apply(&mut snapshot, &change(value)).expect("the change applies");
        snapshot
    }

    /// Applies a change that must fail to the sample; checks the sample is unchanged.
    pub(crate) fn fails(value: Value) -> ApplyError {
        let mut snapshot = sample();
        let error = apply(&mut snapshot, &change(value)).expect_err("the change must fail");
        assert_eq!(
            snapshot,
            sample(),
            "a failed change must leave the snapshot as it was"
        );
        error
    }

    /// Asserts an error's pointer, that its message contains `message` and its hint `hint`.
    pub(crate) fn assert_error(error: &ApplyError, pointer: &str, message: &str, hint: &str) {
        assert_eq!(error.pointer, pointer, "{error:?}");
        assert!(
            error.message.contains(message),
            "message {:?} lacks {message:?}",
            error.message
        );
        let actual = error.hint.as_deref().unwrap_or("");
        assert!(actual.contains(hint), "hint {actual:?} lacks {hint:?}");
    }
}
