//! Edge cases: deep and wrongly shaped payloads, failing transforms, registered functions.

use apivolve_migrate::{Direction, Error, Parameters};
use serde_json::{Value, json};

use crate::demo::{DEMO, version};

/// A tree of `depth` nodes, each the only child of the one above, as clients of 1.0.0 send it.
fn chain(depth: usize) -> Value {
    let mut node = json!({"label": "leaf"});
    for level in 1..depth {
        node = json!({"label": format!("n{level}"), "children": [node]});
    }
    node
}

/// How many nodes deep `value` goes, and whether each one has `weight` 1 and `children`.
fn migrated_depth(value: &Value) -> usize {
    let mut depth = 0;
    let mut node = value;
    loop {
        depth += 1;
        assert_eq!(node["weight"], json!(1), "at depth {depth}");
        match node["children"].as_array().map(Vec::as_slice) {
            Some([child]) => node = child,
            Some([]) => return depth,
            other => panic!("children {other:?} at depth {depth}"),
        }
    }
}

#[test]
fn deep_recursive_payloads_migrate_up_to_the_walk_bound_then_fail() {
    let plan = DEMO
        .migrator
        .plan("tree.put", &version("1.0.0"), Direction::Request)
        .unwrap();
    let mut body = Some(chain(100));
    plan.migrate_request(&mut body, &mut Parameters::default())
        .unwrap();
    assert_eq!(migrated_depth(body.as_ref().unwrap()), 100);

    // Every node costs three levels of the walk (the type, its object, the `children` array),
    // so 1,000 nodes are past its bound of 512: an error, not a stack overflow.
    let mut body = Some(chain(1_000));
    let error = plan
        .migrate_request(&mut body, &mut Parameters::default())
        .unwrap_err();
    assert_eq!(error, Error::TooDeep);
    let plan = DEMO
        .migrator
        .plan("tree.put", &version("1.0.0"), Direction::Response)
        .unwrap();
    let error = plan.migrate_response(200, Some(chain(1_000))).unwrap_err();
    assert_eq!(error, Error::TooDeep);
}

#[test]
fn deep_payloads_outside_the_migrated_places_are_not_walked() {
    // `health` has no steps: any depth passes through.
    let plan = DEMO
        .migrator
        .plan("health", &version("6.0.0"), Direction::Response)
        .unwrap();
    let deep = chain(1_000);
    let migrated = plan.migrate_response(200, Some(deep.clone())).unwrap();
    assert_eq!(migrated.body, Some(deep));
}

/// Requests of 1.0.0 with values of the wrong shape where the demo's types go, and what reaches
/// latest: the steps of a type skip values that do not have the type's JSON type, derived field
/// steps skip what is not an object, and nothing panics.
#[test]
fn wrongly_shaped_requests_are_skipped() {
    let v1 = version("1.0.0");
    let cases = [
        ("books.create", json!("a string"), json!("a string")),
        (
            "books.create",
            json!({"id": "b1", "author": "Frank", "tags": "red", "meta": "x"}),
            json!({"id": "b1", "author": "Frank", "tags": "red", "meta": "x", "currency": "EUR"}),
        ),
        (
            "books.create",
            json!({"id": "b1", "author": ["Frank"], "tags": [1, null, {"a": "blue"}]}),
            json!({"id": "b1", "author": ["Frank"], "tags": [1, null, {"a": "blue"}], "currency": "EUR"}),
        ),
        (
            "shelves.put",
            json!({"name": "s", "books": ["x", 1]}),
            json!({"name": "s", "books": ["x", 1]}),
        ),
        (
            "shelves.put",
            json!({"name": "s", "books": {"b1": "x", "b2": null}}),
            json!({"name": "s", "books": {"b1": "x", "b2": null}}),
        ),
        (
            "tree.put",
            json!({"label": "r", "children": "none", "owner": 3}),
            json!({"label": "r", "children": "none", "owner": 3, "weight": 1}),
        ),
        (
            "tree.put",
            json!({"label": "r", "children": [1, "x", null, []]}),
            json!({"label": "r", "children": [1, "x", null, []], "weight": 1}),
        ),
        (
            "search",
            json!({"q": 1, "tags": {"a": "blue"}}),
            json!({"query": {"text": 1, "tags": {"a": "blue"}}}),
        ),
    ];
    for (id, body, expected) in cases {
        let plan = DEMO.migrator.plan(id, &v1, Direction::Request).unwrap();
        let mut migrated = Some(body.clone());
        plan.migrate_request(&mut migrated, &mut Parameters::default())
            .unwrap_or_else(|error| panic!("`{id}` {body}: {error}"));
        assert_eq!(migrated, Some(expected), "`{id}` {body}");
    }
}

/// Responses of latest with values of the wrong shape, seen by a client on 1.0.0.
#[test]
fn wrongly_shaped_responses_are_skipped() {
    let v1 = version("1.0.0");
    let cases = [
        ("books.get", json!([1, 2]), json!([1, 2])),
        (
            "books.get",
            json!({"author": "x", "tags": ["yellow", 3]}),
            // `yellow` is no `Tag` of 11.0.0 (an object) but is one of 4.0.0 (a string).
            json!({"author": "x", "tags": ["red", 3], "legacy_code": "none"}),
        ),
        (
            "tree.put",
            json!({"label": "r", "owner": "x", "children": [1]}),
            json!({"label": "r", "owner": "x", "children": [1]}),
        ),
        (
            "search",
            json!({"hits": ["x", 1, {"kind": "note"}]}),
            json!({"hits": ["x", 1, {"kind": "note"}], "total": 3}),
        ),
        ("books.list", json!({"items": "x"}), json!("x")),
    ];
    for (id, body, expected) in cases {
        let plan = DEMO.migrator.plan(id, &v1, Direction::Response).unwrap();
        let migrated = plan
            .migrate_response(200, Some(body.clone()))
            .unwrap_or_else(|error| panic!("`{id}` {body}: {error}"));
        assert_eq!(migrated.body, Some(expected), "`{id}` {body}");
    }
}

/// Authored jq that meets a wrong shape in a field or a whole body (which no type guards) fails
/// with the transform's message, for the server to answer; it does not panic.
#[test]
fn authored_jq_on_wrong_shapes_fails_cleanly() {
    let v1 = version("1.0.0");
    let cases = [
        // `change_field` down on `price`, which should be `{cents}`.
        ("books.get", 200, json!({"price": "p"}), "jq `.cents`"),
        // `set_response` down on a body that should be an object.
        (
            "search",
            200,
            json!("x"),
            "jq `{hits: .hits, total: (.hits | length)}`",
        ),
        // `change_error` down on an error body that should be `{error: {code, message}}`.
        (
            "books.create",
            409,
            json!("plain"),
            "jq `{type: \"about:blank\", title: .error.code, detail: .error.message}`",
        ),
    ];
    for (id, status, body, transform) in cases {
        let plan = DEMO.migrator.plan(id, &v1, Direction::Response).unwrap();
        match plan.migrate_response(status, Some(body.clone())) {
            Err(Error::Transform {
                transform: actual,
                message,
            }) => {
                assert_eq!(actual, transform, "`{id}` {body}");
                assert!(message.starts_with("cannot index"), "{message}");
            }
            other => panic!("`{id}` {body}: {other:?}"),
        }
    }
}
