//! Findings between two snapshots: a fixture corpus under `tests/fixtures/findings/<case>/`
//! (`before.yaml`, `after.yaml`, and the `findings.snap` insta keeps beside them), plus tests of
//! the tricky parts.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use apivolve_model::{Bump, Direction, Finding, Level, Rule, Snapshot, diff, snapshot_from_yaml};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/findings")
}

/// The names of all fixture cases, sorted.
fn cases() -> Vec<String> {
    let mut cases: Vec<String> = std::fs::read_dir(fixtures())
        .unwrap()
        .map(|entry| entry.unwrap())
        .filter(|entry| entry.file_type().unwrap().is_dir())
        .map(|entry| entry.file_name().into_string().unwrap())
        .collect();
    cases.sort();
    cases
}

fn load(case: &str, file: &str) -> Snapshot {
    let path = fixtures().join(case).join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    snapshot_from_yaml(&text).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// Diffs one case and checks its findings against `<case>/findings.snap`.
fn check(case: &str) -> Vec<Finding> {
    let findings = diff(&load(case, "before.yaml"), &load(case, "after.yaml"));
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(fixtures().join(case));
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.set_info(&case);
    settings.bind(|| insta::assert_yaml_snapshot!("findings", findings));
    findings
}

fn yaml(text: &str) -> Snapshot {
    snapshot_from_yaml(text).unwrap()
}

#[test]
fn fixture_corpus() {
    let cases = cases();
    assert!(cases.len() >= 40, "only {} fixture cases", cases.len());
    let mut seen = BTreeSet::new();
    for case in &cases {
        for finding in check(case) {
            assert_eq!(finding.level, finding.rule.level(), "{case}");
            assert_eq!(finding.direction, finding.rule.direction(), "{case}");
            seen.insert(finding.rule);
        }
    }
    // Rules that changes declare instead of the schema showing them.
    let declared: apivolve_model::EvolutionFile = serde_json::from_value(serde_json::json!({
        "description": "declared",
        "changes": [
            {"change_status": {"endpoint": "a", "from": 418, "to": 409}},
            {"custom": {"description": "b", "endpoint": "a", "impact": "breaking", "up": "."}},
            {"custom": {"description": "c", "type": "T", "impact": "additive", "down": "."}},
            {"custom": {"description": "d", "impact": "patch"}},
        ],
    }))
    .unwrap();
    for finding in apivolve_model::declared_findings(&declared.changes) {
        seen.insert(finding.rule);
    }
    let missing: Vec<&str> = Rule::all()
        .iter()
        .filter(|rule| !seen.contains(rule))
        .map(Rule::id)
        .collect();
    assert!(missing.is_empty(), "rules no fixture covers: {missing:?}");
}

#[test]
fn a_snapshot_has_no_findings_against_itself() {
    for case in cases() {
        for file in ["before.yaml", "after.yaml"] {
            let snapshot = load(&case, file);
            assert_eq!(diff(&snapshot, &snapshot), [], "{case}/{file}");
        }
    }
}

#[test]
fn findings_are_deterministic_and_sorted() {
    for case in cases() {
        let (before, after) = (load(&case, "before.yaml"), load(&case, "after.yaml"));
        let first = diff(&before, &after);
        assert_eq!(first, diff(&before, &after), "{case}");
        let keys: Vec<_> = first
            .iter()
            .map(|finding| (&finding.location, finding.direction, finding.rule.id()))
            .collect();
        assert!(keys.is_sorted(), "{case}");
    }
}

#[test]
fn directions_judge_the_same_change_oppositely() {
    let findings = diff(
        &load("max-length", "before.yaml"),
        &load("max-length", "after.yaml"),
    );
    let level = |rule: Rule| {
        findings
            .iter()
            .find(|finding| finding.rule == rule)
            .map(|finding| finding.level)
    };
    assert_eq!(
        level(Rule::RequestMaxLengthDecreased),
        Some(Level::Breaking)
    );
    assert_eq!(
        level(Rule::ResponseMaxLengthDecreased),
        Some(Level::NonBreaking)
    );
    assert_eq!(
        level(Rule::RequestMaxLengthIncreased),
        Some(Level::NonBreaking)
    );
    assert_eq!(
        level(Rule::ResponseMaxLengthIncreased),
        Some(Level::PotentiallyBreaking)
    );
    // `Item` is used in both directions: each of its changes is reported once per direction.
    let item = |direction| {
        findings
            .iter()
            .filter(|finding| {
                finding.location.type_name.as_deref() == Some("Item")
                    && finding.direction == direction
            })
            .count()
    };
    assert_eq!(item(Direction::Request), 4);
    assert_eq!(item(Direction::Response), 4);
}

#[test]
fn bump_is_the_strongest_of_the_findings() {
    let bump = |case: &str| {
        diff(&load(case, "before.yaml"), &load(case, "after.yaml"))
            .iter()
            .map(Finding::bump)
            .max()
    };
    assert_eq!(bump("property-removed"), Some(Bump::Major));
    assert_eq!(bump("property-added-optional"), Some(Bump::Minor));
    assert_eq!(bump("lifecycle-deprecation"), Some(Bump::Patch));
    assert_eq!(bump("lifecycle-retirement"), Some(Bump::Major));
    assert_eq!(bump("description-only"), None);
}

const CYCLE: &str = r"
types:
  A: {type: object, properties: {b: {$ref: '#/types/B'}, x: {type: string}}}
  B: {type: object, properties: {a: {$ref: '#/types/A'}, b: {$ref: '#/types/B'}}}
endpoints:
  e: {id: e, methods: [POST], path: /e, request: {schema: {$ref: '#/types/A'}}}
";

#[test]
fn cycles_through_refs_end_and_report_once() {
    let before = yaml(CYCLE);
    let after = yaml(&CYCLE.replace("x: {type: string}", "x: {type: integer}"));
    let findings = diff(&before, &after);
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0].rule, Rule::RequestTypeChanged);
    assert_eq!(findings[0].location.pointer, "/x");
    assert_eq!(findings[0].location.type_name.as_deref(), Some("A"));
}

#[test]
fn a_cycle_inlined_on_one_side_still_ends() {
    // Old: `A` refers to itself at every other level; new: an inline object whose property
    // refers to `C`, which refers to itself at the odd levels. The sides are never both
    // references at once, so only the depth limit ends the walk.
    let before = yaml(
        r"
types:
  A: {type: object, properties: {x: {type: object, properties: {x: {$ref: '#/types/A'}}}}}
endpoints:
  e: {id: e, methods: [POST], path: /e, request: {schema: {$ref: '#/types/A'}}}
",
    );
    let after = yaml(
        r"
types:
  C: {type: object, properties: {x: {type: object, properties: {x: {$ref: '#/types/C'}}}}}
endpoints:
  e: {id: e, methods: [POST], path: /e, request: {schema: {type: object, properties: {x: {$ref: '#/types/C'}}}}}
",
    );
    assert_eq!(diff(&before, &after), []);
}

#[test]
fn branching_recursive_types_out_of_step_are_compared_once() {
    // Old refers to `A` at even depths, new to `C` at odd depths, each level branching in two:
    // unrolled naively this would be 2^64 comparisons.
    let before = yaml(
        r"
types:
  A:
    type: object
    properties:
      l: {type: object, properties: {l: {$ref: '#/types/A'}, r: {$ref: '#/types/A'}}}
      r: {type: object, properties: {l: {$ref: '#/types/A'}, r: {$ref: '#/types/A'}}}
endpoints:
  e: {id: e, methods: [POST], path: /e, request: {schema: {$ref: '#/types/A'}}}
",
    );
    let after = yaml(
        r"
types:
  C:
    type: object
    properties:
      l: {type: object, properties: {l: {$ref: '#/types/C'}, r: {$ref: '#/types/C'}, v: {type: string}}}
      r: {type: object, properties: {l: {$ref: '#/types/C'}, r: {$ref: '#/types/C'}}}
endpoints:
  e:
    id: e
    methods: [POST]
    path: /e
    request: {schema: {type: object, properties: {l: {$ref: '#/types/C'}, r: {$ref: '#/types/C'}}}}
",
    );
    let findings = diff(&before, &after);
    assert!(
        findings
            .iter()
            .all(|finding| finding.rule == Rule::RequestPropertyAdded),
        "{findings:#?}"
    );
    assert!(!findings.is_empty() && findings.len() <= 4, "{findings:#?}");
}

#[test]
fn rename_needs_an_unambiguous_identical_schema() {
    let snapshot = |properties: &str| {
        yaml(&format!(
            "types: {{T: {{type: object, properties: {properties}}}}}\n\
             endpoints: {{e: {{id: e, methods: [GET], path: /e, responses: {{200: {{schema: {{$ref: '#/types/T'}}}}}}}}}}"
        ))
    };
    let rules = |before: &str, after: &str| -> Vec<&'static str> {
        diff(&snapshot(before), &snapshot(after))
            .iter()
            .map(|finding| finding.rule.id())
            .collect()
    };
    assert_eq!(
        rules(
            "{a: {type: string}}",
            "{b: {type: string, description: same}}"
        ),
        ["response-property-renamed"]
    );
    assert_eq!(
        rules("{a: {type: string}}", "{b: {type: integer}}"),
        ["response-property-removed", "response-property-added"]
    );
    assert_eq!(
        rules(
            "{a: {type: string}}",
            "{b: {type: string}, c: {type: string}}"
        ),
        [
            "response-property-removed",
            "response-property-added",
            "response-property-added"
        ]
    );
}

#[test]
fn nullability_spellings_are_interchangeable() {
    let spellings = [
        "{type: [string, 'null']}",
        "{type: string, nullable: true}",
        "{oneOf: [{type: string}, {type: 'null'}]}",
        "{anyOf: [{type: 'null'}, {type: string}]}",
        "{oneOf: [{type: string}, {const: null}], description: d}",
    ];
    let snapshot = |schema: &str| {
        yaml(&format!(
            "types: {{}}\nendpoints: {{e: {{id: e, methods: [GET], path: /e, responses: {{200: {{schema: {schema}}}}}}}}}"
        ))
    };
    for old in spellings {
        for new in spellings {
            assert_eq!(diff(&snapshot(old), &snapshot(new)), [], "{old} -> {new}");
        }
        let rules: Vec<Rule> = diff(&snapshot("{type: string}"), &snapshot(old))
            .iter()
            .map(|f| f.rule)
            .collect();
        assert_eq!(rules, [Rule::ResponseBecameNullable], "{old}");
        let rules: Vec<Rule> = diff(&snapshot(old), &snapshot("{type: string}"))
            .iter()
            .map(|f| f.rule)
            .collect();
        assert_eq!(rules, [Rule::ResponseBecameNonNullable], "{old}");
    }
}

#[test]
fn a_shared_type_is_reported_once_per_direction() {
    let findings = diff(
        &load("shared-type", "before.yaml"),
        &load("shared-type", "after.yaml"),
    );
    let enum_findings: Vec<&Finding> = findings
        .iter()
        .filter(|finding| finding.location.pointer.ends_with("currency"))
        .collect();
    let rules: Vec<(Rule, Option<&str>)> = enum_findings
        .iter()
        .map(|finding| (finding.rule, finding.location.endpoint.as_deref()))
        .filter(|(rule, _)| {
            matches!(
                rule,
                Rule::RequestEnumConstraintAdded | Rule::ResponseEnumConstraintAdded
            )
        })
        .collect();
    assert_eq!(
        rules,
        [
            (Rule::ResponseEnumConstraintAdded, Some("orders.get")),
            (Rule::RequestEnumConstraintAdded, Some("payments.create"))
        ]
    );
    let response = enum_findings
        .iter()
        .find(|finding| finding.rule == Rule::ResponseEnumConstraintAdded)
        .unwrap();
    assert!(
        response
            .message
            .ends_with("(also in 2 other endpoints: `orders.list`, `payments.create`)"),
        "{}",
        response.message
    );
    assert_eq!(response.location.pointer, "/total/currency");
    assert_eq!(response.location.type_name.as_deref(), Some("Money"));
}

#[test]
fn findings_serialise_with_kebab_case_names() {
    let findings = diff(
        &load("property-removed", "before.yaml"),
        &load("property-removed", "after.yaml"),
    );
    let json = serde_json::to_value(&findings[0]).unwrap();
    insta::assert_json_snapshot!(json, @r#"
    {
      "rule": "request-property-removed",
      "level": "potentially-breaking",
      "direction": "request",
      "location": {
        "endpoint": "items.create",
        "pointer": "/legacy_code",
        "type_name": "Draft"
      },
      "message": "property `legacy_code` of `Draft` was removed from the request body of `items.create`"
    }
    "#);
}
