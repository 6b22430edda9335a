//! What every line of one request shares, and the steps of a line: parse, prepare (anchors,
//! references, target), call, register its anchor.

use std::convert::Infallible;
use std::sync::Arc;

use apivolve_store::UnitOfWork;
use axum::body::Body;
use axum::response::Response;
use http::{HeaderMap, Request, StatusCode};
use semver::Version;
use serde_json::Value;
use tower::Service;

use super::BulkOptions;
use super::call::{self, Context};
use super::configure::Configure;
use super::line::{self, Anchored, Anchors, Parsed, Refused, Target};
use super::output::{Outcome, Row};
use super::reader::Piece;
use super::source::Input;
use crate::problem::Problem;
use crate::versioning::Runtime;

/// One bulk request's settings and the parts of its request every line inherits.
#[derive(Debug)]
pub(super) struct Batch {
    pub(super) runtime: Arc<Runtime>,
    pub(super) version: Version,
    pub(super) headers: HeaderMap,
    pub(super) extensions: http::Extensions,
    pub(super) configure: Configure,
    pub(super) options: BulkOptions,
}

/// A line ready to call.
#[derive(Debug)]
pub(super) struct Call {
    line: u64,
    op: String,
    pub(super) anchor: Option<String>,
    target: Target,
    body: Value,
}

impl Batch {
    /// Reads an input line; a line that cannot run is answered at once.
    pub(super) fn parse(&self, input: &Input) -> Result<(u64, Parsed), Box<Row>> {
        match input {
            Input::Refused { number, problem } => Err(Box::new(Row::refused(
                *number,
                Refused::new(problem.clone()),
            ))),
            Input::Piece(Piece::TooLong { number }) => {
                let limit = self.runtime.bulk.max_line_bytes;
                let problem = Problem::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!("the line is longer than the limit of {limit} bytes"),
                )
                .with_extension("limit_bytes", limit);
                Err(Box::new(Row::refused(*number, Refused::new(problem))))
            }
            Input::Piece(Piece::Line { number, bytes }) => {
                line::parse(bytes, self.runtime.max_json_depth)
                    .map(|parsed| (*number, parsed))
                    .map_err(|refused| Box::new(Row::refused(*number, refused)))
            }
        }
    }

    /// The answer to a line that is not run because of another line.
    pub(super) fn skip(line: u64, parsed: Parsed, problem: Problem) -> Row {
        Row::refused(
            line,
            Refused {
                op: Some(parsed.op),
                anchor: parsed.anchor,
                problem,
                skipped: true,
            },
        )
    }

    /// Checks the anchor, resolves references against `anchors` and finds the target.
    pub(super) fn prepare(
        &self,
        line: u64,
        mut parsed: Parsed,
        anchors: &Anchors,
    ) -> Result<Call, Box<Row>> {
        if let Some(anchor) = &parsed.anchor
            && anchors.contains_key(anchor)
        {
            let problem = Problem::bad_request(format!(
                "the anchor `{anchor}` is already defined by an earlier line"
            ));
            return Err(Box::new(Row::refused(
                line,
                Refused {
                    op: Some(parsed.op),
                    ..Refused::new(problem)
                },
            )));
        }
        let mut options = Value::Object(std::mem::take(&mut parsed.options));
        let resolved = line::resolve(&mut parsed.body, anchors)
            .and_then(|()| line::resolve(&mut options, anchors));
        if let Value::Object(options) = options {
            parsed.options = options;
        }
        let refuse = |parsed: Parsed, refused: Refused| {
            Box::new(Row::refused(
                line,
                Refused {
                    op: Some(parsed.op),
                    anchor: parsed.anchor,
                    ..refused
                },
            ))
        };
        if let Err(refused) = resolved {
            return Err(refuse(parsed, refused));
        }
        let target = match self.runtime.versions.get(&self.version) {
            Some(version) => line::target(version, &parsed),
            None => Err(Problem::internal("the request's version has no runtime")),
        };
        match target {
            Ok(target) => Ok(Call {
                line,
                op: parsed.op,
                anchor: parsed.anchor,
                target,
                body: parsed.body,
            }),
            Err(problem) => Err(refuse(parsed, Refused::new(problem))),
        }
    }

    /// Calls a prepared line through the chain, in `unit` when the lines share one.
    pub(super) async fn call<S>(
        &self,
        inner: S,
        call: Call,
        unit: Option<(&UnitOfWork, u32)>,
    ) -> Row
    where
        S: Service<Request<Body>, Response = Response, Error = Infallible> + Clone + Send + 'static,
        S::Future: Send + 'static,
    {
        let context = Context {
            runtime: &self.runtime,
            version: &self.version,
            headers: &self.headers,
            extensions: &self.extensions,
            unit,
        };
        let answer = call::call(&context, inner, call.target, call.body).await;
        Row::answered(call.line, call.op, call.anchor, answer)
    }
}

/// Records the anchor of an answered line for later lines, unless an earlier line holds the name
/// (a duplicate is refused and does not echo its anchor). The name, when newly recorded.
pub(super) fn register(anchors: &mut Anchors, row: &Row) -> Option<String> {
    let name = row.anchor.as_ref()?;
    let result = match row.outcome {
        Outcome::Succeeded => Anchored::Succeeded(row.content.to_value()),
        Outcome::Failed | Outcome::Skipped => Anchored::Failed(row.line),
    };
    match anchors.get_mut(name) {
        Some(slot @ Anchored::Pending) => {
            *slot = result;
            Some(name.clone())
        }
        Some(_) => None,
        None => {
            anchors.insert(name.clone(), result);
            Some(name.clone())
        }
    }
}
