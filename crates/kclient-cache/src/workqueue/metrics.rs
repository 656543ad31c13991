//! Work queue metrics (client-go's `workqueue` metrics: depth, adds, queue latency, work
//! duration, unfinished work, longest running processor, retries), kept in the queue and read as
//! a [`QueueMetrics`] snapshot.

use std::collections::HashMap;
use std::hash::Hash;
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

    pub(crate) fn handed_out(&mut self, item: &T, now: Instant) {
        if let Some(at) = self.added_at.remove(item) {
            self.queue_latency.record(now.saturating_duration_since(at));
        }
        self.started_at.insert(item.clone(), now);
    }

    pub(crate) fn done(&mut self, item: &T, now: Instant) {
        if let Some(at) = self.started_at.remove(item) {
            self.work_duration.record(now.saturating_duration_since(at));
        }
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
