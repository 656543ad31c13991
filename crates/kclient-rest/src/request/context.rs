//! `RequestContext`: the verb, URL and deadline of one request in flight, carried from the
//! builder to the response, body decoders and watch streams so every error names its request.

use std::future::Future;
use std::time::Duration;

use http::Method;
use kclient_apimachinery::Status;
use tokio::time::Instant;

use crate::{BoxError, Error};

/// What errors about one request need to say, and when the request must be finished by.
#[derive(Debug, Clone)]
pub(crate) struct RequestContext {
    pub(crate) verb: Method,
    /// The request's URL as errors show it: no user information, no query.
    pub(crate) url: String,
    /// The client-side timeout of the whole request, body included (never set for watches).
    pub(crate) timeout: Option<Duration>,
    pub(crate) deadline: Option<Instant>,
}

impl RequestContext {
    /// A context whose deadline (if any) starts now. Errors show `url` without its user
    /// information and query ([`kclient_apimachinery::redact::url_for_errors`]).
    pub(crate) fn new(verb: Method, url: String, timeout: Option<Duration>) -> Self {
        Self {
            verb,
            url: kclient_apimachinery::redact::url_for_errors(&url),
            timeout,
            deadline: timeout.map(crate::deadline::after),
        }
    }

    /// Runs `fut`, failing with [`Error::Timeout`] if the deadline passes first.
    pub(crate) async fn run<F: Future>(&self, fut: F) -> Result<F::Output, Error> {
        match self.deadline {
            Some(deadline) => tokio::time::timeout_at(deadline, fut)
                .await
                .map_err(|_| self.timeout_error()),
            None => Ok(fut.await),
        }
    }

    pub(crate) fn timeout_error(&self) -> Error {
        Error::Timeout {
            verb: self.verb.clone(),
            url: self.url.clone(),
            timeout: self.timeout.unwrap_or_default(),
        }
    }

    /// A failure while reading the body. The whole-request timeout, which the timeout layer
    /// raises from inside the body, stays an [`Error::Timeout`] (so `is_timeout()` holds).
    pub(crate) fn read_body_error(&self, source: BoxError) -> Error {
        let source = match source.downcast::<Error>() {
            Ok(error) if matches!(*error, Error::Timeout { .. }) => return *error,
            Ok(error) => error,
            Err(other) => other,
        };
        Error::ReadBody {
            verb: self.verb.clone(),
            url: self.url.clone(),
            source,
        }
    }

    pub(crate) fn decode_error(
        &self,
        target: impl Into<String>,
        source: serde_json::Error,
    ) -> Error {
        Error::Decode {
            target: target.into(),
            verb: self.verb.clone(),
            url: self.url.clone(),
            source,
        }
    }

    /// An [`Error::Api`] for `status`, its code filled from the HTTP status when it has none
    /// (as client-go does).
    pub(crate) fn api_error(&self, mut status: Status, http_code: u16) -> Error {
        if status.code() == 0 {
            status.code = Some(http_code);
        }
        Error::Api {
            status: Box::new(status),
            verb: self.verb.clone(),
            url: self.url.clone(),
        }
    }
}
