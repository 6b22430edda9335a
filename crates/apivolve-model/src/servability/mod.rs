//! Servability: what an older version needs to be served from the newer schema, and lacks.
//!
//! A change keeps older versions servable when every payload can be migrated across it: older
//! requests up, newer responses down. Most migrations are derived from the change itself (a
//! rename renames back); the rest need the author's `default`, `up`, `down` or value maps.
//! [`missing_migrations`] lists, for one change, the migrations it needs and does not supply,
//! each with a pointer into the change's body, the [`Side`] it concerns and a hint.
//!
//! [`reachable_types`] says which named types travel in requests and which in responses; a
//! change to a type only seen in responses needs no request migration, and the other way round.

mod endpoints;
mod fields;
mod reach;
pub(crate) mod subsume;

use std::collections::BTreeSet;

use serde::Serialize;
use serde_json::Value;

use subsume::{accepts_all, differ};

pub use reach::reachable_types;

use crate::apply::Draft;
use crate::apply::util::{Site, alias_target, existing_field};
use crate::change::Change;
use crate::diagnostic::Severity;
use crate::snapshot::Schema;
use crate::snapshot::Snapshot;

/// Which payloads a missing migration concerns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    /// Requests from older clients, migrated up to the newer schema.
    Request,
    /// Responses to older clients, migrated down from the newer schema.
    Response,
}

/// A migration a change needs to keep older versions servable, and does not supply.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MissingMigration {
    /// JSON pointer into the change's own body (`/field`), for the diagnostic's position.
    pub pointer: String,
    /// Requests or responses.
    pub side: Side,
    /// An error refuses the change; a warning says what older versions will see.
    pub severity: Severity,
    /// What older versions lack.
    pub message: String,
    /// How to supply it.
    pub hint: String,
}

impl MissingMigration {
    fn error(
        side: Side,
        pointer: &str,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) -> Self {
        Self {
            pointer: pointer.to_owned(),
            side,
            severity: Severity::Error,
            message: message.into(),
            hint: hint.into(),
        }
    }

    fn warning(
        side: Side,
        pointer: &str,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) -> Self {
        Self {
            severity: Severity::Warning,
            ..Self::error(side, pointer, message, hint)
        }
    }
}

/// The migrations `change` (which turned `before` into `after`) needs and does not supply.
///
/// A change that does not fit `before` yields nothing here: [`apply`](crate::apply) reports it.
pub fn missing_migrations(
    change: &Change,
    before: &Snapshot,
    after: &Snapshot,
) -> Vec<MissingMigration> {
    if !may_miss_migrations(change) {
        return Vec::new();
    }
    let context = Context::new(before, after);
    check(&context, change)
}

/// Whether [`missing_migrations`] can report anything for `change`: a test on the change alone,
/// so a caller can skip keeping the snapshot before it. False when the change carries every
/// migration its kind can need (a default, a `down`, both jq directions, an enum mapping).
pub fn may_miss_migrations(change: &Change) -> bool {
    match change {
        Change::AddField(change) => change.required && change.default.is_none(),
        Change::MakeRequired(change) => change.default.is_none(),
        Change::MakeOptional(change) => change.default.is_none(),
        Change::RemoveField(change) => change.default.is_none() && change.down.is_none(),
        Change::ChangeField(change) => change.up.is_none() || change.down.is_none(),
        Change::AddEnumValue(change) => change.down_map.is_none(),
        Change::RemoveEnumValue(change) => change.up_map.is_none(),
        // Derived: type changes follow `$ref`s, renames and moves rename back, routes and
        // statuses map, lifecycles are headers; split and merge carry their own jq.
        Change::AddType(_)
        | Change::RemoveType(_)
        | Change::RenameType(_)
        | Change::RenameField(_)
        | Change::MoveField(_)
        | Change::SplitField(_)
        | Change::MergeFields(_)
        | Change::AddEndpoint(_)
        | Change::ChangePath(_)
        | Change::ChangeMethod(_)
        | Change::AddMethod(_)
        | Change::RemoveParam(_)
        | Change::RenameParam(_)
        | Change::RemoveResponse(_)
        | Change::ChangeStatus(_)
        | Change::SetLifecycle(_) => false,
        Change::RemoveMethod(_)
        | Change::AddParam(_)
        | Change::SetRequest(_)
        | Change::SetResponse(_)
        | Change::ChangeError(_)
        | Change::Custom(_)
        | Change::RemoveEndpoint(_) => true,
    }
}

/// The two snapshots and which types each side reaches in either.
pub(crate) struct Context<'s> {
    before: &'s Snapshot,
    after: &'s Snapshot,
    request: BTreeSet<String>,
    response: BTreeSet<String>,
}

impl<'s> Context<'s> {
    fn new(before: &'s Snapshot, after: &'s Snapshot) -> Self {
        let (mut request, mut response) = reachable_types(before);
        let (request_after, response_after) = reachable_types(after);
        request.extend(request_after);
        response.extend(response_after);
        Self {
            before,
            after,
            request,
            response,
        }
    }

    /// Whether values of the type travel on `side` (in either snapshot).
    fn reaches(&self, side: Side, type_name: &str) -> bool {
        match side {
            Side::Request => self.request.contains(type_name),
            Side::Response => self.response.contains(type_name),
        }
    }

    /// The site and schema of a field in `snapshot`, if it is there.
    fn field(snapshot: &Snapshot, type_name: &str, path: &str) -> Option<(Site, Value)> {
        let draft = Draft::new(snapshot);
        existing_field(&draft, type_name, path, "/type", "/field")
            .ok()
            .map(|(site, schema)| (site, schema.clone()))
    }

    /// The type that holds an enum or a field: the field's owner, or the type (past aliases).
    fn owner(&self, snapshot: &Snapshot, type_name: &str, field: Option<&str>) -> Option<String> {
        match field {
            Some(path) => Self::field(snapshot, type_name, path).map(|(site, _)| site.object.owner),
            None => {
                let draft = Draft::new(snapshot);
                let schema = draft.type_schema(type_name)?;
                Some(alias_target(&draft, type_name, schema))
            }
        }
    }
}

const RETIRE: &str = "or declare the older versions retired";

fn check(context: &Context<'_>, change: &Change) -> Vec<MissingMigration> {
    match change {
        Change::AddField(change) => fields::add_field(context, change),
        Change::RemoveField(change) => fields::remove_field(context, change),
        Change::ChangeField(change) => fields::change_field(context, change),
        Change::MakeRequired(change) => fields::make_required(context, change),
        Change::MakeOptional(change) => fields::make_optional(context, change),
        Change::AddEnumValue(change) => fields::add_enum_value(context, change),
        Change::RemoveEnumValue(change) => fields::remove_enum_value(context, change),
        Change::AddParam(change) => endpoints::add_param(context, change),
        Change::SetRequest(change) => endpoints::set_request(context, change),
        Change::SetResponse(change) => endpoints::set_response(context, change),
        Change::ChangeError(change) => endpoints::change_error(context, change),
        Change::Custom(change) => endpoints::custom(context, change),
        Change::RemoveEndpoint(change) => endpoints::remove_endpoint(context, change),
        Change::RemoveMethod(change) => endpoints::remove_method(change),
        // The derived kinds: `may_miss_migrations` (an exhaustive match) keeps them from here.
        _ => Vec::new(),
    }
}

/// The owner type of a field (in `after` when it is there, else in `before`).
fn owner(context: &Context<'_>, type_name: &str, field: Option<&str>) -> Option<String> {
    context
        .owner(context.after, type_name, field)
        .or_else(|| context.owner(context.before, type_name, field))
}

/// The request and response findings of a schema going from `old` to `new`: requests need `up`
/// unless `new` accepts every old value; responses need `down` unless `old` accepts every new one.
fn schema_change(
    sides: (bool, bool),
    (old, new): (&Schema, &Schema),
    (has_up, has_down): (bool, bool),
    pointer: &str,
    what: &str,
    (up, down): (&str, &str),
) -> Vec<MissingMigration> {
    let mut missing = Vec::new();
    if !differ(old, new) {
        return missing;
    }
    if sides.0 && !has_up && !accepts_all(new, old) {
        missing.push(MissingMigration::error(
            Side::Request,
            pointer,
            format!("older requests may send {what} that the new schema refuses"),
            format!("add {up} to convert them, {RETIRE}"),
        ));
    }
    if sides.1 && !has_down && !accepts_all(old, new) {
        missing.push(MissingMigration::error(
            Side::Response,
            pointer,
            format!("older clients may not accept {what} under the new schema"),
            format!("add {down} to convert them back, {RETIRE}"),
        ));
    }
    missing
}

/// A value as it reads in a message: strings bare, anything else as JSON.
fn show(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! Helpers for the rule tests.

    use serde_json::Value;

    use super::{MissingMigration, Side, missing_migrations};
    use crate::apply::apply;
    use crate::apply::testing::{change, sample};
    use crate::diagnostic::Severity;
    use crate::snapshot::Snapshot;

    /// The findings of a change applied to `before`.
    pub(crate) fn findings_on(before: &Snapshot, value: Value) -> Vec<MissingMigration> {
        let change = change(value);
        let mut after = before.clone();
        apply(&mut after, &change).expect("the change applies");
        missing_migrations(&change, before, &after)
    }

    /// The findings of a change applied to the sample.
    pub(crate) fn findings(value: Value) -> Vec<MissingMigration> {
        findings_on(&sample(), value)
    }

    /// Asserts exactly one finding with this side, severity, pointer, and message and hint parts.
    pub(crate) fn assert_one(
        found: &[MissingMigration],
        side: Side,
        severity: Severity,
        pointer: &str,
        message: &str,
        hint: &str,
    ) {
        let [finding] = found else {
            panic!("expected one finding, got {found:#?}")
        };
        assert_eq!(
            (finding.side, finding.severity, finding.pointer.as_str()),
            (side, severity, pointer),
            "{finding:#?}"
        );
        assert!(
            finding.message.contains(message),
            "message {:?} lacks {message:?}",
            finding.message
        );
        assert!(
            finding.hint.contains(hint),
            "hint {:?} lacks {hint:?}",
            finding.hint
        );
    }
}
