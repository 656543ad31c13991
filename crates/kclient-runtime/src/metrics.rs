//! Controller metrics hooks, in the style of kclient-rest's `metrics` and kclient-cache's work
//! queue `MetricsProvider`: a trait whose methods do nothing by default, registered once for the
//! process ([`register`]) or given to one controller
//! ([`Controller::metrics`](crate::Controller::metrics)). The names are controller-runtime's
//! (`controller_runtime_reconcile_total{controller,result}`,
//! `controller_runtime_reconcile_errors_total`, `controller_runtime_reconcile_panics_total`,
//! `controller_runtime_reconcile_time_seconds`, `controller_runtime_active_workers`).
//!
//! Queue depth, adds, latency and retries are not repeated here: each controller's work queue is
//! named after the controller and reports through kclient-cache's
//! [`MetricsProvider`](kclient_cache::workqueue::MetricsProvider) (`workqueue_depth{name}`, …).

use std::sync::{Arc, OnceLock};
use std::time::Duration;

/// How a reconcile ended (the `result` label of `controller_runtime_reconcile_total`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Outcome {
    /// It succeeded and waits for a change.
    Success,
    /// It succeeded and asked for a rate-limited retry.
    Requeue,
    /// It succeeded and asked to run again after a delay.
    RequeueAfter,
    /// It failed (an error or a panic).
    Error,
}

impl Outcome {
    /// The label value controller-runtime uses.
    pub fn as_str(&self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Requeue => "requeue",
            Outcome::RequeueAfter => "requeue_after",
            Outcome::Error => "error",
        }
    }
}

/// Receives controller metrics. `controller` is the controller's name.
pub trait ControllerMetrics: Send + Sync + 'static {
    /// One reconcile finished (`controller_runtime_reconcile_total` and
    /// `controller_runtime_reconcile_time_seconds`).
    fn reconciled(&self, controller: &str, outcome: Outcome, duration: Duration) {
        let _ = (controller, outcome, duration);
    }
    /// A reconcile returned an error (`controller_runtime_reconcile_errors_total`).
    fn reconcile_error(&self, controller: &str) {
        let _ = controller;
    }
    /// A reconcile panicked; it is retried with backoff
    /// (`controller_runtime_reconcile_panics_total`).
    fn reconcile_panic(&self, controller: &str) {
        let _ = controller;
    }
    /// How many reconciles are running now (`controller_runtime_active_workers`).
    fn active_workers(&self, controller: &str, active: usize) {
        let _ = (controller, active);
    }
}

static GLOBAL: OnceLock<Arc<dyn ControllerMetrics>> = OnceLock::new();

/// Sets the sink of every controller that has none of its own. Only the first call has an
/// effect; it returns `false` when a sink was already registered.
pub fn register(sink: Arc<dyn ControllerMetrics>) -> bool {
    GLOBAL.set(sink).is_ok()
}

/// The sink registered with [`register`], if any.
pub(crate) fn registered() -> Option<Arc<dyn ControllerMetrics>> {
    GLOBAL.get().cloned()
}
