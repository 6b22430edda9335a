//! Lifecycle at run time: the gate that refuses retired, sunset and unopted preview calls, and
//! the headers that tell clients where their version stands.
//!
//! Headers: `Api-Version` (served), `Api-Supported-Versions`, `Api-Deprecated-Versions`,
//! `Deprecation: @<epoch seconds>` (RFC 9745), `Sunset: <HTTP-date>` (RFC 8594) and `Link`
//! (RFC 8288) with `rel="deprecation"` / `rel="sunset"` when the version has a link.
//!
//! A sunset date is the day a version or endpoint stops working: from that day on (UTC) the gate
//! answers 410 Gone, exactly as for a retired one. Before it, the `Sunset` header announces it.

use apivolve_model::{Lifecycle, VersionLifecycle};
use axum::response::{IntoResponse, Response};
use chrono::{NaiveDate, NaiveTime};
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};

use crate::negotiation::VersionInfo;
use crate::problem::Problem;

/// `Api-Version`: the version that served the response.
pub const API_VERSION: HeaderName = HeaderName::from_static("api-version");
/// `Api-Supported-Versions`: every version a client may still use.
pub const API_SUPPORTED_VERSIONS: HeaderName = HeaderName::from_static("api-supported-versions");
/// `Api-Deprecated-Versions`: the versions that are deprecated or have a sunset date.
pub const API_DEPRECATED_VERSIONS: HeaderName = HeaderName::from_static("api-deprecated-versions");
/// `Deprecation` (RFC 9745).
pub const DEPRECATION: HeaderName = HeaderName::from_static("deprecation");
/// `Sunset` (RFC 8594).
pub const SUNSET: HeaderName = HeaderName::from_static("sunset");

/// The lifecycle headers of one API, with the version lists computed once.
#[derive(Clone, Debug)]
pub struct LifecycleHeaders {
    supported: Option<HeaderValue>,
    deprecated: Option<HeaderValue>,
}

impl LifecycleHeaders {
    /// The headers for the served chain `versions`.
    pub fn new(versions: &[VersionInfo]) -> Self {
        let list = |keep: &dyn Fn(&VersionInfo) -> bool| {
            let text = versions
                .iter()
                .filter(|info| keep(info))
                .map(|info| info.version.to_string())
                .collect::<Vec<_>>()
                .join(", ");
            HeaderValue::from_str(&text)
                .ok()
                .filter(|value| !value.is_empty())
        };
        Self {
            supported: list(&VersionInfo::is_live),
            deprecated: list(&|info| {
                info.is_live()
                    && (info.lifecycle.deprecated.is_some() || info.lifecycle.sunset.is_some())
            }),
        }
    }

    /// Adds the headers for a response served at `served`, by an endpoint with lifecycle
    /// `endpoint` when one was routed.
    pub fn apply(
        &self,
        headers: &mut HeaderMap,
        served: &VersionInfo,
        endpoint: Option<&Lifecycle>,
    ) {
        if let Ok(value) = HeaderValue::from_str(&served.version.to_string()) {
            headers.insert(API_VERSION, value);
        }
        if let Some(value) = &self.supported {
            headers.insert(API_SUPPORTED_VERSIONS, value.clone());
        }
        if let Some(value) = &self.deprecated {
            headers.insert(API_DEPRECATED_VERSIONS, value.clone());
        }
        let version = &served.lifecycle;
        let deprecated = earliest(
            version.deprecated,
            endpoint.and_then(|lifecycle| lifecycle.deprecated),
        );
        let sunset = earliest(
            version.sunset,
            endpoint.and_then(|lifecycle| lifecycle.sunset),
        );
        if let Some(date) = deprecated {
            headers.insert(DEPRECATION, deprecation_value(date));
            append_link(headers, version, "deprecation");
        }
        if let Some(date) = sunset {
            if let Ok(value) = HeaderValue::from_str(&http_date(date)) {
                headers.insert(SUNSET, value);
            }
            append_link(headers, version, "sunset");
        }
    }
}

/// The earlier of two optional dates.
fn earliest(first: Option<NaiveDate>, second: Option<NaiveDate>) -> Option<NaiveDate> {
    match (first, second) {
        (Some(first), Some(second)) => Some(first.min(second)),
        (first, second) => first.or(second),
    }
}

/// `@<seconds since the epoch>` of the date's midnight UTC (RFC 9745).
fn deprecation_value(date: NaiveDate) -> HeaderValue {
    let seconds = date.and_time(NaiveTime::MIN).and_utc().timestamp();
    HeaderValue::from_str(&format!("@{seconds}")).unwrap_or_else(|_| HeaderValue::from_static("@0"))
}

/// The IMF-fixdate of the date's midnight (`Sun, 01 Jun 2025 00:00:00 GMT`).
pub fn http_date(date: NaiveDate) -> String {
    date.format("%a, %d %b %Y 00:00:00 GMT").to_string()
}

/// `Link: <url>; rel="..."; type="text/html"` when the version has a link.
fn append_link(headers: &mut HeaderMap, version: &VersionLifecycle, rel: &str) {
    let Some(link) = &version.link else {
        return;
    };
    if let Ok(value) =
        HeaderValue::from_str(&format!("<{link}>; rel=\"{rel}\"; type=\"text/html\""))
    {
        headers.append(header::LINK, value);
    }
}

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
                "this endpoint is retired; use `{successor}` instead"
            ))
            .with_extension("successor", successor.as_str()),
            None => Problem::gone("this endpoint is retired"),
        };
        return Err(Refusal::Problem(problem));
    }
    if let Some(sunset) = endpoint.sunset.filter(|sunset| *sunset <= today) {
        return Err(Refusal::Problem(Problem::gone(format!(
            "this endpoint was sunset on {sunset}"
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
    use apivolve_model::Retirement;
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
                gone("this endpoint is retired"),
            ),
            (
                stable.clone(),
                retire(Some("users.list"), None),
                false,
                Some("/api/v1/users"),
                gone("this endpoint is retired; use `users.list` instead"),
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
                gone("this endpoint is retired; use `users.list` instead"),
            ),
            (
                stable.clone(),
                retire(Some("users.list"), Some(200)),
                false,
                Some("/x"),
                gone("this endpoint is retired; use `users.list` instead"),
            ),
            (
                stable.clone(),
                endpoint_sunset,
                false,
                None,
                gone("this endpoint was sunset on 2024-12-31"),
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

    fn chain() -> Vec<VersionInfo> {
        let link = Some("https://example.com/deprecations/v1".to_owned());
        vec![
            VersionInfo {
                supported: false,
                ..version("0.9.0", VersionLifecycle::default())
            },
            version(
                "1.0.0",
                VersionLifecycle {
                    retired: true,
                    ..VersionLifecycle::default()
                },
            ),
            version(
                "1.1.0",
                VersionLifecycle {
                    deprecated: Some(date("2025-01-01")),
                    sunset: Some(date("2025-06-01")),
                    link,
                    ..VersionLifecycle::default()
                },
            ),
            version("2.0.0", VersionLifecycle::default()),
        ]
    }

    fn headers(served: &VersionInfo, endpoint: Option<&Lifecycle>) -> Vec<(String, String)> {
        let mut map = HeaderMap::new();
        LifecycleHeaders::new(&chain()).apply(&mut map, served, endpoint);
        map.iter()
            .map(|(name, value)| (name.to_string(), value.to_str().unwrap().to_owned()))
            .collect()
    }

    fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
        expected
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
            .collect()
    }

    #[test]
    fn stable_version_gets_the_version_lists() {
        let versions = chain();
        assert_eq!(
            headers(&versions[3], None),
            pairs(&[
                ("api-version", "2.0.0"),
                ("api-supported-versions", "1.1.0, 2.0.0"),
                ("api-deprecated-versions", "1.1.0"),
            ])
        );
    }

    #[test]
    fn deprecated_version_gets_deprecation_sunset_and_links() {
        let versions = chain();
        assert_eq!(
            headers(&versions[2], None),
            pairs(&[
                ("api-version", "1.1.0"),
                ("api-supported-versions", "1.1.0, 2.0.0"),
                ("api-deprecated-versions", "1.1.0"),
                ("deprecation", "@1735689600"),
                (
                    "link",
                    "<https://example.com/deprecations/v1>; rel=\"deprecation\"; type=\"text/html\""
                ),
                (
                    "link",
                    "<https://example.com/deprecations/v1>; rel=\"sunset\"; type=\"text/html\""
                ),
                ("sunset", "Sun, 01 Jun 2025 00:00:00 GMT"),
            ])
        );
    }

    #[test]
    fn endpoint_dates_apply_and_the_earliest_wins() {
        let versions = chain();
        let endpoint = Lifecycle {
            deprecated: Some(date("2024-07-01")),
            sunset: Some(date("2025-12-31")),
            ..Lifecycle::default()
        };
        let got = headers(&versions[3], Some(&endpoint));
        assert!(
            got.contains(&("deprecation".to_owned(), "@1719792000".to_owned())),
            "{got:?}"
        );
        assert!(
            got.contains(&(
                "sunset".to_owned(),
                "Wed, 31 Dec 2025 00:00:00 GMT".to_owned()
            )),
            "{got:?}"
        );
        assert!(
            !got.iter().any(|(name, _)| name == "link"),
            "no link without a version link: {got:?}"
        );
        let got = headers(&versions[2], Some(&endpoint));
        assert!(
            got.contains(&("deprecation".to_owned(), "@1719792000".to_owned())),
            "{got:?}"
        );
        assert!(
            got.contains(&(
                "sunset".to_owned(),
                "Sun, 01 Jun 2025 00:00:00 GMT".to_owned()
            )),
            "{got:?}"
        );
    }

    #[test]
    fn http_dates_are_imf_fixdates() {
        assert_eq!(
            http_date(date("1994-11-06")),
            "Sun, 06 Nov 1994 00:00:00 GMT"
        );
        assert_eq!(
            http_date(date("2025-06-01")),
            "Sun, 01 Jun 2025 00:00:00 GMT"
        );
    }
}
