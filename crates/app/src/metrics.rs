//! Timings of the work that decides, for the metrics endpoint (`http::metrics`): screening a name against
//! the lists in force and evaluating the policy. Process-wide, like Prometheus' own client libraries: one
//! process serves one application.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use std::sync::LazyLock;
use std::time::Instant;

/// What a screening was for.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ScreeningLabels {
    /// `case` (a case's parties at submission or re-screening), `adhoc` (`POST /screening`) or `customer`
    /// (an exporter screening a prospective customer).
    pub purpose: &'static str,
}

struct Timings {
    screening: Family<ScreeningLabels, Histogram>,
    policy: Histogram,
}

/// Buckets from 50 µs to about 1.6 s, doubling: a name screens in well under a millisecond, a case's parties
/// in a few, and a policy evaluation in a few hundred microseconds.
fn buckets() -> impl Iterator<Item = f64> {
    prometheus_client::metrics::histogram::exponential_buckets(0.000_05, 2.0, 16)
}

static TIMINGS: LazyLock<Timings> = LazyLock::new(|| Timings {
    screening: Family::new_with_constructor(|| Histogram::new(buckets())),
    policy: Histogram::new(buckets()),
});

/// Records the time a screening took since `start`.
pub(crate) fn screening(purpose: &'static str, start: Instant) {
    TIMINGS
        .screening
        .get_or_create(&ScreeningLabels { purpose })
        .observe(start.elapsed().as_secs_f64());
}

/// Records the time a policy evaluation took since `start`.
pub(crate) fn policy(start: Instant) {
    TIMINGS.policy.observe(start.elapsed().as_secs_f64());
}

/// Adds the application's timings to `registry` (they keep counting in the process-wide metrics).
pub fn register(registry: &mut Registry) {
    registry.register(
        "exportctl_screening_duration_seconds",
        "Time to screen names against the sanctions lists in force, by purpose",
        TIMINGS.screening.clone(),
    );
    registry.register(
        "exportctl_policy_evaluation_duration_seconds",
        "Time to evaluate the policy in force for one determination",
        TIMINGS.policy.clone(),
    );
}
