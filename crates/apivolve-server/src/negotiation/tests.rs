use apivolve_model::{DefaultVersion, Negotiation, NegotiationMethod, VersionLifecycle};
use serde_json::json;

use super::*;

/// Request headers of a table row.
type Headers = &'static [(&'static str, &'static str)];
/// Version, source and path a row expects.
type Expected = (&'static str, Option<NegotiationMethod>, &'static str);

fn info(version: &str, supported: bool) -> VersionInfo {
    VersionInfo {
        version: Version::parse(version).unwrap(),
        supported,
        lifecycle: VersionLifecycle::default(),
    }
}

/// 0.9.0 (unsupported), 1.0.0, 1.1.0, 1.1.1, 2.0.0 (latest).
fn chain() -> Vec<VersionInfo> {
    vec![
        info("0.9.0", false),
        info("1.0.0", true),
        info("1.1.0", true),
        info("1.1.1", true),
        info("2.0.0", true),
    ]
}

fn negotiator(config: &Negotiation) -> Negotiator {
    Negotiator::new(config, "/api", "objid", chain()).unwrap()
}

fn parts(uri: &str, headers: &[(&str, &str)]) -> http::request::Parts {
    let mut builder = http::Request::builder().uri(uri);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder.body(()).unwrap().into_parts().0
}

fn negotiate(
    negotiator: &Negotiator,
    uri: &str,
    headers: &[(&str, &str)],
) -> Result<Option<Negotiated>, Problem> {
    negotiator.negotiate(&parts(uri, headers))
}

/// (version, source, path) of a successful negotiation.
fn ok(
    negotiator: &Negotiator,
    uri: &str,
    headers: &[(&str, &str)],
) -> (String, Option<NegotiationMethod>, String) {
    let negotiated = negotiate(negotiator, uri, headers).unwrap().unwrap();
    (
        negotiated.version.to_string(),
        negotiated.source,
        negotiated.path,
    )
}

#[test]
fn every_method_names_a_version() {
    use NegotiationMethod::{Header, MediaType, Query, Uri};
    let negotiator = negotiator(&Negotiation::default());
    let table: &[(&str, Headers, Expected)] = &[
        ("/api/v1/getNext", &[], ("1.1.1", Some(Uri), "/getNext")),
        ("/api/1/getNext", &[], ("1.1.1", Some(Uri), "/getNext")),
        ("/api/1.0/getNext", &[], ("1.0.0", Some(Uri), "/getNext")),
        ("/api/1.1.0/users/7", &[], ("1.1.0", Some(Uri), "/users/7")),
        ("/api/current/x", &[], ("2.0.0", Some(Uri), "/x")),
        ("/api/latest/x", &[], ("2.0.0", Some(Uri), "/x")),
        ("/api/v2", &[], ("2.0.0", Some(Uri), "/")),
        (
            "/api/x",
            &[("Api-Version", "1.1")],
            ("1.1.1", Some(Header), "/x"),
        ),
        (
            "/api/x",
            &[("api-version", "1.0.0")],
            ("1.0.0", Some(Header), "/x"),
        ),
        (
            "/api/x",
            &[("Accept", "application/vnd.objid.v1+json")],
            ("1.1.1", Some(MediaType), "/x"),
        ),
        (
            "/api/x",
            &[("Accept", "application/vnd.objid.v1.0+json")],
            ("1.0.0", Some(MediaType), "/x"),
        ),
        (
            "/api/x",
            &[("Content-Type", "application/vnd.objid.v1+json")],
            ("1.1.1", Some(MediaType), "/x"),
        ),
        (
            "/api/x",
            &[("Accept", "application/json; version=1.0")],
            ("1.0.0", Some(MediaType), "/x"),
        ),
        ("/api/x?api-version=1", &[], ("1.1.1", Some(Query), "/x")),
        (
            "/api/x?a=b&api-version=1.0.0",
            &[],
            ("1.0.0", Some(Query), "/x"),
        ),
        ("/api/x", &[], ("2.0.0", None, "/x")),
        ("/api", &[], ("2.0.0", None, "/")),
        ("/api/", &[], ("2.0.0", None, "/")),
        ("/api/users/v1", &[], ("2.0.0", None, "/users/v1")),
    ];
    for (uri, headers, (version, source, path)) in table {
        let got = ok(&negotiator, uri, headers);
        assert_eq!(
            got,
            (version.to_string(), *source, path.to_string()),
            "{uri} {headers:?}"
        );
    }
}

#[test]
fn first_method_in_the_order_wins() {
    use NegotiationMethod::{Header, MediaType, Query, Uri};
    let all: &[(&str, &str)] = &[
        ("Api-Version", "1.0"),
        ("Accept", "application/vnd.objid.v1.1+json"),
    ];
    let uri = "/api/v2/x?api-version=1.1.0";
    let table = [
        (vec![Uri, Header, MediaType, Query], "2.0.0", Uri),
        (vec![Header, Uri, MediaType, Query], "1.0.0", Header),
        (vec![MediaType, Header], "1.1.1", MediaType),
        (vec![Query, Uri], "1.1.0", Query),
    ];
    for (order, version, source) in table {
        let negotiator = negotiator(&Negotiation {
            order: order.clone(),
            ..Negotiation::default()
        });
        let got = ok(&negotiator, uri, all);
        assert_eq!(
            (got.0.as_str(), got.1),
            (version, Some(source)),
            "{order:?}"
        );
        // The version segment is removed whenever URI negotiation is on.
        let expected_path = if order.contains(&Uri) { "/x" } else { "/v2/x" };
        assert_eq!(got.2, expected_path, "{order:?}");
    }
}

#[test]
fn methods_left_out_of_the_order_are_not_read() {
    let config = Negotiation {
        order: vec![NegotiationMethod::Header],
        ..Negotiation::default()
    };
    let negotiator = negotiator(&config);
    let table: &[(&str, Headers, &str)] = &[
        ("/api/x?api-version=1", &[], "2.0.0"),
        (
            "/api/x",
            &[("Accept", "application/vnd.objid.v1+json")],
            "2.0.0",
        ),
        ("/api/x", &[("Api-Version", "1")], "1.1.1"),
    ];
    for (uri, headers, version) in table {
        assert_eq!(
            ok(&negotiator, uri, headers).0,
            *version,
            "{uri} {headers:?}"
        );
    }
    let query = negotiate(&negotiator, "/api/x?api-version=1&a=2", &[])
        .unwrap()
        .unwrap()
        .query;
    assert_eq!(query.as_deref(), Some("api-version=1&a=2"));
}

#[test]
fn query_negotiation_strips_its_parameter() {
    let negotiator = negotiator(&Negotiation::default());
    let negotiated = negotiate(&negotiator, "/api/x?a=1&api-version=1&b=2", &[])
        .unwrap()
        .unwrap();
    assert_eq!(negotiated.query.as_deref(), Some("a=1&b=2"));
}

#[test]
fn defaults_follow_the_configuration() {
    let table = [
        (DefaultVersion::Latest, "2.0.0"),
        (DefaultVersion::Oldest, "1.0.0"),
        (DefaultVersion::Fixed("1.1".to_owned()), "1.1.1"),
        (DefaultVersion::Fixed("1.0.0".to_owned()), "1.0.0"),
    ];
    for (default, version) in table {
        let negotiator = negotiator(&Negotiation {
            default: default.clone(),
            ..Negotiation::default()
        });
        assert_eq!(
            ok(&negotiator, "/api/x", &[]),
            (version.to_owned(), None, "/x".to_owned()),
            "{default:?}"
        );
        assert_eq!(negotiator.default_version().to_string(), version);
    }
}

#[test]
fn latest_default_skips_preview_versions() {
    let mut versions = chain();
    versions.push(VersionInfo {
        version: Version::new(2, 1, 0),
        supported: true,
        lifecycle: VersionLifecycle {
            preview: true,
            ..VersionLifecycle::default()
        },
    });
    let negotiator = Negotiator::new(&Negotiation::default(), "/api", "objid", versions).unwrap();
    assert_eq!(negotiator.default_version(), &Version::new(2, 0, 0));
    assert_eq!(ok(&negotiator, "/api/v2/x", &[]).0, "2.0.0");
    assert_eq!(
        ok(&negotiator, "/api/v2/x", &[("Api-Preview", "true")]).0,
        "2.1.0"
    );
    assert_eq!(ok(&negotiator, "/api/2.1/x", &[]).0, "2.1.0");
}

#[test]
fn bad_fixed_defaults_are_start_up_errors() {
    for text in ["9", "0.9.0", "nope"] {
        let config = Negotiation {
            default: DefaultVersion::Fixed(text.to_owned()),
            ..Negotiation::default()
        };
        let error = Negotiator::new(&config, "/api", "objid", chain()).unwrap_err();
        assert!(
            matches!(error, Error::DefaultVersion { .. }),
            "{text}: {error}"
        );
    }
    let error = Negotiator::new(&Negotiation::default(), "/api", "objid", Vec::new()).unwrap_err();
    assert!(matches!(error, Error::NoVersions));
    let config = Negotiation {
        header: "bad header".to_owned(),
        ..Negotiation::default()
    };
    assert!(matches!(
        Negotiator::new(&config, "/api", "objid", chain()),
        Err(Error::HeaderName { .. })
    ));
}

#[test]
fn unknown_unsupported_and_newer_versions_are_refused() {
    let negotiator = negotiator(&Negotiation::default());
    let table: &[(&str, Headers, &str)] = &[
        (
            "/api/v3/x",
            &[],
            "version `v3` is newer than the newest version",
        ),
        (
            "/api/2.0.1/x",
            &[],
            "version `2.0.1` is newer than the newest version",
        ),
        ("/api/1.5/x", &[], "version `1.5` does not exist"),
        ("/api/1.0.7/x", &[], "version `1.0.7` does not exist"),
        ("/api/v0/x", &[], "version `0.9.0` is no longer supported"),
        (
            "/api/0.9.0/x",
            &[],
            "version `0.9.0` is no longer supported",
        ),
        (
            "/api/x",
            &[("Api-Version", "banana")],
            "`banana` is not a version",
        ),
        (
            "/api/x",
            &[("Accept", "application/vnd.objid.vx+json")],
            "`vx` is not a version",
        ),
        (
            "/api/x?api-version=7",
            &[],
            "version `7` is newer than the newest version",
        ),
    ];
    for (uri, headers, detail) in table {
        let problem = negotiate(&negotiator, uri, headers).unwrap_err();
        assert_eq!(problem.status, http::StatusCode::BAD_REQUEST);
        assert_eq!(
            problem.detail,
            format!("{detail}; supported versions: 1.0.0, 1.1.0, 1.1.1, 2.0.0"),
            "{uri} {headers:?}"
        );
        assert_eq!(
            problem.extensions["supported_versions"],
            json!(["1.0.0", "1.1.0", "1.1.1", "2.0.0"])
        );
    }
}

#[test]
fn header_with_invalid_bytes_is_refused() {
    let negotiator = negotiator(&Negotiation::default());
    let mut request = parts("/api/x", &[]);
    request
        .headers
        .insert("api-version", HeaderValue::from_bytes(b"1\xff").unwrap());
    let problem = negotiator.negotiate(&request).unwrap_err();
    assert!(
        problem
            .detail
            .starts_with("the `api-version` header is not a version"),
        "{}",
        problem.detail
    );
}

#[test]
fn paths_outside_the_base_pass_through() {
    let negotiator = negotiator(&Negotiation::default());
    for uri in [
        "/",
        "/apix/v1",
        "/metrics",
        "/_apivolve/docs",
        "/other/api/v1",
    ] {
        assert_eq!(
            negotiate(&negotiator, uri, &[("Api-Version", "banana")]),
            Ok(None),
            "{uri}"
        );
    }
}

#[test]
fn base_path_is_normalised() {
    for base in ["/api", "/api/", "api"] {
        let negotiator = Negotiator::new(&Negotiation::default(), base, "objid", chain()).unwrap();
        assert_eq!(negotiator.base_path(), "/api");
        assert_eq!(ok(&negotiator, "/api/v1/x", &[]).2, "/x");
    }
    let root = Negotiator::new(&Negotiation::default(), "/", "objid", chain()).unwrap();
    assert_eq!(
        ok(&root, "/v1/users", &[]),
        (
            "1.1.1".to_owned(),
            Some(NegotiationMethod::Uri),
            "/users".to_owned()
        )
    );
    assert_eq!(ok(&root, "/users", &[]).2, "/users");
}

#[test]
fn vary_lists_the_headers_read() {
    let negotiator = negotiator(&Negotiation::default());
    assert_eq!(
        negotiator.vary_header(),
        "api-version, accept, content-type, api-preview"
    );
    let uri_only = negotiator_with_order(vec![NegotiationMethod::Uri]);
    assert_eq!(uri_only.vary_header(), "api-preview");
}

fn negotiator_with_order(order: Vec<NegotiationMethod>) -> Negotiator {
    negotiator(&Negotiation {
        order,
        ..Negotiation::default()
    })
}

#[test]
fn preview_opt_in_accepts_common_truthy_values() {
    let negotiator = negotiator(&Negotiation::default());
    for (value, expected) in [
        ("true", true),
        ("TRUE", true),
        ("1", true),
        ("yes", true),
        ("false", false),
        ("", false),
    ] {
        let request = parts("/api/x", &[("Api-Preview", value)]);
        assert_eq!(
            negotiator.preview_opt_in(&request.headers),
            expected,
            "{value:?}"
        );
    }
    assert!(!negotiator.preview_opt_in(&HeaderMap::new()));
}
