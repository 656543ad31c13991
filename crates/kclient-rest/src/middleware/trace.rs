//! One `tracing` span per request (`kclient.request`) with the verb, the path (never the query,
//! never a header, so no credential), and — once known — the status and latency.

use std::task::{Context, Poll};

use http::{Request, Response};
use tokio::time::Instant;
use tower::{Layer, Service};
use tracing::Instrument;

use super::ResponseFuture;
use crate::{Error, RequestBody, ResponseBody};

/// Makes [`Trace`] services.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct TraceLayer;

impl<S> Layer<S> for TraceLayer {
    type Service = Trace<S>;

    fn layer(&self, inner: S) -> Trace<S> {
        Trace { inner }
    }
}

/// Wraps each request in a span.
#[derive(Clone, Debug)]
pub(crate) struct Trace<S> {
    inner: S,
}

impl<S> Service<Request<RequestBody>> for Trace<S>
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
        let span = tracing::debug_span!(
            "kclient.request",
            verb = %request.method(),
            path = %request.uri().path(),
            status = tracing::field::Empty,
            latency_ms = tracing::field::Empty,
        );
        let response = span.in_scope(|| self.inner.call(request));
        let record = span.clone();
        Box::pin(
            async move {
                let start = Instant::now();
                let result = response.await;
                let latency_ms = start.elapsed().as_millis() as u64;
                record.record("latency_ms", latency_ms);
                match &result {
                    Ok(response) => {
                        record.record("status", response.status().as_u16());
                        tracing::debug!(
                            status = response.status().as_u16(),
                            latency_ms,
                            "response"
                        );
                    }
                    Err(error) => tracing::debug!(%error, latency_ms, "request failed"),
                }
                result
            }
            .instrument(span),
        )
    }
}
