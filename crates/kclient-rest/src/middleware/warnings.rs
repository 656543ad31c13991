//! Hands the server's `Warning` headers to the configured [`WarningHandler`], or — like
//! client-go's default `WarningLogger` — logs warnings with code 299 and non-empty text.

use std::sync::Arc;
use std::task::{Context, Poll};

use http::{Request, Response};
use kclient_config::WarningHandler;
use tower::{Layer, Service};

use super::ResponseFuture;
use super::warning_header::{Warning, parse_warning_headers};
use crate::{Error, RequestBody, ResponseBody};

/// Makes [`Warnings`] services.
#[derive(Clone)]
pub(crate) struct WarningsLayer {
    handler: Option<Arc<dyn WarningHandler>>,
}

impl std::fmt::Debug for WarningsLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WarningsLayer")
            .field("handler", &self.handler.as_ref().map(|_| "<handler>"))
            .finish()
    }
}

impl WarningsLayer {
    /// Sends warnings to `handler`, or logs them when `None`.
    pub(crate) fn new(handler: Option<Arc<dyn WarningHandler>>) -> Self {
        Self { handler }
    }
}

impl<S> Layer<S> for WarningsLayer {
    type Service = Warnings<S>;

    fn layer(&self, inner: S) -> Warnings<S> {
        Warnings {
            inner,
            handler: self.handler.clone(),
        }
    }
}

/// Reports the warnings of each response.
#[derive(Clone)]
pub(crate) struct Warnings<S> {
    inner: S,
    handler: Option<Arc<dyn WarningHandler>>,
}

impl<S> Service<Request<RequestBody>> for Warnings<S>
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
        let handler = self.handler.clone();
        let response = self.inner.call(request);
        Box::pin(async move {
            let response = response.await?;
            let (warnings, errors) = parse_warning_headers(response.headers());
            for error in errors {
                tracing::debug!(%error, "malformed Warning header");
            }
            for warning in &warnings {
                report(handler.as_deref(), warning);
            }
            Ok(response)
        })
    }
}

/// Passes one warning to `handler`, or logs it the way client-go's default handler does.
fn report(handler: Option<&dyn WarningHandler>, warning: &Warning) {
    match handler {
        Some(handler) => handler.handle_warning(warning.code, &warning.agent, &warning.text),
        None if warning.code == 299 && !warning.text.is_empty() => {
            tracing::warn!("Warning: {}", warning.text);
        }
        None => {}
    }
}
