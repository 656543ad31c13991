//! The two layers that report to a [`ClientMetrics`] sink: [`RequestMetricsLayer`] at the top
//! of the stack (latency of the whole request, retries and throttling included) and
//! [`AttemptMetricsLayer`] near the bottom (per attempt: request size, result code, and the
//! response size once its body has been read to the end). Throttling and retries are reported
//! by the rate-limit and retry layers themselves.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::{Request, Response};
use http_body::{Body, Frame, SizeHint};
use http_body_util::BodyExt;
use tokio::time::Instant;
use tower::{Layer, Service};

use super::{SharedMetrics, code_label, host_label};
use crate::middleware::ResponseFuture;
use crate::{BoxError, Error, RequestBody, ResponseBody};

/// Makes [`RequestMetrics`] services.
#[derive(Clone)]
pub(crate) struct RequestMetricsLayer {
    metrics: SharedMetrics,
}

impl RequestMetricsLayer {
    /// Reports to `metrics`.
    pub(crate) fn new(metrics: SharedMetrics) -> Self {
        Self { metrics }
    }
}

impl<S> Layer<S> for RequestMetricsLayer {
    type Service = RequestMetrics<S>;

    fn layer(&self, inner: S) -> RequestMetrics<S> {
        RequestMetrics {
            inner,
            metrics: self.metrics.clone(),
        }
    }
}

/// Observes the latency of each request.
#[derive(Clone)]
pub(crate) struct RequestMetrics<S> {
    inner: S,
    metrics: SharedMetrics,
}

impl<S> Service<Request<RequestBody>> for RequestMetrics<S>
where
    S: Service<Request<RequestBody>, Response = Response<ResponseBody>, Error = Error>,
    S::Future: Send + 'static,
{
    type Response = Response<ResponseBody>;
    type Error = Error;
    type Future = ResponseFuture;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<RequestBody>) -> ResponseFuture {
        let verb = request.method().as_str().to_string();
        let host = host_label(request.uri());
        let metrics = self.metrics.clone();
        let start = Instant::now();
        let response = self.inner.call(request);
        Box::pin(async move {
            let result = response.await;
            metrics.request_latency(&verb, &host, start.elapsed());
            result
        })
    }
}

/// Makes [`AttemptMetrics`] services.
#[derive(Clone)]
pub(crate) struct AttemptMetricsLayer {
    metrics: SharedMetrics,
}

impl AttemptMetricsLayer {
    /// Reports to `metrics`.
    pub(crate) fn new(metrics: SharedMetrics) -> Self {
        Self { metrics }
    }
}

impl<S> Layer<S> for AttemptMetricsLayer {
    type Service = AttemptMetrics<S>;

    fn layer(&self, inner: S) -> AttemptMetrics<S> {
        AttemptMetrics {
            inner,
            metrics: self.metrics.clone(),
        }
    }
}

/// Observes each attempt: request size, result, and response size.
#[derive(Clone)]
pub(crate) struct AttemptMetrics<S> {
    inner: S,
    metrics: SharedMetrics,
}

impl<S> Service<Request<RequestBody>> for AttemptMetrics<S>
where
    S: Service<Request<RequestBody>, Response = Response<ResponseBody>, Error = Error>,
    S::Future: Send + 'static,
{
    type Response = Response<ResponseBody>;
    type Error = Error;
    type Future = ResponseFuture;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<RequestBody>) -> ResponseFuture {
        let verb = request.method().as_str().to_string();
        let host = host_label(request.uri());
        let size = request.body().size_hint().exact().unwrap_or_default();
        self.metrics.request_size(&verb, &host, size);
        let metrics = self.metrics.clone();
        let response = self.inner.call(request);
        Box::pin(async move {
            let result = response.await;
            let code = code_label(result.as_ref().map(|r| r.status()).map_err(|_| ()));
            metrics.request_result(&code, &verb, &host);
            let response = result?;
            Ok(response.map(|body| {
                CountingBody {
                    inner: body,
                    bytes: 0,
                    report: Some(Report {
                        metrics,
                        verb,
                        host,
                    }),
                }
                .boxed_unsync()
            }))
        })
    }
}

/// What to report once a body has ended.
struct Report {
    metrics: SharedMetrics,
    verb: String,
    host: String,
}

/// A response body that counts its bytes and reports the total at its end.
struct CountingBody {
    inner: ResponseBody,
    bytes: u64,
    report: Option<Report>,
}

impl Body for CountingBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = &mut *self;
        let polled = Pin::new(&mut this.inner).poll_frame(cx);
        match &polled {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    this.bytes += data.len() as u64;
                }
                if this.inner.is_end_stream() {
                    this.finish();
                }
            }
            Poll::Ready(None) => this.finish(),
            _ => {}
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

impl CountingBody {
    fn finish(&mut self) {
        if let Some(r) = self.report.take() {
            r.metrics.response_size(&r.verb, &r.host, self.bytes);
        }
    }
}

/// Observes a rate-limiter wait, if there is a sink.
pub(crate) fn observe_throttle(
    metrics: Option<&SharedMetrics>,
    request: &Request<RequestBody>,
    wait: std::time::Duration,
) {
    if let Some(m) = metrics {
        m.rate_limiter_latency(request.method().as_str(), &host_label(request.uri()), wait);
    }
}

/// Counts a retry, if there is a sink.
pub(crate) fn observe_retry(
    metrics: Option<&SharedMetrics>,
    request: &Request<RequestBody>,
    result: &Result<Response<ResponseBody>, Error>,
) {
    if let Some(m) = metrics {
        let code = code_label(result.as_ref().map(|r| r.status()).map_err(|_| ()));
        m.request_retry(&code, request.method().as_str(), &host_label(request.uri()));
    }
}
