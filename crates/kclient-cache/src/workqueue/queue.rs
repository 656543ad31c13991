//! [`WorkQueue`]: a deduplicating, delaying work queue (client-go's `workqueue.Typed` plus
//! `TypedDelayingInterface`).
//!
//! - An item added while already queued is queued once.
//! - An item added while being processed is not handed to a second worker: it is queued again
//!   when the first calls [`done`](WorkQueue::done).
//! - [`add_after`](WorkQueue::add_after) queues an item once its delay has passed; an item
//!   waiting twice keeps the earlier time.
//!
//! The queue holds each distinct item at most once (queued, processing or waiting), so its size
//! is bounded by the number of distinct items; no channel is involved.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet, VecDeque};
use std::hash::Hash;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

use super::metrics::{MetricsProvider, QueueMetrics, Recorder, Sink, global_provider};

/// How often a named queue reports unfinished work and its longest-running item (client-go's
/// `defaultUnfinishedWorkUpdatePeriod`).
const UNFINISHED_WORK_UPDATE_PERIOD: Duration = Duration::from_millis(500);

struct State<T> {
    queue: VecDeque<T>,
    dirty: HashSet<T>,
    processing: HashSet<T>,
    /// Delayed items by ready time (with an insertion counter to keep the heap total).
    waiting: BinaryHeap<Reverse<(Instant, u64)>>,
    waiting_items: HashMap<u64, T>,
    /// The earliest ready time of each waiting item, and its heap entry.
    waiting_index: HashMap<T, (Instant, u64)>,
    next_wait_id: u64,
    shutting_down: bool,
    metrics: Recorder<T>,
    /// Where a named queue reports its metrics.
    sink: Option<Sink>,
}

struct Inner<T> {
    state: Mutex<State<T>>,
    /// Wakes `get` callers (items added, delays elapsed, shutdown).
    items: Notify,
    /// Wakes `shut_down_with_drain` (an item is done).
    done: Notify,
}

/// A deduplicating, delaying work queue. Cloning gives another handle to the same queue.
pub struct WorkQueue<T> {
    inner: Arc<Inner<T>>,
}

impl<T> Clone for WorkQueue<T> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
        }
    }
}

impl<T> std::fmt::Debug for WorkQueue<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkQueue").finish_non_exhaustive()
    }
}

impl<T: Clone + Eq + Hash> State<T> {
    fn add(&mut self, item: T, now: Instant) -> bool {
        if self.shutting_down || self.dirty.contains(&item) {
            return false;
        }
        self.metrics.added(&item, now);
        self.dirty.insert(item.clone());
        if let Some(sink) = &self.sink {
            sink.provider.add(&sink.name);
        }
        if self.processing.contains(&item) {
            return false;
        }
        self.queue.push_back(item);
        self.report_depth();
        true
    }

    fn report_depth(&self) {
        if let Some(sink) = &self.sink {
            sink.provider.depth(&sink.name, self.queue.len());
        }
    }

    /// Moves every item whose delay has passed into the queue; returns how many were queued.
    fn promote(&mut self, now: Instant) -> usize {
        let mut queued = 0;
        while let Some(Reverse((at, id))) = self.waiting.peek().copied() {
            if at > now {
                break;
            }
            self.waiting.pop();
            let Some(item) = self.waiting_items.remove(&id) else {
                continue;
            };
            if self
                .waiting_index
                .get(&item)
                .is_some_and(|(_, cur)| *cur == id)
            {
                self.waiting_index.remove(&item);
                if self.add(item, now) {
                    queued += 1;
                }
            }
        }
        queued
    }

    fn next_ready(&self) -> Option<Instant> {
        self.waiting.peek().map(|Reverse((at, _))| *at)
    }
}

impl<T: Clone + Eq + Hash + Send + 'static> Default for WorkQueue<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Clone + Eq + Hash + Send + 'static> WorkQueue<T> {
    /// An empty queue without a name (so without metrics), as client-go's `New`.
    pub fn new() -> Self {
        Self::build(None)
    }

    /// An empty queue named `name`, reporting to the provider set with
    /// [`set_metrics_provider`](super::set_metrics_provider), if any (client-go's
    /// `NewTypedWithConfig` with a `Name`). An empty name means no metrics.
    pub fn named(name: &str) -> Self {
        let sink = global_provider()
            .filter(|_| !name.is_empty())
            .map(|provider| Sink {
                name: name.into(),
                provider,
            });
        Self::build(sink)
    }

    /// An empty queue named `name` reporting to `provider` (client-go's `MetricsProvider` of
    /// `TypedQueueConfig`). An empty name means no metrics.
    pub fn with_metrics_provider(name: &str, provider: Arc<dyn MetricsProvider>) -> Self {
        let sink = (!name.is_empty()).then(|| Sink {
            name: name.into(),
            provider,
        });
        Self::build(sink)
    }

    fn build(sink: Option<Sink>) -> Self {
        let has_sink = sink.is_some();
        let queue = Self {
            inner: Arc::new(Inner {
                state: Mutex::new(State {
                    queue: VecDeque::new(),
                    dirty: HashSet::new(),
                    processing: HashSet::new(),
                    waiting: BinaryHeap::new(),
                    waiting_items: HashMap::new(),
                    waiting_index: HashMap::new(),
                    next_wait_id: 0,
                    shutting_down: false,
                    metrics: Recorder::default(),
                    sink,
                }),
                items: Notify::new(),
                done: Notify::new(),
            }),
        };
        if has_sink {
            queue.spawn_unfinished_work_reporter();
        }
        queue
    }

    /// Every 500 ms, reports the unfinished work and the longest-running item, until the queue
    /// is dropped or shut down and drained. Needs a Tokio runtime; without one these two
    /// metrics are not reported.
    fn spawn_unfinished_work_reporter(&self) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            tracing::debug!("no Tokio runtime: unfinished-work metrics are not reported");
            return;
        };
        let weak = Arc::downgrade(&self.inner);
        runtime.spawn(async move {
            let mut tick = tokio::time::interval(UNFINISHED_WORK_UPDATE_PERIOD);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let Some(inner) = weak.upgrade() else { return };
                let s = inner.state.lock().unwrap_or_else(PoisonError::into_inner);
                let Some(sink) = s.sink.clone() else { return };
                let snapshot = s.metrics.snapshot(Instant::now());
                let finished = s.shutting_down && s.processing.is_empty();
                drop(s);
                sink.provider
                    .unfinished_work(&sink.name, snapshot.unfinished_work);
                sink.provider
                    .longest_running_processor(&sink.name, snapshot.longest_running);
                if finished {
                    return;
                }
            }
        });
    }

    fn lock(&self) -> MutexGuard<'_, State<T>> {
        self.inner
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues `item` (ignored after shutdown, or if it is already queued).
    pub fn add(&self, item: T) {
        let queued = self.lock().add(item, Instant::now());
        if queued {
            self.inner.items.notify_one();
        }
    }

    /// Queues `item` once `delay` has passed (at once for a zero delay). Ignored after shutdown.
    pub fn add_after(&self, item: T, delay: Duration) {
        if delay.is_zero() {
            return self.add(item);
        }
        let now = Instant::now();
        let at = kclient_rest::deadline::saturating_add(now, delay);
        let mut s = self.lock();
        if s.shutting_down {
            return;
        }
        if s.waiting_index
            .get(&item)
            .is_some_and(|(cur, _)| *cur <= at)
        {
            return;
        }
        let id = s.next_wait_id;
        s.next_wait_id += 1;
        s.waiting.push(Reverse((at, id)));
        s.waiting_items.insert(id, item.clone());
        s.waiting_index.insert(item, (at, id));
        drop(s);
        // A getter may be sleeping until a later time: let it recompute.
        self.inner.items.notify_waiters();
    }

    /// The next item to process, waiting for one; `None` once the queue is shut down and empty.
    /// Call [`done`](Self::done) with the item when finished.
    pub async fn get(&self) -> Option<T> {
        loop {
            let notified = self.inner.items.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let wake_at = {
                let mut s = self.lock();
                let now = Instant::now();
                if s.promote(now) > 1 {
                    self.inner.items.notify_waiters();
                }
                if let Some(item) = s.queue.pop_front() {
                    s.dirty.remove(&item);
                    s.processing.insert(item.clone());
                    let waited = s.metrics.handed_out(&item, now);
                    if let Some(sink) = &s.sink {
                        sink.provider.depth(&sink.name, s.queue.len());
                        if let Some(waited) = waited {
                            sink.provider.queue_latency(&sink.name, waited);
                        }
                    }
                    return Some(item);
                }
                if s.shutting_down {
                    return None;
                }
                s.next_ready()
            };
            match wake_at {
                Some(at) => {
                    tokio::select! {
                        _ = &mut notified => {}
                        _ = tokio::time::sleep_until(at) => {}
                    }
                }
                None => notified.await,
            }
        }
    }

    /// Marks `item` as processed. If it was added again meanwhile, it is queued now.
    pub fn done(&self, item: &T) {
        let mut s = self.lock();
        let took = s.metrics.done(item, Instant::now());
        if let (Some(sink), Some(took)) = (&s.sink, took) {
            sink.provider.work_duration(&sink.name, took);
        }
        s.processing.remove(item);
        let requeue = s.dirty.contains(item);
        if requeue {
            s.queue.push_back(item.clone());
            s.report_depth();
        }
        let idle = s.processing.is_empty();
        drop(s);
        if requeue {
            self.inner.items.notify_one();
        }
        if idle {
            self.inner.done.notify_waiters();
        }
    }

    /// How many items are queued now (client-go's `Len`: not the processing or waiting ones).
    pub fn len(&self) -> usize {
        let mut s = self.lock();
        let promoted = s.promote(Instant::now());
        let len = s.queue.len();
        drop(s);
        if promoted > 0 {
            self.inner.items.notify_waiters();
        }
        len
    }

    /// Whether nothing is queued now.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Stops accepting items; `get` hands out what is queued, then returns `None`. Delayed items
    /// are dropped.
    pub fn shut_down(&self) {
        let mut s = self.lock();
        s.shutting_down = true;
        s.waiting.clear();
        s.waiting_items.clear();
        s.waiting_index.clear();
        drop(s);
        self.inner.items.notify_waiters();
    }

    /// Shuts down like [`shut_down`](Self::shut_down), then waits until every item handed out
    /// has been marked done (client-go's `ShutDownWithDrain`).
    pub async fn shut_down_with_drain(&self) {
        self.shut_down();
        loop {
            let done = self.inner.done.notified();
            tokio::pin!(done);
            done.as_mut().enable();
            if self.lock().processing.is_empty() {
                return;
            }
            done.await;
        }
    }

    /// Whether the queue is shutting down.
    pub fn is_shutting_down(&self) -> bool {
        self.lock().shutting_down
    }

    pub(crate) fn record_retry(&self) {
        let mut s = self.lock();
        s.metrics.retries += 1;
        if let Some(sink) = &s.sink {
            sink.provider.retry(&sink.name);
        }
    }

    /// A snapshot of the metrics.
    pub fn metrics(&self) -> QueueMetrics {
        let mut s = self.lock();
        let now = Instant::now();
        s.promote(now);
        QueueMetrics {
            depth: s.queue.len(),
            processing: s.processing.len(),
            waiting: s.waiting_index.len(),
            ..s.metrics.snapshot(now)
        }
    }
}
