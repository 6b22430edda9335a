//! Gateway mode (no store): each line is an independent call (to the upstream, or to an inner
//! service that commits each call on its own), up to `[bulk] concurrency` at once.
//!
//! Rows still come back in line order. A line with a `$ref` waits for every earlier line first,
//! so the result it names is known; `stop_on_error` runs one line at a time. `atomic` is refused
//! before anything runs: no unit of work spans an upstream.

use crate::inner::Inner;
use std::sync::Arc;

use futures::future::BoxFuture;
use futures::stream::FuturesOrdered;
use futures::{FutureExt, StreamExt};

use super::batch::{Batch, register};
use super::configure::Mode;
use super::line::{Anchored, Anchors};
use super::output::{Ending, Outcome, Output, Row, not_run};
use super::source::Source;

/// Rows on their way, in line order.
type InFlight = FuturesOrdered<BoxFuture<'static, Row>>;

struct Progress {
    anchors: Anchors,
    stopped: Option<u64>,
}

/// Runs the request's lines as independent calls.
pub(super) async fn run<S>(
    batch: Arc<Batch>,
    inner: S,
    source: &mut Source,
    output: &mut Output,
) -> Ending
where
    S: Inner,
{
    let mode = batch.configure.mode;
    let concurrency = match mode {
        Mode::StopOnError => 1,
        Mode::Atomic | Mode::PerItem => batch.runtime.bulk.concurrency.max(1),
    };
    let mut progress = Progress {
        anchors: Anchors::new(),
        stopped: None,
    };
    let mut in_flight = InFlight::new();
    while let Some(input) = source.next().await {
        let future: BoxFuture<'static, Row> = match batch.parse(&input) {
            Err(row) => futures::future::ready(*row).boxed(),
            Ok((number, parsed)) => {
                if let Some(at) = progress.stopped {
                    let problem = not_run(format!(
                        "not run: line {at} did not succeed and the mode is `stop_on_error`"
                    ))
                    .with_extension("stopped_at", at);
                    futures::future::ready(Batch::skip(number, parsed, problem)).boxed()
                } else {
                    if parsed.has_references() {
                        drain(&mut in_flight, 0, &mut progress, mode, output).await;
                    }
                    match batch.prepare(number, parsed, &progress.anchors) {
                        Err(row) => futures::future::ready(*row).boxed(),
                        Ok(call) => {
                            if let Some(anchor) = &call.anchor {
                                progress.anchors.insert(anchor.clone(), Anchored::Pending);
                            }
                            let batch = batch.clone();
                            let inner = inner.clone();
                            async move { batch.call(inner, call, None).await }.boxed()
                        }
                    }
                }
            }
        };
        in_flight.push_back(future);
        drain(&mut in_flight, concurrency - 1, &mut progress, mode, output).await;
    }
    drain(&mut in_flight, 0, &mut progress, mode, output).await;
    let counts = output.counts();
    Ending {
        mode,
        committed: counts.ok > 0,
        commits: None,
        problem: source.take_problem(),
    }
}

/// Answers lines in order until at most `keep` are in flight.
async fn drain(
    in_flight: &mut InFlight,
    keep: usize,
    progress: &mut Progress,
    mode: Mode,
    output: &mut Output,
) {
    while in_flight.len() > keep {
        let Some(row) = in_flight.next().await else {
            break;
        };
        register(&mut progress.anchors, &row);
        if row.outcome != Outcome::Succeeded && mode == Mode::StopOnError {
            progress.stopped = progress.stopped.or(Some(row.line));
        }
        output.row(&row).await;
        output.flush().await;
    }
}
