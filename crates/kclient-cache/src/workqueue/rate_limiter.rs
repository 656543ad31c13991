//! Rate limiters that decide how long a failed item waits before it is retried (client-go's
//! `workqueue.TypedRateLimiter` family).
//!
//! The default, [`default_controller_rate_limiter`], is client-go's
//! `DefaultTypedControllerRateLimiter`: the larger of a per-item exponential backoff (5 ms
//! doubling up to 1000 s) and an overall token bucket (10 per second, burst 100).

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use kclient_rest::flowcontrol::TokenBucket;
use kclient_rest::wait;
use tokio::time::Instant;

/// Decides retry delays per item.
pub trait RateLimiter<T>: Send + Sync {
    /// How long `item` should wait now (and counts this as a retry).
    fn when(&self, item: &T) -> Duration;
    /// Forgets `item`'s failures (it succeeded).
    fn forget(&self, item: &T);
    /// How many times `item` has been retried since it was last forgotten.
    fn num_requeues(&self, item: &T) -> u32;
}

fn lock<X>(m: &Mutex<X>) -> MutexGuard<'_, X> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// `base * 2^failures`, capped at `max`, per item (client-go's
/// `ItemExponentialFailureRateLimiter`).
#[derive(Debug)]
pub struct ItemExponentialRateLimiter<T> {
    schedule: wait::Backoff,
    failures: Mutex<HashMap<T, u32>>,
}

impl<T> ItemExponentialRateLimiter<T> {
    /// A limiter starting at `base` and capped at `max`.
    pub fn new(base: Duration, max: Duration) -> Self {
        Self {
            // A zero cap means "no delay" here (every delay is at most `max`), not "no cap".
            schedule: wait::Backoff::new(if max.is_zero() { max } else { base }, 2.0, 0.0, 0)
                .with_cap(max),
            failures: Mutex::new(HashMap::new()),
        }
    }
}

impl<T: Hash + Eq + Clone + Send> RateLimiter<T> for ItemExponentialRateLimiter<T> {
    fn when(&self, item: &T) -> Duration {
        let mut failures = lock(&self.failures);
        let n = failures.entry(item.clone()).or_insert(0);
        let exp = *n;
        *n = n.saturating_add(1);
        self.schedule.delay_after(exp)
    }

    fn forget(&self, item: &T) {
        lock(&self.failures).remove(item);
    }

    fn num_requeues(&self, item: &T) -> u32 {
        lock(&self.failures).get(item).copied().unwrap_or(0)
    }
}

/// `fast` for the first `max_fast` retries of an item, `slow` after (client-go's
/// `ItemFastSlowRateLimiter`).
#[derive(Debug)]
pub struct ItemFastSlowRateLimiter<T> {
    fast: Duration,
    slow: Duration,
    max_fast: u32,
    failures: Mutex<HashMap<T, u32>>,
}

impl<T> ItemFastSlowRateLimiter<T> {
    /// A limiter with `max_fast` fast retries.
    pub fn new(fast: Duration, slow: Duration, max_fast: u32) -> Self {
        Self {
            fast,
            slow,
            max_fast,
            failures: Mutex::new(HashMap::new()),
        }
    }
}

impl<T: Hash + Eq + Clone + Send> RateLimiter<T> for ItemFastSlowRateLimiter<T> {
    fn when(&self, item: &T) -> Duration {
        let mut failures = lock(&self.failures);
        let n = failures.entry(item.clone()).or_insert(0);
        *n = n.saturating_add(1);
        if *n <= self.max_fast {
            self.fast
        } else {
            self.slow
        }
    }

    fn forget(&self, item: &T) {
        lock(&self.failures).remove(item);
    }

    fn num_requeues(&self, item: &T) -> u32 {
        lock(&self.failures).get(item).copied().unwrap_or(0)
    }
}

/// An overall token bucket: `qps` tokens per second, at most `burst` saved up; every call takes
/// a token, waiting for it if none is left (client-go's `BucketRateLimiter` over
/// `rate.Limiter.Reserve`). Not per item: `forget` does nothing and `num_requeues` is 0. The
/// bucket is kclient-rest's [`TokenBucket`], the one behind the client's rate limiter.
#[derive(Debug)]
pub struct BucketRateLimiter {
    bucket: TokenBucket,
}

impl BucketRateLimiter {
    /// A bucket of `burst` tokens (at least one) refilled at `qps` per second; a `qps` that is
    /// not a positive number is taken as the smallest positive rate.
    pub fn new(qps: f64, burst: u32) -> Self {
        Self {
            bucket: TokenBucket::saturating(qps, burst, Instant::now()),
        }
    }
}

impl<T> RateLimiter<T> for BucketRateLimiter {
    fn when(&self, _item: &T) -> Duration {
        self.bucket.reserve(Instant::now())
    }

    fn forget(&self, _item: &T) {}

    fn num_requeues(&self, _item: &T) -> u32 {
        0
    }
}

/// The largest delay of several limiters (client-go's `MaxOfRateLimiter`).
pub struct MaxOfRateLimiter<T> {
    limiters: Vec<Box<dyn RateLimiter<T>>>,
}

impl<T> std::fmt::Debug for MaxOfRateLimiter<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MaxOfRateLimiter")
            .field("limiters", &self.limiters.len())
            .finish()
    }
}

impl<T> MaxOfRateLimiter<T> {
    /// The maximum of `limiters`.
    pub fn new(limiters: Vec<Box<dyn RateLimiter<T>>>) -> Self {
        Self { limiters }
    }
}

impl<T> RateLimiter<T> for MaxOfRateLimiter<T> {
    fn when(&self, item: &T) -> Duration {
        self.limiters
            .iter()
            .map(|l| l.when(item))
            .max()
            .unwrap_or_default()
    }

    fn forget(&self, item: &T) {
        for l in &self.limiters {
            l.forget(item);
        }
    }

    fn num_requeues(&self, item: &T) -> u32 {
        self.limiters
            .iter()
            .map(|l| l.num_requeues(item))
            .max()
            .unwrap_or(0)
    }
}

/// client-go's per-item base delay (5 ms).
pub const DEFAULT_ITEM_BASE_DELAY: Duration = Duration::from_millis(5);
/// client-go's per-item maximum delay (1000 s).
pub const DEFAULT_ITEM_MAX_DELAY: Duration = Duration::from_secs(1000);
/// client-go's overall rate (10 per second).
pub const DEFAULT_OVERALL_QPS: f64 = 10.0;
/// client-go's overall burst (100).
pub const DEFAULT_OVERALL_BURST: u32 = 100;

/// The larger of a per-item exponential backoff (5 ms to 1000 s) and an overall token bucket
/// (10 per second, burst 100): client-go's `DefaultTypedControllerRateLimiter`.
pub fn default_controller_rate_limiter<T>() -> MaxOfRateLimiter<T>
where
    T: Hash + Eq + Clone + Send + 'static,
{
    MaxOfRateLimiter::new(vec![
        Box::new(ItemExponentialRateLimiter::new(
            DEFAULT_ITEM_BASE_DELAY,
            DEFAULT_ITEM_MAX_DELAY,
        )),
        Box::new(BucketRateLimiter::new(
            DEFAULT_OVERALL_QPS,
            DEFAULT_OVERALL_BURST,
        )),
    ])
}
