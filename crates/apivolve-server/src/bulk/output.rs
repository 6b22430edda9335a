//! The response rows: one per line, in order, then the summary; sent, recorded, or both.

use std::convert::Infallible;

use apivolve_store::Error;
use axum::body::Body;
use bytes::Bytes;
use http::StatusCode;
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::json;
use tokio::sync::mpsc;

use super::call::{Answer, Content};
use super::configure::{Mode, View};
use super::line::Refused;
use super::records::ChunkWriter;
use crate::problem::Problem;

/// Bytes gathered before they are sent on.
const FLUSH_BYTES: usize = 16 << 10;

/// How a line ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Outcome {
    Succeeded,
    Failed,
    /// Not run because of another line.
    Skipped,
}

/// The answer to one line.
#[derive(Clone, Debug)]
pub(super) struct Row {
    pub(super) line: u64,
    pub(super) op: Option<String>,
    pub(super) anchor: Option<String>,
    pub(super) status: u16,
    pub(super) upsert: Option<&'static str>,
    /// The body of a success, the problem (in the version's error shape) otherwise.
    pub(super) content: Content,
    pub(super) outcome: Outcome,
}

impl Row {
    /// The row of a line that was called.
    pub(super) fn answered(line: u64, op: String, anchor: Option<String>, answer: Answer) -> Self {
        let outcome = if answer.is_success() {
            Outcome::Succeeded
        } else {
            Outcome::Failed
        };
        Self {
            line,
            op: Some(op),
            anchor,
            status: answer.status,
            upsert: answer.upsert().filter(|_| outcome == Outcome::Succeeded),
            content: answer.body,
            outcome,
        }
    }

    /// The row of a line that did not run.
    pub(super) fn refused(line: u64, refused: Refused) -> Self {
        Self {
            line,
            op: refused.op,
            anchor: refused.anchor,
            status: refused.problem.status.as_u16(),
            upsert: None,
            content: Content::Value(refused.problem.to_json()),
            outcome: if refused.skipped {
                Outcome::Skipped
            } else {
                Outcome::Failed
            },
        }
    }

    /// A succeeded line whose writes a failed commit lost: it failed with `problem`.
    pub(super) fn lose(&mut self, problem: &Problem) {
        if self.outcome == Outcome::Succeeded {
            self.status = problem.status.as_u16();
            self.upsert = None;
            self.content = Content::Value(problem.to_json());
            self.outcome = Outcome::Failed;
        }
    }
}

/// A row as it is written: `line`, `op`, `$anchor`, `status`, `result`, then `body` or
/// `problem`; the content is written where it is, without a copy.
impl Serialize for Row {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut row = serializer.serialize_map(None)?;
        row.serialize_entry("line", &self.line)?;
        row.serialize_entry("op", &self.op)?;
        if let Some(anchor) = &self.anchor {
            row.serialize_entry("$anchor", anchor)?;
        }
        row.serialize_entry("status", &self.status)?;
        if let Some(upsert) = self.upsert {
            row.serialize_entry("result", upsert)?;
        }
        let member = if self.outcome == Outcome::Succeeded {
            "body"
        } else {
            "problem"
        };
        row.serialize_entry(member, &self.content)?;
        row.end()
    }
}

/// Rows by outcome.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Counts {
    pub(super) ok: u64,
    pub(super) failed: u64,
    pub(super) skipped: u64,
    pub(super) created: u64,
    pub(super) updated: u64,
}

/// How the batch ended, for the summary row.
#[derive(Debug)]
pub(super) struct Ending {
    pub(super) mode: Mode,
    /// Whether any write was committed (independent lines: whether any line succeeded).
    pub(super) committed: bool,
    /// Commits made by the batch (`None` when every line committed on its own).
    pub(super) commits: Option<u64>,
    /// What failed the batch as a whole: limits, a count mismatch, a failed commit.
    pub(super) problem: Option<Problem>,
}

/// Where rows go: to the client as they come, to the store, or both.
#[derive(Debug)]
pub(super) struct Output {
    view: View,
    channel: Option<mpsc::Sender<Bytes>>,
    record: Option<ChunkWriter>,
    buffer: Vec<u8>,
    counts: Counts,
    calls: Option<LineCalls>,
}

/// Where the lines of a request are counted as calls of their endpoints (`[usage]`).
#[derive(Debug)]
pub(super) struct LineCalls {
    pub(super) runtime: std::sync::Arc<crate::versioning::Runtime>,
    pub(super) version: semver::Version,
    /// The client of the bulk request.
    pub(super) client: std::sync::Arc<str>,
}

impl LineCalls {
    fn record(&self, op: &str) {
        if let Some(version) = self.runtime.versions.get(&self.version)
            && let Some(endpoint) = version.endpoints.get(op)
        {
            self.runtime
                .usage
                .record(self.client.clone(), &version.label, &endpoint.id);
        }
    }
}

impl Output {
    pub(super) fn new(
        view: View,
        channel: Option<mpsc::Sender<Bytes>>,
        record: Option<ChunkWriter>,
    ) -> Self {
        Self {
            view,
            channel,
            record,
            buffer: Vec::with_capacity(FLUSH_BYTES * 2),
            counts: Counts::default(),
            calls: None,
        }
    }

    /// Count each line that was called in the usage counts, once, when its row is written.
    pub(super) fn count_calls(&mut self, calls: LineCalls) {
        self.calls = Some(calls);
    }

    pub(super) fn counts(&self) -> Counts {
        self.counts
    }

    /// Counts `row` and writes it if the view shows it.
    pub(super) async fn row(&mut self, row: &Row) {
        if let (Some(calls), Some(op)) = (&self.calls, &row.op)
            && row.outcome != Outcome::Skipped
        {
            calls.record(op);
        }
        let counts = &mut self.counts;
        match row.outcome {
            Outcome::Succeeded => counts.ok += 1,
            Outcome::Failed => counts.failed += 1,
            Outcome::Skipped => counts.skipped += 1,
        }
        match row.upsert {
            Some("created") => counts.created += 1,
            Some("updated") => counts.updated += 1,
            _ => {}
        }
        let shown = match self.view {
            View::Full => true,
            View::Errors => row.outcome != Outcome::Succeeded,
            View::None => false,
        };
        if shown {
            self.write(row).await;
        }
    }

    /// Writes the summary row and sends everything.
    pub(super) async fn summary(&mut self, ending: &Ending) {
        let counts = self.counts;
        let mut summary = json!({
            "lines": counts.ok + counts.failed + counts.skipped,
            "ok": counts.ok,
            "failed": counts.failed,
            "skipped": counts.skipped,
            "created": counts.created,
            "updated": counts.updated,
            "mode": ending.mode.name(),
            "committed": ending.committed,
        });
        if let Some(commits) = ending.commits {
            summary["commits"] = commits.into();
        }
        if let Some(problem) = &ending.problem {
            summary["problem"] = problem.to_json();
        }
        self.write(&json!({ "summary": summary })).await;
        self.flush().await;
    }

    async fn write(&mut self, value: &impl Serialize) {
        if serde_json::to_writer(&mut self.buffer, value).is_ok() {
            self.buffer.push(b'\n');
        }
        if self.buffer.len() >= FLUSH_BYTES {
            self.flush().await;
        }
    }

    /// Sends the rows gathered so far.
    pub(super) async fn flush(&mut self) {
        if self.buffer.is_empty() {
            return;
        }
        let bytes = Bytes::from(std::mem::replace(
            &mut self.buffer,
            Vec::with_capacity(FLUSH_BYTES * 2),
        ));
        if let Some(record) = &mut self.record {
            record.write(&bytes).await;
        }
        if let Some(channel) = &self.channel
            && channel.send(bytes).await.is_err()
        {
            // The client went away; the batch still runs to its end (and is recorded).
            self.channel = None;
        }
    }

    /// Stores the rest of the record: the number of chunks recorded, if recording, and the
    /// channel, which the caller drops (ending the response) once the record is complete.
    pub(super) async fn finish(
        mut self,
    ) -> (Option<Result<u64, Error>>, Option<mpsc::Sender<Bytes>>) {
        self.flush().await;
        let recorded = match self.record.take() {
            Some(record) => Some(record.finish().await),
            None => None,
        };
        (recorded, self.channel)
    }
}

/// A streaming NDJSON body fed by a channel, and its sender.
pub(super) fn channel_body() -> (mpsc::Sender<Bytes>, Body) {
    let (sender, receiver) = mpsc::channel::<Bytes>(16);
    let stream = futures::stream::unfold(receiver, |mut receiver| async move {
        receiver
            .recv()
            .await
            .map(|bytes| (Ok::<_, Infallible>(bytes), receiver))
    });
    (sender, Body::from_stream(stream))
}

/// 424 for a line not run because the batch stopped.
pub(super) fn not_run(detail: String) -> Problem {
    Problem::new(StatusCode::FAILED_DEPENDENCY, detail)
}
