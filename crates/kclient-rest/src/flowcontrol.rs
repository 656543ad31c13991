//! Client-side flow control (client-go's `util/flowcontrol`): the token bucket behind the
//! client's rate limiter, the work queues' overall limiter and the event spam filter. One
//! implementation, in the lowest crate that needs it.

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

use crate::Error;

/// A token bucket. Waiting callers reserve their token up front (the count may go negative),
/// so they are served in order.
#[derive(Debug)]
pub struct TokenBucket {
    qps: f64,
    burst: f64,
    state: Mutex<BucketState>,
}

#[derive(Debug)]
struct BucketState {
    tokens: f64,
    last: Instant,
}

impl TokenBucket {
    /// A full bucket refilled at `qps` tokens per second, holding at most `burst` (at least
    /// one). An error when `qps` is not a positive finite number.
    pub fn new(qps: f64, burst: u32, now: Instant) -> Result<Self, Error> {
        if !(qps.is_finite() && qps > 0.0) {
            return Err(Error::Config(format!(
                "invalid rate {qps} per second (must be a positive number)"
            )));
        }
        Ok(Self::saturating(qps, burst, now))
    }

    /// As [`TokenBucket::new`], but a rate that is not a positive finite number becomes the
    /// smallest positive one (or the largest finite one for +∞) instead of an error.
    pub fn saturating(qps: f64, burst: u32, now: Instant) -> Self {
        let qps = if qps.is_nan() || qps <= 0.0 {
            f64::MIN_POSITIVE
        } else {
            qps.min(f64::MAX)
        };
        let burst = f64::from(burst.max(1));
        Self {
            qps,
            burst,
            state: Mutex::new(BucketState {
                tokens: burst,
                last: now,
            }),
        }
    }

    /// Takes one token at `now`; returns how long to wait before using it (`Reserve`).
    pub fn reserve(&self, now: Instant) -> Duration {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        self.refill(&mut state, now);
        state.tokens -= 1.0;
        if state.tokens >= 0.0 {
            Duration::ZERO
        } else {
            Duration::try_from_secs_f64(-state.tokens / self.qps).unwrap_or(Duration::MAX)
        }
    }

    /// Takes one token at `now` if one is available, without waiting (`TryAccept`).
    pub fn try_accept(&self, now: Instant) -> bool {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        self.refill(&mut state, now);
        if state.tokens >= 1.0 {
            state.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// The tokens saved up since the last call, never more than `burst`.
    fn refill(&self, state: &mut BucketState, now: Instant) {
        let elapsed = now.saturating_duration_since(state.last).as_secs_f64();
        state.tokens = (state.tokens + elapsed * self.qps).min(self.burst);
        state.last = state.last.max(now);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn bucket_serves_burst_then_paces() {
        let t0 = Instant::now();
        let bucket = TokenBucket::new(2.0, 3, t0).unwrap();
        for _ in 0..3 {
            assert_eq!(bucket.reserve(t0), Duration::ZERO);
        }
        assert_eq!(bucket.reserve(t0), Duration::from_millis(500));
        assert_eq!(bucket.reserve(t0), Duration::from_millis(1000));
        // After 10 s the bucket is full again, never more than `burst`.
        let later = t0 + Duration::from_secs(10);
        for _ in 0..3 {
            assert_eq!(bucket.reserve(later), Duration::ZERO);
        }
        assert!(bucket.reserve(later) > Duration::ZERO);
    }

    #[test]
    fn try_accept_never_waits_and_refills() {
        let t0 = Instant::now();
        let bucket = TokenBucket::new(1.0 / 300.0, 2, t0).unwrap();
        assert!(bucket.try_accept(t0));
        assert!(bucket.try_accept(t0));
        assert!(!bucket.try_accept(t0));
        assert!(!bucket.try_accept(t0 + Duration::from_secs(299)));
        assert!(bucket.try_accept(t0 + Duration::from_secs(300)));
        assert!(TokenBucket::new(0.0, 1, t0).is_err());
    }
}
