//! Lifecycle changes of an endpoint: preview, deprecation, sunset and retirement.
//!
//! All are non-breaking patch-level findings except two: retiring an endpoint is breaking for
//! the clients of the version that retires it (they get `410 Gone` or a redirect, as if it were
//! removed), and moving a stable endpoint back to preview is breaking for clients that have
//! not opted in to previews.

use super::Rule;
use super::walk::Walker;
use crate::snapshot::{Lifecycle, Retirement};

impl Walker<'_> {
    pub(super) fn lifecycle(&mut self, id: &str, old: &Lifecycle, new: &Lifecycle) {
        match (old.preview, new.preview) {
            (false, true) => self.report_endpoint(
                Rule::EndpointBecamePreview,
                id,
                None,
                format!("endpoint `{id}` went back to preview"),
            ),
            (true, false) => {
                self.report_endpoint(
                    Rule::EndpointLeftPreview,
                    id,
                    None,
                    format!("endpoint `{id}` left preview"),
                );
            }
            _ => {}
        }
        let deprecation = match (old.deprecated, new.deprecated) {
            (None, Some(date)) => Some((
                Rule::EndpointDeprecated,
                format!("endpoint `{id}` is deprecated since {date}"),
            )),
            (Some(before), Some(after)) if before != after => Some((
                Rule::EndpointDeprecated,
                format!("deprecation date of `{id}` changed from {before} to {after}"),
            )),
            (Some(_), None) => Some((
                Rule::EndpointUndeprecated,
                format!("endpoint `{id}` is no longer deprecated"),
            )),
            _ => None,
        };
        let sunset = match (old.sunset, new.sunset) {
            (None, Some(date)) => Some((
                Rule::EndpointSunsetSet,
                format!("endpoint `{id}` sunsets on {date}"),
            )),
            (Some(before), Some(after)) if before != after => {
                let direction = if after < before { "earlier" } else { "later" };
                Some((
                    Rule::EndpointSunsetChanged,
                    format!("sunset of `{id}` moved {direction}, from {before} to {after}"),
                ))
            }
            (Some(date), None) => Some((
                Rule::EndpointSunsetRemoved,
                format!("sunset date {date} of `{id}` was withdrawn"),
            )),
            _ => None,
        };
        let retirement = match (&old.retired, &new.retired) {
            (None, Some(retirement)) => Some((
                Rule::EndpointRetired,
                format!("endpoint `{id}` was retired{}", describe(retirement)),
            )),
            (Some(before), Some(after)) if before != after => Some((
                Rule::EndpointRetirementChanged,
                format!(
                    "retirement of `{id}` changed from{} to{}",
                    describe_or_gone(before),
                    describe_or_gone(after)
                ),
            )),
            (Some(_), None) => Some((
                Rule::EndpointUnretired,
                format!("retired endpoint `{id}` is served again"),
            )),
            _ => None,
        };
        for (rule, message) in [deprecation, sunset, retirement].into_iter().flatten() {
            self.report_endpoint(rule, id, None, message);
        }
    }
}

/// ` (successor `users.get`, redirect 308)`, or nothing.
fn describe(retirement: &Retirement) -> String {
    let mut parts = Vec::new();
    if let Some(successor) = &retirement.successor {
        parts.push(format!("successor `{successor}`"));
    }
    if let Some(redirect) = retirement.redirect {
        parts.push(format!("redirect {redirect}"));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(" ({})", parts.join(", "))
    }
}

fn describe_or_gone(retirement: &Retirement) -> String {
    match describe(retirement).as_str() {
        "" => " `410 Gone`".to_owned(),
        text => text.to_owned(),
    }
}
