//! Lifecycle through the whole layer: every state's status and headers, for versions (set in
//! `apivolve.toml`) and for endpoints (set by `set_lifecycle`).

use std::fs;

use axum::body::Body;
use chrono::{NaiveDate, NaiveTime};
use http::StatusCode;
use serde_json::Value;

use crate::versioning::{Answer, Served, fixture, serve, serve_dir};
use crate::versioning_negotiation::copy_dir;

const LINK: &str = "https://shop.example/migrating-from-v1";

fn epoch(date: &str) -> String {
    let date = NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap();
    format!("@{}", date.and_time(NaiveTime::MIN).and_utc().timestamp())
}

/// The fixture with `[versions."1.0.0"]` replaced by `lifecycle`.
fn with_v1_lifecycle(lifecycle: &str) -> (tempfile::TempDir, Served) {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture(), dir.path());
    let path = dir.path().join("apivolve.toml");
    let config = fs::read_to_string(&path).unwrap();
    let start = config.find("[versions.\"1.0.0\"]").unwrap();
    let end = config[start..]
        .find("\n\n")
        .map_or(config.len(), |end| start + end);
    let config = format!(
        "{}[versions.\"1.0.0\"]\n{lifecycle}{}",
        &config[..start],
        &config[end..]
    );
    fs::write(&path, config).unwrap();
    let served = serve_dir(dir.path());
    (dir, served)
}

async fn get(served: &Served, uri: &str, headers: &[(&str, &str)]) -> Answer {
    let mut request = http::Request::get(uri);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    served.send(request.body(Body::empty()).unwrap()).await
}

#[tokio::test]
async fn a_deprecated_version_with_a_future_sunset_is_served_with_its_headers() {
    let served = serve();
    let answer = get(&served, "/api/v1/items", &[]).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.header("api-version"), Some("1.0.0"));
    assert_eq!(
        answer.header("deprecation"),
        Some(epoch("2026-01-01").as_str())
    );
    assert_eq!(
        answer.header("sunset"),
        Some("Thu, 31 Dec 2099 00:00:00 GMT")
    );
    let links: Vec<&str> = answer
        .headers
        .get_all("link")
        .iter()
        .map(|value| value.to_str().unwrap())
        .collect();
    assert_eq!(
        links,
        [
            format!("<{LINK}>; rel=\"deprecation\"; type=\"text/html\""),
            format!("<{LINK}>; rel=\"sunset\"; type=\"text/html\""),
        ]
    );
    assert_eq!(answer.header("api-deprecated-versions"), Some("1.0.0"));
    assert_eq!(
        answer.header("api-supported-versions"),
        Some("1.0.0, 2.0.0, 3.0.0, 4.0.0, 4.1.0")
    );
    // Errors carry the headers too.
    let answer = get(&served, "/api/v1/items/9", &[]).await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    assert!(answer.header("deprecation").is_some());
    // A stable version has none of them.
    let answer = get(&served, "/api/v2/items", &[]).await;
    assert_eq!(answer.status, StatusCode::OK);
    for name in ["deprecation", "sunset", "link"] {
        assert!(answer.header(name).is_none(), "{name}");
    }
}

#[tokio::test]
async fn endpoint_states_at_each_version() {
    let served = serve();
    // (URI, preview opt-in, status, Deprecation, Sunset, Location)
    type Row<'a> = (
        &'a str,
        bool,
        u16,
        Option<&'a str>,
        Option<&'a str>,
        Option<&'a str>,
    );
    let deprecated = epoch("2026-01-01");
    let table: [Row<'_>; 10] = [
        // items.get is deprecated with a sunset from 4.0.0 on; before, it is stable.
        ("/api/v2/products/1", false, 200, None, None, None),
        ("/api/3.0.0/products/1", false, 200, None, None, None),
        (
            "/api/4.0.0/products/1",
            false,
            200,
            Some(&deprecated),
            Some("Mon, 01 Jun 2099 00:00:00 GMT"),
            None,
        ),
        (
            "/api/v4/products/1",
            false,
            200,
            Some(&deprecated),
            Some("Mon, 01 Jun 2099 00:00:00 GMT"),
            None,
        ),
        // reports.get is retired from 4.0.0 on, redirected to the list at the same version.
        ("/api/3.0.0/report", false, 200, None, None, None),
        (
            "/api/4.0.0/report",
            false,
            308,
            None,
            None,
            Some("/api/4.0.0/items"),
        ),
        (
            "/api/v4/report",
            false,
            308,
            None,
            None,
            Some("/api/4.1.0/items"),
        ),
        // items.stats is in preview: absent without `Api-Preview`, served with it.
        ("/api/v4/stats", false, 404, None, None, None),
        ("/api/v4/stats", true, 200, None, None, None),
        // Before 4.0.0 it does not exist at all.
        ("/api/3.0.0/stats", true, 404, None, None, None),
    ];
    for (uri, opt_in, status, deprecation, sunset, location) in table {
        let headers: &[(&str, &str)] = if opt_in {
            &[("api-preview", "true")]
        } else {
            &[]
        };
        let before = served.received();
        let answer = get(&served, uri, headers).await;
        let label = format!("{uri} (preview opt-in: {opt_in})");
        assert_eq!(answer.status.as_u16(), status, "{label}: {}", answer.text());
        assert_eq!(answer.header("deprecation"), deprecation, "{label}");
        assert_eq!(answer.header("sunset"), sunset, "{label}");
        assert_eq!(answer.header("location"), location, "{label}");
        let reached = served.received() > before;
        assert_eq!(
            reached,
            status == 200,
            "{label}: the inner service was called"
        );
        if status == 404 && uri.starts_with("/api/v4") {
            assert_eq!(answer.media_type(), "application/problem+json", "{label}");
        }
    }
}

#[tokio::test]
async fn whole_version_states() {
    // (lifecycle of 1.0.0, preview opt-in, status, Deprecation, Sunset)
    type Row<'a> = (&'a str, bool, u16, Option<String>, Option<&'a str>);
    let table: [Row<'_>; 6] = [
        ("retired = true\n", false, 410, None, None),
        (
            "sunset = 2020-06-01\n",
            false,
            410,
            None,
            Some("Mon, 01 Jun 2020 00:00:00 GMT"),
        ),
        (
            "deprecated = 2020-01-01\n",
            false,
            200,
            Some(epoch("2020-01-01")),
            None,
        ),
        ("preview = true\n", false, 404, None, None),
        ("preview = true\n", true, 200, None, None),
        ("", false, 200, None, None),
    ];
    for (lifecycle, opt_in, status, deprecation, sunset) in table {
        let (_dir, served) = with_v1_lifecycle(lifecycle);
        let headers: &[(&str, &str)] = if opt_in { &[("api-preview", "1")] } else { &[] };
        let answer = get(&served, "/api/1.0.0/items", headers).await;
        let label = format!("{lifecycle:?} opt-in {opt_in}");
        assert_eq!(answer.status.as_u16(), status, "{label}: {}", answer.text());
        assert_eq!(
            answer.header("deprecation"),
            deprecation.as_deref(),
            "{label}"
        );
        assert_eq!(answer.header("sunset"), sunset, "{label}");
        if status == 410 {
            // A gone version answers in that version's error shape.
            assert!(answer.media_type().starts_with("text/plain"), "{label}");
            assert!(
                answer.text().contains("1.0.0"),
                "{label}: {}",
                answer.text()
            );
        }
    }
    let (_dir, served) = with_v1_lifecycle("retired = true\n");
    let answer = served.call("GET", "/api/v2/items", Value::Null).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(
        answer.header("api-supported-versions"),
        Some("2.0.0, 3.0.0, 4.0.0, 4.1.0")
    );
}
