//! Snapshots of the plans of the demo API, as `apivolve explain` prints them.
//!
//! Request plans list the oldest change first and find a type in the request schema before each
//! change; response plans list the newest change first and find it in each response schema after
//! it (`200 /items/*` is every item of the array answered with 200).

use apivolve_migrate::Direction;

use crate::demo::{DEMO, version};

/// Both plans of `endpoint` for a client on `from`, up to latest.
fn from_version(endpoint: &str, from: &str) -> String {
    let from = version(from);
    [Direction::Request, Direction::Response]
        .iter()
        .map(|direction| {
            DEMO.migrator
                .plan(endpoint, &from, *direction)
                .unwrap()
                .to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Both plans of `endpoint` between two versions.
fn between(endpoint: &str, from: &str, to: &str) -> String {
    [Direction::Request, Direction::Response]
        .iter()
        .map(|direction| {
            DEMO.migrator
                .plan_between(endpoint, &version(from), &version(to), *direction)
                .unwrap()
                .to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn books_create_from_the_oldest_version() {
    insta::assert_snapshot!(from_version("books.create", "1.0.0"));
}

#[test]
fn books_list_from_the_oldest_version() {
    insta::assert_snapshot!(from_version("books.list", "1.0.0"));
}

#[test]
fn shelves_put_from_the_oldest_version() {
    insta::assert_snapshot!(from_version("shelves.put", "1.0.0"));
}

#[test]
fn tree_put_from_the_oldest_version() {
    insta::assert_snapshot!(from_version("tree.put", "1.0.0"));
}

#[test]
fn search_from_the_oldest_version() {
    insta::assert_snapshot!(from_version("search", "1.0.0"));
}

#[test]
fn notes_create_between_middle_versions() {
    insta::assert_snapshot!(between("notes.create", "4.0.0", "9.0.0"));
}

#[test]
fn books_create_between_middle_versions() {
    insta::assert_snapshot!(between("books.create", "3.0.0", "9.0.0"));
}

#[test]
fn unchanged_endpoints_have_empty_plans() {
    insta::assert_snapshot!(from_version("health", "6.0.0"));
}

#[test]
fn plans_between_refuse_unknown_endpoints_and_reversed_versions() {
    let (old, new) = (version("3.0.0"), version("9.0.0"));
    for (endpoint, from, to) in [("health", &old, &new), ("books.get", &new, &old)] {
        let error = DEMO
            .migrator
            .plan_between(endpoint, from, to, Direction::Request)
            .unwrap_err();
        assert_eq!(
            error,
            apivolve_migrate::Error::NoPlan {
                endpoint: endpoint.to_owned(),
                version: from.to_string(),
            }
        );
    }
    assert!(
        DEMO.migrator
            .plan("ping", DEMO.latest(), Direction::Request)
            .is_none()
    );
}
