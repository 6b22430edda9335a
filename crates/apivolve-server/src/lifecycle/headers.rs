//! The response headers that tell clients where their version stands: `Api-Version`,
//! `Api-Supported-Versions`, `Api-Deprecated-Versions`, `Deprecation` (RFC 9745), `Sunset`
//! (RFC 8594) and `Link` (RFC 8288).

use apivolve_model::{Lifecycle, VersionLifecycle};
use chrono::{NaiveDate, NaiveTime};
use http::{HeaderMap, HeaderName, HeaderValue, header};
use semver::Version;

use crate::negotiation::VersionInfo;

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
    /// The `Api-Version` value of each version of the chain.
    served: Vec<(Version, HeaderValue)>,
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
            served: versions
                .iter()
                .filter_map(|info| {
                    let value = HeaderValue::from_str(&info.version.to_string()).ok()?;
                    Some((info.version.clone(), value))
                })
                .collect(),
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
        let known = self
            .served
            .iter()
            .find(|(version, _)| *version == served.version)
            .map(|(_, value)| value.clone());
        if let Some(value) =
            known.or_else(|| HeaderValue::from_str(&served.version.to_string()).ok())
        {
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

#[cfg(test)]
mod tests {
    use semver::Version;

    use super::*;

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    fn version(number: &str, lifecycle: VersionLifecycle) -> VersionInfo {
        VersionInfo::new(Version::parse(number).unwrap(), lifecycle)
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
