//! Running a unit of work to completion: commit, and on conflict re-run from fresh reads.

use std::future::Future;
use std::time::Duration;

use rand::Rng;

use crate::{Error, ErrorKind, SharedStore, UnitOfWork, UnitStats};

/// How often and how patiently [`run_unit`] retries a conflicting unit.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Runs of the unit at most, the first included (default 8).
    pub max_attempts: u32,
    /// The backoff before the first retry; it doubles per retry (default 1 ms).
    pub base_delay: Duration,
    /// The longest backoff (default 50 ms).
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 8,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(50),
        }
    }
}

impl RetryPolicy {
    /// Allow `attempts` runs in all (at least 1).
    #[must_use]
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// Back off from `base` up to `max` between attempts.
    #[must_use]
    pub fn delays(mut self, base: Duration, max: Duration) -> Self {
        self.base_delay = base;
        self.max_delay = max.max(base);
        self
    }

    /// A random delay in `[0, min(max, base * 2^(retry-1))]` ("full jitter"), so that units
    /// that conflicted together do not retry together.
    pub fn backoff(&self, retry: u32) -> Duration {
        let ceiling = self
            .base_delay
            .saturating_mul(2u32.saturating_pow(retry.saturating_sub(1)))
            .min(self.max_delay);
        let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(rand::rng().random_range(0..=nanos))
    }
}

/// What a unit returned, with its counts summed over all attempts.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome<T> {
    /// The body's value from the attempt that committed.
    pub value: T,
    /// Reads, writes and attempts, summed over every attempt.
    pub stats: UnitStats,
}

/// Run `body` in a fresh [`UnitOfWork`] and commit it; on a conflict run it again from fresh reads,
/// up to [`RetryPolicy::max_attempts`] times with jittered backoff.
///
/// When `body` fails its staged writes are discarded and its error returned at once. Retries are
/// counted in `store_retries_total`.
///
/// # Errors
///
/// The body's error; [`Error::RetriesExhausted`] (kind
/// [`Conflict`](ErrorKind::Conflict)) when the last attempt still conflicted; any other store error
/// from the commit.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> apivolve_store::Result<()> {
/// use apivolve_store::{open_store, run_unit, RetryPolicy};
/// use serde_json::json;
///
/// let store = open_store("memory://").await?;
/// let outcome = run_unit(&store, &RetryPolicy::default(), |unit| async move {
///     let count = unit.get("counter").await?.and_then(|v| v.as_u64()).unwrap_or(0);
///     unit.put("counter", json!(count + 1))?;
///     Ok::<_, apivolve_store::Error>(count + 1)
/// })
/// .await?;
/// assert_eq!(outcome.value, 1);
/// assert_eq!((outcome.stats.reads, outcome.stats.writes), (1, 1));
/// # Ok(())
/// # }
/// ```
pub async fn run_unit<T, E, F, Fut>(
    store: &SharedStore,
    policy: &RetryPolicy,
    mut body: F,
) -> Result<Outcome<T>, E>
where
    F: FnMut(UnitOfWork) -> Fut,
    Fut: Future<Output = Result<T, E>>,
    E: From<Error>,
{
    let backend = store.backend();
    let mut stats = UnitStats::default();
    let mut attempt = 0;
    loop {
        attempt += 1;
        let unit = UnitOfWork::new(store.clone());
        let result = body(unit.clone()).await;
        let committed = match result {
            Ok(value) => unit.commit().await.map(|()| value),
            Err(error) => {
                unit.discard();
                return Err(error);
            }
        };
        unit.discard();
        stats.add(unit.stats());
        stats.attempts = attempt;
        match committed {
            Ok(value) => return Ok(Outcome { value, stats }),
            Err(error) if error.kind() == ErrorKind::Conflict => {
                if attempt >= policy.max_attempts {
                    let keys = error.conflicting_keys().to_vec();
                    tracing::debug!(attempts = attempt, ?keys, "unit of work gave up");
                    return Err(Error::RetriesExhausted {
                        attempts: attempt,
                        keys,
                    }
                    .into());
                }
                metrics::counter!("store_retries_total", "backend" => backend).increment(1);
                tokio::time::sleep(policy.backoff(attempt)).await;
            }
            Err(error) => return Err(error.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_stays_under_its_ceiling() {
        let policy =
            RetryPolicy::default().delays(Duration::from_millis(2), Duration::from_millis(10));
        for retry in 1..20 {
            let ceiling = Duration::from_millis(2 * (1 << (retry - 1).min(10)))
                .min(Duration::from_millis(10));
            assert!(policy.backoff(retry) <= ceiling);
        }
        assert_eq!(RetryPolicy::default().max_attempts(0).max_attempts, 1);
    }
}
