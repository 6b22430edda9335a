//! The bulk conformance table: configure options, counts, anchors, modes, views, limits and
//! malformed lines, each case on a fresh demo, its body sent one line per frame.

use std::convert::Infallible;

use apivolve_model::BulkConfig;
use axum::body::Body;
use bytes::Bytes;
use http::Request;
use serde_json::{Value, json};

use super::bulk::{Setup, demo, outline, send, stored};

/// One case of the table.
struct Case {
    name: &'static str,
    limits: BulkConfig,
    headers: Vec<(&'static str, String)>,
    /// Send the lines as one JSON array (`application/json`) instead of NDJSON.
    array: bool,
    /// What separates the elements of an array (`,` unless a case breaks it).
    separator: &'static str,
    lines: Vec<String>,
    /// The response status.
    status: u16,
    /// Rows as `line:status[:result]`.
    rows: &'static str,
    /// `ok/failed/skipped committed|not committed [problem=status]`.
    summary: &'static str,
    /// Text expected in a problem's detail, by line (0: the summary's or the response's).
    details: Vec<(u64, &'static str)>,
    /// Values at JSON pointers into the row of a line.
    checks: Vec<(u64, &'static str, Value)>,
    /// Items stored afterwards, among `a` to `e`.
    stored: &'static str,
}

impl Default for Case {
    fn default() -> Self {
        Self {
            name: "",
            limits: BulkConfig::default(),
            headers: Vec::new(),
            array: false,
            separator: ",",
            lines: Vec::new(),
            status: 200,
            rows: "",
            summary: "",
            details: Vec::new(),
            checks: Vec::new(),
            stored: "",
        }
    }
}

fn put(id: &str, qty: i64) -> String {
    json!(["items.put", {"name": format!("item-{id}"), "qty": qty}, {"params": {"id": id}}])
        .to_string()
}

fn put_anchored(id: &str, qty: i64, anchor: &str) -> String {
    json!(["items.put", {"$anchor": anchor, "name": format!("item-{id}"), "qty": qty}, {"params": {"id": id}}])
        .to_string()
}

fn configure(settings: Value) -> String {
    json!(["configure", settings]).to_string()
}

fn small(max_lines: usize, max_line_bytes: usize, max_total_bytes: u64) -> BulkConfig {
    BulkConfig {
        max_lines,
        max_line_bytes,
        max_total_bytes,
        ..BulkConfig::default()
    }
}

#[allow(clippy::too_many_lines)]
fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "upserts report created and updated",
            lines: vec![put("a", 1), put("a", 2), put("b", 1)],
            rows: "1:201:created 2:200:updated 3:201:created",
            summary: "3/0/0 committed",
            checks: vec![(2, "/body/qty", json!(2))],
            stored: "a b",
            ..Case::default()
        },
        Case {
            name: "per_item keeps the good lines around a failing one",
            lines: vec![configure(json!({"mode": "per_item"})), put("a", 1), put("b", -1), put("c", 1)],
            rows: "2:201:created 3:400 4:201:created",
            summary: "2/1/0 committed",
            checks: vec![(3, "/problem/errors/0/pointer", json!("/qty"))],
            stored: "a c",
            ..Case::default()
        },
        Case {
            name: "a failing handler's staged write is rolled back",
            lines: vec![
                put("a", 1),
                json!(["items.put", {"name": "reject", "qty": 1}, {"params": {"id": "b"}}]).to_string(),
                put("c", 1),
            ],
            rows: "1:201:created 2:422 3:201:created",
            summary: "2/1/0 committed",
            stored: "a c",
            ..Case::default()
        },
        Case {
            name: "atomic commits nothing when a middle line fails",
            lines: vec![configure(json!({"mode": "atomic"})), put("a", 1), put("b", -1), put("c", 1)],
            rows: "2:201:created 3:400 4:424",
            summary: "1/1/1 not committed problem=422",
            details: vec![(4, "line 3 did not succeed"), (0, "nothing was committed")],
            ..Case::default()
        },
        Case {
            name: "atomic commits every line together",
            lines: vec![configure(json!({"mode": "atomic"})), put("a", 1), put("b", 1)],
            rows: "2:201:created 3:201:created",
            summary: "2/0/0 committed",
            stored: "a b",
            ..Case::default()
        },
        Case {
            name: "stop_on_error keeps the lines before the failure",
            lines: vec![configure(json!({"mode": "stop_on_error"})), put("a", 1), put("b", -1), put("c", 1)],
            rows: "2:201:created 3:400 4:424",
            summary: "1/1/1 committed",
            details: vec![(4, "line 3 did not succeed")],
            stored: "a",
            ..Case::default()
        },
        Case {
            name: "view errors shows failed lines only",
            lines: vec![configure(json!({"view": "errors"})), put("a", 1), put("b", -1)],
            rows: "3:400",
            summary: "1/1/0 committed",
            stored: "a",
            ..Case::default()
        },
        Case {
            name: "view none shows the summary only",
            lines: vec![configure(json!({"view": "none"})), put("a", 1), put("b", -1)],
            rows: "",
            summary: "1/1/0 committed",
            stored: "a",
            ..Case::default()
        },
        Case {
            name: "a count declared by the configure line",
            lines: vec![configure(json!({"lines": 2})), put("a", 1), put("b", 1)],
            rows: "2:201:created 3:201:created",
            summary: "2/0/0 committed",
            stored: "a b",
            ..Case::default()
        },
        Case {
            name: "more lines than the configure line declared",
            lines: vec![configure(json!({"lines": 1})), put("a", 1), put("b", 1), put("c", 1)],
            rows: "2:201:created 3:400",
            summary: "1/1/0 committed problem=400",
            details: vec![(3, "declared 1 lines and sent more")],
            stored: "a",
            ..Case::default()
        },
        Case {
            name: "more lines than declared in atomic mode",
            lines: vec![configure(json!({"mode": "atomic", "lines": 1})), put("a", 1), put("b", 1)],
            rows: "2:201:created 3:400",
            summary: "1/1/0 not committed problem=400",
            ..Case::default()
        },
        Case {
            name: "a count declared by Content-Lines",
            headers: vec![("content-lines", "2".into())],
            lines: vec![put("a", 1), put("b", 1)],
            rows: "1:201:created 2:201:created",
            summary: "2/0/0 committed",
            stored: "a b",
            ..Case::default()
        },
        Case {
            name: "fewer lines than Content-Lines",
            headers: vec![("content-lines", "3".into())],
            lines: vec![put("a", 1), put("b", 1)],
            rows: "1:201:created 2:201:created",
            summary: "2/0/0 committed problem=400",
            details: vec![(0, "declared 3 lines but sent 2")],
            stored: "a b",
            ..Case::default()
        },
        Case {
            name: "fewer lines than declared in atomic mode",
            headers: vec![("content-lines", "3".into())],
            lines: vec![configure(json!({"mode": "atomic"})), put("a", 1), put("b", 1)],
            rows: "2:201:created 3:201:created",
            summary: "2/0/0 not committed problem=400",
            ..Case::default()
        },
        Case {
            name: "Content-Lines and the configure line disagree",
            headers: vec![("content-lines", "2".into())],
            lines: vec![configure(json!({"lines": 3})), put("a", 1)],
            status: 400,
            details: vec![(0, "`Content-Lines` says 2 lines and the configure line says 3")],
            ..Case::default()
        },
        Case {
            name: "Content-Lines over max_lines",
            limits: small(3, 1000, 100_000),
            headers: vec![("content-lines", "4".into())],
            lines: vec![put("a", 1)],
            status: 413,
            details: vec![(0, "at most 3 lines")],
            ..Case::default()
        },
        Case {
            name: "a configure count over max_lines",
            limits: small(3, 1000, 100_000),
            lines: vec![configure(json!({"lines": 4})), put("a", 1)],
            status: 413,
            ..Case::default()
        },
        Case {
            name: "an unknown configure option",
            lines: vec![configure(json!({"colour": "red"})), put("a", 1)],
            status: 400,
            details: vec![(0, "invalid configure line")],
            ..Case::default()
        },
        Case {
            name: "anchors stand for result ids and pointers for parts of results",
            lines: vec![
                put_anchored("a", 4, "first"),
                json!(["items.get", null, {"params": {"id": {"$ref": "first"}}}]).to_string(),
                json!(["items.put", {"name": {"$ref": "first#/name"}, "qty": {"$ref": "first#/qty"}}, {"params": {"id": "b"}}]).to_string(),
            ],
            rows: "1:201:created 2:200 3:201:created",
            summary: "3/0/0 committed",
            checks: vec![
                (1, "/$anchor", json!("first")),
                (2, "/body/id", json!("a")),
                (3, "/body/name", json!("item-a")),
                (3, "/body/qty", json!(4)),
            ],
            stored: "a b",
            ..Case::default()
        },
        Case {
            name: "an anchor defined twice",
            lines: vec![put_anchored("a", 1, "x"), put_anchored("b", 1, "x")],
            rows: "1:201:created 2:400",
            summary: "1/1/0 committed",
            details: vec![(2, "`x` is already defined")],
            stored: "a",
            ..Case::default()
        },
        Case {
            name: "unknown and forward references",
            lines: vec![
                json!(["items.get", null, {"params": {"id": {"$ref": "later"}}}]).to_string(),
                put_anchored("a", 1, "later"),
                json!(["items.get", null, {"params": {"id": {"$ref": "later#/nothing"}}}]).to_string(),
            ],
            rows: "1:400 2:201:created 3:400",
            summary: "1/2/0 committed",
            details: vec![(1, "refers to no anchor of an earlier line"), (3, "has nothing at `/nothing`")],
            stored: "a",
            ..Case::default()
        },
        Case {
            name: "lines depending on a failed line are skipped",
            lines: vec![
                put_anchored("a", -1, "x"),
                json!(["items.get", {"$anchor": "y"}, {"params": {"id": {"$ref": "x"}}}]).to_string(),
                json!(["items.put", {"name": {"$ref": "y#/name"}, "qty": 1}, {"params": {"id": "b"}}]).to_string(),
                put("c", 1),
            ],
            rows: "1:400 2:424 3:424 4:201:created",
            summary: "1/1/2 committed",
            details: vec![(2, "`x`, whose line 1 failed"), (3, "`y`, whose line 2 failed")],
            checks: vec![(2, "/$anchor", json!("y"))],
            stored: "c",
            ..Case::default()
        },
        Case {
            name: "malformed lines get problem rows",
            lines: vec![
                "not json".into(),
                "{}".into(),
                r#"["nope", {}]"#.into(),
                r#"["items.put"]"#.into(),
                r#"["items.put", {}, {}, {}]"#.into(),
                r#"["configure", {}]"#.into(),
                r#"["items.put", {"name": "x", "qty": 1}, {"params": {}}]"#.into(),
                r#"["items.put", {"name": "x", "qty": 1}, {"params": {"id": "z"}, "colour": 1}]"#.into(),
                r#"["counter", null]"#.into(),
                r#"["items.get", null, {"params": {"id": "a"}, "method": "DELETE"}]"#.into(),
                r#"[7, {}]"#.into(),
                put("a", 1),
            ],
            rows: "1:400 2:400 3:400 4:400 5:400 6:400 7:400 8:400 9:400 10:400 11:400 12:201:created",
            summary: "1/11/0 committed",
            details: vec![
                (1, "line is not valid JSON"),
                (2, "must be a JSON array"),
                (3, "unknown operation `nope` in version `2.0.0`"),
                (4, "not 1 items"),
                (5, "not 4 items"),
                (6, "`configure` must be the first line"),
                (7, "needs the path parameter `id`"),
                (8, "unknown line option `colour`"),
                (9, "choose one with the `method` option"),
                (10, "does not answer `DELETE`"),
                (11, "must be the operation id"),
            ],
            checks: vec![(1, "/op", Value::Null), (3, "/op", json!("nope"))],
            stored: "a",
            ..Case::default()
        },
        Case {
            name: "method and query options",
            lines: vec![
                json!(["counter", null, {"method": "post", "query": {"by": 2}}]).to_string(),
                json!(["counter", null, {"method": "POST", "query": {"by": [3]}}]).to_string(),
                json!(["counter", null, {"method": "GET"}]).to_string(),
                json!(["counter", null, {"method": "POST", "query": {"by": 0}}]).to_string(),
            ],
            rows: "1:200 2:200 3:200 4:400",
            summary: "3/1/0 committed",
            checks: vec![(1, "/body/value", json!(2)), (2, "/body/value", json!(5)), (3, "/body/value", json!(5))],
            ..Case::default()
        },
        Case {
            name: "a line over max_line_bytes",
            limits: small(10, 200, 100_000),
            lines: vec![
                put("a", 1),
                json!(["items.put", {"name": "x".repeat(300), "qty": 1}, {"params": {"id": "b"}}]).to_string(),
                put("c", 1),
            ],
            rows: "1:201:created 2:413 3:201:created",
            summary: "2/1/0 committed",
            details: vec![(2, "longer than the limit of 200 bytes")],
            stored: "a c",
            ..Case::default()
        },
        Case {
            name: "more lines than max_lines",
            limits: small(3, 1000, 100_000),
            lines: vec![put("a", 1), put("b", 1), put("c", 1), put("d", 1), put("e", 1)],
            rows: "1:201:created 2:201:created 3:201:created 4:413",
            summary: "3/1/0 committed problem=413",
            details: vec![(4, "at most 3 lines")],
            stored: "a b c",
            ..Case::default()
        },
        Case {
            name: "a request over max_total_bytes stops reading",
            limits: small(100, 1000, 300),
            lines: vec![put("a", 1), put("b", 1), put("c", 1), put("d", 1), put("e", 1)],
            rows: "1:201:created 2:201:created 3:201:created 4:201:created",
            summary: "4/0/0 committed problem=413",
            details: vec![(0, "larger than the limit of 300 bytes")],
            stored: "a b c d",
            ..Case::default()
        },
        Case {
            name: "a Content-Length over max_total_bytes",
            limits: small(100, 1000, 300),
            headers: vec![("content-length", "301".into())],
            lines: vec![put("a", 1)],
            status: 413,
            ..Case::default()
        },
        Case {
            name: "a media type that is not a bulk one",
            headers: vec![("content-type", "text/plain".into())],
            lines: vec![put("a", 1)],
            status: 415,
            ..Case::default()
        },
        Case {
            name: "a JSON array of lines",
            array: true,
            lines: vec![configure(json!({"mode": "atomic"})), put("a", 1), put("b", 1)],
            rows: "2:201:created 3:201:created",
            summary: "2/0/0 committed",
            stored: "a b",
            ..Case::default()
        },
        Case {
            name: "a malformed JSON array of lines",
            array: true,
            separator: " ",
            lines: vec![put("a", 1), put("b", 1)],
            rows: "1:201:created",
            summary: "1/0/0 committed problem=400",
            details: vec![(0, "expected `,` or `]` after a line")],
            stored: "a",
            ..Case::default()
        },
        Case {
            name: "an empty request",
            rows: "",
            summary: "0/0/0 not committed",
            ..Case::default()
        },
        Case {
            name: "blank lines are ignored",
            lines: vec![String::new(), put("a", 1), "   ".into(), put("b", 1)],
            rows: "2:201:created 4:201:created",
            summary: "2/0/0 committed",
            stored: "a b",
            ..Case::default()
        },
    ]
}

/// The body's frames: one per line (NDJSON), or one per element and separator (array).
fn frames(case: &Case) -> (String, Vec<Bytes>) {
    if !case.array {
        let frames = case
            .lines
            .iter()
            .map(|line| Bytes::from(format!("{line}\n")));
        return ("application/x-ndjson".into(), frames.collect());
    }
    let mut frames = vec![Bytes::from("[")];
    for (index, line) in case.lines.iter().enumerate() {
        if index > 0 {
            frames.push(Bytes::from(case.separator));
        }
        frames.push(Bytes::from(line.clone()));
    }
    frames.push(Bytes::from("]"));
    ("application/json".into(), frames)
}

fn summary_outline(summary: &Value) -> String {
    let mut text = format!(
        "{}/{}/{} {}",
        summary["ok"],
        summary["failed"],
        summary["skipped"],
        if summary["committed"] == json!(true) {
            "committed"
        } else {
            "not committed"
        }
    );
    if let Some(status) = summary.pointer("/problem/status") {
        text.push_str(&format!(" problem={status}"));
    }
    text
}

/// Runs one case; the mismatches found.
async fn run(case: &Case) -> Vec<String> {
    let demo = demo(Setup {
        limits: case.limits.clone(),
        ..Setup::default()
    });
    let (media_type, frames) = frames(case);
    let stream = futures::stream::iter(frames.into_iter().map(Ok::<_, Infallible>));
    let mut request = Request::post("/api/v2/bulk")
        .body(Body::from_stream(stream))
        .unwrap();
    let headers = request.headers_mut();
    headers.insert("content-type", media_type.parse().unwrap());
    for (name, value) in &case.headers {
        headers.insert(*name, value.parse().unwrap());
    }
    let answer = send(&demo.service, request).await;
    let mut errors = Vec::new();
    let expect = |errors: &mut Vec<String>, what: &str, found: String, expected: String| {
        if found != expected {
            errors.push(format!("{what}: expected `{expected}`, found `{found}`"));
        }
    };
    expect(
        &mut errors,
        "status",
        answer.status.as_u16().to_string(),
        case.status.to_string(),
    );
    if case.status == 200 {
        expect(
            &mut errors,
            "rows",
            outline(answer.lines()),
            case.rows.into(),
        );
        expect(
            &mut errors,
            "summary",
            summary_outline(answer.summary()),
            case.summary.into(),
        );
    }
    for (line, text) in &case.details {
        let detail = if *line == 0 {
            if case.status == 200 {
                answer.summary().pointer("/problem/detail").cloned()
            } else {
                answer
                    .rows
                    .first()
                    .and_then(|row| row.get("detail"))
                    .cloned()
            }
        } else {
            let row = answer.lines().iter().find(|row| row["line"] == json!(line));
            row.and_then(|row| row.pointer("/problem/detail")).cloned()
        };
        let detail = detail
            .and_then(|d| d.as_str().map(str::to_owned))
            .unwrap_or_default();
        if !detail.contains(text) {
            errors.push(format!("detail of line {line}: `{detail}` lacks `{text}`"));
        }
    }
    for (line, pointer, expected) in &case.checks {
        let row = answer.lines().iter().find(|row| row["line"] == json!(line));
        let found = row
            .and_then(|row| row.pointer(pointer))
            .cloned()
            .unwrap_or(Value::Null);
        expect(
            &mut errors,
            &format!("line {line} at {pointer}"),
            found.to_string(),
            expected.to_string(),
        );
    }
    let mut present = Vec::new();
    for id in ["a", "b", "c", "d", "e"] {
        if stored(&demo.store, &format!("items/{id}")).await.is_some() {
            present.push(id);
        }
    }
    expect(&mut errors, "stored", present.join(" "), case.stored.into());
    if !errors.is_empty() {
        errors.push(format!("answer: {}", answer.text));
    }
    errors
}

#[tokio::test]
async fn bulk_conformance_table() {
    let mut failures = Vec::new();
    for case in cases() {
        let errors = run(&case).await;
        if !errors.is_empty() {
            failures.push(format!("{}:\n  {}", case.name, errors.join("\n  ")));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
