//! One registered handler: its bounded buffer, its overflow coalescer, its resync schedule, and
//! the task that feeds it notifications one at a time.
//!
//! ## Buffer and overflow policy
//!
//! The informer never waits for a handler. Each handler has a buffer of `capacity`
//! notifications (default [`DEFAULT_HANDLER_BUFFER`], client-go's initial listener buffer).
//! When it is full, further notifications are **coalesced per object** (see `coalesce.rs`)
//! until the handler has caught up: a slow handler then sees fewer, merged notifications — the
//! latest state of each object, and a deletion for every object it knew that is gone — instead
//! of stalling the other handlers or growing memory beyond one entry per object.

use std::collections::VecDeque;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use kclient_apimachinery::MetaAccessor;
use tokio::sync::Notify;
use tokio::time::Instant;

use super::coalesce::Coalescer;
use super::handler::{EventHandler, Notification};

/// The default number of notifications buffered per handler before coalescing starts.
pub const DEFAULT_HANDLER_BUFFER: usize = 1024;

/// The shortest resync period a handler can have (client-go's `minimumResyncPeriod`).
pub const MIN_RESYNC_PERIOD: Duration = Duration::from_secs(1);

/// Counters of one handler's queue.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HandlerStats {
    /// Notifications queued for the handler.
    pub queued: u64,
    /// Notifications handed to the handler.
    pub delivered: u64,
    /// Notifications that went to the overflow coalescer because the buffer was full.
    pub overflowed: u64,
    /// Notifications waiting now (buffered, or pending keys in the coalescer).
    pub pending: usize,
}

struct Queue<T> {
    buffer: VecDeque<(u64, Notification<T>)>,
    overflow: Coalescer<T>,
    /// Notifications drained from the overflow, delivered before anything in `buffer`.
    ready: VecDeque<(u64, Notification<T>)>,
    inflight: Option<u64>,
    next_seq: u64,
    /// Everything numbered up to here must be delivered for the handler to be synced.
    sync_point: Option<u64>,
    synced: bool,
    closed: bool,
    stats: HandlerStats,
}

impl<T> Queue<T> {
    fn oldest_pending(&self) -> Option<u64> {
        [
            self.inflight,
            self.ready.front().map(|(s, _)| *s),
            self.buffer.front().map(|(s, _)| *s),
            self.overflow.oldest_seq(),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    fn take_next(&mut self) -> Option<(u64, Notification<T>)> {
        if let Some(next) = self.ready.pop_front() {
            return Some(next);
        }
        if let Some(next) = self.buffer.pop_front() {
            return Some(next);
        }
        let (seq, notifications) = self.overflow.pop()?;
        self.ready
            .extend(notifications.into_iter().map(|n| (seq, n)));
        self.ready.pop_front().or_else(|| self.take_next())
    }
}

struct Resync {
    period: Option<Duration>,
    next: Instant,
}

/// A handler with its queue.
pub(crate) struct Listener<T> {
    pub(crate) id: u64,
    handler: Box<dyn EventHandler<T>>,
    capacity: usize,
    queue: Mutex<Queue<T>>,
    wake: Notify,
    resync: Mutex<Resync>,
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

impl<T: MetaAccessor + Send + Sync + 'static> Listener<T> {
    pub(crate) fn new(
        handler: Box<dyn EventHandler<T>>,
        capacity: usize,
        resync: Option<Duration>,
    ) -> Self {
        let period = resync
            .filter(|p| !p.is_zero())
            .map(|p| p.max(MIN_RESYNC_PERIOD));
        Self {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            handler,
            capacity: capacity.max(1),
            queue: Mutex::new(Queue {
                buffer: VecDeque::new(),
                overflow: Coalescer::default(),
                ready: VecDeque::new(),
                inflight: None,
                next_seq: 0,
                sync_point: None,
                synced: false,
                closed: false,
                stats: HandlerStats::default(),
            }),
            wake: Notify::new(),
            resync: Mutex::new(Resync {
                period,
                next: kclient_rest::deadline::after(period.unwrap_or_default()),
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Queue<T>> {
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues a notification; never waits.
    pub(crate) fn push(&self, n: Notification<T>) {
        let mut q = self.lock();
        if q.closed {
            return;
        }
        let seq = q.next_seq;
        q.next_seq += 1;
        q.stats.queued += 1;
        if q.overflow.is_empty() && q.buffer.len() < self.capacity {
            q.buffer.push_back((seq, n));
        } else {
            q.stats.overflowed += 1;
            let key = n.key();
            q.overflow.push(seq, key, n);
        }
        drop(q);
        self.wake.notify_one();
    }

    /// Records that everything queued so far belongs to the initial state: the handler is synced
    /// once all of it has been delivered.
    pub(crate) fn mark_sync_point(&self) {
        let mut q = self.lock();
        if q.sync_point.is_none() {
            q.sync_point = Some(q.next_seq);
        }
    }

    /// Whether the handler has been handed the whole initial state.
    pub(crate) fn has_synced(&self) -> bool {
        let mut q = self.lock();
        if !q.synced
            && let Some(point) = q.sync_point
        {
            q.synced = q.oldest_pending().is_none_or(|s| s >= point);
        }
        q.synced
    }

    pub(crate) fn stats(&self) -> HandlerStats {
        let q = self.lock();
        let mut stats = q.stats;
        stats.pending = q.buffer.len() + q.ready.len() + q.overflow.len();
        stats
    }

    /// Stops the handler's task after the notification in progress; later pushes are ignored.
    pub(crate) fn close(&self) {
        self.lock().closed = true;
        self.wake.notify_one();
    }

    /// The handler's resync period, if it has one.
    pub(crate) fn resync_period(&self) -> Option<Duration> {
        self.resync
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .period
    }

    /// Raises the resync period to at least `min` (a handler added after start cannot resync
    /// more often than the informer checks).
    pub(crate) fn raise_resync_period(&self, min: Option<Duration>) {
        let mut r = self.resync.lock().unwrap_or_else(PoisonError::into_inner);
        r.period = match (r.period, min) {
            (Some(p), Some(min)) => Some(p.max(min)),
            _ => None,
        };
    }

    /// Whether the handler's resync is due at `now`; when `advance`, schedules the next one.
    pub(crate) fn resync_due(&self, now: Instant, advance: bool) -> bool {
        let mut r = self.resync.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(period) = r.period else {
            return false;
        };
        let due = now >= r.next;
        if due && advance {
            r.next = kclient_rest::deadline::saturating_add(now, period);
        }
        due
    }

    /// The handler's task: hands it notifications one at a time until closed.
    pub(crate) async fn run(self: Arc<Self>) {
        loop {
            let next = {
                let mut q = self.lock();
                if q.closed {
                    return;
                }
                let next = q.take_next();
                q.inflight = next.as_ref().map(|(seq, _)| *seq);
                next
            };
            let Some((_, notification)) = next else {
                self.wake.notified().await;
                continue;
            };
            let handler = &*self.handler;
            let outcome =
                std::panic::catch_unwind(AssertUnwindSafe(|| notification.deliver(handler)));
            if outcome.is_err() {
                tracing::error!(handler = self.id, "an event handler panicked; continuing");
            }
            let mut q = self.lock();
            q.inflight = None;
            q.stats.delivered += 1;
        }
    }
}
