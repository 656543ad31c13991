//! Client-side rate limiting (client-go's token bucket `flowcontrol.NewTokenBucketRateLimiter`):
//! `qps` tokens per second, at most `burst` saved up, the bucket starting full. One bucket is
//! shared by every clone of a client. The first attempt of a watch is not throttled, and requests
//! whose `RequestSettings::throttle` is false bypass the limiter; retries are throttled again.

use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use http::{Request, Response};
use tokio::time::Instant;
use tower::{Layer, Service};

use super::{ResponseFuture, settings_of, take_ready};
use crate::extensions::Attempt;
use crate::metrics::SharedMetrics;
use crate::metrics::layer::observe_throttle;
use crate::{Error, RequestBody, ResponseBody};

/// Waits longer than this are logged (client-go logs throttling above 1 s at V2).
const LOG_WAIT_ABOVE: Duration = Duration::from_secs(1);

/// A token bucket. Waiting callers reserve their token up front (the count may go negative),
/// so they are served in order.
#[derive(Debug)]
pub(crate) struct TokenBucket {
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
    /// A full bucket refilled at `qps` tokens per second, holding at most `burst`.
    pub(crate) fn new(qps: f32, burst: u32, now: Instant) -> Result<Self, Error> {
        if !(qps.is_finite() && qps > 0.0) {
            return Err(Error::Config(format!("invalid client QPS {qps}")));
        }
        let burst = f64::from(burst.max(1));
        Ok(Self {
            qps: f64::from(qps),
            burst,
            state: Mutex::new(BucketState {
                tokens: burst,
                last: now,
            }),
        })
    }

    /// Takes one token at `now`; returns how long to wait before using it.
    pub(crate) fn reserve(&self, now: Instant) -> Duration {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let elapsed = now.saturating_duration_since(state.last).as_secs_f64();
        state.tokens = (state.tokens + elapsed * self.qps).min(self.burst);
        state.last = state.last.max(now);
        state.tokens -= 1.0;
        if state.tokens >= 0.0 {
            Duration::ZERO
        } else {
            Duration::try_from_secs_f64(-state.tokens / self.qps).unwrap_or(Duration::MAX)
        }
    }
}

/// Makes [`RateLimit`] services sharing one bucket.
#[derive(Clone)]
pub(crate) struct RateLimitLayer {
    bucket: Arc<TokenBucket>,
    metrics: Option<SharedMetrics>,
}

impl RateLimitLayer {
    /// A limiter for `qps`/`burst`; `None` when `qps` is `None` (rate limiting disabled).
    pub(crate) fn new(qps: Option<f32>, burst: u32) -> Result<Option<Self>, Error> {
        let Some(qps) = qps else { return Ok(None) };
        Ok(Some(Self {
            bucket: Arc::new(TokenBucket::new(qps, burst, Instant::now())?),
            metrics: None,
        }))
    }

    /// Reports every wait (zero included) to `metrics`.
    pub(crate) fn with_metrics(mut self, metrics: Option<SharedMetrics>) -> Self {
        self.metrics = metrics;
        self
    }
}

impl<S> Layer<S> for RateLimitLayer {
    type Service = RateLimit<S>;

    fn layer(&self, inner: S) -> RateLimit<S> {
        RateLimit {
            inner,
            bucket: self.bucket.clone(),
            metrics: self.metrics.clone(),
        }
    }
}

/// Waits for a token before each attempt.
#[derive(Clone)]
pub(crate) struct RateLimit<S> {
    inner: S,
    bucket: Arc<TokenBucket>,
    metrics: Option<SharedMetrics>,
}

impl<S> Service<Request<RequestBody>> for RateLimit<S>
where
    S: Service<Request<RequestBody>, Response = Response<ResponseBody>, Error = Error>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
{
    type Response = Response<ResponseBody>;
    type Error = Error;
    type Future = ResponseFuture;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<RequestBody>) -> ResponseFuture {
        let settings = settings_of(&request);
        let attempt = request.extensions().get::<Attempt>().map_or(0, |a| a.0);
        let exempt = !settings.throttle || (settings.is_watch && attempt == 0);
        let mut inner = take_ready(&mut self.inner);
        if exempt {
            return Box::pin(inner.call(request));
        }
        let wait = self.bucket.reserve(Instant::now());
        observe_throttle(self.metrics.as_ref(), &request, wait);
        Box::pin(async move {
            if !wait.is_zero() {
                if wait > LOG_WAIT_ABOVE {
                    tracing::info!(
                        wait_ms = wait.as_millis() as u64,
                        "waiting due to client-side throttling, not priority and fairness"
                    );
                }
                tokio::time::sleep(wait).await;
            }
            inner.call(request).await
        })
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
    fn invalid_qps_is_rejected() {
        assert!(RateLimitLayer::new(Some(f32::NAN), 1).is_err());
        assert!(RateLimitLayer::new(None, 1).unwrap().is_none());
    }
}
