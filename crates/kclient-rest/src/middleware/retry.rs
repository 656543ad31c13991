//! Retries with client-go's semantics (`rest/with_retry.go`):
//! - a response with status 429 or ≥ 500 **and** an integer `Retry-After` header is retried after
//!   `max(Retry-After, backoff)`;
//! - a GET that failed because the connection was reset or closed early (EOF) is retried after
//!   1 s; other methods never are, and neither are connection failures;
//! - at most `RequestSettings::max_retries` retries; each goes back through the rate limiter
//!   (this layer sits outside it) with its attempt number in the request's extensions;
//! - when the last attempt fails, the error also describes the previous attempt.
//!
//! The backoff is zero unless `KUBE_CLIENT_BACKOFF_BASE` and `KUBE_CLIENT_BACKOFF_DURATION`
//! (seconds) are set, as in client-go; then it doubles from the base up to the duration.

use std::task::{Context, Poll};
use std::time::Duration;

use http::{Method, Request, Response, StatusCode};
use tower::{Layer, Service, ServiceExt};

use super::{ResponseFuture, clone_request, settings_of, take_ready};
use crate::extensions::Attempt;
use crate::metrics::SharedMetrics;
use crate::metrics::layer::observe_retry;
use crate::transport::errors::is_reset_or_eof;
use crate::wait;
use crate::{Error, RequestBody, ResponseBody};

/// The wait before retrying a GET after a connection reset (client-go's synthetic
/// `Retry-After: 1`).
const CONNECTION_RETRY_WAIT: Duration = Duration::from_secs(1);

/// Exponential backoff between retries; zero by default. A [`wait::Backoff`] doubling from the
/// base up to the cap, read without advancing it (the attempt number says how far).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Backoff {
    schedule: wait::Backoff,
}

impl Default for Backoff {
    fn default() -> Self {
        Self::new(Duration::ZERO, Duration::ZERO)
    }
}

impl Backoff {
    fn new(base: Duration, max: Duration) -> Self {
        Self {
            schedule: wait::Backoff::new(base, 2.0, 0.0, u32::MAX).with_cap(max),
        }
    }

    /// From `KUBE_CLIENT_BACKOFF_BASE` and `KUBE_CLIENT_BACKOFF_DURATION`, if both are set.
    pub(crate) fn from_env() -> Self {
        let secs = |name: &str| {
            std::env::var(name)
                .ok()
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs)
        };
        match (
            secs("KUBE_CLIENT_BACKOFF_BASE"),
            secs("KUBE_CLIENT_BACKOFF_DURATION"),
        ) {
            (Some(base), Some(max)) => Self::new(base, max),
            _ => Self::default(),
        }
    }

    /// The backoff before retry number `retry` (1-based).
    fn delay(&self, retry: u32) -> Duration {
        if self.schedule.cap.is_zero() {
            return Duration::ZERO;
        }
        self.schedule.delay_after(retry.saturating_sub(1))
    }
}

/// The `Retry-After` seconds of a response that client-go would retry.
pub(crate) fn retry_after(response: &Response<ResponseBody>) -> Option<Duration> {
    let status = response.status();
    if status != StatusCode::TOO_MANY_REQUESTS && !status.is_server_error() {
        return None;
    }
    let value = response.headers().get(http::header::RETRY_AFTER)?;
    let seconds = value.to_str().ok()?.trim().parse::<u64>().ok()?;
    Some(Duration::from_secs(seconds))
}

/// Makes [`Retry`] services.
#[derive(Clone, Default)]
pub(crate) struct RetryLayer {
    backoff: Backoff,
    metrics: Option<SharedMetrics>,
}

impl RetryLayer {
    /// Retries with `backoff` as the minimum wait.
    pub(crate) fn new(backoff: Backoff) -> Self {
        Self {
            backoff,
            metrics: None,
        }
    }

    /// Counts every retry in `metrics`.
    pub(crate) fn with_metrics(mut self, metrics: Option<SharedMetrics>) -> Self {
        self.metrics = metrics;
        self
    }
}

impl<S> Layer<S> for RetryLayer {
    type Service = Retry<S>;

    fn layer(&self, inner: S) -> Retry<S> {
        Retry {
            inner,
            backoff: self.backoff,
            metrics: self.metrics.clone(),
        }
    }
}

/// Retries requests the way client-go does.
#[derive(Clone)]
pub(crate) struct Retry<S> {
    inner: S,
    backoff: Backoff,
    metrics: Option<SharedMetrics>,
}

impl<S> Service<Request<RequestBody>> for Retry<S>
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
        let inner = take_ready(&mut self.inner);
        let backoff = self.backoff;
        Box::pin(run(inner, backoff, self.metrics.clone(), request))
    }
}

/// The retry loop of one request.
async fn run<S>(
    mut inner: S,
    backoff: Backoff,
    metrics: Option<SharedMetrics>,
    request: Request<RequestBody>,
) -> Result<Response<ResponseBody>, Error>
where
    S: Service<Request<RequestBody>, Response = Response<ResponseBody>, Error = Error>,
{
    let max_retries = settings_of(&request).max_retries;
    let retry_on_reset = request.method() == Method::GET;
    let mut previous: Option<String> = None;
    let mut attempt: u32 = 0;
    loop {
        let mut this = clone_request(&request);
        this.extensions_mut().insert(Attempt(attempt));
        let result = inner.ready().await?.call(this).await;
        let can_retry = attempt < max_retries;
        let (wait, what) = match &result {
            Ok(response) => match retry_after(response) {
                Some(after) if can_retry => (
                    after.max(backoff.delay(attempt + 1)),
                    format!(
                        "HTTP {} with Retry-After {}s",
                        response.status().as_u16(),
                        after.as_secs()
                    ),
                ),
                _ => return result,
            },
            Err(error) if can_retry && retry_on_reset && is_reset_or_eof(error) => (
                CONNECTION_RETRY_WAIT.max(backoff.delay(attempt + 1)),
                error_chain(error),
            ),
            Err(_) => {
                return match (result, previous) {
                    (Err(error), Some(previous)) => Err(Error::Retried {
                        attempts: attempt + 1,
                        previous,
                        source: Box::new(error),
                    }),
                    (result, _) => result,
                };
            }
        };
        observe_retry(metrics.as_ref(), &request, &result);
        drop(result);
        tracing::debug!(
            attempt = attempt + 1,
            wait_ms = wait.as_millis() as u64,
            reason = %what,
            "retrying request"
        );
        previous = Some(what);
        tokio::time::sleep(wait).await;
        attempt += 1;
    }
}

/// An error and its causes on one line.
fn error_chain(error: &Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use bytes::Bytes;
    use http_body_util::BodyExt;

    fn response(status: u16, retry_after: Option<&str>) -> Response<ResponseBody> {
        let mut b = Response::builder().status(status);
        if let Some(v) = retry_after {
            b = b.header("retry-after", v);
        }
        b.body(
            http_body_util::Full::new(Bytes::new())
                .map_err(|e| match e {})
                .boxed_unsync(),
        )
        .unwrap()
    }

    #[test]
    fn only_429_and_5xx_with_integer_retry_after() {
        assert_eq!(
            retry_after(&response(429, Some("3"))),
            Some(Duration::from_secs(3))
        );
        assert_eq!(
            retry_after(&response(503, Some(" 0 "))),
            Some(Duration::ZERO)
        );
        assert_eq!(retry_after(&response(503, None)), None);
        assert_eq!(retry_after(&response(500, Some("soon"))), None);
        assert_eq!(retry_after(&response(404, Some("1"))), None);
    }

    #[test]
    fn backoff_doubles_up_to_max() {
        let b = Backoff::new(Duration::from_secs(1), Duration::from_secs(5));
        assert_eq!(b.delay(1), Duration::from_secs(1));
        assert_eq!(b.delay(3), Duration::from_secs(4));
        assert_eq!(b.delay(30), Duration::from_secs(5));
        assert_eq!(Backoff::default().delay(3), Duration::ZERO);
    }
}
