//! Rules for the changes that touch fields and enums of named types.

use super::{Context, MissingMigration, RETIRE, Side, owner, schema_change, show};
use crate::change::{
    AddEnumValue, AddField, ChangeField, MakeOptional, MakeRequired, RemoveEnumValue, RemoveField,
};

pub(super) fn add_field(context: &Context<'_>, change: &AddField) -> Vec<MissingMigration> {
    let Some(owner) = owner(context, &change.type_name, Some(&change.field)) else {
        return Vec::new();
    };
    if !change.required || change.default.is_some() || !context.reaches(Side::Request, &owner) {
        return Vec::new();
    }
    vec![MissingMigration::error(
        Side::Request,
        "/required",
        format!(
            "older requests lack `{}.{}`, which is added as required",
            change.type_name, change.field
        ),
        "add `default:` to fill it into older requests, or add the field as optional",
    )]
}

pub(super) fn make_required(context: &Context<'_>, change: &MakeRequired) -> Vec<MissingMigration> {
    let Some(owner) = owner(context, &change.type_name, Some(&change.field)) else {
        return Vec::new();
    };
    if change.default.is_some() || !context.reaches(Side::Request, &owner) {
        return Vec::new();
    }
    vec![MissingMigration::error(
        Side::Request,
        "/field",
        format!(
            "older requests may lack `{}.{}`, which becomes required",
            change.type_name, change.field
        ),
        "add `default:` to fill it into older requests that lack it",
    )]
}

pub(super) fn make_optional(context: &Context<'_>, change: &MakeOptional) -> Vec<MissingMigration> {
    let Some(owner) = owner(context, &change.type_name, Some(&change.field)) else {
        return Vec::new();
    };
    if change.default.is_some() || !context.reaches(Side::Response, &owner) {
        return Vec::new();
    }
    vec![MissingMigration::warning(
        Side::Response,
        "/field",
        format!(
            "older clients expect `{}.{}` in every response, but it becomes optional",
            change.type_name, change.field
        ),
        "add `default:` to fill it into older responses that lack it",
    )]
}

pub(super) fn remove_field(context: &Context<'_>, change: &RemoveField) -> Vec<MissingMigration> {
    let Some(owner) = context.owner(context.before, &change.type_name, Some(&change.field)) else {
        return Vec::new();
    };
    if change.default.is_some() || change.down.is_some() || !context.reaches(Side::Response, &owner)
    {
        return Vec::new();
    }
    vec![MissingMigration::error(
        Side::Response,
        "/field",
        format!(
            "older responses need `{}.{}`, which is removed",
            change.type_name, change.field
        ),
        format!("add `default:` or `down:` to restore it for older responses, {RETIRE}"),
    )]
}

pub(super) fn change_field(context: &Context<'_>, change: &ChangeField) -> Vec<MissingMigration> {
    let Some((site, old)) = Context::field(context.before, &change.type_name, &change.field) else {
        return Vec::new();
    };
    let owner = &site.object.owner;
    let sides = (
        context.reaches(Side::Request, owner),
        context.reaches(Side::Response, owner),
    );
    let what = format!("values of `{}.{}`", change.type_name, change.field);
    let jq = (
        "`up:` (jq, old value to new)",
        "`down:` (jq, new value to old)",
    );
    schema_change(
        sides,
        (&old, &change.schema),
        (change.up.is_some(), change.down.is_some()),
        "/schema",
        &what,
        jq,
    )
}

fn enum_owner(context: &Context<'_>, type_name: &str, field: Option<&str>) -> Option<String> {
    owner(context, type_name, field)
}

fn enum_name(type_name: &str, field: Option<&str>) -> String {
    field.map_or_else(
        || format!("`{type_name}`"),
        |field| format!("`{type_name}.{field}`"),
    )
}

pub(super) fn add_enum_value(
    context: &Context<'_>,
    change: &AddEnumValue,
) -> Vec<MissingMigration> {
    let Some(owner) = enum_owner(context, &change.type_name, change.field.as_deref()) else {
        return Vec::new();
    };
    if change.down_map.is_some() || !context.reaches(Side::Response, &owner) {
        return Vec::new();
    }
    vec![MissingMigration::warning(
        Side::Response,
        "/value",
        format!(
            "older clients do not know the new value `{}` of {}",
            show(&change.value),
            enum_name(&change.type_name, change.field.as_deref())
        ),
        "add `down_map:` with the value older responses show instead",
    )]
}

pub(super) fn remove_enum_value(
    context: &Context<'_>,
    change: &RemoveEnumValue,
) -> Vec<MissingMigration> {
    let Some(owner) = enum_owner(context, &change.type_name, change.field.as_deref()) else {
        return Vec::new();
    };
    if change.up_map.is_some() || !context.reaches(Side::Request, &owner) {
        return Vec::new();
    }
    vec![MissingMigration::error(
        Side::Request,
        "/value",
        format!(
            "older requests may send the removed value `{}` of {}",
            show(&change.value),
            enum_name(&change.type_name, change.field.as_deref())
        ),
        format!("add `up_map:` with the value it becomes, {RETIRE}"),
    )]
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::diagnostic::Severity::{Error, Warning};
    use crate::servability::Side::{Request, Response};
    use crate::servability::testing::{assert_one, findings, findings_on};

    #[test]
    fn required_fields_added_to_request_types_need_a_default() {
        let add = |type_name: &str, extra: serde_json::Value| {
            let mut body =
                json!({"type": type_name, "field": "age", "schema": {"type": "integer"}});
            if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
                body.extend(extra.clone());
            }
            findings(json!({"add_field": body}))
        };
        let found = add("User", json!({"required": true}));
        assert_one(
            &found,
            Request,
            Error,
            "/required",
            "older requests lack `User.age`, which is added as required",
            "add `default:`",
        );
        assert!(add("User", json!({"required": true, "default": 0})).is_empty());
        assert!(
            add("User", json!({})).is_empty(),
            "optional fields are derived"
        );
        assert!(
            add("Order", json!({"required": true})).is_empty(),
            "`Order` only travels in responses"
        );
    }

    #[test]
    fn make_required_and_make_optional() {
        let found = findings(json!({"make_required": {"type": "User", "field": "email"}}));
        assert_one(
            &found,
            Request,
            Error,
            "/field",
            "older requests may lack `User.email`",
            "add `default:`",
        );
        assert!(
            findings(
                json!({"make_required": {"type": "User", "field": "email", "default": "x@y"}})
            )
            .is_empty()
        );
        assert!(
            findings(json!({"make_required": {"type": "Order", "field": "amount"}})).is_empty()
        );

        let found = findings(json!({"make_optional": {"type": "User", "field": "name"}}));
        assert_one(
            &found,
            Response,
            Warning,
            "/field",
            "older clients expect `User.name` in every response",
            "add `default:`",
        );
        assert!(
            findings(json!({"make_optional": {"type": "User", "field": "name", "default": ""}}))
                .is_empty()
        );
    }

    #[test]
    fn removed_response_fields_need_a_way_back() {
        let found = findings(json!({"remove_field": {"type": "User", "field": "email"}}));
        assert_one(
            &found,
            Response,
            Error,
            "/field",
            "older responses need `User.email`",
            "declare the older versions retired",
        );
        assert!(
            findings(json!({"remove_field": {"type": "User", "field": "email", "default": ""}}))
                .is_empty()
        );
        assert!(
            findings(json!({"remove_field": {"type": "User", "field": "email", "down": "\"\""}}))
                .is_empty()
        );

        let mut before = crate::apply::testing::sample();
        before.types.insert(
            "Input".to_owned(),
            json!({"type": "object", "properties": {"a": {}}}),
        );
        if let Some(endpoint) = before.endpoints.get_mut("users.create") {
            endpoint.request = Some(crate::Body {
                media_type: "application/json".to_owned(),
                schema: json!({"$ref": "#/types/Input"}),
                description: None,
            });
        }
        assert!(
            findings_on(
                &before,
                json!({"remove_field": {"type": "Input", "field": "a"}})
            )
            .is_empty(),
            "requests only"
        );
    }

    #[test]
    fn changed_fields_need_up_or_down_unless_they_widen_or_narrow_the_right_way() {
        let change = |schema: serde_json::Value| {
            findings(json!({"change_field": {"type": "User", "field": "name", "schema": schema}}))
        };
        assert!(
            change(json!({"type": "string", "maxLength": 100, "description": "the name"}))
                .is_empty(),
            "docs only"
        );
        let found = change(json!({"type": "string", "maxLength": 50}));
        assert_one(
            &found,
            Request,
            Error,
            "/schema",
            "older requests may send values of `User.name`",
            "add `up:`",
        );
        let found = change(json!({"type": "string", "maxLength": 200}));
        assert_one(
            &found,
            Response,
            Error,
            "/schema",
            "older clients may not accept values of `User.name`",
            "add `down:`",
        );
        let found = change(json!({"type": "integer"}));
        assert_eq!(found.len(), 2, "{found:#?}");

        let found = findings(
            json!({"change_field": {"type": "Order", "field": "amount", "schema": {"type": "string"}}}),
        );
        assert_one(
            &found,
            Response,
            Error,
            "/schema",
            "`Order.amount`",
            "new value to old",
        );
        assert!(findings(json!({"change_field": {"type": "Order", "field": "amount", "schema": {"type": "string"}, "down": "tonumber"}})).is_empty());
    }

    #[test]
    fn enum_values() {
        let found = findings(json!({"add_enum_value": {"type": "Role", "value": "guest"}}));
        assert_one(
            &found,
            Response,
            Warning,
            "/value",
            "older clients do not know the new value `guest` of `Role`",
            "down_map",
        );
        assert!(
            findings(
                json!({"add_enum_value": {"type": "Role", "value": "guest", "down_map": "member"}})
            )
            .is_empty()
        );

        let found = findings(json!({"remove_enum_value": {"type": "Role", "value": "member"}}));
        assert_one(
            &found,
            Request,
            Error,
            "/value",
            "older requests may send the removed value `member` of `Role`",
            "up_map",
        );
        assert!(
            findings(
                json!({"remove_enum_value": {"type": "Role", "value": "member", "up_map": "admin"}})
            )
            .is_empty()
        );
        let found = findings(
            json!({"remove_enum_value": {"type": "Order", "field": "status", "value": "open"}}),
        );
        assert!(
            found.is_empty(),
            "`Order` only travels in responses: {found:#?}"
        );
    }
}
