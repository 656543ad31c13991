//! The per-request timeout (`RequestSettings::timeout`, client-go's `Request.Timeout`): it covers
//! waiting for the rate limiter, every retry, and reading the response body. Watches have none.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::{Method, Request, Response};
use http_body::{Body, Frame, SizeHint};
use http_body_util::BodyExt;
use tokio::time::Sleep;
use tower::{Layer, Service};

use super::{ResponseFuture, settings_of};
use crate::transport::url_without_query;
use crate::{BoxError, Error, RequestBody, ResponseBody};

/// Makes [`Timeout`] services.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct TimeoutLayer;

impl<S> Layer<S> for TimeoutLayer {
    type Service = Timeout<S>;

    fn layer(&self, inner: S) -> Timeout<S> {
        Timeout { inner }
    }
}

/// Fails requests that take longer than their timeout.
#[derive(Clone, Debug)]
pub(crate) struct Timeout<S> {
    inner: S,
}

impl<S> Service<Request<RequestBody>> for Timeout<S>
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
        let settings = settings_of(&request);
        let verb = request.method().clone();
        let url = url_without_query(request.uri());
        let response = self.inner.call(request);
        let after = match settings.timeout {
            Some(after) if !settings.is_watch => after,
            _ => return Box::pin(response),
        };
        Box::pin(async move {
            let deadline = crate::deadline::after(after);
            let response = tokio::time::timeout_at(deadline, response)
                .await
                .map_err(|_| Error::Timeout {
                    verb: verb.clone(),
                    url: url.clone(),
                    timeout: after,
                })??;
            Ok(response.map(|body| {
                DeadlineBody {
                    inner: body,
                    sleep: Box::pin(tokio::time::sleep_until(deadline)),
                    verb,
                    url,
                    after,
                }
                .boxed_unsync()
            }))
        })
    }
}

/// A body that fails with [`Error::Timeout`] once the request's deadline has passed.
struct DeadlineBody {
    inner: ResponseBody,
    sleep: Pin<Box<Sleep>>,
    verb: Method,
    url: String,
    after: Duration,
}

impl Body for DeadlineBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        if self.sleep.as_mut().poll(cx).is_ready() {
            let error = Error::Timeout {
                verb: self.verb.clone(),
                url: self.url.clone(),
                timeout: self.after,
            };
            return Poll::Ready(Some(Err(Box::new(error))));
        }
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use crate::RequestSettings;
    use tower::ServiceExt;

    fn slow_service(
        delay: Duration,
    ) -> impl Service<
        Request<RequestBody>,
        Response = Response<ResponseBody>,
        Error = Error,
        Future = impl Send + 'static,
    > + Clone {
        tower::service_fn(move |_r: Request<RequestBody>| async move {
            tokio::time::sleep(delay).await;
            let body = http_body_util::Full::new(Bytes::from_static(b"ok"))
                .map_err(|e| match e {})
                .boxed_unsync();
            Ok::<_, Error>(Response::new(body))
        })
    }

    fn request(timeout: Option<Duration>, is_watch: bool) -> Request<RequestBody> {
        let mut r = Request::new(RequestBody::default());
        r.extensions_mut().insert(RequestSettings {
            timeout,
            is_watch,
            ..Default::default()
        });
        r
    }

    #[tokio::test(start_paused = true)]
    async fn slow_requests_time_out_but_watches_do_not() {
        let svc = TimeoutLayer.layer(slow_service(Duration::from_secs(10)));
        let err = svc
            .clone()
            .oneshot(request(Some(Duration::from_secs(1)), false))
            .await
            .unwrap_err();
        assert!(err.is_timeout(), "{err}");
        let ok = svc
            .clone()
            .oneshot(request(Some(Duration::from_secs(1)), true))
            .await;
        assert!(ok.is_ok());
        let ok = svc
            .oneshot(request(Some(Duration::from_secs(60)), false))
            .await;
        let body = ok.unwrap().into_body().collect().await.unwrap().to_bytes();
        assert_eq!(&body[..], b"ok");
    }
}
