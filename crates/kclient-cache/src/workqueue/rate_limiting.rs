//! [`RateLimitingQueue`]: a [`WorkQueue`] whose failed items are retried after a delay chosen by
//! a [`RateLimiter`] (client-go's `TypedRateLimitingInterface`).

use std::hash::Hash;
use std::ops::Deref;
use std::sync::Arc;

use super::queue::WorkQueue;
use super::rate_limiter::{RateLimiter, default_controller_rate_limiter};

/// A work queue with rate-limited retries. Cloning gives another handle to the same queue; it
/// dereferences to the [`WorkQueue`] for `add`, `get`, `done`, `shut_down`, ….
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use kclient_cache::workqueue::RateLimitingQueue;
///
/// let queue = RateLimitingQueue::<String>::new();
/// queue.add("default/web".to_string());
/// let key = queue.get().await.unwrap();
/// let reconciled = false; // ... reconcile `key` ...
/// if reconciled {
///     queue.forget(&key);
/// } else {
///     queue.add_rate_limited(key.clone()); // retried after 5 ms, 10 ms, 20 ms, ...
/// }
/// queue.done(&key);
/// # }
/// ```
pub struct RateLimitingQueue<T> {
    queue: WorkQueue<T>,
    limiter: Arc<dyn RateLimiter<T>>,
}

impl<T> Clone for RateLimitingQueue<T> {
    fn clone(&self) -> Self {
        Self {
            queue: self.queue.clone(),
            limiter: self.limiter.clone(),
        }
    }
}

impl<T> std::fmt::Debug for RateLimitingQueue<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimitingQueue").finish_non_exhaustive()
    }
}

impl<T: Clone + Eq + Hash + Send + Sync + 'static> Default for RateLimitingQueue<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Clone + Eq + Hash + Send + Sync + 'static> RateLimitingQueue<T> {
    /// A queue with [`default_controller_rate_limiter`].
    pub fn new() -> Self {
        Self::with_rate_limiter(default_controller_rate_limiter())
    }

    /// A queue named `name` (reporting to the provider set with
    /// [`set_metrics_provider`](super::set_metrics_provider)) with client-go's default
    /// controller rate limiter.
    pub fn named(name: &str) -> Self {
        Self::from_queue(WorkQueue::named(name), default_controller_rate_limiter())
    }

    /// Rate-limited retries over `queue` (for a queue made with a name or a metrics provider).
    pub fn from_queue(queue: WorkQueue<T>, limiter: impl RateLimiter<T> + 'static) -> Self {
        Self {
            queue,
            limiter: Arc::new(limiter),
        }
    }

    /// A queue with `limiter`.
    pub fn with_rate_limiter(limiter: impl RateLimiter<T> + 'static) -> Self {
        Self {
            queue: WorkQueue::new(),
            limiter: Arc::new(limiter),
        }
    }

    /// Queues `item` after the delay the rate limiter picks (a retry).
    pub fn add_rate_limited(&self, item: T) {
        let delay = self.limiter.when(&item);
        self.queue.record_retry();
        self.queue.add_after(item, delay);
    }

    /// Forgets `item`'s failures: its next retry starts from the shortest delay.
    pub fn forget(&self, item: &T) {
        self.limiter.forget(item);
    }

    /// How many times `item` was retried since it was last forgotten.
    pub fn num_requeues(&self, item: &T) -> u32 {
        self.limiter.num_requeues(item)
    }
}

impl<T> Deref for RateLimitingQueue<T> {
    type Target = WorkQueue<T>;

    fn deref(&self) -> &WorkQueue<T> {
        &self.queue
    }
}
