//! Regression tests for bugs found with the demo API, named after what went wrong.

use apivolve_migrate::{Direction, Registry};
use serde_json::json;

use crate::demo::{DEMO, version};
use crate::mini::{compile, request};

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

/// A person, and things owned by people (`people.put` answers a person, `things.list` things).
const PEOPLE: &str = r##"
description: People own things.
changes:
  - add_type:
      name: Person
      schema:
        type: object
        properties:
          name: {type: string}
          address:
            type: object
            properties:
              street: {type: string}
              city: {type: string}
  - add_type:
      name: Resident
      schema: {$ref: "#/types/Person"}
  - add_field:
      type: Thing
      field: owner
      schema: {anyOf: [{$ref: "#/types/Person"}, {type: "null"}]}
  - add_endpoint:
      id: people.put
      methods: [PUT]
      path: /people
      request: {schema: {$ref: "#/types/Person"}}
      responses:
        200: {schema: {$ref: "#/types/Person"}}
"##;

/// Changes written through a `$ref` (`type: Thing, from: owner.name`) or an alias (`Resident`)
/// change `Person` everywhere, but were migrated only inside the named type: `people.put` kept
/// `name`, and the alias's rename was migrated nowhere. A `split_field` of `address.city` ran
/// its jq over the person instead of over `address`, the object that holds the field.
#[test]
fn r_dotted_paths_through_refs_and_aliases_migrate_the_referred_type() {
    let changes = r#"
description: Changes written through a reference and an alias.
changes:
  - rename_field: {type: Thing, from: owner.name, to: full_name}
  - rename_field: {type: Resident, from: address.street, to: line1}
  - split_field:
      type: Person
      field: address.city
      into: [{name: town, schema: {type: string}}, {name: zip, schema: {type: string}}]
      up: '.town = .city | .zip = "" | del(.city)'
      down: '.city = .town | del(.town, .zip)'
"#;
    let migrator = compile(&[PEOPLE, changes], &Registry::new()).unwrap();
    let old = json!({"name": "Ada", "address": {"street": "s", "city": "c"}});
    let new = json!({"full_name": "Ada", "address": {"line1": "s", "town": "c", "zip": ""}});
    assert_eq!(
        request(&migrator, "people.put", &version("2.0.0"), old.clone()),
        Ok(new.clone())
    );
    assert_eq!(
        request(
            &migrator,
            "things.put",
            &version("2.0.0"),
            json!({"name": "t", "owner": old.clone()})
        ),
        Ok(json!({"name": "t", "owner": new.clone()}))
    );
    assert_eq!(
        request(
            &migrator,
            "things.put",
            &version("2.0.0"),
            json!({"name": "t", "owner": null})
        ),
        Ok(json!({"name": "t", "owner": null}))
    );
    let plan = migrator
        .plan("things.list", &version("2.0.0"), Direction::Response)
        .unwrap();
    assert_eq!(
        plan.migrate_response(200, Some(json!([{"owner": new}])))
            .unwrap()
            .body,
        Some(json!([{"owner": old}]))
    );
}

/// Responses declared at an error status (`409: {$ref: Conflict}`) were treated as errors: type
/// steps skipped them, a `set_response` of that status never ran its `down`, and `change_error`
/// rewrote them into the error shape, though a declared status has its own schema.
#[test]
fn r_declared_error_statuses_migrate_like_other_responses() {
    let conflicts = r##"
description: Conflicts are declared.
changes:
  - add_type:
      name: Conflict
      schema: {type: object, properties: {reason: {type: string}}}
  - set_response:
      endpoint: things.put
      status: 409
      body: {schema: {$ref: "#/types/Conflict"}}
"##;
    let changes = r##"
description: Conflicts say why; invalid things list their errors; errors are objects.
changes:
  - rename_field: {type: Conflict, from: reason, to: why}
  - set_response:
      endpoint: things.put
      status: 422
      body: {schema: {type: object, properties: {errors: {type: array, items: {type: string}}}}}
      down: '{title: "invalid", detail: (.errors | join(", "))}'
  - change_error:
      endpoint: things.put
      shape:
        media_type: application/json
        schema: {type: object, properties: {message: {type: string}}}
      down: '{title: .message}'
"##;
    let migrator = compile(&[conflicts, changes], &Registry::new()).unwrap();
    let plan = migrator
        .plan("things.put", &version("2.0.0"), Direction::Response)
        .unwrap();
    let cases = [
        (
            409,
            json!({"why": "taken"}),
            json!({"reason": "taken"}),
            None,
        ),
        (
            422,
            json!({"errors": ["a", "b"]}),
            json!({"title": "invalid", "detail": "a, b"}),
            None,
        ),
        (
            400,
            json!({"message": "bad"}),
            json!({"title": "bad"}),
            Some("application/problem+json".to_owned()),
        ),
    ];
    for (status, body, expected, media_type) in cases {
        let migrated = plan.migrate_response(status, Some(body)).unwrap();
        assert_eq!(migrated.status, status);
        assert_eq!(migrated.body, Some(expected), "{status}");
        assert_eq!(migrated.media_type, media_type, "{status}");
    }
}

/// A type in the error shape's schema (`error: {media_type: application/json, schema: {$ref:
/// ApiError}}`) was never migrated: type steps only looked at declared responses.
#[test]
fn r_types_in_the_error_shape_are_migrated() {
    let errors = r##"
description: Errors are objects.
changes:
  - add_type:
      name: ApiError
      schema: {type: object, properties: {message: {type: string}}}
  - change_error:
      endpoint: things.put
      shape: {media_type: application/json, schema: {$ref: "#/types/ApiError"}}
      down: '{title: .message}'
"##;
    let rename = r#"
description: Error messages are texts.
changes:
  - rename_field: {type: ApiError, from: message, to: text}
"#;
    let migrator = compile(&[errors, rename], &Registry::new()).unwrap();
    let plan = |at: &str| {
        migrator
            .plan("things.put", &version(at), Direction::Response)
            .unwrap()
    };
    insta::assert_snapshot!(plan("1.0.0").to_string(), @r"
    plan for `things.put` response from 3.0.0 to 1.0.0: 2 step(s)
      1. [3.0.0 v3.0.0/0001-things.yaml#0 rename_field] `ApiError` at errors /: rename `text` to `message`
      2. [2.0.0 v2.0.0/0001-things.yaml#1 change_error] error bodies become `application/problem+json` with jq `{title: .message}`
    ");
    let migrated = plan("2.0.0")
        .migrate_response(400, Some(json!({"text": "bad"})))
        .unwrap();
    assert_eq!(migrated.body, Some(json!({"message": "bad"})));
    let migrated = plan("1.0.0")
        .migrate_response(400, Some(json!({"text": "bad"})))
        .unwrap();
    assert_eq!(migrated.body, Some(json!({"title": "bad"})));
    assert_eq!(
        migrated.media_type.as_deref(),
        Some("application/problem+json")
    );
    // A success answers no error body.
    let migrated = plan("2.0.0")
        .migrate_response(200, Some(json!({"text": "a thing"})))
        .unwrap();
    assert_eq!(migrated.body, Some(json!({"text": "a thing"})));
}
