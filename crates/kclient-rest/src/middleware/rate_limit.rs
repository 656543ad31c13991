//! Client-side rate limiting (client-go's token bucket `flowcontrol.NewTokenBucketRateLimiter`):
//! `qps` tokens per second, at most `burst` saved up, the bucket starting full. One bucket is
//! shared by every clone of a client. The first attempt of a watch is not throttled, and requests
//! whose `RequestSettings::throttle` is false bypass the limiter; retries are throttled again.

use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use http::{Request, Response};
use tokio::time::Instant;
use tower::{Layer, Service};

use super::{ResponseFuture, settings_of, take_ready};
use crate::extensions::Attempt;
use crate::flowcontrol::TokenBucket;
use crate::metrics::SharedMetrics;
use crate::metrics::layer::observe_throttle;
use crate::{Error, RequestBody, ResponseBody};

/// Waits longer than this are logged (client-go logs throttling above 1 s at V2).
const LOG_WAIT_ABOVE: Duration = Duration::from_secs(1);

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
            bucket: Arc::new(TokenBucket::new(f64::from(qps), burst, Instant::now())?),
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

    #[test]
    fn invalid_qps_is_rejected() {
        assert!(RateLimitLayer::new(Some(f32::NAN), 1).is_err());
        assert!(RateLimitLayer::new(None, 1).unwrap().is_none());
    }
}
