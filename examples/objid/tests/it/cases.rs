//! Table-driven cases: one request against a fresh app, its status, body and stored effect.
//!
//! Bodies are written with placeholders, replaced in strings and object keys before use:
//! `$APP` (the case's app), `$OTHER` (a second app), `$KEY` (the key of an authorized app).

use apivolve_store::testing::Backend;
use reqwest::Method;
use serde_json::{Map, Value, json};

use crate::harness::{self, Server};

/// The key every authorized app of a case holds.
pub(crate) const KEY: &str = "K-7f3a";

/// A stored document of an app authorized with [`KEY`], with `rest` merged in.
pub(crate) fn authorized(rest: Value) -> Value {
    let mut document = json!({"_authorization": {"key": KEY, "valid": true}});
    if let (Some(target), Value::Object(members)) = (document.as_object_mut(), rest) {
        target.extend(members);
    }
    document
}

/// What the body must be.
pub(crate) enum Body {
    /// Exactly this plain text (`text/plain`).
    Text(&'static str),
    /// A problem (`application/problem+json`) with this `detail` and the response's status.
    Problem(&'static str),
    /// JSON equal to this (placeholders replaced).
    Json(Value),
    /// JSON that passes the check, which says what it expects.
    Check(fn(&Value) -> Result<(), String>),
}

/// What the app's document must be afterwards.
pub(crate) enum Stored {
    /// As it was before the request.
    Unchanged,
    /// Exactly this (placeholders replaced); `Value::Null` for "absent".
    Is(Value),
    /// These members (JSON pointers) hold these values; `Value::Null` for "absent".
    Members(Vec<(&'static str, Value)>),
    /// It passes the check, given the response body.
    Check(fn(Option<&Value>, &Value) -> Result<(), String>),
}

/// A request sent after the case's own, with the status it must get.
pub(crate) struct Then {
    pub(crate) method: Method,
    pub(crate) path: &'static str,
    pub(crate) body: Value,
    pub(crate) status: u16,
}

/// One case.
pub(crate) struct Case {
    name: &'static str,
    method: Method,
    path: &'static str,
    stored: Option<Value>,
    other: Option<Value>,
    body: Option<Value>,
    status: u16,
    expect: Body,
    after: Stored,
    other_after: Stored,
    refuse_writes: bool,
    conflicting: bool,
    then: Option<Then>,
}

impl Case {
    /// `method path` with `body` on a fresh app with nothing stored; answers 200.
    pub(crate) fn new(name: &'static str, method: Method, path: &'static str, body: Value) -> Self {
        Self {
            name,
            method,
            path,
            stored: None,
            other: None,
            body: Some(body),
            status: 200,
            expect: Body::Check(|_| Ok(())),
            after: Stored::Unchanged,
            other_after: Stored::Unchanged,
            refuse_writes: false,
            conflicting: false,
            then: None,
        }
    }

    /// Without a body.
    pub(crate) fn without_body(mut self) -> Self {
        self.body = None;
        self
    }

    /// The app's stored document before the request.
    pub(crate) fn stored(mut self, document: Value) -> Self {
        self.stored = Some(document);
        self
    }

    /// The second app's (`$OTHER`) stored document before the request.
    pub(crate) fn other(mut self, document: Value) -> Self {
        self.other = Some(document);
        self
    }

    /// The expected status and body.
    pub(crate) fn answers(mut self, status: u16, body: Body) -> Self {
        self.status = status;
        self.expect = body;
        self
    }

    /// The app's document afterwards (unchanged unless said).
    pub(crate) fn leaves(mut self, stored: Stored) -> Self {
        self.after = stored;
        self
    }

    /// The second app's document afterwards (unchanged unless said).
    pub(crate) fn leaves_other(mut self, stored: Stored) -> Self {
        self.other_after = stored;
        self
    }

    /// The store refuses writes during the request.
    pub(crate) fn refusing_writes(mut self) -> Self {
        self.refuse_writes = true;
        self
    }

    /// Every commit of the request conflicts with another writer.
    pub(crate) fn conflicting(mut self) -> Self {
        self.conflicting = true;
        self
    }

    /// A follow-up request and its status.
    pub(crate) fn then(mut self, then: Then) -> Self {
        self.then = Some(then);
        self
    }
}

/// Runs every case on a fresh service on `backend`; fails listing every case that failed.
pub(crate) async fn check(backend: Backend, cases: Vec<Case>) {
    let Some((test_store, server)) = harness::start(backend).await else {
        return;
    };
    let mut failures = Vec::new();
    for case in &cases {
        if let Err(failure) = run(&server, case).await {
            failures.push(format!("{}: {failure}", case.name));
        }
    }
    harness::finish(test_store, server).await;
    assert!(
        failures.is_empty(),
        "{} of {} cases failed on {backend}:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

struct Names {
    app: String,
    other: String,
}

async fn run(server: &Server, case: &Case) -> Result<(), String> {
    let names = Names {
        app: harness::unique_app(),
        other: harness::unique_app(),
    };
    if let Some(document) = &case.stored {
        server
            .store_document(&names.app, fill(document, &names))
            .await;
    }
    if let Some(document) = &case.other {
        server
            .store_document(&names.other, fill(document, &names))
            .await;
    }
    let before = server.document(&names.app).await;
    let other_before = server.document(&names.other).await;
    let body = case.body.as_ref().map(|body| fill(body, &names));

    server.faults.refuse_writes(case.refuse_writes);
    if case.conflicting {
        server.probe.interfere_with(u64::MAX);
    }
    let (status, content_type, text) = server
        .send(case.method.clone(), case.path, body.as_ref())
        .await;
    server.faults.refuse_writes(false);
    server.probe.interfere_with(0);

    let answer = format!("{status} `{content_type}` {text}");
    if status != case.status {
        return Err(format!(
            "status {status}, expected {}: {answer}",
            case.status
        ));
    }
    let json = check_body(&case.expect, status, &content_type, &text, &names)
        .map_err(|why| format!("{why}; the answer: {answer}"))?;
    let after = server.document(&names.app).await;
    check_stored(&case.after, before.as_ref(), after.as_ref(), &json, &names)
        .map_err(|why| format!("the app's document: {why}"))?;
    let other_after = server.document(&names.other).await;
    check_stored(
        &case.other_after,
        other_before.as_ref(),
        other_after.as_ref(),
        &json,
        &names,
    )
    .map_err(|why| format!("the other app's document: {why}"))?;
    if let Some(then) = &case.then {
        let body = fill(&then.body, &names);
        let (status, content_type, text) = server
            .send(then.method.clone(), then.path, Some(&body))
            .await;
        if status != then.status {
            return Err(format!(
                "then {} {}: status {status}, expected {}: `{content_type}` {text}",
                then.method, then.path, then.status
            ));
        }
    }
    Ok(())
}

/// Checks the body; returns it as JSON (`null` when it is not JSON).
fn check_body(
    expect: &Body,
    status: u16,
    content_type: &str,
    text: &str,
    names: &Names,
) -> Result<Value, String> {
    let json = serde_json::from_str::<Value>(text).unwrap_or(Value::Null);
    match expect {
        Body::Text(expected) => {
            if !content_type.starts_with("text/plain") {
                return Err(format!(
                    "content type `{content_type}`, expected `text/plain`"
                ));
            }
            if text != *expected {
                return Err(format!("body `{text}`, expected `{expected}`"));
            }
        }
        Body::Problem(detail) => {
            if content_type != "application/problem+json" {
                return Err(format!(
                    "content type `{content_type}`, expected `application/problem+json`"
                ));
            }
            if json["detail"] != *detail || json["status"] != status {
                return Err(format!("expected a problem with detail `{detail}`"));
            }
        }
        Body::Json(expected) => {
            if !content_type.starts_with("application/json") {
                return Err(format!("content type `{content_type}`, expected JSON"));
            }
            let expected = fill(expected, names);
            if json != expected {
                return Err(format!("expected {expected}"));
            }
        }
        Body::Check(check) => {
            if !content_type.starts_with("application/json") {
                return Err(format!("content type `{content_type}`, expected JSON"));
            }
            check(&json)?;
        }
    }
    Ok(json)
}

fn check_stored(
    expect: &Stored,
    before: Option<&Value>,
    after: Option<&Value>,
    response: &Value,
    names: &Names,
) -> Result<(), String> {
    let shown = after.map_or_else(|| "absent".to_owned(), Value::to_string);
    match expect {
        Stored::Unchanged if before != after => Err(format!("changed to {shown}")),
        Stored::Is(expected) => {
            let expected = fill(expected, names);
            if after.unwrap_or(&Value::Null) == &expected {
                Ok(())
            } else {
                Err(format!("{shown}, expected {expected}"))
            }
        }
        Stored::Members(members) => {
            for (pointer, expected) in members {
                let expected = fill(expected, names);
                let found = after.and_then(|document| document.pointer(pointer));
                if found.unwrap_or(&Value::Null) != &expected {
                    return Err(format!("`{pointer}` should be {expected}: {shown}"));
                }
            }
            Ok(())
        }
        Stored::Check(check) => check(after, response).map_err(|why| format!("{why}: {shown}")),
        Stored::Unchanged => Ok(()),
    }
}

/// `value` with the placeholders replaced, in strings and object keys.
fn fill(value: &Value, names: &Names) -> Value {
    let replace = |text: &str| {
        text.replace("$APP", &names.app)
            .replace("$OTHER", &names.other)
            .replace("$KEY", KEY)
    };
    match value {
        Value::String(text) => Value::String(replace(text)),
        Value::Array(items) => Value::Array(items.iter().map(|item| fill(item, names)).collect()),
        Value::Object(members) => Value::Object(
            members
                .iter()
                .map(|(key, item)| (replace(key), fill(item, names)))
                .collect::<Map<String, Value>>(),
        ),
        other => other.clone(),
    }
}

/// The 13 object types, each `[]`, with `present` merged in: a v1 consumption.
pub(crate) fn all_types(present: Value) -> Value {
    let mut all: Map<String, Value> = objid::objects::OBJECT_TYPES
        .iter()
        .map(|name| ((*name).to_owned(), json!([])))
        .collect();
    if let Value::Object(members) = present {
        all.extend(members);
    }
    Value::Object(all)
}
