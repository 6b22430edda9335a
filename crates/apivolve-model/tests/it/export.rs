//! Exports of the fixture snapshots in `tests/fixtures/export/<case>/`: the OpenAPI and JSON
//! Schema documents as insta snapshots, each OpenAPI document parsed by `oas3` and validated
//! against the official OpenAPI 3.1 schema, and the JSON Schemas compiled and run on payloads.

use std::path::{Path, PathBuf};

use apivolve_model::export::{self, OpenApiOptions};
use apivolve_model::{Config, Snapshot};
use serde_json::{Value, json};

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/export")
}

/// The snapshot and config of one fixture case.
fn load(case: &str) -> (Snapshot, Config) {
    let dir = fixture_dir().join(case);
    let snapshot =
        serde_json::from_str(&std::fs::read_to_string(dir.join("snapshot.json")).unwrap()).unwrap();
    let config =
        toml::from_str(&std::fs::read_to_string(dir.join("apivolve.toml")).unwrap()).unwrap();
    (snapshot, config)
}

fn version(text: &str) -> semver::Version {
    semver::Version::parse(text).unwrap()
}

/// One export: a fixture at a version, with options.
struct Export {
    name: &'static str,
    case: &'static str,
    version: &'static str,
    options: OpenApiOptions,
}

fn exports() -> Vec<Export> {
    let released = |versions: &[&str]| {
        versions
            .iter()
            .map(|text| version(text))
            .collect::<Vec<_>>()
    };
    vec![
        Export {
            name: "shop",
            case: "shop",
            version: "2.1.0",
            options: OpenApiOptions {
                released: released(&["1.0.0", "2.0.0", "2.1.0"]),
                ..Default::default()
            },
        },
        Export {
            name: "shop_all",
            case: "shop",
            version: "2.1.0",
            options: OpenApiOptions {
                include_preview: true,
                include_retired: true,
                ..Default::default()
            },
        },
        Export {
            name: "objid",
            case: "objid",
            version: "1.0.0",
            options: OpenApiOptions {
                released: released(&["1.0.0", "2.0.0"]),
                ..Default::default()
            },
        },
        Export {
            name: "edge",
            case: "edge",
            version: "0.3.0",
            options: OpenApiOptions {
                server_url: Some("https://api.example.com/edge".to_owned()),
                ..Default::default()
            },
        },
    ]
}

fn openapi_of(export: &Export) -> Value {
    let (snapshot, config) = load(export.case);
    export::openapi(
        &snapshot,
        &config,
        &version(export.version),
        &export.options,
    )
}

#[test]
fn openapi_documents_match_their_snapshots() {
    for export in exports() {
        insta::assert_json_snapshot!(format!("openapi_{}", export.name), openapi_of(&export));
    }
}

#[test]
fn json_schema_documents_match_their_snapshots() {
    for (case, at) in [("shop", "2.1.0"), ("objid", "1.0.0"), ("edge", "0.3.0")] {
        let (snapshot, config) = load(case);
        let document = export::json_schema(&snapshot, &config, &version(at));
        jsonschema::draft202012::meta::validate(&document).unwrap();
        insta::assert_json_snapshot!(format!("json_schema_{case}"), document);
    }
}

/// The official OpenAPI 3.1 schema (from the `openapi-spec-validator` package), formats on.
fn openapi_meta_validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(fixture_dir().join("openapi-3.1.schema.json")).unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap()
}

fn meta_errors(validator: &jsonschema::Validator, document: &Value) -> Vec<String> {
    validator
        .iter_errors(document)
        .map(|error| format!("{}: {error}", error.instance_path()))
        .collect()
}

#[test]
fn every_openapi_export_is_valid_openapi_3_1() {
    let validator = openapi_meta_validator();
    for export in exports() {
        let document = openapi_of(&export);
        let spec = oas3::from_json(document.to_string());
        assert!(
            spec.is_ok(),
            "{}: oas3 refuses it: {:?}",
            export.name,
            spec.err()
        );
        let errors = meta_errors(&validator, &document);
        assert!(errors.is_empty(), "{}: {errors:#?}", export.name);
        // Every component schema is a valid 2020-12 schema too.
        for (name, schema) in document["components"]["schemas"].as_object().unwrap() {
            assert!(
                jsonschema::draft202012::meta::is_valid(schema),
                "{}: schema `{name}`",
                export.name
            );
        }
    }
}

#[test]
fn the_openapi_meta_schema_catches_broken_documents() {
    let validator = openapi_meta_validator();
    let document = openapi_of(&exports()[0]);
    assert!(meta_errors(&validator, &document).is_empty());
    let mut no_description = document.clone();
    no_description["paths"]["/orders"]["post"]["responses"]["201"]
        .as_object_mut()
        .unwrap()
        .remove("description");
    assert!(
        !meta_errors(&validator, &no_description).is_empty(),
        "a response needs a description"
    );
    let mut bad_name = document.clone();
    bad_name["components"]["schemas"]["Bad Name"] = json!({});
    assert!(
        !meta_errors(&validator, &bad_name).is_empty(),
        "component names are restricted"
    );
    let mut bad_url = document;
    bad_url["servers"][0]["url"] = json!("/api/v 2");
    assert!(
        !meta_errors(&validator, &bad_url).is_empty(),
        "formats are checked"
    );
}

/// Every `$ref` in `value`, leaving out data (`examples`, `default`, `const`, `enum`).
fn refs(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::Object(object) => {
            for (key, value) in object {
                match (key.as_str(), value) {
                    ("$ref", Value::String(reference)) => found.push(reference.clone()),
                    ("examples" | "example" | "default" | "const" | "enum", _) => {}
                    _ => refs(value, found),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| refs(item, found)),
        _ => {}
    }
}

#[test]
fn every_ref_in_an_openapi_export_resolves() {
    for export in exports() {
        let document = openapi_of(&export);
        let mut found = Vec::new();
        refs(&document, &mut found);
        assert!(found.len() > 3, "{}: {found:?}", export.name);
        for reference in found {
            let pointer = reference
                .strip_prefix('#')
                .unwrap_or_else(|| panic!("external ref `{reference}`"));
            assert!(
                document.pointer(pointer).is_some(),
                "{}: `{reference}` points nowhere",
                export.name
            );
        }
    }
    let shop = openapi_of(&exports()[0]);
    let example = &shop["components"]["schemas"]["Money"]["examples"][0]["$ref"];
    assert_eq!(
        example,
        &json!("#/types/NotARef"),
        "data that looks like a ref is left alone"
    );
}

#[test]
fn lifecycle_decides_what_an_openapi_export_holds() {
    let shop = openapi_of(&exports()[0]);
    let paths = shop["paths"].as_object().unwrap();
    assert!(
        !paths.contains_key("/orders/search"),
        "preview endpoints are left out by default"
    );
    assert!(
        !paths.contains_key("/user/{id}"),
        "retired endpoints are left out by default"
    );
    assert_eq!(shop["servers"], json!([{"url": "/api/v2"}]));
    assert_eq!(shop["paths"]["/orders"]["get"]["deprecated"], json!(true));

    let all = openapi_of(&exports()[1]);
    assert_eq!(
        all["paths"]["/orders/search"]["post"]["x-preview"],
        json!(true)
    );
    let legacy = &all["paths"]["/user/{id}"]["get"];
    assert_eq!(
        (&legacy["x-retired"], &legacy["x-successor"]),
        (&json!(true), &json!("users.get"))
    );

    let objid = openapi_of(&exports()[2]);
    assert_eq!(
        objid["servers"],
        json!([{"url": "/api/1.0.0"}]),
        "1.1.0 is newer in major 1"
    );
    assert_eq!(objid["info"]["x-sunset-date"], json!("2026-01-01"));
    assert_eq!(
        objid["paths"]["/getNext"]["get"]["operationId"],
        json!("getNext.get")
    );
    assert_eq!(
        objid["paths"]["/getNext"]["post"]["operationId"],
        json!("getNext.post")
    );
    let error = &objid["paths"]["/getNext"]["post"]["responses"]["default"]["content"];
    assert_eq!(
        error,
        &json!({"text/plain": {"schema": {"type": "string"}}})
    );
    assert!(
        objid["components"]["schemas"].get("Problem").is_none(),
        "no endpoint answers problem details"
    );
}

/// A validator for `{"$ref": "#/$defs/Name"}` inside the whole-version document.
fn document_validator(document: &Value, name: &str) -> jsonschema::Validator {
    let mut schema = document.clone();
    schema["$ref"] = json!(format!("#/$defs/{name}"));
    jsonschema::draft202012::new(&schema).unwrap()
}

/// Payloads per type of the `shop` fixture, each with whether it is valid.
fn shop_payloads() -> Vec<(&'static str, Value, bool)> {
    let money = json!({"amount": "9.99", "currency": "EUR"});
    let item = json!({"sku": "A-1", "quantity": 2, "price": money});
    vec![
        (
            "Order",
            json!({"items": [item], "total": money, "status": "paid", "note": null}),
            true,
        ),
        (
            "Order",
            json!({"items": [item], "total": money, "note": "ring twice"}),
            true,
        ),
        ("Order", json!({"items": [], "total": money}), false),
        (
            "Order",
            json!({"items": [item], "total": {"amount": "9.99", "currency": "GBP"}}),
            false,
        ),
        (
            "Order",
            json!({"items": [{"sku": "A-1", "quantity": "2", "price": money}], "total": money}),
            false,
        ),
        (
            "Order",
            json!({"items": [item], "total": money, "status": null}),
            false,
        ),
        (
            "LineItem",
            json!({"sku": "A-1", "quantity": 1, "price": money, "extra": 1}),
            false,
        ),
        (
            "User",
            json!({"id": "u1", "full_name": "Ada", "manager": null}),
            true,
        ),
        (
            "User",
            json!({"id": "u1", "full_name": "Ada", "manager": {"id": "u2", "full_name": "Bob"}}),
            true,
        ),
        (
            "User",
            json!({"id": "u1", "full_name": "Ada", "manager": {"id": "x2", "full_name": "Bob"}}),
            false,
        ),
        (
            "User",
            json!({"id": "u1", "full_name": "Ada", "address": {"city": "Paris", "country": "fr"}}),
            false,
        ),
        (
            "Category",
            json!({"name": "a", "parent": null, "children": [{"name": "b", "children": [{"name": "c"}]}]}),
            true,
        ),
        (
            "Category",
            json!({"name": "a", "children": [{"name": "b", "children": [{"title": "c"}]}]}),
            false,
        ),
        (
            "Money",
            json!({"amount": "1.00", "currency": "EUR", "$ref": "#/types/NotARef"}),
            true,
        ),
    ]
}

#[test]
fn type_schemas_validate_like_the_whole_document() {
    let (snapshot, config) = load("shop");
    let document = export::json_schema(&snapshot, &config, &version("2.1.0"));
    jsonschema::draft202012::meta::validate(&document).unwrap();
    for (name, payload, valid) in shop_payloads() {
        let own = export::type_schema(&snapshot, name).unwrap();
        let own = jsonschema::draft202012::new(&own).unwrap();
        assert_eq!(
            own.is_valid(&payload),
            valid,
            "type_schema `{name}` on {payload}"
        );
        let whole = document_validator(&document, name);
        assert_eq!(
            whole.is_valid(&payload),
            valid,
            "document `#/$defs/{name}` on {payload}"
        );
    }
}

#[test]
fn a_type_schema_carries_the_types_it_reaches() {
    let (snapshot, _) = load("shop");
    let order = export::type_schema(&snapshot, "Order").unwrap();
    let defs: Vec<&String> = order["$defs"].as_object().unwrap().keys().collect();
    assert_eq!(defs, ["LineItem", "Money", "OrderStatus"]);
    assert_eq!(
        order["properties"]["total"],
        json!({"$ref": "#/$defs/Money"})
    );
    let category = export::type_schema(&snapshot, "Category").unwrap();
    let defs: Vec<&String> = category["$defs"].as_object().unwrap().keys().collect();
    assert_eq!(defs, ["Category"], "a recursive type carries itself");
    assert_eq!(export::type_schema(&snapshot, "Nobody"), None);
}

#[test]
fn every_type_schema_of_every_fixture_compiles() {
    for case in ["shop", "objid", "edge"] {
        let (snapshot, _) = load(case);
        for name in snapshot.types.keys() {
            let schema = export::type_schema(&snapshot, name).unwrap();
            let compiled = jsonschema::draft202012::new(&schema);
            assert!(compiled.is_ok(), "{case}: `{name}`: {:?}", compiled.err());
        }
    }
}

#[test]
fn refs_to_names_that_need_escaping_resolve() {
    let (snapshot, _) = load("edge");
    let pair = export::type_schema(&snapshot, "Pair").unwrap();
    assert_eq!(
        pair["prefixItems"][0],
        json!({"$ref": "#/$defs/Bad%20Name"})
    );
    let validator = jsonschema::draft202012::new(&pair).unwrap();
    assert!(validator.is_valid(&json!([{"problem": "x"}, 5])));
    assert!(
        !validator.is_valid(&json!([{"problem": 1}, 5])),
        "`Bad Name` refers to `Problem`, a string"
    );
    assert!(!validator.is_valid(&json!([{}, 5, 6])));
}

#[test]
fn body_schemas_resolve_refs_of_inline_schemas() {
    let (snapshot, _) = load("shop");
    let body = json!({"type": "array", "items": {"$ref": "#/types/LineItem"}, "maxItems": 2});
    let schema = export::body_schema(&snapshot, &body);
    let validator = jsonschema::draft202012::new(&schema).unwrap();
    let item = json!({"sku": "A-1", "quantity": 1, "price": {"amount": "1.00", "currency": "USD"}});
    assert!(validator.is_valid(&json!([item])));
    assert!(!validator.is_valid(&json!([item, item, item])));
    assert!(!validator.is_valid(&json!([{"sku": "A-1"}])));
    let (objid, _) = load("objid");
    let request = &objid.endpoints["getNext"].request.as_ref().unwrap().schema;
    let validator = jsonschema::draft202012::new(&export::body_schema(&objid, request)).unwrap();
    assert!(
        validator
            .is_valid(&json!({"appId": "a", "type": "table", "ranges": [{"from": 1, "to": 9}]}))
    );
    assert!(validator.is_valid(
        &json!({"appId": "a", "type": "table", "ranges": [], "content": {"user": null}})
    ));
    assert!(
        !validator.is_valid(&json!({"type": "table", "ranges": []})),
        "`appId` comes through `allOf`"
    );
}
