//! Work queue metrics (client-go's `workqueue` metrics: depth, adds, queue latency, work
//! duration, unfinished work, longest running processor, retries), kept in the queue and read as
//! a [`QueueMetrics`] snapshot, and reported as they happen to a [`MetricsProvider`] (client-go's
//! `workqueue.MetricsProvider`) for queues that have a name.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use tokio::time::Instant;

/// Count, sum and maximum of a set of durations.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DurationStats {
    /// How many durations were recorded.
    pub count: u64,
    /// Their sum.
    pub total: Duration,
    /// The longest one.
    pub max: Duration,
}

impl DurationStats {
    /// Records one duration.
    pub fn record(&mut self, d: Duration) {
        self.count += 1;
        self.total += d;
        self.max = self.max.max(d);
    }

    /// The mean, or zero when nothing was recorded.
    pub fn mean(&self) -> Duration {
        u32::try_from(self.count)
            .ok()
            .filter(|c| *c > 0)
            .map(|c| self.total / c)
            .unwrap_or_default()
    }
}

/// A snapshot of a queue's metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueueMetrics {
    /// Items waiting to be handed out now (client-go's `depth`).
    pub depth: usize,
    /// Items handed out and not yet done.
    pub processing: usize,
    /// Items waiting for their delay (`add_after`, `add_rate_limited`).
    pub waiting: usize,
    /// Items added (not counting adds of an item already queued).
    pub adds: u64,
    /// Rate-limited re-adds (`add_rate_limited`).
    pub retries: u64,
    /// How long items stayed queued before being handed out.
    pub queue_latency: DurationStats,
    /// How long items were processed (from `get` to `done`).
    pub work_duration: DurationStats,
    /// The summed age of the items being processed now.
    pub unfinished_work: Duration,
    /// The age of the longest-running item being processed now.
    pub longest_running: Duration,
}

/// Receives the metrics of named work queues (client-go's `workqueue.MetricsProvider`, one
/// method per metric instead of one factory per metric). Every method does nothing by default.
/// `queue` is the queue's name.
pub trait MetricsProvider: Send + Sync + 'static {
    /// The number of items queued now (`workqueue_depth`; what `len()` returns).
    fn depth(&self, queue: &str, depth: usize) {
        let _ = (queue, depth);
    }
    /// An item was added (`workqueue_adds_total`).
    fn add(&self, queue: &str) {
        let _ = queue;
    }
    /// How long an item waited in the queue before a worker got it
    /// (`workqueue_queue_duration_seconds`).
    fn queue_latency(&self, queue: &str, latency: Duration) {
        let _ = (queue, latency);
    }
    /// How long a worker took from `get` to `done` (`workqueue_work_duration_seconds`).
    fn work_duration(&self, queue: &str, duration: Duration) {
        let _ = (queue, duration);
    }
    /// The summed age of the items being processed, every 500 ms
    /// (`workqueue_unfinished_work_seconds`).
    fn unfinished_work(&self, queue: &str, total: Duration) {
        let _ = (queue, total);
    }
    /// The age of the longest-running item being processed, every 500 ms
    /// (`workqueue_longest_running_processor_seconds`).
    fn longest_running_processor(&self, queue: &str, age: Duration) {
        let _ = (queue, age);
    }
    /// An item was re-added with `add_rate_limited` (`workqueue_retries_total`).
    fn retry(&self, queue: &str) {
        let _ = queue;
    }
}

static PROVIDER: OnceLock<Arc<dyn MetricsProvider>> = OnceLock::new();

/// Sets the provider of every named queue created from now on (client-go's
/// `workqueue.SetProvider`). Only the first call has an effect; it returns `false` when a
/// provider was already set.
pub fn set_metrics_provider(provider: Arc<dyn MetricsProvider>) -> bool {
    PROVIDER.set(provider).is_ok()
}

/// The provider set with [`set_metrics_provider`], if any.
pub(crate) fn global_provider() -> Option<Arc<dyn MetricsProvider>> {
    PROVIDER.get().cloned()
}

/// A queue's name and the provider it reports to.
#[derive(Clone)]
pub(crate) struct Sink {
    pub(crate) name: Arc<str>,
    pub(crate) provider: Arc<dyn MetricsProvider>,
}

/// The bookkeeping behind [`QueueMetrics`].
#[derive(Debug)]
pub(crate) struct Recorder<T> {
    pub(crate) adds: u64,
    pub(crate) retries: u64,
    added_at: HashMap<T, Instant>,
    started_at: HashMap<T, Instant>,
    queue_latency: DurationStats,
    work_duration: DurationStats,
}

impl<T> Default for Recorder<T> {
    fn default() -> Self {
        Self {
            adds: 0,
            retries: 0,
            added_at: HashMap::new(),
            started_at: HashMap::new(),
            queue_latency: DurationStats::default(),
            work_duration: DurationStats::default(),
        }
    }
}

impl<T: Hash + Eq + Clone> Recorder<T> {
    pub(crate) fn added(&mut self, item: &T, now: Instant) {
        self.adds += 1;
        self.added_at.entry(item.clone()).or_insert(now);
    }

    /// Returns how long the item waited.
    pub(crate) fn handed_out(&mut self, item: &T, now: Instant) -> Option<Duration> {
        let waited = self
            .added_at
            .remove(item)
            .map(|at| now.saturating_duration_since(at));
        if let Some(waited) = waited {
            self.queue_latency.record(waited);
        }
        self.started_at.insert(item.clone(), now);
        waited
    }

    /// Returns how long the item was processed.
    pub(crate) fn done(&mut self, item: &T, now: Instant) -> Option<Duration> {
        let took = self
            .started_at
            .remove(item)
            .map(|at| now.saturating_duration_since(at));
        if let Some(took) = took {
            self.work_duration.record(took);
        }
        took
    }

    pub(crate) fn snapshot(&self, now: Instant) -> QueueMetrics {
        let ages = self
            .started_at
            .values()
            .map(|at| now.saturating_duration_since(*at));
        let (unfinished, longest) = ages.fold((Duration::ZERO, Duration::ZERO), |(sum, max), a| {
            (sum + a, max.max(a))
        });
        QueueMetrics {
            adds: self.adds,
            retries: self.retries,
            queue_latency: self.queue_latency,
            work_duration: self.work_duration,
            unfinished_work: unfinished,
            longest_running: longest,
            ..QueueMetrics::default()
        }
    }
}
