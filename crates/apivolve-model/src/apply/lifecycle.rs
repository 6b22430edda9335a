//! `set_lifecycle`: preview, stable, deprecated, sunset and retired.
//!
//! `preview` and `stable` replace the whole lifecycle. `deprecated` and `sunset` set their date
//! and keep the other one (a sunset may not precede the deprecation). `retired` keeps both dates
//! (older versions still announce them) and may name a successor, to which calls are redirected
//! with 301 or 308 when `redirect` says so.

use chrono::NaiveDate;

use super::ApplyError;
use super::draft::Draft;
use super::util::{endpoint_mut, find_endpoint};
use crate::change::{LifecycleState, SetLifecycle};
use crate::snapshot::{Lifecycle, Retirement};

/// Checks a lifecycle as written in an endpoint (`add_endpoint`); `base` is its pointer.
pub(super) fn check_lifecycle(
    draft: &Draft<'_>,
    id: &str,
    lifecycle: &Lifecycle,
    base: &str,
) -> Result<(), ApplyError> {
    if let Some(retired) = &lifecycle.retired {
        check_retirement(
            draft,
            id,
            retired.successor.as_deref(),
            retired.redirect,
            &format!("{base}/retired/successor"),
            &format!("{base}/retired/redirect"),
        )?;
    }
    if let (Some(deprecated), Some(sunset)) = (lifecycle.deprecated, lifecycle.sunset) {
        check_order(deprecated, sunset, &format!("{base}/sunset"))?;
    }
    Ok(())
}

fn check_retirement(
    draft: &Draft<'_>,
    id: &str,
    successor: Option<&str>,
    redirect: Option<u16>,
    successor_pointer: &str,
    redirect_pointer: &str,
) -> Result<(), ApplyError> {
    if let Some(successor) = successor {
        if successor == id {
            return Err(ApplyError::new(
                successor_pointer,
                format!("endpoint `{id}` cannot succeed itself"),
            )
            .hint("name the endpoint that replaces it, or leave `successor` out"));
        }
        find_endpoint(draft, successor, successor_pointer)?;
    }
    match redirect {
        Some(status) if status != 301 && status != 308 => Err(ApplyError::new(
            redirect_pointer,
            format!("`{status}` is not a redirect status for a retired endpoint"),
        )
        .hint("use `301` (moved permanently) or `308` (permanent redirect, keeps the method)")),
        Some(_) if successor.is_none() => Err(ApplyError::new(
            redirect_pointer,
            "`redirect` needs a `successor` to redirect to",
        )
        .hint("name the `successor`, or leave `redirect` out to answer `410 Gone`")),
        _ => Ok(()),
    }
}

fn check_order(deprecated: NaiveDate, sunset: NaiveDate, pointer: &str) -> Result<(), ApplyError> {
    if sunset < deprecated {
        return Err(ApplyError::new(
            pointer,
            format!("sunset date `{sunset}` precedes the deprecation date `{deprecated}`"),
        )
        .hint(format!("sunset on or after `{deprecated}`")));
    }
    Ok(())
}

fn state_name(state: LifecycleState) -> &'static str {
    match state {
        LifecycleState::Preview => "preview",
        LifecycleState::Stable => "stable",
        LifecycleState::Deprecated => "deprecated",
        LifecycleState::Sunset => "sunset",
        LifecycleState::Retired => "retired",
    }
}

/// Refuses the keys a state does not take.
fn check_keys(change: &SetLifecycle) -> Result<(), ApplyError> {
    let state = state_name(change.state);
    let dated = matches!(
        change.state,
        LifecycleState::Deprecated | LifecycleState::Sunset
    );
    let retired = change.state == LifecycleState::Retired;
    if change.date.is_some() && !dated {
        return Err(
            ApplyError::new("/date", format!("`{state}` takes no `date`")).hint("leave `date` out"),
        );
    }
    if change.date.is_none() && dated {
        return Err(
            ApplyError::new("/state", format!("`{state}` needs a `date`")).hint(format!(
                "add `date: YYYY-MM-DD`, the day the endpoint is {state}"
            )),
        );
    }
    if change.successor.is_some() && !retired {
        return Err(
            ApplyError::new("/successor", format!("`{state}` takes no `successor`"))
                .hint("only `retired` names a successor"),
        );
    }
    if change.redirect.is_some() && !retired {
        return Err(
            ApplyError::new("/redirect", format!("`{state}` takes no `redirect`"))
                .hint("only `retired` redirects"),
        );
    }
    Ok(())
}

pub(super) fn set_lifecycle(
    draft: &mut Draft<'_>,
    change: &SetLifecycle,
) -> Result<(), ApplyError> {
    let current = find_endpoint(draft, &change.endpoint, "/endpoint")?
        .lifecycle
        .clone();
    check_keys(change)?;
    let next = match (change.state, change.date) {
        (LifecycleState::Preview, _) => Lifecycle {
            preview: true,
            ..Lifecycle::default()
        },
        (LifecycleState::Stable, _) => Lifecycle::default(),
        (LifecycleState::Deprecated, Some(date)) => {
            if let Some(sunset) = current.sunset {
                check_order(date, sunset, "/date")?;
            }
            Lifecycle {
                deprecated: Some(date),
                sunset: current.sunset,
                ..Lifecycle::default()
            }
        }
        (LifecycleState::Sunset, Some(date)) => {
            if let Some(deprecated) = current.deprecated {
                check_order(deprecated, date, "/date")?;
            }
            Lifecycle {
                deprecated: current.deprecated,
                sunset: Some(date),
                ..Lifecycle::default()
            }
        }
        (LifecycleState::Retired, _) => {
            check_retirement(
                draft,
                &change.endpoint,
                change.successor.as_deref(),
                change.redirect,
                "/successor",
                "/redirect",
            )?;
            let retirement = Retirement {
                successor: change.successor.clone(),
                redirect: change.redirect,
            };
            Lifecycle {
                deprecated: current.deprecated,
                sunset: current.sunset,
                retired: Some(retirement),
                preview: false,
            }
        }
        (LifecycleState::Deprecated | LifecycleState::Sunset, None) => return Ok(()), // refused by `check_keys`
    };
    if next == current {
        return Err(ApplyError::new(
            "/state",
            format!(
                "endpoint `{}` is already {}",
                change.endpoint,
                state_name(change.state)
            ),
        )
        .hint("remove this change"));
    }
    endpoint_mut(draft, &change.endpoint, "/endpoint")?.lifecycle = next;
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use serde_json::json;

    use crate::apply::testing::{applied, assert_error, change, fails};

    fn day(text: &str) -> Option<NaiveDate> {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
    }

    #[test]
    fn states_set_and_keep_what_they_should() {
        let mut snapshot = applied(
            json!({"set_lifecycle": {"endpoint": "users.get", "state": "deprecated", "date": "2025-01-01"}}),
        );
        for step in [
            json!({"set_lifecycle": {"endpoint": "users.get", "state": "sunset", "date": "2025-06-01"}}),
            json!({"set_lifecycle": {"endpoint": "users.get", "state": "retired", "successor": "orders.list", "redirect": 308}}),
        ] {
            crate::apply::apply(&mut snapshot, &change(step)).unwrap();
        }
        let lifecycle = &snapshot.endpoints["users.get"].lifecycle;
        assert_eq!(lifecycle.deprecated, day("2025-01-01"));
        assert_eq!(lifecycle.sunset, day("2025-06-01"));
        assert_eq!(
            lifecycle.retired.as_ref().and_then(|r| r.redirect),
            Some(308)
        );

        crate::apply::apply(
            &mut snapshot,
            &change(json!({"set_lifecycle": {"endpoint": "users.get", "state": "stable"}})),
        )
        .unwrap();
        assert!(snapshot.endpoints["users.get"].lifecycle.is_stable());
        let snapshot =
            applied(json!({"set_lifecycle": {"endpoint": "users.get", "state": "preview"}}));
        assert!(snapshot.endpoints["users.get"].lifecycle.preview);
    }

    #[test]
    fn lifecycle_errors() {
        let set = |body: serde_json::Value| json!({"set_lifecycle": body});
        let error = fails(set(json!({"endpoint": "users.gt", "state": "stable"})));
        assert_error(
            &error,
            "/endpoint",
            "unknown endpoint `users.gt`",
            "did you mean `users.get`?",
        );
        let error = fails(set(json!({"endpoint": "users.get", "state": "deprecated"})));
        assert_error(
            &error,
            "/state",
            "`deprecated` needs a `date`",
            "YYYY-MM-DD",
        );
        let error = fails(set(
            json!({"endpoint": "users.get", "state": "stable", "date": "2025-01-01"}),
        ));
        assert_error(
            &error,
            "/date",
            "`stable` takes no `date`",
            "leave `date` out",
        );
        let error = fails(set(json!({"endpoint": "users.get", "state": "stable"})));
        assert_error(
            &error,
            "/state",
            "endpoint `users.get` is already stable",
            "remove this change",
        );
        let error = fails(set(
            json!({"endpoint": "users.get", "state": "retired", "redirect": 308}),
        ));
        assert_error(
            &error,
            "/redirect",
            "`redirect` needs a `successor`",
            "410 Gone",
        );
        let error = fails(set(
            json!({"endpoint": "users.get", "state": "retired", "successor": "orders.list", "redirect": 302}),
        ));
        assert_error(
            &error,
            "/redirect",
            "`302` is not a redirect status",
            "`308`",
        );
        let error = fails(set(
            json!({"endpoint": "users.get", "state": "retired", "successor": "users.gett"}),
        ));
        assert_error(&error, "/successor", "unknown endpoint `users.gett`", "");
        let error = fails(set(
            json!({"endpoint": "users.get", "state": "deprecated", "date": "2025-01-01", "successor": "orders.list"}),
        ));
        assert_error(
            &error,
            "/successor",
            "`deprecated` takes no `successor`",
            "only `retired`",
        );

        let mut snapshot = applied(set(
            json!({"endpoint": "users.get", "state": "deprecated", "date": "2025-06-01"}),
        ));
        let early = change(set(
            json!({"endpoint": "users.get", "state": "sunset", "date": "2025-01-01"}),
        ));
        let error = crate::apply::apply(&mut snapshot, &early).unwrap_err();
        assert_error(
            &error,
            "/date",
            "sunset date `2025-01-01` precedes the deprecation date `2025-06-01`",
            "on or after",
        );
    }
}
