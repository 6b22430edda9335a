//! Lifecycle at run time: the gate that refuses retired, sunset and unopted preview calls, and
//! the headers that tell clients where their version stands.
//!
//! Headers: `Api-Version` (served), `Api-Supported-Versions`, `Api-Deprecated-Versions`,
//! `Deprecation: @<epoch seconds>` (RFC 9745), `Sunset: <HTTP-date>` (RFC 8594) and `Link`
//! (RFC 8288) with `rel="deprecation"` / `rel="sunset"` when the version has a link.
//!
//! A sunset date is the day a version or endpoint stops working: from that day on (UTC) the gate
//! answers 410 Gone, exactly as for a retired one. Before it, the `Sunset` header announces it.

mod headers;

use apivolve_model::Lifecycle;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use http::{HeaderValue, StatusCode, header};

pub use self::headers::{
    API_DEPRECATED_VERSIONS, API_SUPPORTED_VERSIONS, API_VERSION, DEPRECATION, LifecycleHeaders,
    SUNSET, http_date,
};
use crate::negotiation::VersionInfo;
use crate::problem::Problem;

/// Why the gate refused a call.
#[derive(Clone, Debug, PartialEq)]
pub enum Refusal {
    /// Answer with this problem (410 retired or sunset, 404 preview without opt-in).
    Problem(Problem),
    /// Redirect to the successor endpoint (301 or 308).
    Redirect {
        /// The redirect status.
        status: StatusCode,
        /// The successor's location.
        location: HeaderValue,
    },
}

impl Refusal {
    /// The refusal as a problem (a redirect becomes 410 with a `location` member), for answers
    /// that cannot redirect, such as a bulk line.
    pub fn into_problem(self) -> Problem {
        match self {
            Self::Problem(problem) => problem,
            Self::Redirect { location, .. } => {
                let location = location.to_str().unwrap_or_default().to_owned();
                Problem::gone(format!(
                    "this endpoint is retired; its successor is at `{location}`"
                ))
                .with_extension("location", location)
            }
        }
    }
}

impl From<Refusal> for Problem {
    fn from(refusal: Refusal) -> Self {
        refusal.into_problem()
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Self::Problem(problem) => problem.into_response(),
            Self::Redirect { status, location } => {
                (status, [(header::LOCATION, location)]).into_response()
            }
        }
    }
}

/// Decides whether a call may go on, given the served version, the routed endpoint's lifecycle,
/// whether the client opted in to previews, where the endpoint's successor lives (for a redirect)
/// and today's date (UTC).
///
/// In order: a retired version or one past its sunset date answers 410; a retired endpoint
/// answers 410, or redirects with the status its [`Retirement`](apivolve_model::Retirement) names
/// when that is a redirect status and `successor_location` is given; an endpoint past its sunset
/// date answers 410; a preview version or endpoint without the opt-in answers 404, as if absent.
///
/// # Errors
///
/// The [`Refusal`] to answer instead of calling the endpoint.
pub fn gate(
    version: &VersionInfo,
    endpoint_id: &str,
    endpoint: &Lifecycle,
    preview_opt_in: bool,
    successor_location: Option<String>,
    today: NaiveDate,
) -> Result<(), Refusal> {
    let number = &version.version;
    if version.lifecycle.retired {
        return Err(Refusal::Problem(Problem::gone(format!(
            "version `{number}` is retired"
        ))));
    }
    if let Some(sunset) = version.lifecycle.sunset.filter(|sunset| *sunset <= today) {
        return Err(Refusal::Problem(Problem::gone(format!(
            "version `{number}` was sunset on {sunset}"
        ))));
    }
    if let Some(retirement) = &endpoint.retired {
        let redirect = retirement
            .redirect
            .and_then(|status| StatusCode::from_u16(status).ok());
        let location =
            successor_location.and_then(|location| HeaderValue::from_str(&location).ok());
        if let (Some(status), Some(location)) =
            (redirect.filter(StatusCode::is_redirection), location)
        {
            return Err(Refusal::Redirect { status, location });
        }
        let problem = match &retirement.successor {
            Some(successor) => Problem::gone(format!(
                "{endpoint_id} is retired; use `{successor}` instead"
            ))
            .with_extension("successor", successor.as_str()),
            None => Problem::gone(format!("{endpoint_id} is retired")),
        };
        return Err(Refusal::Problem(problem));
    }
    if let Some(sunset) = endpoint.sunset.filter(|sunset| *sunset <= today) {
        return Err(Refusal::Problem(Problem::gone(format!(
            "{endpoint_id} was sunset on {sunset}"
        ))));
    }
    if !preview_opt_in && version.lifecycle.preview {
        return Err(Refusal::Problem(Problem::not_found(format!(
            "version `{number}` is not available"
        ))));
    }
    if !preview_opt_in && endpoint.preview {
        return Err(Refusal::Problem(Problem::not_found(
            "no endpoint at this path",
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use apivolve_model::{Retirement, VersionLifecycle};
    use semver::Version;

    use super::*;

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    fn version(number: &str, lifecycle: VersionLifecycle) -> VersionInfo {
        VersionInfo::new(Version::parse(number).unwrap(), lifecycle)
    }

    const TODAY: &str = "2025-03-01";

    /// Version lifecycle, endpoint lifecycle, opt-in, successor location, expected refusal.
    type Case<'a> = (
        VersionLifecycle,
        Lifecycle,
        bool,
        Option<&'a str>,
        Option<(u16, String)>,
    );

    fn refused(
        version: &VersionInfo,
        endpoint: &Lifecycle,
        opt_in: bool,
        successor: Option<&str>,
    ) -> Option<Refusal> {
        gate(
            version,
            "users.get",
            endpoint,
            opt_in,
            successor.map(str::to_owned),
            date(TODAY),
        )
        .err()
    }

    fn status(refusal: Option<Refusal>) -> Option<(u16, String)> {
        refusal.map(|refusal| match refusal {
            Refusal::Problem(problem) => (problem.status.as_u16(), problem.detail.clone()),
            Refusal::Redirect { status, location } => {
                (status.as_u16(), location.to_str().unwrap().to_owned())
            }
        })
    }

    #[test]
    fn gate_answers_per_state() {
        let stable = VersionLifecycle::default();
        let retired_version = VersionLifecycle {
            retired: true,
            ..VersionLifecycle::default()
        };
        let sunset_past = VersionLifecycle {
            sunset: Some(date("2025-03-01")),
            ..VersionLifecycle::default()
        };
        let sunset_future = VersionLifecycle {
            sunset: Some(date("2025-03-02")),
            ..VersionLifecycle::default()
        };
        let deprecated = VersionLifecycle {
            deprecated: Some(date("2020-01-01")),
            ..VersionLifecycle::default()
        };
        let preview_version = VersionLifecycle {
            preview: true,
            ..VersionLifecycle::default()
        };
        let plain = Lifecycle::default();
        let retire = |successor: Option<&str>, redirect: Option<u16>| Lifecycle {
            retired: Some(Retirement {
                successor: successor.map(str::to_owned),
                redirect,
            }),
            ..Lifecycle::default()
        };
        let endpoint_sunset = Lifecycle {
            sunset: Some(date("2024-12-31")),
            ..Lifecycle::default()
        };
        let endpoint_deprecated = Lifecycle {
            deprecated: Some(date("2024-12-31")),
            ..Lifecycle::default()
        };
        let preview = Lifecycle {
            preview: true,
            ..Lifecycle::default()
        };
        let gone = |detail: &str| Some((410, detail.to_owned()));
        let table: Vec<Case<'_>> = vec![
            (stable.clone(), plain.clone(), false, None, None),
            (
                deprecated.clone(),
                endpoint_deprecated.clone(),
                false,
                None,
                None,
            ),
            (sunset_future.clone(), plain.clone(), false, None, None),
            (
                retired_version.clone(),
                plain.clone(),
                true,
                None,
                gone("version `1.0.0` is retired"),
            ),
            (
                sunset_past.clone(),
                plain.clone(),
                false,
                None,
                gone("version `1.0.0` was sunset on 2025-03-01"),
            ),
            (
                stable.clone(),
                retire(None, None),
                false,
                None,
                gone("users.get is retired"),
            ),
            (
                stable.clone(),
                retire(Some("users.list"), None),
                false,
                Some("/api/v1/users"),
                gone("users.get is retired; use `users.list` instead"),
            ),
            (
                stable.clone(),
                retire(Some("users.list"), Some(308)),
                false,
                Some("/api/v1/users"),
                Some((308, "/api/v1/users".to_owned())),
            ),
            (
                stable.clone(),
                retire(Some("users.list"), Some(301)),
                false,
                Some("/api/v1/users"),
                Some((301, "/api/v1/users".to_owned())),
            ),
            (
                stable.clone(),
                retire(Some("users.list"), Some(308)),
                false,
                None,
                gone("users.get is retired; use `users.list` instead"),
            ),
            (
                stable.clone(),
                retire(Some("users.list"), Some(200)),
                false,
                Some("/x"),
                gone("users.get is retired; use `users.list` instead"),
            ),
            (
                stable.clone(),
                endpoint_sunset,
                false,
                None,
                gone("users.get was sunset on 2024-12-31"),
            ),
            (
                stable.clone(),
                preview.clone(),
                false,
                None,
                Some((404, "no endpoint at this path".to_owned())),
            ),
            (stable, preview, true, None, None),
            (
                preview_version.clone(),
                plain.clone(),
                false,
                None,
                Some((404, "version `1.0.0` is not available".to_owned())),
            ),
            (preview_version, plain, true, None, None),
        ];
        for (version_lifecycle, endpoint, opt_in, successor, expected) in table {
            let info = version("1.0.0", version_lifecycle.clone());
            let got = status(refused(&info, &endpoint, opt_in, successor));
            assert_eq!(
                got, expected,
                "{version_lifecycle:?} {endpoint:?} opt_in={opt_in}"
            );
        }
    }

    #[test]
    fn retired_beats_preview() {
        let info = version(
            "1.0.0",
            VersionLifecycle {
                preview: true,
                retired: true,
                ..VersionLifecycle::default()
            },
        );
        let got = status(refused(&info, &Lifecycle::default(), false, None));
        assert_eq!(got.map(|(status, _)| status), Some(410));
    }

    #[test]
    fn refusal_responses_and_problems() {
        let redirect = Refusal::Redirect {
            status: StatusCode::PERMANENT_REDIRECT,
            location: HeaderValue::from_static("/api/v2/x"),
        };
        let response = redirect.clone().into_response();
        assert_eq!(response.status(), StatusCode::PERMANENT_REDIRECT);
        assert_eq!(response.headers()[header::LOCATION], "/api/v2/x");
        let problem = redirect.into_problem();
        assert_eq!(problem.status, StatusCode::GONE);
        assert_eq!(problem.extensions["location"], "/api/v2/x");
        let response = Refusal::Problem(Problem::gone("x")).into_response();
        assert_eq!(response.status(), StatusCode::GONE);
        assert_eq!(
            response.headers()[header::CONTENT_TYPE],
            "application/problem+json"
        );
    }
}
