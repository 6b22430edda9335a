//! Regression tests for bugs found with the demo API, named after what went wrong.

use apivolve_migrate::Direction;
use serde_json::json;

use crate::demo::{DEMO, version};

/// `add_enum_value` on a field holding an array of enum values (`labels: [hot]`) left the new
/// value in older responses: the mapping compared the whole array with the value.
#[test]
fn r_enum_maps_reach_arrays_of_enum_values() {
    let plan = DEMO
        .migrator
        .plan_between(
            "books.get",
            &version("3.0.0"),
            &version("4.0.0"),
            Direction::Response,
        )
        .unwrap();
    let book = json!({"id": "b1", "title": "Dune", "status": "draft", "labels": ["hot", "sale", "hot"],
        "author": {"id": "a1", "display_name": "Frank Herbert"}, "price": {"cents": 1}, "currency": "EUR"});
    let migrated = plan.migrate_response(200, Some(book)).unwrap();
    assert_eq!(
        migrated.body.unwrap()["labels"],
        json!(["new", "sale", "new"])
    );
}

/// Every alternative of a `oneOf` was walked at every value: search hits that are notes got the
/// steps of books (`legacy_code`), books got the steps of notes (`text`, `lat`, `lon`), and the
/// `Author` inside both was transformed twice (`display_name: null`).
#[test]
fn r_one_of_alternatives_get_only_their_own_steps() {
    let plan = DEMO
        .migrator
        .plan_between(
            "search",
            &version("1.0.0"),
            &version("8.0.0"),
            Direction::Response,
        )
        .unwrap();
    let book = json!({"id": "b1", "title": "Dune", "status": "draft", "isbn": "1",
        "author": {"id": "a1", "first_name": "Frank", "last_name": "Herbert"},
        "price": {"cents": 1}, "currency": "EUR"});
    let note = json!({"kind": "note", "position": {"lat": 1.0, "lon": 2.0},
        "author": {"id": "a2", "first_name": "Ursula", "last_name": "Le Guin"}});
    let migrated = plan
        .migrate_response(200, Some(json!({"hits": [book, note], "next": null})))
        .unwrap();
    assert_eq!(
        migrated.body.unwrap(),
        json!({"total": 2, "hits": [
            {"id": "b1", "title": "Dune", "status": "draft", "meta": {"isbn": "1"},
             "author": {"id": "a1", "name": "Frank Herbert", "email": "a1@authors.example"},
             "price": 1, "legacy_code": "none"},
            {"kind": "note", "text": "", "lat": 1.0, "lon": 2.0,
             "author": {"id": "a2", "name": "Ursula Le Guin", "email": "a2@authors.example"}},
        ]})
    );
}
