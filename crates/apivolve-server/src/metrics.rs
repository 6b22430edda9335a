//! Prometheus metrics: one recorder per process, the text for `/metrics`, and the runtime's own
//! counters and histograms.
//!
//! [`install`] sets the global recorder of the `metrics` facade once, so the metrics other crates
//! record (`store_*` reads and writes) appear beside ours. The runtime records:
//!
//! | metric | kind | labels |
//! |---|---|---|
//! | `apivolve_requests_total` | counter | `version`, `endpoint`, `status` |
//! | `apivolve_migration_seconds` | histogram | `direction` (`up`, `down`) |
//! | `apivolve_validation_failures_total` | counter | `version`, `endpoint`, `direction` (`request`, `response`) |

use std::sync::{OnceLock, PoisonError, RwLock};
use std::time::Duration;

use ::metrics::Counter;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::error::{Error, Result};

/// Requests answered, by version, endpoint and status.
pub const REQUESTS_TOTAL: &str = "apivolve_requests_total";
/// Time spent migrating payloads, by direction.
pub const MIGRATION_SECONDS: &str = "apivolve_migration_seconds";
/// Payloads refused by schema validation, by version, endpoint and direction.
pub const VALIDATION_FAILURES_TOTAL: &str = "apivolve_validation_failures_total";

/// Bucket bounds of [`MIGRATION_SECONDS`]: migrations take microseconds to milliseconds.
const MIGRATION_BUCKETS: [f64; 12] = [
    0.000_01, 0.000_025, 0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025,
    0.1,
];

static HANDLE: OnceLock<std::result::Result<PrometheusHandle, String>> = OnceLock::new();

/// A migration's direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MigrationDirection {
    /// A request from an old version towards latest.
    Up,
    /// A response from latest back to an old version.
    Down,
}

impl MigrationDirection {
    /// The label value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Up => "up",
            Self::Down => "down",
        }
    }
}

/// Which payload a validation failure was in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Payload {
    /// The client's request.
    Request,
    /// The service's response.
    Response,
}

impl Payload {
    /// The label value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Request => "request",
            Self::Response => "response",
        }
    }
}

/// Installs the Prometheus recorder as the process' global recorder, once; later calls return
/// the same handle.
///
/// # Errors
///
/// [`Error::Metrics`] when another global recorder was installed first (then every call fails
/// the same way).
pub fn install() -> Result<&'static PrometheusHandle> {
    let installed = HANDLE.get_or_init(|| {
        let handle = PrometheusBuilder::new()
            .set_buckets_for_metric(
                Matcher::Full(MIGRATION_SECONDS.to_owned()),
                &MIGRATION_BUCKETS,
            )
            .and_then(PrometheusBuilder::install_recorder)
            .map_err(|error| error.to_string())?;
        describe();
        Ok(handle)
    });
    installed.as_ref().map_err(|message| Error::Metrics {
        message: message.clone(),
    })
}

/// Describes the runtime's metrics (the `# HELP` lines).
fn describe() {
    ::metrics::describe_counter!(
        REQUESTS_TOTAL,
        "Requests answered, by version, endpoint and status"
    );
    ::metrics::describe_histogram!(
        MIGRATION_SECONDS,
        ::metrics::Unit::Seconds,
        "Time spent migrating payloads between versions"
    );
    ::metrics::describe_counter!(
        VALIDATION_FAILURES_TOTAL,
        "Payloads that failed schema validation"
    );
}

/// The Prometheus text exposition of every metric, installing the recorder on first use.
///
/// When the recorder cannot be installed, the text is a single comment saying why.
pub fn render() -> String {
    match install() {
        Ok(handle) => {
            handle.run_upkeep();
            handle.render()
        }
        Err(error) => {
            tracing::warn!(%error, "metrics are not available");
            format!("# {error}\n")
        }
    }
}

/// Counts one answered request.
pub fn record_request(version: &str, endpoint: &str, status: u16) {
    requests_counter(version, endpoint, status).increment(1);
}

/// The counter of the requests of `endpoint` at `version` answered with `status`.
fn requests_counter(version: &str, endpoint: &str, status: u16) -> Counter {
    ::metrics::counter!(
        REQUESTS_TOTAL,
        "version" => version.to_owned(),
        "endpoint" => endpoint.to_owned(),
        "status" => status.to_string()
    )
}

/// The request counters of one endpoint at one version, by status, each made on its first
/// request: counting a request is then an atomic add, with no label text built or looked up.
/// Made after [`install`] (the runtime installs the recorder when it is compiled), so the
/// handles are the recorder's.
#[derive(Default)]
pub(crate) struct RequestCounters(RwLock<Vec<(u16, Counter)>>);

impl RequestCounters {
    /// Counts one answered request, as [`record_request`] does.
    pub(crate) fn increment(&self, version: &str, endpoint: &str, status: u16) {
        let counters = self.0.read().unwrap_or_else(PoisonError::into_inner);
        if let Some((_, counter)) = counters.iter().find(|(known, _)| *known == status) {
            counter.increment(1);
            return;
        }
        drop(counters);
        let counter = requests_counter(version, endpoint, status);
        counter.increment(1);
        let mut counters = self.0.write().unwrap_or_else(PoisonError::into_inner);
        if !counters.iter().any(|(known, _)| *known == status) {
            counters.push((status, counter));
        }
    }
}

impl std::fmt::Debug for RequestCounters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let counters = self.0.read().unwrap_or_else(PoisonError::into_inner);
        f.debug_list()
            .entries(counters.iter().map(|(status, _)| status))
            .finish()
    }
}

/// Records the time one payload migration took.
pub fn record_migration(direction: MigrationDirection, elapsed: Duration) {
    ::metrics::histogram!(MIGRATION_SECONDS, "direction" => direction.as_str())
        .record(elapsed.as_secs_f64());
}

/// Counts one payload that failed validation.
pub fn record_validation_failure(version: &str, endpoint: &str, payload: Payload) {
    ::metrics::counter!(
        VALIDATION_FAILURES_TOTAL,
        "version" => version.to_owned(),
        "endpoint" => endpoint.to_owned(),
        "direction" => payload.as_str()
    )
    .increment(1);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The value of the sample line that starts with `prefix`.
    fn sample(text: &str, prefix: &str) -> Option<f64> {
        text.lines()
            .find(|line| line.starts_with(prefix))?
            .rsplit(' ')
            .next()?
            .parse()
            .ok()
    }

    #[test]
    fn records_and_renders() {
        let first = install().unwrap();
        let again = install().unwrap();
        assert!(std::ptr::eq(first, again), "installed once");

        let before = render();
        let key =
            r#"apivolve_requests_total{version="1.0.0",endpoint="metrics.test",status="200"}"#;
        let count = sample(&before, key).unwrap_or(0.0);
        record_request("1.0.0", "metrics.test", 200);
        record_request("1.0.0", "metrics.test", 200);
        record_validation_failure("1.0.0", "metrics.test", Payload::Request);
        record_migration(MigrationDirection::Up, Duration::from_micros(30));
        record_migration(MigrationDirection::Down, Duration::from_millis(2));
        ::metrics::counter!("store_reads_total").increment(3);

        let text = render();
        assert_eq!(sample(&text, key), Some(count + 2.0), "{text}");
        assert!(
            text.contains("# TYPE apivolve_requests_total counter"),
            "{text}"
        );
        assert!(
            text.contains("# HELP apivolve_requests_total Requests answered"),
            "{text}"
        );
        let failures = r#"apivolve_validation_failures_total{version="1.0.0",endpoint="metrics.test",direction="request"}"#;
        assert!(
            sample(&text, failures).is_some_and(|value| value >= 1.0),
            "{text}"
        );
        assert!(
            text.contains("# TYPE apivolve_migration_seconds histogram"),
            "{text}"
        );
        assert_eq!(
            sample(
                &text,
                r#"apivolve_migration_seconds_bucket{direction="up",le="0.000025"}"#
            ),
            Some(0.0)
        );
        assert_eq!(
            sample(
                &text,
                r#"apivolve_migration_seconds_bucket{direction="up",le="0.00005"}"#
            ),
            Some(1.0)
        );
        assert_eq!(
            sample(
                &text,
                r#"apivolve_migration_seconds_bucket{direction="down",le="0.0025"}"#
            ),
            Some(1.0)
        );
        assert!(
            sample(&text, "store_reads_total").is_some_and(|value| value >= 3.0),
            "{text}"
        );
    }

    /// The counters kept by an endpoint count into the same series as `record_request`, one per
    /// status, and keep counting after their first use.
    #[test]
    fn kept_counters_count_into_the_same_series() {
        install().unwrap();
        let ok = r#"apivolve_requests_total{version="2.0.0",endpoint="metrics.kept",status="200"}"#;
        let missing =
            r#"apivolve_requests_total{version="2.0.0",endpoint="metrics.kept",status="404"}"#;
        let before = render();
        let (ok_before, missing_before) = (
            sample(&before, ok).unwrap_or(0.0),
            sample(&before, missing).unwrap_or(0.0),
        );
        let counters = RequestCounters::default();
        for _ in 0..3 {
            counters.increment("2.0.0", "metrics.kept", 200);
        }
        counters.increment("2.0.0", "metrics.kept", 404);
        record_request("2.0.0", "metrics.kept", 200);
        let text = render();
        assert_eq!(sample(&text, ok), Some(ok_before + 4.0), "{text}");
        assert_eq!(sample(&text, missing), Some(missing_before + 1.0), "{text}");
        assert_eq!(format!("{counters:?}"), "[200, 404]");
    }
}
