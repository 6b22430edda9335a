//! A response migrated on its text as it is read (the streaming path of
//! [`Plan::migrate_response_bytes`]) is the text of the response migrated as a value, byte for
//! byte, errors included: on lists of objects that get every property-level action (renames,
//! defaults, dropped fields, enum values of a field and of an enum type, native and jq
//! conversions), on arbitrary objects made of the same names (a rename onto a name the object
//! has, an insert of a name it has), and on text the tree would write otherwise: whitespace,
//! escapes, a name given twice.

use apivolve_migrate::{Direction, MigratedBytes, Migrator, Plan, Registry};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};
use serde_json::{Map, Value, json};

use crate::mini::compile;

const TWO: &str = r##"
description: Moods, colours, sizes and notes.
changes:
  - add_type: {name: Mood, schema: {type: string, enum: [calm, angry]}}
  - add_field: {type: Thing, field: mood, schema: {$ref: "#/types/Mood"}, default: calm}
  - add_field: {type: Thing, field: color, schema: {type: string, enum: [red, blue]}, default: red}
  - add_field: {type: Thing, field: size, schema: {type: integer}, default: 1}
  - add_field:
      type: Thing
      field: note
      schema: {type: object, properties: {text: {type: string}}}
      default: {text: none}
"##;

const THREE: &str = r##"
description: Titles, glad moods, green and sizes as text.
changes:
  - rename_field: {type: Thing, from: name, to: title}
  - add_enum_value: {type: Mood, value: glad, down_map: calm}
  - add_enum_value: {type: Thing, field: color, value: green, down_map: blue}
  - change_field: {type: Thing, field: size, schema: {type: string}, up: 'tostring', down: 'tonumber'}
"##;

const FOUR: &str = r##"
description: Labels in capitals, no notes, teal, names again.
changes:
  - rename_field: {type: Thing, from: title, to: label}
  - change_field: {type: Thing, field: label, schema: {type: string}, up: 'ascii_upcase', down: 'ascii_downcase'}
  - remove_field: {type: Thing, field: note, default: {text: gone}}
  - add_enum_value: {type: Thing, field: color, value: teal, down_map: green}
  - add_field: {type: Thing, field: name, schema: {type: string}, default: anonymous}
"##;

fn migrator() -> Migrator {
    compile(&[TWO, THREE, FOUR], &Registry::new()).unwrap()
}

/// Names and values the changes mention, and some they do not.
fn thing() -> impl Strategy<Value = Value> {
    let names = [
        "name", "title", "label", "mood", "color", "size", "note", "text", "other",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-3_i64..40).prop_map(Value::from),
        Just(json!(1.5)),
        Just(json!("12")),
        Just(json!("x")),
        proptest::sample::select(vec![
            "calm", "angry", "glad", "red", "blue", "green", "teal", "Ab", "q\"uote", "é",
        ])
        .prop_map(Value::from),
    ];
    let value = leaf.prop_recursive(3, 16, 4, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
            proptest::collection::vec((proptest::sample::select(names.to_vec()), inner), 0..4)
                .prop_map(|pairs| {
                    Value::Object(
                        pairs
                            .into_iter()
                            .map(|(name, value)| (name.to_owned(), value))
                            .collect(),
                    )
                }),
        ]
    });
    proptest::collection::vec((proptest::sample::select(names.to_vec()), value), 0..9).prop_map(
        |pairs| {
            Value::Object(
                pairs
                    .into_iter()
                    .map(|(name, value)| (name.to_owned(), value))
                    .collect::<Map<_, _>>(),
            )
        },
    )
}

/// The texts of `value`: `serde_json`'s, pretty, with every `o` escaped (no JSON literal has
/// one), and with a name given twice at the start of the first object.
fn texts(value: &Value) -> Vec<Vec<u8>> {
    let compact = serde_json::to_string(value).unwrap();
    let pretty = serde_json::to_string_pretty(value).unwrap();
    let escaped = compact.replace('o', "\\u006f");
    let twice = compact.replacen('{', "{\"size\":\"twice\",", 1);
    let twice = twice.replace(",}", "}");
    vec![
        compact.into_bytes(),
        pretty.into_bytes(),
        escaped.into_bytes(),
        twice.into_bytes(),
    ]
}

/// What the tree path gives for `text`: the response migrated as a value, as `serde_json`
/// writes it.
fn expected(plan: &Plan, text: &[u8]) -> apivolve_migrate::Result<MigratedBytes> {
    let value: Value = serde_json::from_slice(text).unwrap();
    plan.migrate_response(200, Some(value))
        .map(|migrated| MigratedBytes {
            status: migrated.status,
            body: migrated.body.map(|body| serde_json::to_vec(&body).unwrap()),
            media_type: migrated.media_type,
        })
}

fn check(plan: &Plan, payload: &Value) -> Result<(), TestCaseError> {
    for text in texts(payload) {
        let streamed = plan.migrate_response_bytes(200, Some(&text));
        let expected = expected(plan, &text);
        prop_assert_eq!(
            streamed
                .as_ref()
                .map(|migrated| String::from_utf8_lossy(migrated.body.as_deref().unwrap())),
            expected
                .as_ref()
                .map(|migrated| String::from_utf8_lossy(migrated.body.as_deref().unwrap())),
            "{} at {} on {}",
            plan.endpoint,
            plan.version,
            String::from_utf8_lossy(&text)
        );
        prop_assert_eq!(streamed, expected);
    }
    Ok(())
}

fn runner() -> TestRunner {
    let config = Config {
        cases: 200,
        failure_persistence: None,
        ..Config::default()
    };
    TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha))
}

#[test]
fn a_streamed_response_is_the_text_of_the_migrated_value() {
    let migrator = migrator();
    for major in 1..=3 {
        let version = semver::Version::new(major, 0, 0);
        let one = migrator
            .plan("things.put", &version, Direction::Response)
            .unwrap();
        let list = migrator
            .plan("things.list", &version, Direction::Response)
            .unwrap();
        runner()
            .run(&thing(), |payload| check(one, &payload))
            .unwrap();
        runner()
            .run(&proptest::collection::vec(thing(), 0..5), |things| {
                check(list, &Value::Array(things))
            })
            .unwrap();
    }
}

#[test]
fn a_streamed_list_gets_every_change_down_to_the_first_version() {
    let migrator = migrator();
    let plan = migrator
        .plan(
            "things.list",
            &semver::Version::new(1, 0, 0),
            Direction::Response,
        )
        .unwrap();
    let latest = json!([
        {"label": "FIRST", "mood": "glad", "color": "teal", "size": "12", "name": "n"},
        {"label": "SECOND", "mood": "angry", "color": "red", "size": "3", "other": {"a": [1, 2]}},
    ]);
    let text = serde_json::to_vec_pretty(&latest).unwrap();
    let migrated = plan.migrate_response_bytes(200, Some(&text)).unwrap();
    assert_eq!(
        String::from_utf8(migrated.body.unwrap()).unwrap(),
        r#"[{"name":"first"},{"other":{"a":[1,2]},"name":"second"}]"#
    );
    let two = migrator
        .plan(
            "things.list",
            &semver::Version::new(2, 0, 0),
            Direction::Response,
        )
        .unwrap();
    let migrated = two.migrate_response_bytes(200, Some(&text)).unwrap();
    assert_eq!(
        String::from_utf8(migrated.body.unwrap()).unwrap(),
        concat!(
            r#"[{"mood":"calm","color":"blue","size":12,"note":{"text":"gone"},"name":"first"},"#,
            r#"{"mood":"angry","color":"red","size":3,"other":{"a":[1,2]},"note":{"text":"gone"},"name":"second"}]"#
        )
    );
}

#[test]
fn a_failing_conversion_is_the_error_of_the_tree_path() {
    let migrator = migrator();
    let plan = migrator
        .plan(
            "things.put",
            &semver::Version::new(1, 0, 0),
            Direction::Response,
        )
        .unwrap();
    let text = br#"{"label": 7}"#;
    let streamed = plan.migrate_response_bytes(200, Some(text));
    let expected = expected(plan, text);
    assert!(expected.is_err());
    assert_eq!(streamed, expected);
    let broken = plan.migrate_response_bytes(200, Some(br#"[{"label": "A"},"#));
    assert!(broken.unwrap_err().to_string().contains("not valid JSON"));
}
