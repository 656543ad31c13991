//! [`MetricsFacade`]: work queue metrics to the [`metrics`] facade under the Prometheus names of
//! client-go's component-base adapter (`metrics/prometheus/workqueue`): subsystem `workqueue`,
//! label `name`. The facade is chosen for the reasons given in `kclient_rest::metrics`.

use std::time::Duration;

use metrics::{counter, gauge, histogram};

use super::MetricsProvider;

/// client-go's buckets for `workqueue_queue_duration_seconds` and
/// `workqueue_work_duration_seconds` (`ExponentialBuckets(10e-9, 10, 10)`), in seconds, for
/// configuring the exporter.
pub const QUEUE_DURATION_BUCKETS: &[f64] =
    &[1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0, 10.0];

/// Reports named queues to the `metrics` facade's recorder. Install it with
/// [`set_metrics_provider`](super::set_metrics_provider), or per queue with
/// [`WorkQueue::with_metrics_provider`](super::WorkQueue::with_metrics_provider).
///
/// | metric | type |
/// |---|---|
/// | `workqueue_depth` | gauge |
/// | `workqueue_adds_total` | counter |
/// | `workqueue_queue_duration_seconds` | histogram |
/// | `workqueue_work_duration_seconds` | histogram |
/// | `workqueue_unfinished_work_seconds` | gauge |
/// | `workqueue_longest_running_processor_seconds` | gauge |
/// | `workqueue_retries_total` | counter |
#[derive(Debug, Clone, Copy, Default)]
pub struct MetricsFacade;

impl MetricsProvider for MetricsFacade {
    fn depth(&self, queue: &str, depth: usize) {
        gauge!("workqueue_depth", "name" => queue.to_owned()).set(depth as f64);
    }

    fn add(&self, queue: &str) {
        counter!("workqueue_adds_total", "name" => queue.to_owned()).increment(1);
    }

    fn queue_latency(&self, queue: &str, latency: Duration) {
        histogram!("workqueue_queue_duration_seconds", "name" => queue.to_owned())
            .record(latency.as_secs_f64());
    }

    fn work_duration(&self, queue: &str, duration: Duration) {
        histogram!("workqueue_work_duration_seconds", "name" => queue.to_owned())
            .record(duration.as_secs_f64());
    }

    fn unfinished_work(&self, queue: &str, total: Duration) {
        gauge!("workqueue_unfinished_work_seconds", "name" => queue.to_owned())
            .set(total.as_secs_f64());
    }

    fn longest_running_processor(&self, queue: &str, age: Duration) {
        gauge!("workqueue_longest_running_processor_seconds", "name" => queue.to_owned())
            .set(age.as_secs_f64());
    }

    fn retry(&self, queue: &str) {
        counter!("workqueue_retries_total", "name" => queue.to_owned()).increment(1);
    }
}
