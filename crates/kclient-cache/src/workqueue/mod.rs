//! Work queues for controllers (client-go's `util/workqueue`): a deduplicating [`WorkQueue`]
//! with delays, a [`RateLimitingQueue`] for retries, the [`RateLimiter`]s they use, and
//! [`QueueMetrics`].
//!
//! The usual controller loop: event handlers `add` object keys; workers `get` a key, reconcile,
//! then `forget` it on success or `add_rate_limited` it on failure, and always call `done`.
//!
//! ```text
//!   handlers --add(key)--> [ queue (deduplicated) ] --get--> worker --done--+
//!                              ^      ^                        |            |
//!                              |      +-- add_after(delay) ----+ failure    |
//!                              +---- re-queued if added while processing <--+
//! ```

mod metrics;
mod queue;
mod rate_limiter;
mod rate_limiting;

#[cfg(feature = "metrics")]
mod metrics_facade;

pub use metrics::{DurationStats, MetricsProvider, QueueMetrics, set_metrics_provider};
#[cfg(feature = "metrics")]
pub use metrics_facade::{MetricsFacade, QUEUE_DURATION_BUCKETS};
pub use queue::WorkQueue;
pub use rate_limiter::{
    BucketRateLimiter, DEFAULT_ITEM_BASE_DELAY, DEFAULT_ITEM_MAX_DELAY, DEFAULT_OVERALL_BURST,
    DEFAULT_OVERALL_QPS, ItemExponentialRateLimiter, ItemFastSlowRateLimiter, MaxOfRateLimiter,
    RateLimiter, default_controller_rate_limiter,
};
pub use rate_limiting::RateLimitingQueue;
