//! Findings that changes declare rather than the schema shows: status mappings and `custom`.

use super::{Finding, Location, Rule};
use crate::change::{Change, DeclaredImpact};

/// The findings declared by a list of changes, in order.
pub fn declared_findings<'a>(changes: impl IntoIterator<Item = &'a Change>) -> Vec<Finding> {
    changes.into_iter().filter_map(declared).collect()
}

fn declared(change: &Change) -> Option<Finding> {
    let (rule, endpoint, message) = match change {
        Change::ChangeStatus(op) => {
            let scope = match &op.endpoint {
                Some(endpoint) => format!("`{endpoint}`"),
                None => "every endpoint".to_owned(),
            };
            (
                Rule::StatusCodeChanged,
                op.endpoint.clone(),
                format!(
                    "{scope} now answers `{}` where it answered `{}`",
                    op.to, op.from
                ),
            )
        }
        Change::Custom(op) => {
            let rule = match op.impact {
                DeclaredImpact::Breaking => Rule::CustomBreakingChange,
                DeclaredImpact::Additive => Rule::CustomAdditiveChange,
                DeclaredImpact::Patch => Rule::CustomPatchChange,
            };
            let scope = match (&op.endpoint, &op.type_name) {
                (Some(endpoint), _) => format!("`{endpoint}`"),
                (None, Some(type_name)) => format!("type `{type_name}`"),
                (None, None) => "the API".to_owned(),
            };
            (
                rule,
                op.endpoint.clone(),
                format!("{scope}: {}", op.description.trim()),
            )
        }
        _ => return None,
    };
    Some(Finding {
        rule,
        level: rule.level(),
        direction: rule.direction(),
        location: Location {
            endpoint,
            method: None,
            status: None,
            parameter: None,
            pointer: String::new(),
            type_name: None,
        },
        message,
    })
}
