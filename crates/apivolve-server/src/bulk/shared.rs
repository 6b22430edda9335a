//! Library mode: lines run one after another in units of work the bulk handler opens, commits
//! and retries itself.
//!
//! - `per_item` and `stop_on_error` read the lines in windows (`window_lines` lines or about
//!   `window_bytes` bytes). A window's lines run in one unit, each behind a savepoint: a line
//!   that fails leaves no staged write. The window commits once; on a conflict it runs again from
//!   fresh reads (the window's lines are kept), up to the retry policy. Its rows are sent after
//!   its commit, so a row says 2xx only for writes that were stored: when the commit fails for
//!   good, the window's succeeded rows become that failure. A request within one window commits
//!   exactly once. Windows are pipelined: while one commits, the next is read and runs in a unit
//!   that follows it (`UnitOfWork::following`), kept only if that commit succeeded (see `Ran`).
//! - `atomic` runs every line in one unit and commits once, only when every line succeeded and
//!   the request was read whole within its limits and declared count. A request of at most
//!   `window_bytes` is kept: its rows are held until the commit, and a conflict runs it again from
//!   fresh reads. A larger one is not kept: its rows stream as lines complete, and a conflict at
//!   the end fails the batch (the summary row says `committed: false` with a 409 problem).

use std::collections::VecDeque;
use std::sync::Arc;

use apivolve_store::{ErrorKind, SharedStore, UnitOfWork};

use super::batch::{Batch, register};
use super::configure::Mode;
use super::line::{Anchors, Parsed};
use super::output::{Ending, Outcome, Output, Row, not_run};
use super::source::{Input, Source};
use crate::inner::Inner;
use crate::problem::Problem;

/// Runs the request's lines in shared units of work.
pub(super) async fn run<S>(
    batch: &Arc<Batch>,
    inner: S,
    store: &SharedStore,
    source: &mut Source,
    output: &mut Output,
) -> Ending
where
    S: Inner,
{
    match batch.configure.mode {
        Mode::Atomic => atomic(batch, inner, store, source, output).await,
        Mode::PerItem | Mode::StopOnError => windows(batch, inner, store, source, output).await,
    }
}

/// Where the lines of one run stand.
struct Progress {
    anchors: Anchors,
    /// The first line that did not succeed, when it stops the rest.
    stopped: Option<u64>,
}

impl Progress {
    /// Note `row`'s outcome: in `atomic` and `stop_on_error` modes a line that did not succeed
    /// stops the rest.
    fn answered(&mut self, mode: Mode, row: &Row) {
        if row.outcome != Outcome::Succeeded && mode != Mode::PerItem {
            self.stopped = self.stopped.or(Some(row.line));
        }
    }
}

/// Runs `inputs` in `unit` as if one after another, in order; their rows, and the anchors they
/// recorded.
///
/// Lines without references run ahead, up to [`AHEAD`] at once on the runtime's threads, each in
/// a child of `unit` ([`UnitOfWork::fork`]). In line order each child then joins `unit`, which
/// it does only when nothing it read was staged since by an earlier line; a child that cannot
/// join (or whose anchor turns out taken, or that ran while an earlier line was about to stop the
/// run) is thrown away and its line runs again on `unit` itself. The rows and the staged writes
/// are therefore those of running the lines one by one, while lines that touch different
/// documents overlap their reads and use every core.
async fn run_lines<S>(
    batch: &Arc<Batch>,
    inner: S,
    inputs: &[Input],
    unit: &UnitOfWork,
    attempt: u32,
    progress: &mut Progress,
) -> (Vec<Row>, Vec<String>)
where
    S: Inner,
{
    let mut rows = Vec::with_capacity(inputs.len());
    let mut added = Vec::new();
    let mut ahead = VecDeque::with_capacity(AHEAD);
    let mut started = 0;
    for input in inputs {
        while started < inputs.len() && ahead.len() < AHEAD && progress.stopped.is_none() {
            ahead.push_back(run_ahead(batch, &inner, &inputs[started], unit, attempt));
            started += 1;
        }
        let early = ahead.pop_front();
        if early.is_none() {
            started += 1;
        }
        let ahead_of_turn = match early {
            Some(early) if progress.stopped.is_none() => early.join(&progress.anchors).await,
            _ => Ahead::InTurn(None),
        };
        let row = match ahead_of_turn {
            Ahead::Ran(row) => {
                progress.answered(batch.configure.mode, &row);
                row
            }
            Ahead::InTurn(parsed) => {
                let parsed = parsed.unwrap_or_else(|| batch.parse(input));
                line(batch, inner.clone(), parsed, unit, attempt, progress).await
            }
        };
        added.extend(register(&mut progress.anchors, &row));
        rows.push(row);
    }
    (rows, added)
}

/// Lines of a window run ahead of the one being answered.
const AHEAD: usize = 64;

/// A line running ahead in a child unit.
struct Early {
    child: UnitOfWork,
    task: tokio::task::JoinHandle<Ahead>,
}

/// What a line running ahead came to.
enum Ahead {
    /// It ran: its row (once joined, its writes are in the parent unit).
    Ran(Row),
    /// It runs in its turn on the parent unit, from what was parsed (`None`: read it again).
    InTurn(Option<ParsedLine>),
}

/// A line as [`Batch::parse`] reads it.
type ParsedLine = Result<(u64, Parsed), Box<Row>>;

/// Starts `input` ahead in a child of `unit`. The task reads the line too, so that parsing runs
/// beside the other lines; a line that cannot run without the rows before it (it does not parse
/// or names an anchor by reference) comes back parsed, to run in its turn.
fn run_ahead<S>(
    batch: &Arc<Batch>,
    inner: &S,
    input: &Input,
    unit: &UnitOfWork,
    attempt: u32,
) -> Early
where
    S: Inner,
{
    let child = unit.fork();
    let task = {
        let (batch, inner, child, input) = (
            Arc::clone(batch),
            inner.clone(),
            child.clone(),
            input.clone(),
        );
        tokio::spawn(async move {
            let parsed = batch.parse(&input);
            let (number, parsed) = match parsed {
                Ok((number, parsed)) if !parsed.has_references() => (number, parsed),
                parsed => return Ahead::InTurn(Some(parsed)),
            };
            // No reference: the anchors matter only for a duplicate name, checked when joining.
            // A line that cannot be prepared (no target) is read again in its turn, where a
            // stopped run or a taken anchor answers first.
            let Ok(call) = batch.prepare(number, parsed, &Anchors::new()) else {
                return Ahead::InTurn(None);
            };
            let savepoint = child.savepoint();
            let row = batch.call(inner, call, Some((&child, attempt))).await;
            if row.outcome == Outcome::Succeeded {
                child.release(savepoint);
            } else {
                child.rollback_to(savepoint);
            }
            Ahead::Ran(row)
        })
    };
    Early { child, task }
}

impl Early {
    /// The line's row with its writes joined into the parent unit, or what it must run from in
    /// its turn.
    async fn join(mut self, anchors: &Anchors) -> Ahead {
        let row = match (&mut self.task).await {
            Ok(Ahead::Ran(row)) => row,
            Ok(in_turn @ Ahead::InTurn(_)) => return in_turn,
            Err(_) => return Ahead::InTurn(None),
        };
        if row
            .anchor
            .as_ref()
            .is_some_and(|name| anchors.contains_key(name))
        {
            // The anchor was taken by an earlier line: in its turn the line is refused.
            return Ahead::InTurn(None);
        }
        // A line that failed left nothing staged in its child; joining still checks that it
        // failed on what the parent sees, not on a state an earlier line changed.
        match self.child.commit().await {
            Ok(()) => Ahead::Ran(row),
            Err(_) => Ahead::InTurn(None),
        }
    }
}

impl Drop for Early {
    fn drop(&mut self) {
        // A line thrown away need not finish: its child unit goes with it.
        self.task.abort();
    }
}

async fn windows<S>(
    batch: &Arc<Batch>,
    inner: S,
    store: &SharedStore,
    source: &mut Source,
    output: &mut Output,
) -> Ending
where
    S: Inner,
{
    let policy = &batch.options.retry;
    let mut progress = Progress {
        anchors: Anchors::new(),
        stopped: None,
    };
    let mut commits = 0;
    // The window that ran and waits for its commit.
    let mut ran: Option<Ran> = None;
    // A window read, and run ahead of an earlier window's commit, that must run again.
    let mut queued: Option<Vec<Input>> = None;
    loop {
        let Some(current) = ran.take() else {
            let window = match queued.take() {
                Some(window) => window,
                None => next_window(batch, source).await,
            };
            if window.is_empty() {
                break;
            }
            ran = Some(Ran::run(batch, inner.clone(), store, None, window, 1, &mut progress).await);
            continue;
        };
        // Commit `current`, sending its rows once stored, while the next window is read and
        // runs after it, as if the commit succeeded.
        let writes = current.unit.staged_writes();
        let next = queued.take();
        let (inner_ahead, reading, running) = (inner.clone(), &mut *source, &mut progress);
        let committing = &current.unit;
        let (committed, ahead) = tokio::join!(
            async {
                let committed = current.unit.commit().await;
                if committed.is_ok() {
                    send(output, &current.rows).await;
                }
                committed
            },
            async move {
                let window = match next {
                    Some(window) => window,
                    None => next_window(batch, reading).await,
                };
                if window.is_empty() {
                    return None;
                }
                let after = Some(committing);
                Some(Ran::run(batch, inner_ahead, store, after, window, 1, running).await)
            },
        );
        match committed {
            Ok(()) => {
                commits += u64::from(writes > 0);
                ran = ahead;
            }
            Err(error) => {
                // The window ahead ran on what `current` did; it runs again after it.
                if let Some(ahead) = ahead {
                    queued = Some(ahead.undo(&mut progress));
                }
                if error.kind() == ErrorKind::Conflict && current.attempt < policy.max_attempts {
                    tokio::time::sleep(policy.backoff(current.attempt)).await;
                    let attempt = current.attempt + 1;
                    let window = current.undo(&mut progress);
                    ran = Some(
                        Ran::run(
                            batch,
                            inner.clone(),
                            store,
                            None,
                            window,
                            attempt,
                            &mut progress,
                        )
                        .await,
                    );
                } else {
                    let rows = current.lose(batch, &error, &mut progress);
                    send(output, &rows).await;
                }
            }
        }
    }
    Ending {
        mode: batch.configure.mode,
        committed: commits > 0,
        commits: Some(commits),
        problem: source.take_problem(),
    }
}

/// The next window of lines; empty once reading ended.
async fn next_window(batch: &Batch, source: &mut Source) -> Vec<Input> {
    let options = &batch.options;
    let (window, _) = source
        .take(options.window_lines.max(1), options.window_bytes)
        .await;
    window
}

/// Counts and writes `rows`, and sends them.
async fn send(output: &mut Output, rows: &[Row]) {
    for row in rows {
        output.row(row).await;
    }
    output.flush().await;
}

/// A window whose lines ran in a unit of their own, not yet committed.
///
/// Windows are pipelined: while one commits, the next runs in a unit that follows the one
/// committing ([`UnitOfWork::following`]): it reads what that unit staged, and its own commit
/// holds only if that commit stored exactly that. When the commit fails, the window ahead is
/// undone and runs again after it. Rows and staged writes are therefore those of running the
/// windows one after another.
struct Ran {
    window: Vec<Input>,
    unit: UnitOfWork,
    rows: Vec<Row>,
    /// The anchors its rows registered.
    added: Vec<String>,
    /// [`Progress::stopped`] before it ran.
    stopped_before: Option<u64>,
    attempt: u32,
}

impl Ran {
    /// Runs `window` in a fresh unit, following `after` when given.
    async fn run<S>(
        batch: &Arc<Batch>,
        inner: S,
        store: &SharedStore,
        after: Option<&UnitOfWork>,
        window: Vec<Input>,
        attempt: u32,
        progress: &mut Progress,
    ) -> Self
    where
        S: Inner,
    {
        let unit = match after {
            Some(unit) => unit.following(),
            None => UnitOfWork::new(store.clone()),
        };
        let stopped_before = progress.stopped;
        let (rows, added) = run_lines(batch, inner, &window, &unit, attempt, progress).await;
        Self {
            window,
            unit,
            rows,
            added,
            stopped_before,
            attempt,
        }
    }

    /// Undoes what running it did to `progress` and drops its staged writes; its window, to run
    /// again.
    fn undo(self, progress: &mut Progress) -> Vec<Input> {
        for name in &self.added {
            progress.anchors.remove(name);
        }
        progress.stopped = self.stopped_before;
        self.unit.discard();
        self.window
    }

    /// Its rows after its commit failed for good with `error`: each succeeded line lost its
    /// writes and failed.
    fn lose(
        self,
        batch: &Batch,
        error: &apivolve_store::Error,
        progress: &mut Progress,
    ) -> Vec<Row> {
        let problem = commit_problem(error);
        let mut rows = self.rows;
        for row in &mut rows {
            if row.outcome == Outcome::Succeeded {
                row.lose(&problem);
                if let Some(anchor) = row.anchor.as_ref().filter(|a| self.added.contains(a)) {
                    progress.anchors.remove(anchor);
                    register(&mut progress.anchors, row);
                }
                if batch.configure.mode == Mode::StopOnError {
                    progress.stopped = progress.stopped.or(Some(row.line));
                }
            }
        }
        rows
    }
}

/// One line, as [`Batch::parse`] read it, in `unit`, behind a savepoint (not in `atomic` mode,
/// where a failure discards all).
async fn line<S>(
    batch: &Batch,
    inner: S,
    parsed: ParsedLine,
    unit: &UnitOfWork,
    attempt: u32,
    progress: &mut Progress,
) -> Row
where
    S: Inner,
{
    let mode = batch.configure.mode;
    let row = match parsed {
        Err(row) => *row,
        Ok((number, parsed)) => match progress.stopped {
            Some(at) => {
                let problem = not_run(format!(
                    "not run: line {at} did not succeed and the mode is `{}`",
                    mode.name()
                ))
                .with_extension("stopped_at", at);
                Batch::skip(number, parsed, problem)
            }
            None => match batch.prepare(number, parsed, &progress.anchors) {
                Err(row) => *row,
                Ok(call) if mode == Mode::Atomic => {
                    batch.call(inner, call, Some((unit, attempt))).await
                }
                Ok(call) => {
                    let savepoint = unit.savepoint();
                    let row = batch.call(inner, call, Some((unit, attempt))).await;
                    if row.outcome == Outcome::Succeeded {
                        unit.release(savepoint);
                    } else {
                        unit.rollback_to(savepoint);
                    }
                    row
                }
            },
        },
    };
    progress.answered(mode, &row);
    row
}

async fn atomic<S>(
    batch: &Arc<Batch>,
    inner: S,
    store: &SharedStore,
    source: &mut Source,
    output: &mut Output,
) -> Ending
where
    S: Inner,
{
    let (kept, ended) = source.take(usize::MAX, batch.options.window_bytes).await;
    let read_problem = if ended { source.take_problem() } else { None };
    let policy = &batch.options.retry;
    let mut attempt = 0;
    loop {
        attempt += 1;
        let unit = UnitOfWork::new(store.clone());
        let mut progress = Progress {
            anchors: Anchors::new(),
            stopped: None,
        };
        let mut rows = Vec::new();
        if ended {
            (rows, _) = run_lines(batch, inner.clone(), &kept, &unit, attempt, &mut progress).await;
        } else {
            for input in &kept {
                let parsed = batch.parse(input);
                let row = line(batch, inner.clone(), parsed, &unit, attempt, &mut progress).await;
                register(&mut progress.anchors, &row);
                output.row(&row).await;
            }
        }
        if !ended {
            // Too large to keep: stream the rest, commit once, no retry.
            while let Some(input) = source.next().await {
                let parsed = batch.parse(&input);
                let row = line(batch, inner.clone(), parsed, &unit, attempt, &mut progress).await;
                register(&mut progress.anchors, &row);
                output.row(&row).await;
            }
            let problem = source.take_problem();
            return finish_atomic(batch, &unit, progress.stopped, problem).await;
        }
        let retryable = progress.stopped.is_none() && read_problem.is_none();
        let ending = finish_atomic(batch, &unit, progress.stopped, read_problem.clone()).await;
        let conflicted = ending
            .problem
            .as_ref()
            .is_some_and(|problem| problem.status == http::StatusCode::CONFLICT);
        if retryable && conflicted && attempt < policy.max_attempts {
            tokio::time::sleep(policy.backoff(attempt)).await;
            continue;
        }
        for row in &rows {
            output.row(row).await;
        }
        return ending;
    }
}

/// Commits an atomic batch when every line succeeded and the request was whole.
async fn finish_atomic(
    batch: &Batch,
    unit: &UnitOfWork,
    failed_at: Option<u64>,
    problem: Option<Problem>,
) -> Ending {
    let mut ending = Ending {
        mode: batch.configure.mode,
        committed: false,
        commits: Some(0),
        problem,
    };
    if ending.problem.is_some() {
        unit.discard();
        return ending;
    }
    if let Some(line) = failed_at {
        unit.discard();
        ending.problem = Some(
            Problem::unprocessable(format!(
                "line {line} did not succeed, so nothing was committed (mode `atomic`)"
            ))
            .with_extension("failed_at", line),
        );
        return ending;
    }
    let writes = unit.staged_writes();
    match unit.commit().await {
        Ok(()) => {
            ending.committed = writes > 0;
            ending.commits = Some(u64::from(writes > 0));
        }
        Err(error) => ending.problem = Some(commit_problem(&error)),
    }
    ending
}

/// The problem of a commit that failed for good.
fn commit_problem(error: &apivolve_store::Error) -> Problem {
    match error.kind() {
        ErrorKind::Conflict => Problem::conflict(
            "the lines' writes conflicted with concurrent writes; they were not committed",
        ),
        ErrorKind::Unavailable => Problem::service_unavailable(error),
        _ => Problem::internal(error),
    }
}
