//! Tower middleware of the transport stack, one module per concern. Each module exports an
//! `XLayer` and the `X` service it makes; `crate::transport::build_stack` composes them.
//!
//! Every layer works on the crate's request and response types and its typed [`Error`], so errors
//! are typed once, at the bottom of the stack, and never boxed on the way up.

pub(crate) mod auth;
pub(crate) mod impersonate;
pub(crate) mod rate_limit;
pub(crate) mod retry;
pub(crate) mod timeout;
pub(crate) mod trace;
pub(crate) mod user_agent;
pub(crate) mod warning_header;
pub(crate) mod warnings;

use std::future::Future;
use std::pin::Pin;

use http::{Request, Response};

use crate::{Error, RequestBody, RequestSettings, ResponseBody};

/// The future most layers return.
pub(crate) type ResponseFuture =
    Pin<Box<dyn Future<Output = Result<Response<ResponseBody>, Error>> + Send + 'static>>;

/// The settings the request builder attached, or the defaults.
pub(crate) fn settings_of<B>(request: &Request<B>) -> RequestSettings {
    request
        .extensions()
        .get::<RequestSettings>()
        .copied()
        .unwrap_or_default()
}

/// A copy of `request` to send again (bodies are in memory, so every request can be replayed).
pub(crate) fn clone_request(request: &Request<RequestBody>) -> Request<RequestBody> {
    let mut copy = Request::new(request.body().clone());
    *copy.method_mut() = request.method().clone();
    *copy.uri_mut() = request.uri().clone();
    *copy.version_mut() = request.version();
    *copy.headers_mut() = request.headers().clone();
    *copy.extensions_mut() = request.extensions().clone();
    copy
}

/// Takes the service that `poll_ready` prepared, leaving a fresh clone in its place (the usual
/// tower idiom for services that are called from a `'static` future).
pub(crate) fn take_ready<S: Clone>(service: &mut S) -> S {
    let clone = service.clone();
    std::mem::replace(service, clone)
}
