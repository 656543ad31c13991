//! Sets `Authorization` from the client's [`Authenticator`] unless the request already has one,
//! and reacts to 401 responses: a token file is re-read on the next request; an exec credential
//! is refreshed and the request sent once more with it.

use std::sync::Arc;
use std::task::{Context, Poll};

use http::header::AUTHORIZATION;
use http::{Request, Response, StatusCode};
use tower::{Layer, Service, ServiceExt};

use super::{ResponseFuture, clone_request, take_ready};
use crate::auth::Authenticator;
use crate::{Error, RequestBody, ResponseBody};

/// Makes [`Auth`] services sharing one authenticator (and its caches).
#[derive(Clone, Debug)]
pub(crate) struct AuthLayer {
    authenticator: Arc<Authenticator>,
}

impl AuthLayer {
    /// Authenticates with `authenticator`.
    pub(crate) fn new(authenticator: Arc<Authenticator>) -> Self {
        Self { authenticator }
    }
}

impl<S> Layer<S> for AuthLayer {
    type Service = Auth<S>;

    fn layer(&self, inner: S) -> Auth<S> {
        Auth {
            inner,
            authenticator: self.authenticator.clone(),
        }
    }
}

/// Adds credentials to requests.
#[derive(Clone, Debug)]
pub(crate) struct Auth<S> {
    inner: S,
    authenticator: Arc<Authenticator>,
}

impl<S> Service<Request<RequestBody>> for Auth<S>
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
        let mut inner = take_ready(&mut self.inner);
        let authenticator = self.authenticator.clone();
        let preset = request.headers().contains_key(AUTHORIZATION);
        if preset && !authenticator.needed_despite_header() {
            return Box::pin(inner.call(request));
        }
        Box::pin(async move {
            let credential = authenticator.credential().await?;
            let retry_copy = (!preset).then(|| clone_request(&request));
            let mut request = request;
            if let (false, Some(header)) = (preset, &credential.header) {
                request.headers_mut().insert(AUTHORIZATION, header.clone());
            }
            let response = inner.call(request).await?;
            if response.status() != StatusCode::UNAUTHORIZED {
                return Ok(response);
            }
            let Some(mut retry) = retry_copy else {
                return Ok(response);
            };
            if !authenticator.unauthorized(&credential).await {
                return Ok(response);
            }
            drop(response);
            tracing::debug!("401 Unauthorized: retrying once with a refreshed credential");
            let credential = authenticator.credential().await?;
            if let Some(header) = credential.header {
                retry.headers_mut().insert(AUTHORIZATION, header);
            }
            inner.ready().await?.call(retry).await
        })
    }
}
